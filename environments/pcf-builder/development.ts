/**
 * development (seed 001 "Deployment Environments": local development, 1 instance, SQLite, in-memory cache, mock
 * LLM): one k3s node, one replica of the app, no PostgreSQL (the app uses SQLite in its /tmp), and the smallest
 * Redis the store kind runs (one server, one Sentinel) in place of the in-memory cache.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';

const DEV_NODE = { name: 'dev', count: 1, cpu: '4', memory: '8Gi', gpus: 0, reserved: { cpu: '300m', memory: '1Gi' } };
const small = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu: '1', memory } });
const floor = { requestsCpu: '500m', requestsMemory: '1Gi', limitsCpu: '2', limitsMemory: '2Gi', storage: '10Gi', pods: 10, persistentVolumeClaims: 4 };

export const development: DeepPartial<EnvironmentInput> = {
  description: 'Development: a single-node k3s cluster, one instance of the app on SQLite, a single Redis',
  ha: false,
  cluster: {
    flavour: 'k3s', nodes: 1, nodePools: [DEV_NODE],
    apiServerCidrs: ['10.43.0.1/32', '192.168.0.0/16'], nodeCidrs: ['192.168.0.0/16'], server: 'https://kubernetes.default.svc',
  },
  storageClass: 'local-path',
  // local-path (k3s) is ReadWriteOnce only; the AI brain needs an NFS class (nfs-subdir-external-provisioner).
  storageClasses: {
    'local-path': { accessModes: ['ReadWriteOnce'] },
    'nfs-client': { accessModes: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany'] },
  },
  ingress: { className: 'traefik', baseDomain: 'dev.pcf-builder.local', tlsIssuer: 'selfSigned' },
  gitops: { targetRevision: 'develop', autoSync: true },
  quota: { floors: { system: floor, app: floor, data: floor } },
  stores: {
    redis: { replicas: 1, sentinels: 1, minReplicasToWrite: 0, volume: { size: '1Gi' }, resources: small('50m', '128Mi') },
    minio: { pools: [{ name: 'pool-0', servers: 1, drivesPerServer: 1, volume: { size: '10Gi' } }], resources: small('50m', '256Mi') },
  },
  apps: {
    autoscaling: false,
    services: { 'pcf-builder': { replicas: 1, resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } } },
    sharedVolumes: { 'ai-brain-pvc': { storageClass: 'nfs-client', size: '2Gi', version: '2026.11.1' } },
  },
  addons: { monitoring: { enabled: false } },
};
