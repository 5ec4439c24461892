/**
 * Loki (Helm repository https://grafana.github.io/helm-charts, chart `loki` 6.16.0, Loki 3.1.1; its source is
 * grafana/loki helm-loki-6.16.0 production/helm/loki) in SingleBinary mode with its chunks and TSDB index in object
 * storage: the platform's MinIO on-prem (k3s, kubeadm), S3 on EKS (`external.minio`, with IRSA or keys).
 *
 * Why SingleBinary over SimpleScalable: values.yaml `deploymentMode` sizes SingleBinary for "up to a few tens of
 * GB/day" and SimpleScalable for ~1 TB/day with read, write and backend targets (three StatefulSets/Deployments
 * of 3 each by default); one platform's logs are the former. With object storage the single binary still runs
 * 3 replicas with replication factor 3 (templates/validate.yaml refuses more than one replica only on the
 * filesystem), so production keeps HA; moving to SimpleScalable later keeps the same bucket and schema.
 *
 * Read at the pinned tag: values.yaml (gateway, chunksCache, resultsCache, lokiCanary, test, sidecar.rules all on
 * by default: off here; loki.podSecurityContext runAsUser 10001, containerSecurityContext read-only root),
 * templates/validate.yaml (a schemaConfig is required), templates/single-binary/ (statefulset.yaml: ports
 * http-metrics 3100, grpc 9095, http-memberlist 7946, singleBinary.extraEnv and extraArgs; service.yaml: the
 * Service named after the release; pdb.yaml), templates/_helpers.tpl loki.commonStorageConfig (the s3 block).
 * The image grafana/loki 3.1.1 (grafana/loki v3.1.1 cmd/loki/Dockerfile) runs as USER 10001.
 */
import { LOGGING_NAMESPACE, type EnvironmentConfig } from '../../../environments/schema';
import type { ComputeResources } from '../../../environments/values';
import type { MinioRef } from '../../data/minio/refs';
import { FOLDERS } from '../../lib/folders';
import { image } from '../../lib/images';
import { kinds, type AddonCreates, type AddonPodSpec, type AddonSpec } from './shapes';

export const LOKI_CHART = { repoURL: 'https://grafana.github.io/helm-charts', chart: 'loki', version: '6.16.0' } as const;
/** production/helm/loki/Chart.yaml appVersion at helm-loki-6.16.0. */
export const LOKI_VERSION = '3.1.1';
/** The images of the add-on, for the image contracts' check of optional add-ons (test/image-contracts.test.ts). */
export const LOKI_IMAGES = [`docker.io/grafana/loki:${LOKI_VERSION}`] as const;
const SOURCE = 'grafana/loki helm-loki-6.16.0 production/helm/loki';
/** loki.server.http_listen_port; the single binary's Service `loki` serves it (push, query, /ready, /metrics). */
export const LOKI_HTTP_PORT = 3100;
export const LOKI_GRPC_PORT = 9095;
export const LOKI_MEMBERLIST_PORT = 7946;
/** The release name: the single binary's Service and StatefulSet are called after it. */
export const LOKI_SERVICE = 'loki';
export const LOKI_DEFAULT_RESOURCES: ComputeResources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
/** The day the schema starts: fixed, since changing a past period's schema makes its data unreadable. */
const SCHEMA_FROM = '2024-04-01';

/** The object storage Loki writes to, and where its keys come from. */
export interface LokiStorage {
  readonly minio: MinioRef;
  /** The Secret in the logging namespace with accessKey/secretKey; none with IRSA. */
  readonly credentials?: string;
}

export function loki(c: EnvironmentConfig, storage: LokiStorage): AddonSpec<'loki'> & { readonly folder: string } {
  const l = c.addons.logging?.loki;
  if (!l) throw new Error(`environment "${c.name}": addons.logging.loki is required for the Loki add-on`);
  const ref = image(c, LOKI_IMAGES[0]);
  const slash = ref.indexOf('/');
  const at = ref.lastIndexOf(':');
  const m = storage.minio;
  const bucket = m.buckets.logs;
  const keys = storage.credentials;
  const secretEnv = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: keys, key } } });
  const irsa = l.iamRoleArn;
  return {
    name: 'loki', namespace: LOGGING_NAMESPACE, ...LOKI_CHART,
    images: [ref],
    values: {
      deploymentMode: 'SingleBinary',
      global: { clusterDomain: c.cluster.clusterDomain },
      loki: {
        image: { registry: ref.slice(0, slash), repository: ref.slice(slash + 1, at), tag: ref.slice(at + 1), pullPolicy: c.images.pullPolicy },
        // One tenant: the platform's (X-Scope-OrgID is not needed by Fluent Bit or Grafana).
        auth_enabled: false,
        commonConfig: { replication_factor: Math.min(l.replicas, 3) },
        schemaConfig: { configs: [{ from: SCHEMA_FROM, store: 'tsdb', object_store: 's3', schema: 'v13', index: { prefix: 'index_', period: '24h' } }] },
        storage: {
          type: 's3',
          bucketNames: { chunks: bucket, ruler: bucket, admin: bucket },
          s3: {
            endpoint: `${m.s3.external ? 'https' : 'http'}://${m.s3.external ? new URL(m.url).host : `${m.s3.host}:${m.s3.port}`}`,
            region: m.region,
            s3ForcePathStyle: m.pathStyle ?? true,
            insecure: !m.s3.external,
            // Expanded from the environment (-config.expand-env): the keys never enter the ConfigMap.
            ...(keys ? { accessKeyId: '${S3_ACCESS_KEY_ID}', secretAccessKey: '${S3_SECRET_ACCESS_KEY}' } : {}),
          },
        },
        // Retention is the compactor's: it marks chunks older than retention_period and deletes them.
        limits_config: { retention_period: l.retention },
        compactor: { retention_enabled: true, delete_request_store: 's3', working_directory: '/var/loki/compactor' },
      },
      singleBinary: {
        replicas: l.replicas,
        resources: l.resources ?? LOKI_DEFAULT_RESOURCES,
        extraArgs: ['-config.expand-env=true'],
        ...(keys ? { extraEnv: [secretEnv('S3_ACCESS_KEY_ID', 'accessKey'), secretEnv('S3_SECRET_ACCESS_KEY', 'secretKey')] } : {}),
        // The write-ahead log and the compactor's working files; chunks live in the bucket.
        persistence: { enabled: true, size: l.volume.size, storageClass: c.storageClass },
      },
      ...(irsa ? { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': irsa } } } : {}),
      // SingleBinary: none of the scalable targets.
      read: { replicas: 0 }, write: { replicas: 0 }, backend: { replicas: 0 },
      // Fluent Bit and Grafana talk to the single binary's Service: no nginx gateway in between.
      gateway: { enabled: false },
      // memcached caches (8 GiB for chunks by default): not worth their memory at this volume.
      chunksCache: { enabled: false }, resultsCache: { enabled: false },
      lokiCanary: { enabled: false }, test: { enabled: false },
      // The rules sidecar watches ConfigMaps cluster-wide through the API: no Loki rules are shipped.
      sidecar: { rules: { enabled: false } },
      minio: { enabled: false },
      monitoring: {
        serviceMonitor: { enabled: c.addons.monitoring.enabled, metricsInstance: { enabled: false } },
        selfMonitoring: { enabled: false, grafanaAgent: { installOperator: false } },
        dashboards: { enabled: false }, rules: { enabled: false },
      },
    },
    ignoreDifferences: [],
    // After 10-minio (its bucket and keys) rather than in 90-addons, which syncs before the stores: charts/gitops/addons/late.ts.
    folder: FOLDERS.loggingAddons,
  };
}

/**
 * What the chart creates with these values: the single binary's StatefulSet, its Services (loki, loki-headless,
 * loki-memberlist: service-memberlist.yaml), ConfigMaps (config.yaml, runtime-configmap.yaml), ServiceAccount,
 * a PDB (single-binary/pdb.yaml, podDisruptionBudget), a ServiceMonitor where monitoring is installed.
 */
export function lokiResources(c: EnvironmentConfig, a: AddonSpec<string>): AddonCreates {
  const monitored = c.addons.monitoring.enabled;
  const env = ((a.values as any).singleBinary.extraEnv ?? []) as { valueFrom: { secretKeyRef: { name: string } } }[];
  return {
    cluster: [],
    namespaced: [{
      namespace: a.namespace,
      kinds: [...kinds('', 'ConfigMap', 'Service', 'ServiceAccount'), ...kinds('apps', 'StatefulSet'), ...kinds('policy', 'PodDisruptionBudget'),
        ...(monitored ? kinds('monitoring.coreos.com', 'ServiceMonitor') : [])],
    }],
    crdGroups: [], apiServices: [],
    needsSecrets: [...new Set(env.map((e) => `${a.namespace}/${e.valueFrom.secretKeyRef.name}`))],
    issuedSecrets: [],
    usesGroups: monitored ? ['monitoring.coreos.com'] : [],
  };
}

export function lokiPods(v: Record<string, any>): AddonPodSpec[] {
  const sb = v.singleBinary;
  return [{ name: 'loki', kind: 'StatefulSet', replicas: sb.replicas, containers: [sb.resources], storage: sb.persistence.size, source: `${SOURCE}/templates/single-binary/statefulset.yaml` }];
}
