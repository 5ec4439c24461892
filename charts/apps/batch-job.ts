/**
 * A batch job of app-batch (spec 002 §5.1.2): a CronJob that never overlaps itself, with the hard deadline
 * and the sizes of seed 003's queue workers, finished Jobs cleaned up after a day, and the same connection
 * settings, Secret references and declared flows as a long-running service.
 */
import { Construct } from 'constructs';
import { k8s } from '../../imports/k8s';
import { CONFIG_CHECKSUM, configChecksum } from '../lib/checksum';
import { container, emptyDir } from '../lib/container';
import { meta, serviceAccountMeta } from '../lib/labels';
import { resources } from '../lib/resources';
import { placement } from '../lib/scheduling';
import { DEFAULT_UID, podSecurityContext } from '../lib/security';
import { wire, type Wiring } from './connections';
import type { KindProps } from './kinds';
import { configMapName } from './workload';

export class BatchJob extends Construct {
  constructor(scope: Construct, id: string, { ctx, plan, plans }: KindProps) {
    super(scope, id);
    const { config } = ctx;
    const e = plan.entry;
    if (!e.schedule) throw new Error(`catalog.${e.name}.schedule: a batch job needs a schedule`);
    const version = e.image.split(':').pop();
    const m = (n: string) => meta(config, { name: n, namespace: e.namespace, id: plan.id, version });
    const wiring = wire(this, ctx, plan, plans);
    const settings = Object.fromEntries(Object.entries({
      JOB_NAME: e.name, ENVIRONMENT: config.name, LOG_LEVEL: config.ha ? 'info' : 'debug', ...wiring.settings,
    }).sort(([a], [b]) => a.localeCompare(b)));

    new k8s.KubeServiceAccount(this, 'sa', { metadata: serviceAccountMeta(config, e.name, m(e.name)), automountServiceAccountToken: false });
    new k8s.KubeConfigMap(this, 'config', { metadata: m(configMapName(e.name)), data: settings });

    new k8s.KubeCronJob(this, 'cronjob', {
      metadata: m(e.name),
      spec: {
        schedule: e.schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        // A standby site must not send reminders or rewrite reports from its replica data.
        suspend: config.apps.standby,
        // A run missed by more than 10 minutes (controller down, cluster upgrade) waits for the next slot.
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: m(e.name).labels },
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: e.deadlineSeconds ?? 1800,
            ttlSecondsAfterFinished: 86400,
            template: {
              metadata: {
                labels: m(e.name).labels,
                annotations: { [CONFIG_CHECKSUM]: configChecksum(settings) },
              },
              spec: jobPodSpec(config, plan, wiring, DEFAULT_UID),
            },
          },
        },
      },
    });
  }
}

/**
 * The pod of a run-to-completion job (a batch CronJob's, a queue worker's): its own ServiceAccount without an API
 * token, the restricted context with `uid`, the entry's arguments, settings and Secret references, /tmp writable.
 */
export function jobPodSpec(config: KindProps['ctx']['config'], plan: KindProps['plan'], wiring: Wiring, uid: number): k8s.PodSpec {
  const e = plan.entry;
  return {
    restartPolicy: 'Never',
    serviceAccountName: e.name,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: podSecurityContext(uid),
    ...placement(config, e.namespace),
    containers: [container(config, e.name, e.image, {
      args: [...(e.args ?? [])],
      envFrom: [{ configMapRef: { name: configMapName(e.name) } }],
      ...(wiring.secretEnv.length ? { env: wiring.secretEnv } : {}),
      resources: resources(plan.resources),
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...wiring.mounts],
    })],
    volumes: [emptyDir('tmp', '1Gi'), ...wiring.volumes],
  };
}
