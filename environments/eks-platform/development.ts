/**
 * development: one k3s node (spec 004 "Deployment Pipeline": Development) running the managed stores in the
 * cluster instead (PostgreSQL, Redis, Kafka, Elasticsearch for OpenSearch, MinIO for S3), one replica of each
 * service, no autoscaling, Secret values generated in the cluster.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { base } from './base';

const DEV_NODE = { name: 'dev', count: 1, cpu: '16', memory: '64Gi', gpus: 0, reserved: { cpu: '500m', memory: '2Gi' } };
const small = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu: '1', memory } });
const floor = { requestsCpu: '500m', requestsMemory: '1Gi', limitsCpu: '2', limitsMemory: '2Gi', storage: '10Gi', pods: 10, persistentVolumeClaims: 4 };

export const development: DeepPartial<EnvironmentInput> = {
  description: 'Development: a single-node k3s cluster with the stores in the cluster, one replica of each service',
  ha: false,
  cluster: {
    flavour: 'k3s', nodes: 1, nodePools: [DEV_NODE],
    apiServerCidrs: ['10.43.0.1/32', '192.168.0.0/16'], nodeCidrs: ['192.168.0.0/16'], server: 'https://kubernetes.default.svc',
  },
  // k3s's Kubernetes version, not EKS's.
  podSecurity: { version: 'v1.27' },
  storageClass: 'local-path',
  ingress: { className: 'traefik', baseDomain: 'dev.eks-platform.local', tlsIssuer: 'selfSigned' },
  gitops: { targetRevision: 'develop', autoSync: true },
  quota: { floors: { system: floor, app: floor, data: floor } },
  // The platform's namespaces and one per in-cluster store (each kind's own: charts/data/<kind>/refs.ts).
  namespaces: [
    ...(base.namespaces ?? []),
    { name: 'db-postgres', tier: 'data' },
    { name: 'db-redis', tier: 'data' },
    { name: 'db-kafka', tier: 'data' },
    { name: 'db-elasticsearch', tier: 'data' },
    { name: 'storage-minio', tier: 'data' },
  ],
  stores: {
    postgres: { database: 'platform', replicas: 1, volume: { size: '5Gi' }, resources: small('100m', '512Mi'), synchronousMode: 'off', pooler: { replicas: 1, defaultPoolSize: 10, maxClientConn: 200, resources: small('50m', '64Mi') }, backup: { intervalHours: 24, retentionDays: 2 } },
    redis: {
      masterSet: 'platform', replicas: 1, sentinels: 1, minReplicasToWrite: 0, minReplicasMaxLagSeconds: 10, downAfterMilliseconds: 5000,
      failoverTimeoutMilliseconds: 60000, volume: { size: '1Gi' }, resources: small('50m', '256Mi'), backup: { schedule: '17 4 * * *', retentionDays: 2 },
    },
    kafka: { brokers: 1, replicationFactor: 1, minInsyncReplicas: 1, volume: { size: '5Gi' }, resources: small('100m', '1Gi') },
    elasticsearch: { masters: 1, data: 0, coordinating: 0, volume: { size: '5Gi' }, resources: small('100m', '1Gi'), maxMapCount: 'disableMmap' },
    minio: { pools: [{ name: 'pool-0', servers: 1, drivesPerServer: 1, volume: { size: '10Gi' } }], resources: small('50m', '256Mi') },
  },
  apps: {
    autoscaling: false,
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  },
  addons: { monitoring: { enabled: false } },
};
