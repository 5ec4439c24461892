/** development: one k3s node; the API at 1 instance without autoscaling (spec 003 "Development Environment"). */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';

const DEV_NODE = { name: 'dev', count: 1, cpu: '8', memory: '16Gi', gpus: 0, reserved: { cpu: '300m', memory: '1Gi' } };
const small = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu: '1', memory } });
const floor = { requestsCpu: '500m', requestsMemory: '1Gi', limitsCpu: '2', limitsMemory: '2Gi', storage: '10Gi', pods: 10, persistentVolumeClaims: 4 };

export const development: DeepPartial<EnvironmentInput> = {
  description: 'Development: a single-node k3s cluster, one instance of each API, no autoscaling',
  ha: false,
  cluster: {
    flavour: 'k3s', nodes: 1, nodePools: [DEV_NODE],
    apiServerCidrs: ['10.43.0.1/32', '192.168.0.0/16'], nodeCidrs: ['192.168.0.0/16'], server: 'https://kubernetes.default.svc',
  },
  storageClass: 'local-path',
  ingress: { className: 'traefik', baseDomain: 'dev.arbor.local', tlsIssuer: 'selfSigned' },
  // Spec 003: the development branch.
  gitops: { targetRevision: 'development', autoSync: true },
  quota: { floors: { system: floor, app: floor, data: floor } },
  stores: {
    // The document's 4GB / 12GB are production's; a 1 GiB development server gets a quarter and three quarters.
    postgres: {
      replicas: 1, volume: { size: '5Gi' }, resources: small('100m', '1Gi'), pooler: { replicas: 1 },
      parameters: { shared_buffers: '256MB', effective_cache_size: '768MB' }, backup: { intervalHours: 24, retention: { hourly: 0, daily: 2, weekly: 0, monthly: 0 } },
    },
    // Spec 003: Vercel Blob with a 10GB limit; here a single-drive MinIO of that size.
    minio: { pools: [{ name: 'pool-0', servers: 1, drivesPerServer: 1, volume: { size: '10Gi' } }], resources: small('50m', '256Mi') },
  },
  // Spec 003 "Development Environment": instances 1, auto_scaling false.
  apps: {
    autoscaling: false,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  },
  addons: { monitoring: { enabled: false } },
};
