/**
 * The Arbor/Kumori platform's service catalog (spec 003; the entries' shape and checks: environments/catalog.ts).
 *
 * The document runs both APIs as Vercel Functions and its manifest ("Container Architecture §2 Kubernetes
 * Deployment") as a Kubernetes Deployment: here both are Deployments of the manifest's shape.
 */
import type { CatalogEntry, ProbeSpecs, RequestThresholds, RolloutSpec } from '../catalog';
import type { ComputeResources } from '../values';

/** The platform's own images: built by CI from the document's Dockerfile, pinned by version (never `latest`). */
export const PLATFORM_REGISTRY = 'registry.arbor.internal/platform';
export const PLATFORM_VERSION = '3.2.0';
const own = (name: string, version: string = PLATFORM_VERSION) => `${PLATFORM_REGISTRY}/${name}:${version}`;

/** Spec 003 "Container Architecture §2": requests 1000m / 2Gi, limits 2000m / 4Gi. */
export const API_RESOURCES: ComputeResources = { requests: { cpu: '1000m', memory: '2Gi' }, limits: { cpu: '2000m', memory: '4Gi' } };

/**
 * Spec 003 "Container Architecture §2": liveness GET /api/health (initial delay 30 s, period 10 s), readiness
 * GET /api/ready (initial delay 5 s, period 5 s). Kumori's API is "the same stack" (Service Deployment §2).
 */
export const API_PROBES: ProbeSpecs = {
  liveness: { path: '/api/health', initialDelaySeconds: 30, periodSeconds: 10 },
  readiness: { path: '/api/ready', initialDelaySeconds: 5, periodSeconds: 5 },
};

/**
 * Both APIs call out over HTTPS: Ably (realtime), Cloudflare R2 / Vercel Blob (objects), Clerk (auth),
 * Sentry (APM), and Kumori the hosted GPU service (Replicate). None has fixed addresses: 443 to the internet.
 */
const HTTPS = [443];

/**
 * Next.js writes its cache (optimised images, fetch and ISR data) into `.next/cache` under the working directory
 * (the document's Dockerfile: WORKDIR /app, .next copied there): an emptyDir on the read-only root filesystem.
 */
const NEXT_CACHE = [{ name: 'next-cache', path: '/app/.next/cache', sizeLimit: '1Gi' }];

/**
 * Spec 003 "Deployment Strategy" (DeploymentStrategy.stages): canary at 5 % for 30 minutes, then the gradual
 * stages 10, 25, 50 and 100 % at 15 minutes each (duration_per_stage), rolled back by itself above an error rate
 * of 0.05 or a p99 latency of 1000 ms (canary.rollback_threshold, rollback.automatic). Where the environment turns
 * canaries on (staging's canary_releases, production).
 */
export const API_ROLLOUT: RolloutSpec = {
  canary: {
    steps: [
      { weight: 5, pauseMinutes: 30 },
      { weight: 10, pauseMinutes: 15 }, { weight: 25, pauseMinutes: 15 }, { weight: 50, pauseMinutes: 15 }, { weight: 100, pauseMinutes: 0 },
    ],
    analysis: { maxErrorRate: 0.05, maxP99LatencyMs: 1000 },
  },
};

/** Spec 003 "Monitoring & Observability" alerting.rules: high_error_rate (error_rate > 0.05, critical), high_latency (p99_latency > 1000ms, warning). */
const API_ALERTS: RequestThresholds = { maxErrorRate: 0.05, maxP99LatencyMs: 1000 };

/** Spec 003 "Database Migration Strategy": Prisma; `migrate deploy` applies the committed migrations only. */
const PRISMA_MIGRATE = { args: ['npx', 'prisma', 'migrate', 'deploy'] };

/** Spec 003 "Service Deployment Architecture §1" workers: 2 cores / 4GB each (requests = limits: a Job's size is its size). */
export const WORKER_RESOURCES: ComputeResources = { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } };
/** Spec 003 §1 workers: timeout 30 minutes. */
export const WORKER_DEADLINE_SECONDS = 30 * 60;
/** Spec 003 §1 workers: queues generation, memory-processing, webhooks. */
export const QUEUES = ['generation', 'memory-processing', 'webhooks'] as const;

/**
 * A queue worker: one Job per queued item (KEDA ScaledJob), at most `maxJobs` at once in production (the
 * document gives no bound: ten per queue keeps 60 cores for the workers; environments lower it).
 */
const worker = (queue: typeof QUEUES[number]): CatalogEntry => ({
  name: `${queue}-worker`, namespace: 'app-batch', kind: 'queue-worker',
  description: `Arbor's ${queue} queue: one Job per queued item (spec 003 "Service Deployment Architecture §1" workers)`,
  // Built FROM node:20-alpine like the APIs (the document's Dockerfile): its `node` user.
  image: own('arbor-worker'), port: 8080, args: ['worker', '--queue', queue], uid: 1000,
  dependsOn: [{ target: 'postgres' }, { target: 'minio' }],
  scaling: { type: 'fixed', replicas: 1 }, resources: WORKER_RESOURCES,
  deadlineSeconds: WORKER_DEADLINE_SECONDS, queue: { name: queue, maxJobs: 10 },
  // Generation calls the model providers; webhooks are delivered to customers' endpoints.
  internetPorts: HTTPS,
});

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'arbor-api', namespace: 'app-core', kind: 'node-api',
    description: 'Arbor: Node.js 20 / Next.js 15 API (spec 003 "Service Deployment Architecture §1")',
    image: own('arbor-api'), port: 3000,
    // The web entry (spec 003 "Network Security": 443 from anywhere to web, 3000 from web to the API):
    // the ingress controller terminates TLS at arbor.<domain> and forwards to port 3000.
    ingressHost: 'arbor',
    dependsOn: [{ target: 'postgres' }, { target: 'minio' }],
    // Spec 003 §1 Arbor scaling: 3-50 instances at CPU 70 % / memory 80 %.
    scaling: { type: 'horizontal', minReplicas: 3, maxReplicas: 50, cpuPercent: 70, memoryPercent: 80 },
    resources: API_RESOURCES, probes: API_PROBES, internetPorts: HTTPS, migrate: PRISMA_MIGRATE, writable: NEXT_CACHE, rollout: API_ROLLOUT, requestAlerts: API_ALERTS,
    // Spec 003 §1 realtime: Ably (channels agent-updates, collaboration), hosted; its key from the site.
    externalServices: [{ name: 'ably', secret: 'ably', env: { ABLY_API_KEY: 'apiKey' } }],
  },
  {
    name: 'kumori-api', namespace: 'app-core', kind: 'node-api',
    description: 'Kumori: Node.js 20 / Next.js 15 API (spec 003 "Service Deployment Architecture §2")',
    image: own('kumori-api'), port: 3000,
    ingressHost: 'kumori',
    // Spec 003 §2 gpu_workers provider: Replicate, where an environment has no GPU pool of its own.
    externalServices: [{ name: 'replicate', secret: 'replicate', env: { REPLICATE_API_TOKEN: 'apiToken' } }],
    dependsOn: [{ target: 'postgres' }, { target: 'minio' }],
    // Spec 003 §2 Kumori scaling: 2-30 instances at CPU 75 % / memory 85 %.
    scaling: { type: 'horizontal', minReplicas: 2, maxReplicas: 30, cpuPercent: 75, memoryPercent: 85 },
    resources: API_RESOURCES, probes: API_PROBES, internetPorts: HTTPS, migrate: PRISMA_MIGRATE, writable: NEXT_CACHE, rollout: API_ROLLOUT, requestAlerts: API_ALERTS,
  },
  ...QUEUES.map(worker),
  {
    // Spec 003 Kumori §2 gpu_workers: hosted (Replicate) in the document, with clusters of 10-50 A100 in us-east-1
    // and 5-25 V100 in eu-west-1. In-cluster where an environment has a GPU pool (apps.modelServer.mode "gpu"),
    // off elsewhere (kumori-api then calls the hosted service over 443). The models (sdxl, controlnet) are baked
    // into the image; dall-e-3 is OpenAI's hosted model, reached over 443 either way.
    name: 'kumori-gpu-worker', namespace: 'app-gpu', kind: 'gpu-worker',
    description: 'Kumori image generation (sdxl, controlnet) on the GPU pool, taking work from the generation queue',
    image: own('kumori-gpu-worker'), port: 8080,
    dependsOn: [{ target: 'postgres' }, { target: 'minio' }],
    // The primary region's range; eu-west-1 sets its own (5-25).
    scaling: { type: 'horizontal', minReplicas: 10, maxReplicas: 50, cpuPercent: 70 },
    resources: { requests: { cpu: '4', memory: '16Gi' }, limits: { cpu: '8', memory: '24Gi' } },
    probes: { liveness: { path: '/healthz', initialDelaySeconds: 60 }, readiness: { path: '/ready', periodSeconds: 5 } },
    internetPorts: HTTPS,
  },
];
