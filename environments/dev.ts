/** dev: one k3s node, single replicas, small requests (spec 002 §2.1). */
import type { DeepPartial } from './merge';
import type { EnvironmentInput } from './schema';

const small = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu: '1', memory } });
const floor = { requestsCpu: '500m', requestsMemory: '1Gi', limitsCpu: '2', limitsMemory: '2Gi', storage: '10Gi', pods: 10, persistentVolumeClaims: 4 };

export const dev: DeepPartial<EnvironmentInput> = {
  description: 'Development: a single-node k3s cluster, one replica of everything, anonymised sample data',
  ha: false,
  // k3s: service range 10.43.0.0/16; the API server is reached through the node address on 6443.
  cluster: { flavour: 'k3s', nodes: 1, apiServerCidrs: ['10.43.0.1/32', '192.168.0.0/16'], nodeCidrs: ['192.168.0.0/16'], server: 'https://kubernetes.default.svc' },
  storageClass: 'local-path',
  ingress: { className: 'traefik', baseDomain: 'dev.receivables.local', tlsIssuer: 'selfSigned' },
  gitops: { targetRevision: 'develop', autoSync: true },
  quota: { floors: { system: floor, app: floor, data: floor } },
  tenants: [{ id: 'demo', plan: 'starter', displayName: 'Demo tenant' }],
  stores: {
    postgres: { replicas: 1, volume: { size: '5Gi' }, resources: small('250m', '512Mi'), pooler: { replicas: 1 }, backup: { intervalHours: 24, retentionDays: 2 } },

    // One server and one Sentinel (quorum 1): clients use Sentinel as in production; nothing to fail over to.
    redis: { replicas: 1, sentinels: 1, minReplicasToWrite: 0, volume: { size: '1Gi' }, resources: small('100m', '256Mi') },

    // Single server, single drive: MinIO's standalone mode, no erasure coding (dev data is disposable).
    minio: { pools: [{ name: 'pool-0', servers: 1, drivesPerServer: 1, volume: { size: '10Gi' } }], resources: small('100m', '512Mi') },

    elasticsearch: { masters: 1, data: 0, coordinating: 0, volume: { size: '5Gi' }, resources: small('250m', '2Gi'), maxMapCount: 'disableMmap' },

    clickhouse: {
      shards: 1, replicas: 1, keepers: 1, volume: { size: '5Gi' }, resources: small('250m', '1Gi'),
      keeper: { volume: { size: '1Gi' }, resources: small('50m', '256Mi') },
    },

    kafka: { brokers: 1, replicationFactor: 1, minInsyncReplicas: 1, volume: { size: '5Gi' }, resources: small('250m', '1Gi') },
  },

  // One small replica of everything, no HPAs; the model server runs a CPU build of a small distilled model.
  apps: {
    autoscaling: false,
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    modelServer: { mode: 'cpu' },
    services: { 'model-server': { resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '6Gi' } } } },
  },
};
