/**
 * production: spec 000 §8.1, reached after staging's approval: a person approves each sync. Three PostgreSQL
 * members (a primary and the read replicas of §3.1), a 3-node Weaviate cluster (§3.2), everything highly available.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';

/** Per kubeadm node, not available to pods: the kubelet's reserve and the distribution's own pods (CNI, kube-proxy, CoreDNS, control plane). */
export const KUBEADM_RESERVE = { cpu: '1500m', memory: '8Gi' };

const floor = { requestsCpu: '2', requestsMemory: '4Gi', limitsCpu: '8', limitsMemory: '16Gi', storage: '100Gi', pods: 40, persistentVolumeClaims: 16 };

export const production: DeepPartial<EnvironmentInput> = {
  description: 'Production (spec 000 §8.1): five kubeadm nodes, every store highly available, sync approved by a person',
  ha: true,
  cluster: {
    flavour: 'kubeadm', nodes: 5,
    // The platform at its HPA maximums requests about 31 CPU / 93 GiB (dist/fnb/production/capacity.md): five
    // 16-core / 64 GiB nodes hold it with one node down. No GPU: the models are OpenAI's and Anthropic's.
    nodePools: [{ name: 'general', count: 5, cpu: '16', memory: '64Gi', gpus: 0, reserved: KUBEADM_RESERVE }],
    apiServerCidrs: ['10.96.0.1/32', '10.110.0.0/24'], nodeCidrs: ['10.110.0.0/24'], server: 'https://kubernetes.default.svc' },
  storageClass: 'ceph-rbd',
  ingress: { className: 'nginx', baseDomain: 'fnb.example.com', tlsIssuer: 'acme', acmeEmail: 'platform@fnb.example.com' },
  gitops: { targetRevision: 'release', autoSync: false },
  addons: { ingressNginx: { enabled: true }, monitoring: { prometheusReplicas: 2, retention: '30d', volume: { size: '200Gi' } } },
  // §8.1: the gradual rollout (5 % → 25 % → 100 %) of every service, by Argo Rollouts.
  apps: { canaryRollouts: true },
  quota: { floors: { system: floor, app: floor, data: floor } },
  stores: {
    // §3.1: a primary and read replicas; the standby site (10.130.0.0/24) streams from the primary (§7.1).
    postgres: { replicas: 3, volume: { size: '200Gi' }, synchronousMode: 'on', standbyClients: { cidrs: ['10.130.0.0/24'], service: 'LoadBalancer' } },
    redis: { replicas: 3, sentinels: 3, volume: { size: '10Gi' } },
    minio: { pools: [{ name: 'pool-0', servers: 4, drivesPerServer: 4, volume: { size: '500Gi' } }] },
    // §3.2: a 3-node cluster, every shard on all three.
    weaviate: { replicas: 3, replicationFactor: 3, volume: { size: '100Gi' } },
  },
};
