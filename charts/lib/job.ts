/** Jobs that Argo CD runs after a sync: the setup steps of a store (users, buckets, policies, topics). */
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments/schema';
import { k8s } from '../../imports/k8s';
import { meta, type Identity } from './labels';
import { contentName, FINISHED_JOB_TTL_SECONDS } from './naming';

/**
 * Run after every Argo CD sync, once the application is healthy (so the scripts must be idempotent); the previous
 * run is deleted first, because a Job's pod template is immutable.
 */
export const POST_SYNC_HOOK: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/hook': 'PostSync',
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
};

export interface SetupJobProps {
  readonly config: EnvironmentConfig;
  /** The base of the Job's name: the name is `<name>-<hash of files and template>`. */
  readonly name: string;
  readonly namespace: string;
  readonly id: Identity;
  /** The files the Job runs (its ConfigMap's data). */
  readonly files: Readonly<Record<string, string>>;
  /**
   * The pod template. Its JSON, as written (key order included), is part of the name: build it the same way or
   * the Job is renamed, and runs again.
   */
  readonly template: k8s.PodTemplateSpec;
}

/**
 * A setup Job: a PostSync hook for Argo CD, and named after its files and template so that `kubectl apply`
 * (installer, -k) runs a changed one as a new Job; finished ones are collected after a day.
 */
export function setupJob(scope: Construct, id: string, p: SetupJobProps): k8s.KubeJob {
  return new k8s.KubeJob(scope, id, {
    metadata: meta(p.config, {
      name: contentName(p.name, { files: p.files, template: p.template }), namespace: p.namespace, id: p.id, annotations: { ...POST_SYNC_HOOK },
    }),
    spec: { backoffLimit: 6, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: FINISHED_JOB_TTL_SECONDS, template: p.template },
  });
}
