/** dev: one k3s node, single replicas, small requests (spec 002 §2.1). */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';

/**
 * One 4-core / 8 GiB machine (issue 16). k3s keeps for itself: the kubelet's reserve and eviction threshold, and
 * the server (API server, controllers, scheduler, kine/SQLite) plus Traefik, CoreDNS, local-path and
 * metrics-server, which run as pods this repository does not render.
 */
const DEV_NODE = { name: 'dev', count: 1, cpu: '4', memory: '8Gi', gpus: 0, reserved: { cpu: '300m', memory: '1Gi' } };
const small = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu: '1', memory } });
const floor = { requestsCpu: '500m', requestsMemory: '1Gi', limitsCpu: '2', limitsMemory: '2Gi', storage: '10Gi', pods: 10, persistentVolumeClaims: 4 };

export const dev: DeepPartial<EnvironmentInput> = {
  description: 'Development: a single-node k3s cluster, one replica of everything, anonymised sample data',
  ha: false,
  // k3s: service range 10.43.0.0/16; the API server is reached through the node address on 6443.
  cluster: {
    flavour: 'k3s', nodes: 1, nodePools: [DEV_NODE],
    apiServerCidrs: ['10.43.0.1/32', '192.168.0.0/16'], nodeCidrs: ['192.168.0.0/16'], server: 'https://kubernetes.default.svc' },
  storageClass: 'local-path',
  ingress: { className: 'traefik', baseDomain: 'dev.receivables.local', tlsIssuer: 'selfSigned' },
  gitops: { targetRevision: 'develop', autoSync: true },
  quota: { floors: { system: floor, app: floor, data: floor } },
  tenants: [{ id: 'demo', plan: 'starter', displayName: 'Demo tenant' }],
  stores: {
    postgres: { replicas: 1, volume: { size: '5Gi' }, resources: small('100m', '256Mi'), pooler: { replicas: 1 }, backup: { intervalHours: 24, retentionDays: 2 } },

    // One server and one Sentinel (quorum 1): clients use Sentinel as in production; nothing to fail over to.
    redis: { replicas: 1, sentinels: 1, minReplicasToWrite: 0, volume: { size: '1Gi' }, resources: small('50m', '128Mi') },

    // Single server, single drive: MinIO's standalone mode, no erasure coding (dev data is disposable).
    minio: { pools: [{ name: 'pool-0', servers: 1, drivesPerServer: 1, volume: { size: '10Gi' } }], resources: small('50m', '256Mi') },

    elasticsearch: { masters: 1, data: 0, coordinating: 0, volume: { size: '5Gi' }, resources: small('100m', '768Mi'), maxMapCount: 'disableMmap' },

    clickhouse: {
      shards: 1, replicas: 1, keepers: 1, volume: { size: '5Gi' }, resources: small('100m', '640Mi'),
      keeper: { volume: { size: '1Gi' }, resources: small('25m', '128Mi') },
    },

    kafka: { brokers: 1, replicationFactor: 1, minInsyncReplicas: 1, volume: { size: '5Gi' }, resources: small('100m', '512Mi') },
  },

  // One small replica of everything, no HPAs. Sized to fit one 4-core / 8 GiB node with what dev installs
  // (docs/capacity.md says what that costs): no model server (the agents run without the language model) and
  // no Prometheus stack; the services request little memory and may burst to their limits.
  apps: {
    autoscaling: false,
    resources: { requests: { cpu: '25m', memory: '48Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    modelServer: { mode: 'disabled' },
  },
  addons: { monitoring: { enabled: false } },
};
