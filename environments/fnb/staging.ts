/** staging: spec 000 §8.1's "mirror prod config": production's shape on three nodes, deployed from main. */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { KUBEADM_RESERVE } from './production';

const floor = { requestsCpu: '1', requestsMemory: '2Gi', limitsCpu: '4', limitsMemory: '8Gi', storage: '20Gi', pods: 20, persistentVolumeClaims: 8 };

export const staging: DeepPartial<EnvironmentInput> = {
  description: 'Staging (spec 000 §8.1): mirrors production\'s configuration on three kubeadm nodes, deployed from main for UAT/QA',
  ha: true,
  cluster: {
    flavour: 'kubeadm', nodes: 3,
    nodePools: [{ name: 'general', count: 3, cpu: '16', memory: '64Gi', gpus: 0, reserved: KUBEADM_RESERVE }],
    apiServerCidrs: ['10.96.0.1/32', '10.120.0.0/24'], nodeCidrs: ['10.120.0.0/24'], server: 'https://kubernetes.default.svc' },
  storageClass: 'ceph-rbd',
  ingress: { className: 'nginx', baseDomain: 'staging.fnb.example.com', tlsIssuer: 'acme', acmeEmail: 'platform@fnb.example.com' },
  gitops: { targetRevision: 'main', autoSync: true },
  addons: { ingressNginx: { enabled: true } },
  quota: { floors: { system: floor, app: floor, data: floor } },
  stores: {
    // The same shapes as production (3 PostgreSQL members: a primary and two read replicas; 3 Weaviate nodes), smaller volumes.
    postgres: { replicas: 3, volume: { size: '50Gi' }, synchronousMode: 'on', backup: { intervalHours: 24, retentionDays: 3 } },
    redis: { replicas: 3, sentinels: 3, volume: { size: '5Gi' } },
    minio: { pools: [{ name: 'pool-0', servers: 3, drivesPerServer: 2, volume: { size: '100Gi' } }] },
    weaviate: { replicas: 3, replicationFactor: 3, volume: { size: '20Gi' } },
  },
  // The production ranges, capped: the services 2-6 (the agents' 2-5 stay as they are).
  apps: { replicaCap: { minReplicas: 2, maxReplicas: 6 } },
};
