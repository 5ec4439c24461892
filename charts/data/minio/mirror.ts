/**
 * A standby site's copy of its source site's objects (spec 000 §7.1 "Replication", §7.2 "S3 version control"):
 * every `mirror.schedule`, one `mc mirror` per followed client brings the changes of its bucket from the source's
 * MinIO into this one: new and changed objects, and deletions (`--remove`).
 *
 * - Documents: the whole bucket (the services of a standby are at zero replicas: nothing writes there).
 * - A store's backups: only the source environment's folder `<bucket>/<source>/` (every store backs up under
 *   `<bucket>/<environment>/`), so this site's own backups beside it are never removed. After a failover a store
 *   restores from there (e.g. Weaviate: docs/fnb.md).
 *
 * Both buckets are versioned and the writer here is the client's own user, whose policy has no
 * DeleteObjectVersion: a deletion only writes a delete marker, so an object deleted at the source by mistake stays
 * recoverable here for the bucket's noncurrent period. It reads the source with the source's keys of that client
 * (`minio-source-<client>`, copied from the source's cluster: charts/data/standby.ts). It runs only while the site
 * is a standby (environments/rules.ts refuses a mirror elsewhere).
 *
 * mc's aliases come from the environment (`MC_HOST_<alias>`, which mc reads before its config directory: minio/mc
 * cmd/config.go mustGetHostConfig; the Weaviate and Redis backup jobs use the same with this image). `mirror`'s
 * `--overwrite`, `--remove` and `--watch` (not used: it needs ListenBucketNotification, which the clients' policies
 * do not grant) are read from minio/mc cmd/mirror-main.go in the indexed source, not at the pinned tag: the run
 * itself is unproven here (no mc in Debian). One container per bucket, so one bucket's failure does not hold back
 * the others, and the Job fails if any did.
 */
import type { Construct } from 'constructs';
import { k8s } from '../../../imports/k8s';
import { pods } from '../../lib/graph';
import { image } from '../../lib/images';
import type { Identity } from '../../lib/labels';
import { scheduledJob } from '../../lib/job';
import { FINISHED_JOB_TTL_SECONDS } from '../../lib/naming';
import { secretEnv } from '../../lib/env';
import { resources } from '../../lib/resources';
import { containerSecurityContext, DEFAULT_UID, podSecurityContext } from '../../lib/security';
import type { SecretRef } from '../../lib/endpoint';
import type { MinioContext } from './context';
import { NAMESPACES, type MinioClient } from '../refs';

export const MIRROR: Identity = { name: 'minio', component: 'mirror' };
export const MIRROR_NAME = 'minio-mirror';

/** The source's keys of a client, in this site (a copy of the source's `minio-<client>`). */
export function sourceCredentials(client: MinioClient): SecretRef {
  return { name: `minio-source-${client}`, keys: ['accessKey', 'secretKey'] };
}

/** What one container mirrors: the whole documents/logs bucket, or a store's backups of the source environment. */
export function mirrorPath(client: MinioClient, bucket: string, source: string): string {
  return client === 'documents' || client === 'logs' ? bucket : `${bucket}/${source}`;
}

export function minioMirror(scope: Construct, ctx: MinioContext, mcImage: string): void {
  const { config, refs } = ctx;
  const mirror = config.stores.minio.mirror;
  if (!mirror || !config.apps.standby) return;
  const ns = NAMESPACES.minio;
  const source = new URL(mirror.endpoint);
  const sourcePort = Number(source.port) || (source.protocol === 'https:' ? 443 : 80);
  const s3 = refs.minio.s3;

  // The source's keys, copied from its cluster (never generated: charts/data/standby.ts).
  for (const client of mirror.clients) {
    ctx.secrets.push({ ...sourceCredentials(client), namespace: ns, fromSource: { namespace: ns, name: refs.minio.credentials(client).name } });
  }
  const mirrorPods = pods(ns, MIRROR);
  ctx.graph.use(mirrorPods, s3, `the mirror writes ${mirror.sourceEnvironment}'s objects into this site's MinIO`);
  ctx.graph.connect({ pods: mirrorPods }, { addresses: { cidrs: mirror.cidrs, display: `minio-${mirror.sourceEnvironment}` } },
    [{ port: sourcePort, name: 's3' }], `the mirror reads ${mirror.sourceEnvironment}'s buckets (${mirror.clients.join(', ')})`);

  const containers: k8s.Container[] = mirror.clients.map((client) => {
    const path = mirrorPath(client, refs.minio.bucketOf(client), mirror.sourceEnvironment);
    const from = sourceCredentials(client);
    const to = refs.minio.credentials(client);
    return {
      name: client,
      image: image(config, mcImage),
      imagePullPolicy: config.images.pullPolicy,
      // --overwrite: a changed object is copied again; --remove: a deleted one gets a delete marker here.
      args: ['--config-dir', `/tmp/mc-${client}`, 'mirror', '--overwrite', '--remove', `source/${path}`, `target/${path}`],
      env: [
        secretEnv('SOURCE_ACCESS_KEY', from.name, 'accessKey'),
        secretEnv('SOURCE_SECRET_KEY', from.name, 'secretKey'),
        secretEnv('TARGET_ACCESS_KEY', to.name, 'accessKey'),
        secretEnv('TARGET_SECRET_KEY', to.name, 'secretKey'),
        // Keys are letters and digits (scripts/secrets.ts): safe in a URL. Kubernetes expands $(VAR) from above.
        { name: 'MC_HOST_source', value: `${source.protocol}//$(SOURCE_ACCESS_KEY):$(SOURCE_SECRET_KEY)@${source.host}` },
        { name: 'MC_HOST_target', value: `http://$(TARGET_ACCESS_KEY):$(TARGET_SECRET_KEY)@${s3.host}:${s3.port}` },
      ],
      resources: resources({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } }),
      securityContext: containerSecurityContext(),
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    };
  });

  // A run still copying (the first, or after a long outage) is not joined by a second one.
  scheduledJob(scope, 'mirror', {
    config, name: MIRROR_NAME, namespace: ns, id: MIRROR, schedule: mirror.schedule,
    startingDeadlineSeconds: 300,
    successfulJobsHistoryLimit: 1,
    // A run cut short resumes where it stopped: mc mirror skips what is already here.
    activeDeadlineSeconds: 3600,
    ttlSecondsAfterFinished: FINISHED_JOB_TTL_SECONDS,
    pod: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: podSecurityContext(DEFAULT_UID),
      containers,
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } }],
    },
  });
}
