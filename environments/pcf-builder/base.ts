/**
 * What every PCF Builder environment shares. Environment files hold only what differs.
 *
 * Deliberately absent here, as for receivables: the cluster, the storage classes, the domain, the Git revision,
 * the AI brain's class, size and version, and the replica counts of the stores.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';

/**
 * Seed 001 "Kubernetes Deployment": an application namespace, a cache namespace (Redis: the store kind's
 * db-redis), the ingress controller's; plus what the platform's operation needs (monitoring, certificates,
 * Argo CD) and the in-cluster stores that replace S3 (MinIO) and ElastiCache (Redis). PostgreSQL's namespace only
 * where it runs in the cluster (staging).
 */
export const NAMESPACES: NonNullable<EnvironmentInput['namespaces']> = [
  {
    name: 'monitoring', tier: 'system', podSecurity: 'privileged',
    podSecurityReason: 'node-exporter of the Prometheus stack reads the host through hostPID, hostNetwork and hostPath',
  },
  {
    name: 'ingress', tier: 'system', podSecurity: 'baseline',
    podSecurityReason: 'the ingress controller binds ports 80/443 and needs NET_BIND_SERVICE, which restricted forbids',
  },
  { name: 'cert-manager', tier: 'system' },
  { name: 'security', tier: 'system' },
  { name: 'pcf-builder', tier: 'app' },
  { name: 'db-redis', tier: 'data' },
  { name: 'storage-minio', tier: 'data' },
  { name: 'argocd', tier: 'system' },
];

const smallDefaults = { defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' } };

export const base: DeepPartial<EnvironmentInput> = {
  images: { registry: '', pullPolicy: 'IfNotPresent' },
  gitops: { repoURL: 'https://git.example.com/platform/pcf-builder-deploy.git' },
  podSecurity: { version: 'v1.27' },

  namespaces: NAMESPACES,

  quota: {
    headroom: 0.25,
    limitRange: { system: smallDefaults, app: smallDefaults, data: smallDefaults },
  },

  // No tenancy: one application for everyone.
  tenantPlans: {},
  tenants: [],

  // PostgreSQL is not here: none in development, external in production, in the cluster in staging (./staging.ts).
  stores: {
    redis: {
      masterSet: 'pcf-builder',
      resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      minReplicasToWrite: 1, minReplicasMaxLagSeconds: 10, downAfterMilliseconds: 5000, failoverTimeoutMilliseconds: 60000,
      backup: { schedule: '17 */6 * * *', retentionDays: 7 },
    },
    minio: { resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } },
  },

  apps: { autoscaling: true, modelServer: { mode: 'disabled' } },
  addons: {
    chartMirror: '',
    certManager: { enabled: true },
    ingressNginx: { enabled: false, service: 'NodePort' },
    monitoring: { enabled: true, prometheusReplicas: 1, retention: '15d', volume: { size: '20Gi' } },
    externalSecrets: { enabled: false },
  },
  secrets: { source: 'generate' },
};
