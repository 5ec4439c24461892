/**
 * The platform catalog and the defaults every environment shares. Environment files hold only what differs.
 *
 * Deliberately absent here, so that an environment cannot inherit them by accident: the cluster, the
 * storage class, the domain, the Git revision, the tenants and the replica counts of the stores.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { ARGOCD_NAMESPACE, CERT_MANAGER_NAMESPACE, INGRESS_NAMESPACE, MONITORING_NAMESPACE, POD_SECURITY, QUOTA, SECURITY_NAMESPACE } from '../shared';

export const base: DeepPartial<EnvironmentInput> = {
  images: { registry: '', pullPolicy: 'IfNotPresent' },
  gitops: { repoURL: 'https://git.example.com/platform/receivables-deploy.git' },
  podSecurity: POD_SECURITY,

  // Spec 002 §5.1 (kube-system is the distribution's, not ours). db-kafka holds the Kafka of §7.2.3 / §8.2.1.
  namespaces: [
    MONITORING_NAMESPACE,
    INGRESS_NAMESPACE,
    CERT_MANAGER_NAMESPACE,
    SECURITY_NAMESPACE,
    { name: 'app-core', tier: 'app' },
    { name: 'app-agents', tier: 'app' },
    { name: 'app-frontend', tier: 'app' },
    { name: 'app-integration', tier: 'app' },
    { name: 'app-batch', tier: 'app' },
    { name: 'db-postgres', tier: 'data' },
    { name: 'db-clickhouse', tier: 'data' },
    { name: 'db-redis', tier: 'data' },
    { name: 'db-elasticsearch', tier: 'data' },
    { name: 'db-kafka', tier: 'data' },
    { name: 'storage-minio', tier: 'data' },
    // Argo CD runs in each environment's own cluster: a DR site must not depend on the primary's Argo CD.
    ARGOCD_NAMESPACE,
  ],

  quota: QUOTA,

  // Spec 002 §10.3.1: CPU, memory, storage and rate limits by plan.
  tenantPlans: {
    starter: {
      requestsCpu: '2', requestsMemory: '4Gi', limitsCpu: '4', limitsMemory: '8Gi', storage: '20Gi',
      pods: 20, persistentVolumeClaims: 5, rateLimitPerMinute: 600,
      // Starter tenants run no integrations in the cluster: their pods reach only DNS (the API from outside).
      network: { platformEndpoints: [] },
      limitRange: { defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' } },
    },
    business: {
      requestsCpu: '8', requestsMemory: '16Gi', limitsCpu: '16', limitsMemory: '32Gi', storage: '200Gi',
      pods: 60, persistentVolumeClaims: 20, rateLimitPerMinute: 3000,
      // Their integrations (spec 002 §10.2.2) call the platform API through the gateway, under the plan's limit.
      network: { platformEndpoints: ['api-gateway'] },
      limitRange: { defaultRequest: { cpu: '250m', memory: '256Mi' }, default: { cpu: '1', memory: '1Gi' } },
    },
    enterprise: {
      requestsCpu: '32', requestsMemory: '64Gi', limitsCpu: '64', limitsMemory: '128Gi', storage: '1Ti',
      pods: 200, persistentVolumeClaims: 50, rateLimitPerMinute: 12000,
      network: { platformEndpoints: ['api-gateway'] },
      limitRange: { defaultRequest: { cpu: '250m', memory: '256Mi' }, default: { cpu: '2', memory: '2Gi' } },
    },
  },

  // Production-sized store resources; dev overrides them downwards.
  stores: {
    postgres: {
      database: 'receivables',
      resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      synchronousMode: 'off',
      pooler: { replicas: 2, defaultPoolSize: 20, maxClientConn: 1000, resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } } },
      // Seed 000 §7.2: a snapshot every 6 hours and 7 days of point-in-time recovery.
      backup: { intervalHours: 6, retentionDays: 7 },
    },

    redis: {
      masterSet: 'receivables',
      resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
      // A partitioned master stops accepting writes after 10 s; Sentinel fails over after 5 s without answer.
      minReplicasToWrite: 1, minReplicasMaxLagSeconds: 10, downAfterMilliseconds: 5000, failoverTimeoutMilliseconds: 60000,
      backup: { schedule: '17 */6 * * *', retentionDays: 14 },
    },

    minio: { resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } } },

    elasticsearch: { resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } } },

    clickhouse: {
      resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      keeper: { volume: { size: '10Gi' }, resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } } },
      backup: { schedule: '30 1 * * *', retentionDays: 14 },
    },

    // Three copies, two acknowledged: an acknowledged write survives one lost broker, and writes go on without it.
    kafka: {
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } }, replicationFactor: 3, minInsyncReplicas: 2,
      // Domain events of the services (environments/catalog.ts); ClickHouse ingests invoices and payments.
      topics: [
        { name: 'invoice-events', partitions: 6, clickhouse: true },
        { name: 'payment-events', partitions: 6, clickhouse: true },
        { name: 'notification-requests', partitions: 3, retentionHours: 72 },
        { name: 'integration-events', partitions: 3 },
      ],
    },
  },

  // Application tier: the catalog's production ranges (environments/catalog.ts), the model server on GPUs.
  apps: { autoscaling: true, modelServer: { mode: 'gpu' } },
  // GitOps and installation (issue 8): ingress-nginx only where the cluster has no controller (kubeadm).
  addons: {
    chartMirror: '',
    certManager: { enabled: true },
    ingressNginx: { enabled: false, service: 'NodePort' },
    monitoring: { enabled: true, prometheusReplicas: 1, retention: '15d', volume: { size: '50Gi' } },
    externalSecrets: { enabled: false },
  },
  secrets: { source: 'generate' },
};
