/** production: full HA, deployed from a release ref with a manual (approved) sync (spec 002 §2.3). */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';

/**
 * Per kubeadm node, not available to pods: the kubelet's system/kube reserve and eviction threshold (about the
 * GKE formula for 16-32 cores and 64-128 GB: 0.1 CPU, 6-10 GiB) plus the pods kubeadm clusters run outside this
 * repository: the CNI (Calico), kube-proxy, CoreDNS and, on nodes that also hold the control plane, the API
 * server, controller manager, scheduler and etcd.
 */
export const KUBEADM_RESERVE = { cpu: '1500m', memory: '8Gi' };
/** GPU nodes carry the NVIDIA feature-discovery label and a taint that keeps other pods off them. */
export const GPU_LABELS = { 'nvidia.com/gpu.present': 'true' };
export const GPU_TAINTS = [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' as const }];

export const productionFloor = {
  requestsCpu: '2', requestsMemory: '4Gi', limitsCpu: '8', limitsMemory: '16Gi', storage: '100Gi', pods: 40, persistentVolumeClaims: 16,
};

export const production: DeepPartial<EnvironmentInput> = {
  description: 'Production: a five-node kubeadm cluster, every store highly available, sync approved by a person',
  ha: true,
  cluster: {
    flavour: 'kubeadm', nodes: 5,
    // Spec 002 §9.1.1 recommended: 5 servers of 32 cores / 128 GB, plus GPU nodes: one per model-server replica and one spare, so both replicas run with a GPU node down.
    nodePools: [
      { name: 'general', count: 5, cpu: '32', memory: '128Gi', gpus: 0, reserved: { cpu: '1500m', memory: '10Gi' } },
      { name: 'gpu', count: 3, cpu: '16', memory: '64Gi', gpus: 1, reserved: KUBEADM_RESERVE, labels: GPU_LABELS, taints: GPU_TAINTS },
    ],
    apiServerCidrs: ['10.96.0.1/32', '10.10.0.0/24'], nodeCidrs: ['10.10.0.0/24'], server: 'https://kubernetes.default.svc' },
  storageClass: 'ceph-rbd',
  ingress: { className: 'nginx', baseDomain: 'receivables.example.com', tlsIssuer: 'acme', acmeEmail: 'platform@receivables.example.com' },
  gitops: { targetRevision: 'release', autoSync: false },
  addons: { ingressNginx: { enabled: true }, monitoring: { prometheusReplicas: 2, retention: '30d', volume: { size: '200Gi' } } },
  quota: { floors: { system: productionFloor, app: productionFloor, data: productionFloor } },
  tenants: [
    { id: 'acme', plan: 'enterprise', displayName: 'ACME Corporation' },
    { id: 'globex', plan: 'business', displayName: 'Globex' },
    { id: 'initech', plan: 'starter', displayName: 'Initech' },
  ],
  stores: {
    // The DR site's standby cluster (its nodes, 10.30.0.0/24) streams from the primary through a load balancer.
    postgres: { replicas: 3, volume: { size: '200Gi' }, synchronousMode: 'strict', standbyClients: { cidrs: ['10.30.0.0/24'], service: 'LoadBalancer' } },

    redis: { replicas: 3, sentinels: 3, volume: { size: '10Gi' } },

    // 4 servers × 4 drives: one erasure set of 16, EC:4 (75 % usable); a server down leaves 12 drives = write quorum.
    minio: { pools: [{ name: 'pool-0', servers: 4, drivesPerServer: 4, volume: { size: '500Gi' } }] },

    // mmap off (node.store.allow_mmap: false): keeps db-elasticsearch at Pod Security restricted; no host sysctl needed.
    elasticsearch: { masters: 3, data: 3, coordinating: 2, volume: { size: '200Gi' }, maxMapCount: 'disableMmap' },

    clickhouse: { shards: 2, replicas: 2, keepers: 3, volume: { size: '200Gi' } },

    kafka: { brokers: 3, volume: { size: '100Gi' } },
  },

  // GPU nodes carry the NVIDIA feature-discovery label and a taint that keeps other pods off them.
  apps: {
    modelServer: {
      mode: 'gpu', nodeSelector: { 'nvidia.com/gpu.present': 'true' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    },
  },
};
