/**
 * onprem: spec 002 §9.1.1's minimum hardware, 3 servers of 16 cores / 64 GB, no GPU (the CPU build of the model
 * server), kubeadm, every store highly available. Each server is also a control-plane node (three of them:
 * etcd keeps its quorum with one down), which the reserve accounts for. Everything fits with any one server
 * down (issue 16); the price is the staging-like scale: fewer replicas and smaller stores than production.
 */
import type { DeepPartial } from '../merge';
import { KUBEADM_RESERVE } from './production';
import type { EnvironmentInput } from '../schema';

const floor = { requestsCpu: '1', requestsMemory: '2Gi', limitsCpu: '4', limitsMemory: '8Gi', storage: '20Gi', pods: 20, persistentVolumeClaims: 8 };

export const onprem: DeepPartial<EnvironmentInput> = {
  description: 'On-premises minimum (spec 002 §9.1.1): three 16-core / 64 GB kubeadm servers, no GPU, HA with one server down',
  ha: true,
  cluster: {
    flavour: 'kubeadm', nodes: 3,
    nodePools: [{ name: 'server', count: 3, cpu: '16', memory: '64Gi', gpus: 0, reserved: KUBEADM_RESERVE }],
    apiServerCidrs: ['10.96.0.1/32', '10.40.0.0/24'], nodeCidrs: ['10.40.0.0/24'], server: 'https://kubernetes.default.svc',
  },
  storageClass: 'ceph-rbd',
  // A private CA: an on-prem site usually has no public ACME reachability.
  ingress: { className: 'nginx', baseDomain: 'receivables.onprem.internal', tlsIssuer: 'ca' },
  gitops: { targetRevision: 'release', autoSync: false },
  addons: { ingressNginx: { enabled: true } },
  quota: { floors: { system: floor, app: floor, data: floor } },
  tenants: [{ id: 'customer', plan: 'business', displayName: 'The site owner' }],
  stores: {
    postgres: {
      replicas: 3, volume: { size: '100Gi' }, synchronousMode: 'on',
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
    },
    redis: { replicas: 3, sentinels: 3, volume: { size: '5Gi' }, resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } } },
    // 3 servers × 2 drives: one erasure set of 6, EC:3; a server down leaves 4 drives = write quorum.
    minio: {
      pools: [{ name: 'pool-0', servers: 3, drivesPerServer: 2, volume: { size: '500Gi' } }],
      resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } },
    },
    elasticsearch: {
      masters: 3, data: 2, coordinating: 0, volume: { size: '100Gi' }, maxMapCount: 'disableMmap',
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
    },
    clickhouse: {
      shards: 1, replicas: 2, keepers: 3, volume: { size: '100Gi' },
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
      keeper: { volume: { size: '5Gi' }, resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } },
    },
    kafka: { brokers: 3, volume: { size: '50Gi' }, resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } },
  },
  // No GPU: the model server runs the CPU build. Services at two replicas, growing to four.
  apps: {
    modelServer: { mode: 'cpu' },
    replicaCap: { minReplicas: 2, maxReplicas: 4 },
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    services: { 'model-server': { replicas: 1, resources: { requests: { cpu: '4', memory: '6Gi' }, limits: { cpu: '8', memory: '6Gi' } } } },
  },
};
