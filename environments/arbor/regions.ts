/**
 * What the three production regions of spec 003 ("Production Environment") share: us-east-1 is the primary
 * (all services, the database primary), eu-west-1 a secondary with all services and a read replica,
 * ap-southeast-1 a secondary with only the API and CDN and a read replica. Each region is its own cluster and
 * environment (production-<region>.ts).
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';

/** Per kubeadm node, not available to pods: kubelet reserve, eviction threshold, CNI, kube-proxy, CoreDNS. */
export const KUBEADM_RESERVE = { cpu: '1500m', memory: '8Gi' };

/** The regions' node networks: the standbys stream from the primary's, the primary admits the secondaries'. */
export const REGION_NODES = {
  'us-east-1': '10.60.0.0/22',
  'eu-west-1': '10.61.0.0/22',
  'ap-southeast-1': '10.62.0.0/22',
} as const;
export type Region = keyof typeof REGION_NODES;

const floor = { requestsCpu: '2', requestsMemory: '4Gi', limitsCpu: '8', limitsMemory: '16Gi', storage: '100Gi', pods: 40, persistentVolumeClaims: 16 };

/** The primary's PostgreSQL and MinIO as the secondaries reach them (a load balancer of the primary region). */
export const PRIMARY_POSTGRES = 'postgres.us-east-1.arbor.example.com';
export const PRIMARY_MINIO = 'https://minio.us-east-1.arbor.example.com:9000';

/**
 * The secondary regions' stores: the database a read replica (a Patroni standby cluster following the primary
 * region's, replaying its archive from the primary's MinIO), and a MinIO of their own.
 */
export const READ_REPLICA_STORES: DeepPartial<EnvironmentInput>['stores'] = {
  postgres: {
    replicas: 3, volume: { size: '500Gi' },
    standby: {
      host: PRIMARY_POSTGRES, port: 5432, cidrs: [REGION_NODES['us-east-1']], sourceEnvironment: 'production-us-east-1',
      archive: { endpoint: PRIMARY_MINIO, cidrs: [REGION_NODES['us-east-1']] },
    },
  },
  minio: { pools: [{ name: 'pool-0', servers: 4, drivesPerServer: 2, volume: { size: '250Gi' } }] },
};

/** GPU nodes carry the NVIDIA feature-discovery label and a taint that keeps other pods off them. */
export const GPU_LABELS = { 'nvidia.com/gpu.present': 'true' };
export const GPU_TAINTS = [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' as const }];

/**
 * An in-cluster GPU pool of `count` one-GPU nodes of `product` (the NVIDIA feature discovery's
 * nvidia.com/gpu.product label), for the GPU workers: the environment's apps.modelServer section says where
 * GPU pods go and what they tolerate.
 */
export function gpuPool(product: string, count: number): { pool: NonNullable<NonNullable<DeepPartial<EnvironmentInput>['cluster']>['nodePools']>[number]; apps: DeepPartial<EnvironmentInput>['apps'] } {
  const labels = { ...GPU_LABELS, 'nvidia.com/gpu.product': product };
  return {
    pool: { name: 'gpu', count, cpu: '16', memory: '64Gi', gpus: 1, reserved: KUBEADM_RESERVE, labels, taints: GPU_TAINTS },
    apps: {
      modelServer: {
        mode: 'gpu', nodeSelector: labels,
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      },
    },
  };
}

export function region(name: Region, generalNodes: number): DeepPartial<EnvironmentInput> {
  const nodes = REGION_NODES[name];
  return {
    ha: true,
    cluster: {
      flavour: 'kubeadm', nodes: generalNodes,
      nodePools: [{ name: 'general', count: generalNodes, cpu: '32', memory: '128Gi', gpus: 0, reserved: { cpu: '1500m', memory: '10Gi' } }],
      apiServerCidrs: ['10.96.0.1/32', nodes], nodeCidrs: [nodes], server: 'https://kubernetes.default.svc',
    },
    storageClass: 'ceph-rbd',
    ingress: { className: 'nginx', baseDomain: `${name}.arbor.example.com`, tlsIssuer: 'acme', acmeEmail: 'platform@arbor.example.com' },
    // Production: main, synced after a person approves (spec 003 "Database Migration Strategy": manual approval).
    gitops: { targetRevision: 'main', autoSync: false },
    // Spec 003 "Deployment Strategy": the APIs roll out as canaries (environments/arbor/catalog.ts API_ROLLOUT).
    apps: { canaryRollouts: true },
    addons: {
      ingressNginx: { enabled: true },
      monitoring: {
        prometheusReplicas: 2, volume: { size: '200Gi' },
        // Spec 003 "Monitoring & Observability" alerting providers: critical to PagerDuty, warning to Slack (info
        // to Email is not rendered: no rule of ours is info).
        alerting: { pagerduty: { severities: ['critical'] }, slack: { channel: '#arbor-alerts', severities: ['warning'] } },
      },
    },
    quota: { floors: { system: floor, app: floor, data: floor } },
  };
}
