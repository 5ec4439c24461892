/**
 * A queue worker (spec 003 "Service Deployment Architecture §1" workers: Kubernetes Jobs per queue, 2 CPU / 4 GB,
 * 30-minute timeout): a KEDA ScaledJob that starts one Job per queued item of its queue, up to `maxJobs` at once.
 *
 * The queue is a table of the application database (no broker in the document): KEDA's postgresql scaler
 * (kedacore/keda v2.15.1 pkg/scalers/postgresql_scaler.go: host, port, userName, dbName, sslmode from metadata or
 * the TriggerAuthentication, password from it, `query`, `targetQueryValue`) counts the items still queued,
 * through PgBouncer. A worker claims an item (its state leaves `queued`), so the count leaves out the items in
 * hand: KEDA's `accurate` strategy, which does not subtract the running Jobs a second time. The contract with
 * the application (table and states) is in docs/arbor.md.
 *
 * Permissions: the KEDA operator creates and deletes the Jobs (kedacore/charts v2.15.2
 * keda/templates/manager/clusterrole.yaml: batch/jobs, all verbs) and reads the credentials Secret through the
 * TriggerAuthentication; the workers' own ServiceAccount gets no API token. Clean-up: finished Jobs beyond the
 * history limits are deleted by KEDA, and each Job by its TTL a day after it ends.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from '../../imports/k8s';
import { withStores } from '../context';
import { CONFIG_CHECKSUM, configChecksum } from '../lib/checksum';
import { meta, serviceAccountMeta } from '../lib/labels';
import { FINISHED_JOB_TTL_SECONDS } from '../lib/naming';
import { DEFAULT_UID } from '../lib/security';
import { KEDA_NAMESPACE, KEDA_OPERATOR } from '../gitops/addons-catalog';
import { wire } from './connections';
import type { KindProps } from './kinds';
import { configMapName } from './workload';
import { jobPodSpec } from './batch-job';

/** The application's queue table (docs/arbor.md): one row per item, `state` 'queued' until a worker claims it. */
export const QUEUE_TABLE = 'shared.queue_items';
/** How often KEDA counts the queued items. */
export const QUEUE_POLLING_SECONDS = 10;
/** Finished Jobs KEDA keeps for inspection (beyond them it deletes the oldest). */
export const JOB_HISTORY = { successful: 5, failed: 10 } as const;

/**
 * An L1 value as plain JSON for a custom resource: Quantity and IntOrString are serialized by the L1 classes'
 * own toJson, which a generic ApiObject does not call.
 */
function plain<T>(v: T): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof k8s.Quantity || x instanceof k8s.IntOrString ? x.value : x)));
}

export function queueCountQuery(queue: string): string {
  return `SELECT count(*) FROM ${QUEUE_TABLE} WHERE queue = '${queue.replace(/'/g, "''")}' AND state = 'queued'`;
}

export class QueueWorker extends Construct {
  constructor(scope: Construct, id: string, { ctx, plan, plans }: KindProps) {
    super(scope, id);
    const { config } = ctx;
    const e = plan.entry;
    if (!e.queue) throw new Error(`catalog.${e.name}.queue: a queue worker needs its queue`);
    const pg = withStores(ctx, ['postgres'], `queue worker ${e.name} (its queue is a table of the application database)`).refs.postgres;
    if (!e.dependsOn.some((d) => d.target === 'postgres')) throw new Error(`catalog.${e.name}.dependsOn: a queue worker reads its queue from postgres: list it`);
    const version = e.image.split(':').pop();
    const m = (n: string, annotations?: Record<string, string>) => meta(config, { name: n, namespace: e.namespace, id: plan.id, version, annotations });
    const wiring = wire(this, ctx, plan, plans);
    const settings = Object.fromEntries(Object.entries({
      JOB_NAME: e.name, QUEUE: e.queue.name, ENVIRONMENT: config.name, LOG_LEVEL: config.ha ? 'info' : 'debug', ...wiring.settings,
    }).sort(([a], [b]) => a.localeCompare(b)));

    new k8s.KubeServiceAccount(this, 'sa', { metadata: serviceAccountMeta(config, e.name, m(e.name)), automountServiceAccountToken: false });
    new k8s.KubeConfigMap(this, 'config', { metadata: m(configMapName(e.name)), data: settings });

    // The operator reads the queue's length with the application's credentials (a copy in this namespace).
    const auth = `${e.name}-queue`;
    new ApiObject(this, 'trigger-auth', {
      apiVersion: 'keda.sh/v1alpha1', kind: 'TriggerAuthentication', metadata: m(auth),
      spec: {
        secretTargetRef: [
          { parameter: 'userName', name: pg.secrets.app.name, key: 'username' },
          { parameter: 'password', name: pg.secrets.app.name, key: 'password' },
        ],
      },
    });
    ctx.graph.use({ namespace: KEDA_NAMESPACE, selector: { 'app.kubernetes.io/name': KEDA_OPERATOR }, display: `${KEDA_NAMESPACE}/${KEDA_OPERATOR}` },
      pg.pooler, `KEDA counts the queued items of ${e.queue.name}`);

    const labels = m(e.name).labels;
    new ApiObject(this, 'scaled-job', {
      apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob',
      // A standby site starts no Job: its database is a replica.
      metadata: m(e.name, config.apps.standby ? { 'autoscaling.keda.sh/paused': 'true' } : undefined),
      spec: {
        jobTargetRef: {
          parallelism: 1,
          completions: 1,
          // Spec 003: a 30-minute timeout per item.
          activeDeadlineSeconds: e.deadlineSeconds,
          backoffLimit: 2,
          ttlSecondsAfterFinished: FINISHED_JOB_TTL_SECONDS,
          template: plain<k8s.PodTemplateSpec>({
            metadata: { labels, annotations: { [CONFIG_CHECKSUM]: configChecksum(settings) } },
            spec: jobPodSpec(config, plan, wiring, e.uid ?? DEFAULT_UID),
          }),
        },
        pollingInterval: QUEUE_POLLING_SECONDS,
        // The concurrency bound: never more Jobs at once than this, however long the queue.
        maxReplicaCount: plan.replicas,
        minReplicaCount: 0,
        successfulJobsHistoryLimit: JOB_HISTORY.successful,
        failedJobsHistoryLimit: JOB_HISTORY.failed,
        // A new version lets running Jobs finish their item rather than deleting them.
        rollout: { strategy: 'gradual' },
        scalingStrategy: { strategy: 'accurate' },
        triggers: [{
          type: 'postgresql',
          metadata: {
            host: pg.pooler.host, port: String(pg.pooler.port), dbName: pg.database, sslmode: pg.sslMode,
            query: queueCountQuery(e.queue.name),
            // One Job per queued item.
            targetQueryValue: '1',
          },
          authenticationRef: { name: auth },
        }],
      },
    });
  }
}
