/** staging: like production, smaller; follows main (spec 002 §2.2). */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';

import { GPU_LABELS, GPU_TAINTS, KUBEADM_RESERVE } from './production';

const floor = { requestsCpu: '1', requestsMemory: '2Gi', limitsCpu: '4', limitsMemory: '8Gi', storage: '20Gi', pods: 20, persistentVolumeClaims: 8 };

export const staging: DeepPartial<EnvironmentInput> = {
  description: 'Staging: a three-node kubeadm cluster like production at reduced scale, deployed from main',
  ha: true,
  cluster: {
    flavour: 'kubeadm', nodes: 3,
    // Three general nodes and two GPU nodes (the model server survives one down; tainted: nothing else lands there).
    nodePools: [
      { name: 'general', count: 3, cpu: '32', memory: '128Gi', gpus: 0, reserved: KUBEADM_RESERVE },
      { name: 'gpu', count: 2, cpu: '16', memory: '64Gi', gpus: 1, reserved: KUBEADM_RESERVE, labels: GPU_LABELS, taints: GPU_TAINTS },
    ],
    apiServerCidrs: ['10.96.0.1/32', '10.20.0.0/24'], nodeCidrs: ['10.20.0.0/24'], server: 'https://kubernetes.default.svc' },
  storageClass: 'ceph-rbd',
  ingress: { className: 'nginx', baseDomain: 'staging.receivables.example.com', tlsIssuer: 'acme', acmeEmail: 'platform@receivables.example.com' },
  gitops: { targetRevision: 'main', autoSync: true },
  addons: { ingressNginx: { enabled: true } },
  quota: { floors: { system: floor, app: floor, data: floor } },
  tenants: [
    { id: 'acme-test', plan: 'business', displayName: 'ACME (test)' },
    { id: 'globex-test', plan: 'starter', displayName: 'Globex (test)' },
  ],
  stores: {
    postgres: { replicas: 3, volume: { size: '50Gi' }, synchronousMode: 'on', backup: { intervalHours: 24, retentionDays: 3 } },

    redis: { replicas: 3, sentinels: 3, volume: { size: '5Gi' } },

    // 3 servers × 2 drives (one per node): one erasure set of 6, EC:3; a node down leaves 4 drives = write quorum.
    minio: { pools: [{ name: 'pool-0', servers: 3, drivesPerServer: 2, volume: { size: '100Gi' } }] },

    elasticsearch: { masters: 3, data: 2, coordinating: 2, volume: { size: '50Gi' }, maxMapCount: 'disableMmap' },

    clickhouse: { shards: 1, replicas: 2, keepers: 3, volume: { size: '50Gi' } },

    kafka: { brokers: 3, volume: { size: '20Gi' } },
  },

  // GPU nodes carry the NVIDIA feature-discovery label and a taint that keeps other pods off them.
  apps: {
    modelServer: {
      mode: 'gpu', nodeSelector: { 'nvidia.com/gpu.present': 'true' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    },
    replicaCap: { minReplicas: 2, maxReplicas: 6 },
    services: { 'model-server': { replicas: 1 } },
  },
};
