/** Jobs of the stores: those Argo CD runs after a sync (users, buckets, policies, topics), and scheduled ones (backups). */
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

export interface ScheduledJobProps {
  readonly config: EnvironmentConfig;
  readonly name: string;
  readonly namespace: string;
  readonly id: Identity;
  readonly version?: string;
  readonly schedule: string;
  /** @default the controller's (kube-controller-manager's) time zone */
  readonly timeZone?: string;
  /** How late a missed run may still start. */
  readonly startingDeadlineSeconds: number;
  /** Successful runs kept for inspection (failed ones: 3). @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** @default 2 */
  readonly backoffLimit?: number;
  readonly activeDeadlineSeconds: number;
  /** When a finished run is deleted; unset, only the history limits delete them. */
  readonly ttlSecondsAfterFinished?: number;
  /** The pod template's annotations (a checksum of the scripts it runs). */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** The pod, but for its restart policy (Never: the Job retries, up to backoffLimit). */
  readonly pod: Omit<k8s.PodSpec, 'restartPolicy'>;
}

/**
 * A store's scheduled job (a backup, a mirror): never two runs at once (a long one is not joined by the next), a
 * missed run started late within its deadline, the last runs kept, and the pods labelled as the CronJob.
 */
export function scheduledJob(scope: Construct, id: string, p: ScheduledJobProps): k8s.KubeCronJob {
  return new k8s.KubeCronJob(scope, id, {
    metadata: meta(p.config, { name: p.name, namespace: p.namespace, id: p.id, version: p.version }),
    spec: {
      schedule: p.schedule,
      timeZone: p.timeZone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: p.startingDeadlineSeconds,
      successfulJobsHistoryLimit: p.successfulJobsHistoryLimit ?? 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: p.backoffLimit ?? 2,
          activeDeadlineSeconds: p.activeDeadlineSeconds,
          ttlSecondsAfterFinished: p.ttlSecondsAfterFinished,
          template: {
            metadata: { labels: meta(p.config, { name: p.name, id: p.id, version: p.version }).labels, ...(p.podAnnotations ? { annotations: { ...p.podAnnotations } } : {}) },
            spec: { restartPolicy: 'Never', ...p.pod },
          },
        },
      },
    },
  });
}
