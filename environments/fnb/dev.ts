/** dev: spec 000 §8.1's local development, on one k3s node: one replica of everything, no autoscaling. */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';

/** One 4-core / 8 GiB machine; k3s keeps its reserve and its own pods (server, Traefik, CoreDNS, local-path). */
const DEV_NODE = { name: 'dev', count: 1, cpu: '4', memory: '8Gi', gpus: 0, reserved: { cpu: '300m', memory: '1Gi' } };
const small = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu: '1', memory } });
const floor = { requestsCpu: '500m', requestsMemory: '1Gi', limitsCpu: '2', limitsMemory: '2Gi', storage: '10Gi', pods: 10, persistentVolumeClaims: 4 };

export const dev: DeepPartial<EnvironmentInput> = {
  description: 'Local development (spec 000 §8.1): a single-node k3s cluster, one replica of everything',
  ha: false,
  cluster: {
    flavour: 'k3s', nodes: 1, nodePools: [DEV_NODE],
    apiServerCidrs: ['10.43.0.1/32', '192.168.0.0/16'], nodeCidrs: ['192.168.0.0/16'], server: 'https://kubernetes.default.svc' },
  storageClass: 'local-path',
  ingress: { className: 'traefik', baseDomain: 'dev.fnb.local', tlsIssuer: 'selfSigned' },
  gitops: { targetRevision: 'develop', autoSync: true },
  quota: { floors: { system: floor, app: floor, data: floor } },
  stores: {
    // One member: no read replica, so the services' reads go to PgBouncer too (charts/data/postgres/client.ts).
    postgres: { replicas: 1, volume: { size: '5Gi' }, resources: small('100m', '256Mi'), pooler: { replicas: 1 }, backup: { intervalHours: 24, retentionDays: 2 } },
    redis: { replicas: 1, sentinels: 1, minReplicasToWrite: 0, volume: { size: '1Gi' }, resources: small('50m', '128Mi') },
    minio: { pools: [{ name: 'pool-0', servers: 1, drivesPerServer: 1, volume: { size: '10Gi' } }], resources: small('50m', '256Mi') },
    // One node, one copy: the classes are the same as production's.
    weaviate: { replicas: 1, replicationFactor: 1, volume: { size: '5Gi' }, resources: small('100m', '1Gi') },
  },
  apps: {
    autoscaling: false,
    resources: { requests: { cpu: '25m', memory: '64Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  },
  addons: { monitoring: { enabled: false } },
};
