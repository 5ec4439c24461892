/**
 * production (seed 001: live system, 3-10 instances auto-scaled, "RDS (multi-AZ)", "Redis (cluster)"): a
 * three-node kubeadm cluster, the app at 3 to 10 replicas, every store highly available, sync approved by a person.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { CEPH_CLASSES, KUBEADM_RESERVE } from './staging';

const floor = { requestsCpu: '2', requestsMemory: '4Gi', limitsCpu: '8', limitsMemory: '16Gi', storage: '50Gi', pods: 40, persistentVolumeClaims: 16 };

export const production: DeepPartial<EnvironmentInput> = {
  description: 'Production: a three-node kubeadm cluster, the app at 3 to 10 replicas, every store highly available',
  ha: true,
  cluster: {
    flavour: 'kubeadm', nodes: 3,
    nodePools: [{ name: 'general', count: 3, cpu: '16', memory: '64Gi', gpus: 0, reserved: KUBEADM_RESERVE }],
    apiServerCidrs: ['10.96.0.1/32', '10.11.0.0/24'], nodeCidrs: ['10.11.0.0/24'], server: 'https://kubernetes.default.svc',
  },
  storageClass: 'ceph-rbd',
  storageClasses: CEPH_CLASSES,
  ingress: { className: 'nginx', baseDomain: 'pcf-builder.example.com', tlsIssuer: 'acme', acmeEmail: 'platform@pcf-builder.example.com' },
  gitops: { targetRevision: 'release', autoSync: false },
  addons: {
    ingressNginx: { enabled: true },
    monitoring: {
      prometheusReplicas: 2, retention: '30d', volume: { size: '100Gi' },
      // Seed 001 "Alerting": AlertManager to PagerDuty and Slack; a page for what is critical, Slack for all.
      alerting: { pagerduty: { severities: ['critical'] }, slack: { channel: '#pcf-builder-alerts', severities: ['critical', 'warning'] } },
    },
  },
  quota: { floors: { system: floor, app: floor, data: floor } },
  // Seed 001: "RDS (multi-AZ)": the site's managed PostgreSQL (failover is the service's); nothing of it runs here.
  // The app gets egress to its subnets on 5432 only, and the site creates the Secret pcf-builder-db (username,
  // password) in the pcf-builder namespace. `require`: verify-full needs the provider's CA bundle in the app image.
  external: {
    postgres: { host: 'pcf-builder.cluster-example.eu-west-1.rds.amazonaws.com', database: 'pcf_builder', sslMode: 'require', credentialsSecret: 'pcf-builder-db', cidrs: ['10.12.0.0/22'] },
  },
  stores: {
    redis: { replicas: 3, sentinels: 3, volume: { size: '5Gi' } },
    minio: { pools: [{ name: 'pool-0', servers: 3, drivesPerServer: 2, volume: { size: '100Gi' } }] },
  },
  // Seed 001: 3 instances at least ("replicas: 3", "3-10 (auto-scale)"), at most 10.
  apps: {
    services: { 'pcf-builder': { minReplicas: 3 } },
    sharedVolumes: { 'ai-brain-pvc': { storageClass: 'cephfs', size: '10Gi', version: '2026.11.1' } },
  },
};
