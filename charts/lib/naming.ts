/** Stable DNS names. Resource names are chosen by the constructs; these only compose them. */
import { createHash } from 'crypto';
import type { EnvironmentConfig } from '../../environments/schema';

/** `<service>.<namespace>.svc.<cluster domain>` */
export function serviceHost(config: EnvironmentConfig, service: string, namespace: string): string {
  return `${service}.${namespace}.svc.${config.cluster.clusterDomain}`;
}

/** The stable name of one StatefulSet pod behind its headless Service. */
export function podHost(config: EnvironmentConfig, statefulSet: string, ordinal: number, headless: string, namespace: string): string {
  return `${statefulSet}-${ordinal}.${serviceHost(config, headless, namespace)}`;
}

/** Names of a StatefulSet's pods, in ordinal order. */
export function podNames(statefulSet: string, replicas: number): string[] {
  return Array.from({ length: replicas }, (_, i) => `${statefulSet}-${i}`);
}

export function tenantNamespace(tenantId: string): string {
  return `tenant-${tenantId}`;
}

/**
 * `<base>-<first 10 hex of sha256(JSON of content)>`, for Jobs applied with `kubectl apply`: a Job's pod template
 * is immutable and a finished Job never runs again, so a changed script or spec must arrive under a new name.
 */
export function contentName(base: string, content: unknown): string {
  return `${base}-${createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 10)}`;
}

/** Finished content-named Jobs are collected after a day (their logs stay readable until then). */
export const FINISHED_JOB_TTL_SECONDS = 86400;

/** `receivables/dev`: the environment's folder under dist/ (and how the output layer names it). */
export function outputFolder(config: EnvironmentConfig): string {
  return `${config.platform.name}/${config.name}`;
}

/** `receivables-dev`: the prefix of the environment's Argo CD names, so two platforms can share one Argo CD. */
export function deploymentName(config: EnvironmentConfig): string {
  return `${config.platform.name}-${config.name}`;
}
