/**
 * What every Arbor/Kumori environment shares. Environment files hold only what differs.
 *
 * Deliberately absent here, so that an environment cannot inherit them by accident: the cluster, the storage
 * class, the domain, the Git revision and the replica counts of the stores.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { ARGOCD_NAMESPACE, ARGO_ROLLOUTS_NAMESPACE, CERT_MANAGER_NAMESPACE, INGRESS_NAMESPACE, MONITORING_NAMESPACE, POD_SECURITY, QUOTA } from '../shared';

/**
 * Spec 003 "Neon PostgreSQL Configuration": the four ALTER SYSTEM settings, as PostgreSQL parameters (Patroni
 * writes them into the members' configuration; max_connections through its DCS, identical on every member).
 */
export const NEON_PARAMETERS = { max_connections: 200, shared_buffers: '4GB', effective_cache_size: '12GB', work_mem: '32MB' } as const;

export const base: DeepPartial<EnvironmentInput> = {
  images: { registry: '', pullPolicy: 'IfNotPresent' },
  gitops: { repoURL: 'https://git.example.com/platform/arbor-deploy.git' },
  podSecurity: POD_SECURITY,

  namespaces: [
    MONITORING_NAMESPACE,
    INGRESS_NAMESPACE,
    CERT_MANAGER_NAMESPACE,
    ARGOCD_NAMESPACE,
    // Argo Rollouts: the APIs' canary rollouts (spec 003 "Deployment Strategy").
    ARGO_ROLLOUTS_NAMESPACE,
    // KEDA: starts the queue workers' Jobs.
    { name: 'keda', tier: 'system' },
    // The two APIs (the document's manifest puts them in one namespace); the queue workers.
    { name: 'app-core', tier: 'app' },
    { name: 'app-batch', tier: 'app' },
    // The in-cluster GPU workers (where an environment has a GPU pool).
    { name: 'app-gpu', tier: 'app' },
    { name: 'db-postgres', tier: 'data' },
    { name: 'storage-minio', tier: 'data' },
  ],

  quota: QUOTA,

  // No tenants: Arbor and Kumori are multi-user applications, not per-tenant namespaces.
  tenantPlans: {},
  tenants: [],

  stores: {
    postgres: {
      // One database for both products, their schemas apart (spec 003 "Neon PostgreSQL Configuration").
      database: 'arbor',
      // The tuned parameters need the memory behind them: 4GB shared buffers and a 12GB cache estimate.
      resources: { requests: { cpu: '2', memory: '16Gi' }, limits: { cpu: '4', memory: '16Gi' } },
      parameters: { ...NEON_PARAMETERS },
      // Spec 003 "Neon PostgreSQL Configuration". Its `CREATE EXTENSION "pgvector"` names the project, not the
      // extension: pgvector installs `vector` (pgvector/pgvector vector.control, module $libdir/vector), which
      // is not trusted, so the superuser creates it at bootstrap. The Spilo image ships it
      // (zalando/spilo postgres-appliance/build_scripts/base.sh: postgresql-$version-pgvector).
      extensions: ['uuid-ossp', 'vector', 'pg_trgm'],
      schemas: ['arbor', 'kumori', 'shared'],
      synchronousMode: 'off',
      // Spec 003 "Infrastructure Monitoring": exporters node_exporter (kube-prometheus-stack's) and postgres_exporter.
      exporter: true,
      pooler: { replicas: 2, defaultPoolSize: 20, maxClientConn: 1000, resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } } },
      // Spec 003 "Disaster Recovery §1 Backup Strategy": hourly, keeping 24 hourly, 7 daily, 4 weekly and 12
      // monthly: a full base backup every hour, pruned by tiers after each (backup-retention.sh). WAL is archived
      // continuously (at the latest every 5 minutes), so any point since the oldest daily backup can be restored;
      // the weekly and monthly ones are kept permanent, with only their own WAL.
      backup: { intervalHours: 1, retention: { hourly: 24, daily: 7, weekly: 4, monthly: 12 } },
    },
    minio: { resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } } },
  },

  // GPU work goes to the hosted service unless an environment has a GPU pool (production-us-east-1, -eu-west-1).
  apps: { autoscaling: true, modelServer: { mode: 'disabled' } },
  addons: {
    chartMirror: '',
    certManager: { enabled: true },
    ingressNginx: { enabled: false, service: 'NodePort' },
    // Spec 003 "Infrastructure Monitoring": Prometheus with 30 days of retention.
    monitoring: { enabled: true, prometheusReplicas: 1, retention: '30d', volume: { size: '100Gi' } },
    externalSecrets: { enabled: false },
  },
  secrets: { source: 'generate' },
};
