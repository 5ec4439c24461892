/** Stable DNS names. Resource names are chosen by the constructs; these only compose them. */
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
