/**
 * The receivables platform's service catalog: every application workload (spec 002 §8), shared by all its
 * environments (the entries' shape and checks: environments/catalog.ts).
 *
 * Sizes and scaling rules come from the seeds: Node.js APIs (Express) 200m/384Mi–750m/768Mi, 3-15 at CPU 70 % /
 * memory 80 % (seed 004); the gateway and Python APIs (FastAPI) 250m/512Mi–1/1Gi, 3-20 (seed 004); agents as
 * LangChain workers 1/2Gi–4/8Gi, 2-10 on CPU 80 % plus task-queue depth with the thresholds of seed 000 §4.2;
 * the orchestrator sized like arbor-api (1/2Gi–2/4Gi, seed 003) and scaled vertically; batch jobs as seed 003's
 * queue workers (2 CPU / 4Gi, 30-minute deadline).
 */
import type { AppNamespace, CatalogEntry, Scaling } from '../catalog';
import type { ComputeResources } from '../values';

/** The platform's own images: built by CI, pushed to the platform registry, pinned by version. */
export const PLATFORM_REGISTRY = 'registry.receivables.internal/platform';
export const PLATFORM_VERSION = '1.8.2';
const own = (name: string, version: string = PLATFORM_VERSION) => `${PLATFORM_REGISTRY}/${name}:${version}`;

const express: ComputeResources = { requests: { cpu: '200m', memory: '384Mi' }, limits: { cpu: '750m', memory: '768Mi' } };
const fastapi: ComputeResources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
const langchain: ComputeResources = { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '4', memory: '8Gi' } };
const worker: ComputeResources = { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } };

const expressRange: Scaling = { type: 'horizontal', minReplicas: 3, maxReplicas: 15, cpuPercent: 70, memoryPercent: 80 };
const fastapiRange: Scaling = { type: 'horizontal', minReplicas: 3, maxReplicas: 20, cpuPercent: 70, memoryPercent: 80 };
/** Seed 000 §4.2: above 500 queued tasks scale up (to 5 pods), below 100 scale down (to 2): 100 tasks per pod. */
const agentRange: Scaling = {
  type: 'horizontal', minReplicas: 2, maxReplicas: 10, cpuPercent: 80, queue: { metric: 'agent_task_queue_depth', averageValue: 100 },
};

const node = (name: string, description: string, dependsOn: string[], publicPath?: string, namespace: AppNamespace = 'app-core'): CatalogEntry => ({
  name, namespace, kind: 'node-api', description, image: own(name), port: 3000,
  dependsOn: dependsOn.map((target) => ({ target })), publicPath, scaling: expressRange, resources: express,
});

const agent = (name: string, description: string): CatalogEntry => ({
  name, namespace: 'app-agents', kind: 'python-agent', description, image: own(name), port: 8000,
  dependsOn: [{ target: 'postgres' }, { target: 'redis' }, { target: 'model-server', optional: true }],
  scaling: agentRange, resources: langchain,
});

const job = (name: string, description: string, schedule: string, dependsOn: string[], args: string[]): CatalogEntry => ({
  // A job listens on nothing: no Service, no probe; the port is only validated.
  name, namespace: 'app-batch', kind: 'batch-job', description, image: own('batch-jobs'), port: 8080,
  dependsOn: dependsOn.map((target) => ({ target })), scaling: { type: 'fixed', replicas: 1 }, resources: worker,
  schedule, deadlineSeconds: 1800, args,
});

export const CATALOG: readonly CatalogEntry[] = [
  // --- app-core (spec 002 §8.1) -------------------------------------------------------------------------
  {
    name: 'api-gateway', namespace: 'app-core', kind: 'gateway',
    description: 'Kong in DB-less mode: declarative routes to the public services, per-tenant rate limits',
    image: 'docker.io/library/kong:3.9.0', port: 8000, metricsPort: 8100,
    // Sized and ranged like seed 004's FastAPI pods (3-20): every API request passes through it.
    dependsOn: [], scaling: fastapiRange, resources: fastapi,
  },
  node('auth-service', 'Authentication: sessions, tokens and tenant login (PostgreSQL, Redis)', ['postgres', 'redis'], '/api/v1/auth'),
  node('user-service', 'Users, roles and tenant membership (PostgreSQL)', ['postgres'], '/api/v1/users'),
  node('invoice-service', 'Invoices and their documents (PostgreSQL, MinIO)', ['postgres', 'minio', 'kafka'], '/api/v1/invoices'),
  node('customer-service', 'Debtors, contacts and credit terms (PostgreSQL)', ['postgres'], '/api/v1/customers'),
  node('payment-service', 'Payments and reconciliation against invoices (PostgreSQL, Kafka)', ['postgres', 'kafka'], '/api/v1/payments'),
  node('notification-service', 'Reminders and notices; delivery through the integration service', ['postgres', 'redis', 'kafka', 'integration-service'], '/api/v1/notifications'),
  node('analytics-service', 'Receivables analytics: ageing, DSO, cash-flow forecasts (ClickHouse)', ['clickhouse', 'postgres'], '/api/v1/analytics'),
  node('search-service', 'Full-text search over invoices, customers and documents (Elasticsearch)', ['elasticsearch', 'postgres'], '/api/v1/search'),

  // --- app-agents (spec 002 §8.2) -----------------------------------------------------------------------
  {
    name: 'orchestrator-agent', namespace: 'app-agents', kind: 'python-agent',
    description: 'Master orchestration agent (FastAPI): plans work and dispatches it to the specialized agents',
    image: own('orchestrator-agent'), port: 8000,
    dependsOn: [{ target: 'postgres' }, { target: 'redis' }, { target: 'kafka' }],
    publicPath: '/api/v1/agents',
    // Spec 002 §8.2.1: vertical scaling for state management; two replicas for availability (leader lease in Redis).
    scaling: { type: 'fixed', replicas: 2 },
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
  },
  agent('collections-agent', 'Collections strategy and dunning conversations'),
  agent('credit-risk-agent', 'Debtor credit-risk scoring and payment prediction'),
  agent('dispute-agent', 'Dispute triage and resolution proposals'),
  {
    name: 'model-server', namespace: 'app-agents', kind: 'model-server',
    description: 'The language model (Deepseek R1) behind an OpenAI-compatible API; GPU or CPU per environment',
    // Spec 002 §4.1.1: custom images with the model baked in (no download at start, works air-gapped).
    image: own('model-server', '2.1.0'), port: 8000,
    dependsOn: [], scaling: { type: 'fixed', replicas: 2 },
    resources: { requests: { cpu: '4', memory: '24Gi' }, limits: { cpu: '8', memory: '32Gi' } },
  },

  // --- app-frontend (spec 002 §8.3) ---------------------------------------------------------------------
  {
    name: 'web-frontend', namespace: 'app-frontend', kind: 'static-frontend',
    description: 'The React web application: static files on an unprivileged NGINX',
    image: own('web-frontend'), port: 8080, dependsOn: [],
    // Seed 001: 3 replicas, HPA 2-10 on CPU 70 % / memory 80 %.
    scaling: { type: 'horizontal', minReplicas: 2, maxReplicas: 10, cpuPercent: 70, memoryPercent: 80 },
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
  },
  node('mobile-backend', 'Backend for the mobile app: aggregates the core services', ['redis', 'auth-service', 'user-service', 'invoice-service', 'customer-service', 'payment-service'], '/api/mobile', 'app-frontend'),

  // --- app-integration ----------------------------------------------------------------------------------
  {
    ...node('integration-service', 'Outbound connectors (accounting systems, banks, e-mail/SMS) and partner webhooks', ['postgres', 'kafka', 'redis'], '/api/v1/integrations', 'app-integration'),
    // HTTPS to partners' APIs, mail submission (STARTTLS) to the mail relay.
    internetPorts: [443, 587],
  },

  // --- app-batch ----------------------------------------------------------------------------------------
  job('payment-reminders', 'Queues the day\'s payment reminders', '0 6 * * *', ['postgres', 'kafka'], ['payment-reminders']),
  job('ageing-report', 'Nightly ageing and DSO aggregates into ClickHouse, report files to MinIO', '30 1 * * *', ['postgres', 'clickhouse', 'minio'], ['ageing-report']),
  job('search-reindex', 'Weekly full reindex of the search indices', '0 3 * * 0', ['postgres', 'elasticsearch'], ['search-reindex']),
];

