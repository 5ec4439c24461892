/**
 * The values every environment of the F&B platform shares. Environment files hold only what differs.
 *
 * Deliberately absent here, so that an environment cannot inherit them by accident: the cluster, the storage
 * class, the domain, the Git revision and the replica counts of the stores.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { SPEC_000_CLASSES } from './weaviate';
import { ARGOCD_NAMESPACE, ARGO_ROLLOUTS_NAMESPACE, CERT_MANAGER_NAMESPACE, INGRESS_NAMESPACE, MONITORING_NAMESPACE, POD_SECURITY, QUOTA, SECURITY_NAMESPACE } from '../shared';

export const base: DeepPartial<EnvironmentInput> = {
  images: { registry: '', pullPolicy: 'IfNotPresent' },
  gitops: { repoURL: 'https://git.example.com/platform/fnb-deploy.git' },
  podSecurity: POD_SECURITY,

  // Spec 000 names one namespace, §4.1's "Agents Namespace"; the four services of §2.2 share app-core. The
  // stores' namespaces are their kinds' (charts/data/<kind>/refs.ts).
  namespaces: [
    MONITORING_NAMESPACE,
    INGRESS_NAMESPACE,
    CERT_MANAGER_NAMESPACE,
    // External Secrets runs here where an environment reads its Secret values from Vault.
    SECURITY_NAMESPACE,
    { name: 'app-core', tier: 'app' },
    { name: 'agents', tier: 'app' },
    { name: 'db-postgres', tier: 'data' },
    { name: 'db-redis', tier: 'data' },
    { name: 'db-weaviate', tier: 'data' },
    { name: 'storage-minio', tier: 'data' },
    ARGOCD_NAMESPACE,
    // Argo Rollouts: production's canary rollouts (spec 000 §8.1).
    ARGO_ROLLOUTS_NAMESPACE,
  ],

  quota: QUOTA,

  // The document describes no tenancy: one platform, no tenant namespaces.
  tenantPlans: {},
  tenants: [],

  // Production-sized store resources; dev overrides them downwards.
  stores: {
    postgres: {
      database: 'fnb',
      resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      synchronousMode: 'off',
      pooler: { replicas: 2, defaultPoolSize: 20, maxClientConn: 1000, resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } } },
      // Spec 000 §7.2: a snapshot every 6 hours, 7 days of point-in-time recovery.
      backup: { intervalHours: 6, retentionDays: 7 },
    },

    // Cache and the Bull queues (§2.2, §4.1): a lost acknowledged job is a lost task, so writes need a replica.
    redis: {
      masterSet: 'fnb',
      resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
      minReplicasToWrite: 1, minReplicasMaxLagSeconds: 10, downAfterMilliseconds: 5000, failoverTimeoutMilliseconds: 60000,
      backup: { schedule: '17 */6 * * *', retentionDays: 14 },
    },

    // Documents and images (§1: S3).
    minio: { resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } } },

    // §3.2: the three classes of 1536-dimension text-embedding-ada-002 vectors.
    weaviate: {
      classes: SPEC_000_CLASSES,
      backup: { schedule: '45 2 * * *', retentionDays: 14 },
      resources: { requests: { cpu: '1', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } },
    },
  },

  // No model server: the agents call OpenAI and Anthropic (§4.1's GPT-4 and Claude).
  apps: { autoscaling: true, modelServer: { mode: 'disabled' } },
  addons: {
    chartMirror: '',
    certManager: { enabled: true },
    ingressNginx: { enabled: false, service: 'NodePort' },
    monitoring: { enabled: true, prometheusReplicas: 1, retention: '15d', volume: { size: '50Gi' } },
    externalSecrets: { enabled: false },
  },
  secrets: { source: 'generate' },
};
