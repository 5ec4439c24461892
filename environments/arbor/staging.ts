/** staging: 2 API instances, autoscaling up to 4 (spec 003 "Staging Environment"). */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { QUEUES } from './catalog';
import { KUBEADM_RESERVE } from './regions';

const floor = { requestsCpu: '1', requestsMemory: '2Gi', limitsCpu: '4', limitsMemory: '8Gi', storage: '20Gi', pods: 20, persistentVolumeClaims: 8 };

export const staging: DeepPartial<EnvironmentInput> = {
  description: 'Staging: a three-node kubeadm cluster, each API at 2 instances scaling to 4, deployed from the staging branch',
  ha: true,
  cluster: {
    flavour: 'kubeadm', nodes: 3,
    nodePools: [{ name: 'general', count: 3, cpu: '16', memory: '64Gi', gpus: 0, reserved: KUBEADM_RESERVE }],
    apiServerCidrs: ['10.96.0.1/32', '10.50.0.0/24'], nodeCidrs: ['10.50.0.0/24'], server: 'https://kubernetes.default.svc',
  },
  storageClass: 'ceph-rbd',
  ingress: { className: 'nginx', baseDomain: 'staging.arbor.example.com', tlsIssuer: 'acme', acmeEmail: 'platform@arbor.example.com' },
  gitops: { targetRevision: 'staging', autoSync: true },
  addons: {
    ingressNginx: { enabled: true },
    // Spec 003's alerting providers, without paging from staging: every alert to the team's Slack.
    monitoring: { alerting: { slack: { channel: '#arbor-staging', severities: ['critical', 'warning'] } } },
  },
  quota: { floors: { system: floor, app: floor, data: floor } },
  stores: {
    postgres: {
      replicas: 3, volume: { size: '50Gi' }, synchronousMode: 'on',
      resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      parameters: { shared_buffers: '1GB', effective_cache_size: '3GB' },
    },
    // Spec 003: Cloudflare R2 bucket staging-assets; here MinIO, 3 servers × 2 drives (EC:3).
    minio: { pools: [{ name: 'pool-0', servers: 3, drivesPerServer: 2, volume: { size: '100Gi' } }] },
  },
  // Spec 003 "Staging Environment": instances 2, auto_scaling true, max_instances 4.
  // Queue workers: two Jobs per queue at once (the three nodes hold the APIs' maximum beside them).
  apps: {
    replicaCap: { minReplicas: 2, maxReplicas: 4 },
    // Spec 003 "Staging Environment" features: canary_releases (the production rollout rehearsed).
    canaryRollouts: true,
    services: Object.fromEntries(QUEUES.map((q) => [`${q}-worker`, { maxReplicas: 2 }])),
  },
};
