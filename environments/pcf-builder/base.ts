/**
 * What every PCF Builder environment shares. Environment files hold only what differs.
 *
 * Deliberately absent here, as for receivables: the cluster, the storage classes, the domain, the Git revision,
 * the AI brain's class, size and version, and the replica counts of the stores.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { ARGOCD_NAMESPACE, CERT_MANAGER_NAMESPACE, INGRESS_NAMESPACE, MONITORING_NAMESPACE, POD_SECURITY, QUOTA, SECURITY_NAMESPACE } from '../shared';

/**
 * Seed 001 "Kubernetes Deployment": an application namespace, a cache namespace (Redis: the store kind's
 * db-redis), the ingress controller's; plus what the platform's operation needs (monitoring, certificates,
 * Argo CD) and the in-cluster stores that replace S3 (MinIO) and ElastiCache (Redis). PostgreSQL's namespace only
 * where it runs in the cluster (staging).
 */
export const NAMESPACES: NonNullable<EnvironmentInput['namespaces']> = [
  MONITORING_NAMESPACE,
  INGRESS_NAMESPACE,
  CERT_MANAGER_NAMESPACE,
  SECURITY_NAMESPACE,
  { name: 'pcf-builder', tier: 'app' },
  { name: 'db-redis', tier: 'data' },
  { name: 'storage-minio', tier: 'data' },
  ARGOCD_NAMESPACE,
];

export const base: DeepPartial<EnvironmentInput> = {
  images: { registry: '', pullPolicy: 'IfNotPresent' },
  gitops: { repoURL: 'https://git.example.com/platform/pcf-builder-deploy.git' },
  podSecurity: POD_SECURITY,

  namespaces: NAMESPACES,

  quota: QUOTA,

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
