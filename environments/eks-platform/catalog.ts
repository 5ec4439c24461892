/**
 * The EKS platform's service catalog (spec 004 "Architecture Diagrams and System Documentation"; the entries'
 * shape and checks: environments/catalog.ts). The document's namespaces ("Kubernetes Architecture"): Kong in
 * `platform`, the FastAPI and Express APIs in `apps`, the LangChain workers, the LangGraph orchestrator, the
 * document processors and the web crawlers in `workers`, the scheduled jobs in `batch`. Its flows ("High-Level
 * System Architecture", "Data Flow Architecture") are the entries' dependencies.
 */
import type { CatalogEntry, HorizontalScaling } from '../catalog';
import type { ComputeResources } from '../values';

/** The platform's own images in the account's ECR (built and pushed by CI, spec 004 "Deployment Pipeline"). */
export const PLATFORM_REGISTRY = '123456789012.dkr.ecr.us-west-2.amazonaws.com/eks-platform';
export const PLATFORM_VERSION = '1.0.0';
const own = (name: string) => `${PLATFORM_REGISTRY}/${name}:${PLATFORM_VERSION}`;

// Spec 004 "Resource Allocation Guidelines", Application Pods.
/** FastAPI Pods: requests 250m / 512Mi, limits 1000m / 1Gi. */
export const FASTAPI_RESOURCES: ComputeResources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1Gi' } };
/** Express Pods: requests 200m / 384Mi, limits 750m / 768Mi. */
export const EXPRESS_RESOURCES: ComputeResources = { requests: { cpu: '200m', memory: '384Mi' }, limits: { cpu: '750m', memory: '768Mi' } };
/** LangChain Workers: requests 1000m / 2Gi, limits 4000m / 8Gi. */
export const LANGCHAIN_RESOURCES: ComputeResources = { requests: { cpu: '1000m', memory: '2Gi' }, limits: { cpu: '4000m', memory: '8Gi' } };

// Spec 004 "Scaling Policies", Horizontal Pod Autoscaler.
/** FastAPI: 3-20 pods on CPU (70 %) and memory (80 %). */
export const FASTAPI_SCALING: HorizontalScaling = { type: 'horizontal', minReplicas: 3, maxReplicas: 20, cpuPercent: 70, memoryPercent: 80 };
/** Express: 3-15 pods on CPU (70 %) and memory (80 %). */
export const EXPRESS_SCALING: HorizontalScaling = { type: 'horizontal', minReplicas: 3, maxReplicas: 15, cpuPercent: 70, memoryPercent: 80 };
/**
 * LangChain Workers: 2-10 pods on CPU (80 %) "and custom metrics": the depth of their task queue (an External
 * metric served by prometheus-adapter, charts/apps/metrics.ts), 5 waiting tasks per worker.
 */
export const LANGCHAIN_QUEUE_METRIC = 'langchain_queue_depth';
export const LANGCHAIN_SCALING: HorizontalScaling = {
  type: 'horizontal', minReplicas: 2, maxReplicas: 10, cpuPercent: 80, queue: { metric: LANGCHAIN_QUEUE_METRIC, averageValue: 5 },
};

/** The document gives no sizes for the other workers and jobs: a FastAPI pod's requests with more room to burst. */
const WORKER_RESOURCES: ComputeResources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2000m', memory: '2Gi' } };
const JOB_RESOURCES: ComputeResources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1Gi' } };

/** Outside services reached over HTTPS (spec 004 "External Services"): Pinecone, Google Gemini. */
const HTTPS = [443];
/** Pinecone (vector database, "External Service"): an API key from a Secret the site creates (Secrets Manager). */
const PINECONE = { name: 'pinecone', secret: 'pinecone', env: { PINECONE_API_KEY: 'apiKey', PINECONE_INDEX_HOST: 'indexHost' } };
/** Google Gemini (LangChain's model provider, "High-Level System Architecture"). */
const GEMINI = { name: 'gemini', secret: 'gemini', env: { GOOGLE_API_KEY: 'apiKey' } };

/** A Python worker of the `workers` namespace (FastAPI's runtime: health and readiness on /healthz, /readyz). */
const worker = (name: string, description: string, dependsOn: string[], extra: Partial<CatalogEntry> = {}): CatalogEntry => ({
  name, namespace: 'workers', kind: 'python-agent', description, image: own(name), port: 8000,
  dependsOn: dependsOn.map((target) => ({ target })),
  scaling: { type: 'horizontal', minReplicas: 1, maxReplicas: 4, cpuPercent: 80 }, resources: WORKER_RESOURCES,
  ...extra,
});

/** A scheduled job of the `batch` namespace ("Batch Namespace": CronJobs). */
const job = (name: string, description: string, schedule: string, dependsOn: string[], args: string[]): CatalogEntry => ({
  name, namespace: 'batch', kind: 'batch-job', description, image: own('batch-jobs'), port: 8080,
  dependsOn: dependsOn.map((target) => ({ target })), scaling: { type: 'fixed', replicas: 1 }, resources: JOB_RESOURCES,
  schedule, deadlineSeconds: 3600, args,
});

export const CATALOG: readonly CatalogEntry[] = [
  {
    // "ALB → Kong → FastAPI / Express"; "Kong: Rate Limiting, Auth" (Data Flow Architecture).
    name: 'kong', namespace: 'platform', kind: 'gateway',
    description: 'Kong Gateway in DB-less mode behind the Application Load Balancer: routes to the FastAPI and Express APIs',
    image: 'docker.io/library/kong:3.9.0', port: 8000, metricsPort: 8100,
    // Every request passes through it: sized and ranged like the FastAPI pods.
    dependsOn: [], scaling: FASTAPI_SCALING, resources: FASTAPI_RESOURCES,
  },
  {
    // FastAPI → RDS, ElastiCache (cache), Pinecone (vector search), S3.
    name: 'fastapi-api', namespace: 'apps', kind: 'python-agent',
    description: 'FastAPI API: cache in Redis, queries PostgreSQL, vector search in Pinecone, documents in S3',
    image: own('fastapi-api'), port: 8000, publicPath: '/api',
    dependsOn: [{ target: 'postgres' }, { target: 'redis' }, { target: 'minio' }],
    scaling: FASTAPI_SCALING, resources: FASTAPI_RESOURCES, internetPorts: HTTPS, externalServices: [PINECONE],
  },
  {
    // Express → RDS, ElastiCache (sessions), MSK.
    name: 'express-api', namespace: 'apps', kind: 'node-api',
    description: 'Express API: PostgreSQL, sessions in Redis, events to Kafka (MSK)',
    image: own('express-api'), port: 3000, publicPath: '/web',
    dependsOn: [{ target: 'postgres' }, { target: 'redis' }, { target: 'kafka' }],
    scaling: EXPRESS_SCALING, resources: EXPRESS_RESOURCES,
  },
  // LangChain → Gemini, Pinecone; its tasks from a Redis list ("Async Processing": S3, Pinecone, RDS metadata).
  worker('langchain-worker', 'LangChain workers: embeddings and generation (Gemini), vectors to Pinecone, documents from S3', ['redis', 'postgres', 'minio'], {
    scaling: LANGCHAIN_SCALING, resources: LANGCHAIN_RESOURCES, internetPorts: HTTPS, externalServices: [GEMINI, PINECONE],
  }),
  // LangGraph → RDS, MSK.
  worker('langgraph-orchestrator', 'LangGraph orchestrator: agent workflows, state in PostgreSQL, events on Kafka', ['postgres', 'kafka']),
  // Document processors → S3, OpenSearch.
  worker('document-processor', 'Document processors: parse documents from S3, index them into OpenSearch', ['minio', 'elasticsearch', 'kafka']),
  // Crawlers → S3 (and the web).
  worker('web-crawler', 'Web crawlers: fetch pages from the web into S3', ['minio'], { internetPorts: [80, 443] }),
  // "Batch Namespace": scheduled jobs (the stores' backups are AWS's own: RDS and ElastiCache automated backups).
  job('search-reindex', 'Nightly OpenSearch index maintenance from PostgreSQL', '30 2 * * *', ['postgres', 'elasticsearch'], ['reindex']),
  job('retention-cleanup', 'Daily clean-up of expired documents and sessions (S3, PostgreSQL)', '15 3 * * *', ['postgres', 'minio'], ['cleanup']),
];
