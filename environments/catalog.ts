/**
 * The service catalog: every application workload of the platform as data (spec 002 §8), shared by all
 * environments. Each entry names its namespace, kind, image, port, the stores and services it depends on, its
 * scaling rule and its production sizes. Environments change replicas, ranges and sizes through their `apps`
 * section (environments/schema.ts), never by copying an entry.
 *
 * Sizes and scaling rules come from the seeds: Node.js APIs (Express) 200m/384Mi–750m/768Mi, 3-15 at CPU 70 % /
 * memory 80 % (seed 004); the gateway and Python APIs (FastAPI) 250m/512Mi–1/1Gi, 3-20 (seed 004); agents as
 * LangChain workers 1/2Gi–4/8Gi, 2-10 on CPU 80 % plus task-queue depth with the thresholds of seed 000 §4.2;
 * the orchestrator sized like arbor-api (1/2Gi–2/4Gi, seed 003) and scaled vertically; batch jobs as seed 003's
 * queue workers (2 CPU / 4Gi, 30-minute deadline).
 */
import { STORE_NAMES, type StoreName } from '../charts/data/refs';
import { parseCpu, parseMemory } from '../charts/lib/quantity';
import { CRON_HINT, cronProblem } from './cron';
import type { ComputeResources } from './schema';

/** The stores an application can depend on: the registered store kinds (charts/data/refs.ts). */
export const STORES: readonly StoreName[] = STORE_NAMES;
export type { StoreName };

/** Kinds of workload; each has one construct in charts/apps/. */
export const SERVICE_KINDS = ['gateway', 'node-api', 'python-agent', 'model-server', 'static-frontend', 'batch-job'] as const;
export type ServiceKind = typeof SERVICE_KINDS[number];

/** The namespaces of the application tier (spec 002 §5.1.2). */
export const APP_NAMESPACES = ['app-core', 'app-agents', 'app-frontend', 'app-integration', 'app-batch'] as const;
export type AppNamespace = typeof APP_NAMESPACES[number];

/** Horizontal scaling: an HPA between min and max (autoscaling/v2). */
export interface HorizontalScaling {
  readonly type: 'horizontal';
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Target average CPU utilisation in percent of the request. */
  readonly cpuPercent: number;
  /** Target average memory utilisation in percent of the request. */
  readonly memoryPercent?: number;
  /**
   * An External metric (served by the metrics adapter, see docs/apps.md): the task-queue depth of this agent.
   * The HPA keeps `averageValue` tasks per pod, so `scaleUpAbove` tasks need `scaleUpAbove / averageValue` pods.
   */
  readonly queue?: { readonly metric: string; readonly averageValue: number };
}

/** Fixed replicas (vertical scaling: bigger requests, not more pods). */
export interface FixedScaling {
  readonly type: 'fixed';
  readonly replicas: number;
}

export type Scaling = HorizontalScaling | FixedScaling;

export interface Dependency {
  /** A store (a key of StoreRefs) or another service of the catalog. */
  readonly target: string;
  /** Optional dependencies may be disabled in an environment; the service then runs without them. */
  readonly optional?: boolean;
}

export interface CatalogEntry {
  readonly name: string;
  readonly namespace: AppNamespace;
  readonly kind: ServiceKind;
  readonly description: string;
  /** Pinned, fully qualified image (passed through `image()`, so an air-gapped registry rewrites it). */
  readonly image: string;
  /** The HTTP port the container listens on (also serves /metrics unless `metricsPort` is set); batch jobs serve none. */
  readonly port: number;
  /** A separate metrics/status port (Kong's status listener). */
  readonly metricsPort?: number;
  readonly dependsOn: readonly Dependency[];
  /** Routed by the gateway under this path prefix; the gateway routes each public service exactly once. */
  readonly publicPath?: string;
  readonly scaling: Scaling;
  readonly resources: ComputeResources;
  /** Ports this service opens to the internet (partners' APIs, mail submission); nothing else leaves the cluster. */
  readonly internetPorts?: readonly number[];
  /** Batch jobs only: when they run (cron, in the cluster's time zone, UTC). */
  readonly schedule?: string;
  /** Batch jobs only: hard deadline of one run. */
  readonly deadlineSeconds?: number;
  /** Batch jobs only: the program's arguments. */
  readonly args?: readonly string[];
}

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

/** A problem with a catalog entry: `catalog.<name>.<field>` and why. */
export interface CatalogProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Checks the catalog on its own: unique names, known namespaces and kinds, dependencies on known stores or
 * services, no duplicate port within a pod, sane scaling and sizes. Every problem is reported at once.
 */
export function catalogProblems(catalog: readonly CatalogEntry[]): CatalogProblem[] {
  const out: CatalogProblem[] = [];
  const names = new Map<string, number>();
  catalog.forEach((e, i) => {
    const at = (field: string) => `catalog.${e.name ?? `[${i}]`}.${field}`;
    const add = (field: string, message: string) => out.push({ path: at(field), message });
    if (!/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/.test(e.name)) add('name', `"${e.name}" must be a DNS label of at most 42 characters`);
    if (names.has(e.name)) add('name', `duplicates catalog entry ${names.get(e.name)} "${e.name}"`);
    names.set(e.name, i);
    if (!APP_NAMESPACES.includes(e.namespace)) add('namespace', `"${e.namespace}" is not an application namespace (allowed: ${APP_NAMESPACES.join(', ')})`);
    if (!SERVICE_KINDS.includes(e.kind)) add('kind', `"${e.kind}" is not a kind (allowed: ${SERVICE_KINDS.join(', ')})`);
    if (!/^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+:[A-Za-z0-9._-]+$/.test(e.image) || e.image.endsWith(':latest')) {
      add('image', `"${e.image}" must be fully qualified and pinned (registry/path:tag, not latest)`);
    }
    const ports = [e.port, ...(e.metricsPort !== undefined ? [e.metricsPort] : [])];
    for (const [field, p] of [['port', e.port], ['metricsPort', e.metricsPort]] as const) {
      if (p !== undefined && (!Number.isInteger(p) || p < 1024 || p > 65535)) add(field, `${p} must be a whole number between 1024 and 65535 (unprivileged)`);
    }
    if (new Set(ports).size !== ports.length) add('metricsPort', `${e.metricsPort} duplicates port ${e.port}`);
    if (e.publicPath !== undefined && !/^\/[a-z0-9/-]*[a-z0-9]$/.test(e.publicPath)) add('publicPath', `"${e.publicPath}" must be a path such as /api/v1/invoices`);
    if (e.kind === 'batch-job' && e.publicPath) add('publicPath', 'a batch job cannot be public');
    if (e.kind === 'batch-job' && !e.schedule) add('schedule', 'is required for a batch job');
    const cron = e.schedule === undefined ? undefined : cronProblem(e.schedule);
    if (cron) add('schedule', `"${e.schedule}": ${cron} (${CRON_HINT})`);
    const s = e.scaling;
    if (s.type === 'horizontal') {
      if (!(s.minReplicas >= 1)) add('scaling.minReplicas', `${s.minReplicas} must be at least 1`);
      if (s.minReplicas > s.maxReplicas) add('scaling.minReplicas', `${s.minReplicas} is above maxReplicas ${s.maxReplicas}`);
      if (!(s.cpuPercent > 0 && s.cpuPercent <= 100)) add('scaling.cpuPercent', `${s.cpuPercent} must be between 1 and 100`);
    } else if (!(s.replicas >= 1)) {
      add('scaling.replicas', `${s.replicas} must be at least 1`);
    }
    out.push(...resourceProblems(e.resources, `catalog.${e.name}.resources`).map(([path, message]) => ({ path: path.join('.'), message })));
  });
  const known = new Set<string>([...STORES, ...catalog.map((e) => e.name)]);
  const byName = new Map(catalog.map((e) => [e.name, e]));
  catalog.forEach((e) => {
    const seen = new Set<string>();
    e.dependsOn.forEach((d, j) => {
      const path = `catalog.${e.name}.dependsOn[${j}]`;
      if (!known.has(d.target)) out.push({ path, message: `"${d.target}" is neither a store (${STORES.join(', ')}) nor a service of the catalog` });
      if (d.target === e.name) out.push({ path, message: 'a service cannot depend on itself' });
      if (seen.has(d.target)) out.push({ path, message: `"${d.target}" is listed twice` });
      seen.add(d.target);
      const target = byName.get(d.target);
      if (target && (target.kind === 'batch-job')) out.push({ path, message: `"${d.target}" is a batch job and serves nothing` });
    });
  });
  // The gateway routes each path prefix to exactly one service.
  const paths = new Map<string, string>();
  for (const e of catalog) {
    if (!e.publicPath) continue;
    const other = [...paths].find(([p]) => p === e.publicPath || e.publicPath!.startsWith(`${p}/`) || p.startsWith(`${e.publicPath}/`));
    if (other) out.push({ path: `catalog.${e.name}.publicPath`, message: `"${e.publicPath}" overlaps "${other[0]}" of ${other[1]}` });
    paths.set(e.publicPath, e.name);
  }
  return out;
}

export function isStore(target: string): target is StoreName {
  return (STORES as readonly string[]).includes(target);
}

export type Path = (string | number)[];

/** A request above its limit, at `at` (shared by the catalog's own check and an environment's `apps` rules). */
export function resourceProblems(r: ComputeResources, at: string | Path): [Path, string][] {
  const base = typeof at === 'string' ? [at] : at;
  const out: [Path, string][] = [];
  try {
    if (parseCpu(r.requests.cpu) > parseCpu(r.limits.cpu)) out.push([[...base, 'requests', 'cpu'], `must not exceed the CPU limit ${r.limits.cpu}`]);
    if (parseMemory(r.requests.memory) > parseMemory(r.limits.memory)) out.push([[...base, 'requests', 'memory'], `must not exceed the memory limit ${r.limits.memory}`]);
  } catch (e) {
    out.push([base, e instanceof Error ? e.message : String(e)]);
  }
  return out;
}
