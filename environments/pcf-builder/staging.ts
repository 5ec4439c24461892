/**
 * staging (seed 001: pre-production testing, 2 instances, "RDS (small)", "Redis (small)"): a three-node kubeadm
 * cluster, two fixed replicas of the app, small HA stores in the cluster.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { NAMESPACES } from './base';
import { LOGGING_NAMESPACES } from '../shared';

/** Per kubeadm node, not available to pods: kubelet reserve and eviction threshold, CNI, kube-proxy, CoreDNS, control plane. */
export const KUBEADM_RESERVE = { cpu: '1', memory: '3Gi' };
/** Ceph: RBD block volumes (ReadWriteOnce) for the stores, CephFS (every mode) for the AI brain. */
export const CEPH_CLASSES = {
  'ceph-rbd': { accessModes: ['ReadWriteOnce' as const] },
  'cephfs': { accessModes: ['ReadWriteOnce' as const, 'ReadOnlyMany' as const, 'ReadWriteMany' as const] },
};

/**
 * PostgreSQL for the audit logs (seed 001: RDS), in the cluster here (Patroni + PgBouncer):
 * a self-hosted stand-in for the document's "RDS (small)"; production uses the site's managed service.
 */
export const POSTGRES = {
  database: 'pcf_builder',
  resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
  pooler: { replicas: 2, defaultPoolSize: 20, maxClientConn: 500, resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } } },
  backup: { intervalHours: 6, retentionDays: 7 },
};

const floor = { requestsCpu: '1', requestsMemory: '2Gi', limitsCpu: '4', limitsMemory: '8Gi', storage: '20Gi', pods: 20, persistentVolumeClaims: 8 };

export const staging: DeepPartial<EnvironmentInput> = {
  description: 'Staging: a three-node kubeadm cluster, two instances of the app, small HA stores, deployed from main',
  ha: true,
  cluster: {
    flavour: 'kubeadm', nodes: 3,
    nodePools: [{ name: 'general', count: 3, cpu: '8', memory: '32Gi', gpus: 0, reserved: KUBEADM_RESERVE }],
    apiServerCidrs: ['10.96.0.1/32', '10.21.0.0/24'], nodeCidrs: ['10.21.0.0/24'], server: 'https://kubernetes.default.svc',
  },
  // Seed 001 "Monitoring": "Elasticsearch + Kibana for logs", an option: on here, where it is tried before production.
  namespaces: [...NAMESPACES, { name: 'db-postgres', tier: 'data' }, { name: 'db-elasticsearch', tier: 'data' }, ...LOGGING_NAMESPACES],
  storageClass: 'ceph-rbd',
  storageClasses: CEPH_CLASSES,
  ingress: { className: 'nginx', baseDomain: 'staging.pcf-builder.example.com', tlsIssuer: 'acme', acmeEmail: 'platform@pcf-builder.example.com' },
  gitops: { targetRevision: 'main', autoSync: true },
  addons: {
    ingressNginx: { enabled: true },
    // Seed 001's Slack, without paging from staging.
    monitoring: { alerting: { slack: { channel: '#pcf-builder-staging', severities: ['critical', 'warning'] } } },
    // Fluent Bit → the Elasticsearch above, Kibana at kibana.<baseDomain> (docs/logging.md).
    logging: { backend: 'elasticsearch', kibana: { replicas: 2, retentionDays: 14 } },
  },
  quota: { floors: { system: floor, app: floor, data: floor } },
  stores: {
    postgres: { ...POSTGRES, replicas: 3, volume: { size: '20Gi' }, synchronousMode: 'on', backup: { intervalHours: 24, retentionDays: 3 } },
    redis: { replicas: 3, sentinels: 3, volume: { size: '2Gi' } },
    // 3 servers × 2 drives: one erasure set of 6, EC:3; a node down leaves 4 drives = write quorum.
    minio: { pools: [{ name: 'pool-0', servers: 3, drivesPerServer: 2, volume: { size: '20Gi' } }] },
    // The logs' Elasticsearch: the store kind's smallest HA shape (3 masters, 2 data nodes), no privileged pod.
    elasticsearch: {
      masters: 3, data: 2, coordinating: 0, volume: { size: '20Gi' }, masterVolume: { size: '5Gi' }, maxMapCount: 'disableMmap',
      resources: { requests: { cpu: '250m', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    },
  },
  // Seed 001: 2 instances in staging, fixed.
  apps: {
    autoscaling: false,
    services: { 'pcf-builder': { replicas: 2 } },
    sharedVolumes: { 'ai-brain-pvc': { storageClass: 'cephfs', size: '5Gi', version: '2026.11.1' } },
  },
};
