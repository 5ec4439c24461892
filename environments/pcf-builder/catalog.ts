/**
 * The PCF Builder platform's service catalog (seed 001): one application, the PCF Builder app.
 *
 * Seed 001 "Infrastructure as Code": Deployment `pcf-builder`, a Node.js + TypeScript app on container port 3000
 * with NODE_ENV=production (the node-api kind sets it), the AI brain claim `ai-brain-pvc` mounted read-only at
 * /app/ai-brain. "Scaling Strategy": 2 to 10 instances on CPU above 70 %, memory above 80 % and requests per
 * second above 100. "Production Deployment": the app alone calls the OpenAI, Anthropic and Azure OpenAI APIs
 * (HTTPS), uses Redis as its cache and PostgreSQL for audit logs (SQLite in development: the dependency is optional,
 * and development has no PostgreSQL).
 */
import type { CatalogEntry } from '../catalog';

/** The platform's own images: built by CI, pushed to the platform registry, pinned by version (never `latest`). */
export const PLATFORM_REGISTRY = 'registry.pcf-builder.internal/platform';
export const PLATFORM_VERSION = '1.0.0';

/** Seed 001 "Scaling Strategy": min 2, max 10; CPU > 70 %, memory > 80 %, requests/sec > 100. */
export const APP_SCALING = { type: 'horizontal', minReplicas: 2, maxReplicas: 10, cpuPercent: 70, memoryPercent: 80, requestsPerSecond: 100 } as const;

/** Seed 001 "Container Architecture" / "Kubernetes Deployment": the AI brain, read-only in every replica. */
export const AI_BRAIN = { claimName: 'ai-brain-pvc', mountPath: '/app/ai-brain', sourcePrefix: 'ai-brain', pathEnv: 'AI_BRAIN_PATH' } as const;

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'pcf-builder', namespace: 'pcf-builder', kind: 'node-api',
    description: 'The PCF Builder app (Node.js + TypeScript): reads the AI brain, caches in Redis, audit logs in PostgreSQL, calls the LLM APIs',
    image: `${PLATFORM_REGISTRY}/pcf-builder:${PLATFORM_VERSION}`, port: 3000,
    // Seed 001 "Kubernetes Deployment": NGINX Ingress → Service → pods; no gateway: its own Ingress at app.<baseDomain>.
    ingressHost: 'app',
    dependsOn: [{ target: 'redis' }, { target: 'postgres', optional: true }],
    scaling: APP_SCALING,
    // Sized like seed 004's Express pods (the seed gives no size for this app).
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    // OpenAI, Anthropic and Azure OpenAI over HTTPS; a NetworkPolicy cannot name hosts, so: 443 to the internet, this app only.
    internetPorts: [443],
    sharedVolume: AI_BRAIN,
  },
];
