/**
 * The F&B platform's service catalog (spec 000): the four services of §2.2 and the LangGraph agents of §4.1,
 * shared by all its environments (the entries' shape and checks: environments/catalog.ts).
 *
 * What the document gives: the ports (api 3000, admin 3001, webhook 3002, worker 3003, §2.2), Node.js/TypeScript
 * services and Python/Node workers (§2.1), the agents' 3 replicas and their queue-depth scaling between 2 and 5
 * pods (§4.2), services reading from PostgreSQL read replicas (§2.2, §3.1), agents keeping their state graphs in
 * PostgreSQL and taking tasks from the Redis-backed Bull queue (§4.1), and agents calling the model providers
 * (GPT-4, Claude) over HTTPS. Where it is silent (sizes, the other services' ranges) the sizes of the receivables
 * platform's Node.js APIs and LangChain workers are used (environments/receivables/catalog.ts says where they
 * come from).
 */
import type { CatalogEntry, RolloutSpec, Scaling } from '../catalog';
import type { ComputeResources } from '../values';
import { AGENT_CONFIG_DIR, AGENT_CONFIG_FILES } from './agents';

/** The platform's own images: built by CI (§2.1: GitHub Actions, Docker build), pinned by version. */
export const PLATFORM_REGISTRY = 'registry.fnb.internal/platform';
export const PLATFORM_VERSION = '1.0.0';
const own = (name: string) => `${PLATFORM_REGISTRY}/${name}:${PLATFORM_VERSION}`;

/** The application namespace of the four services, and §4.1's agents namespace. */
export const SERVICES_NAMESPACE = 'app-core';
export const AGENTS_NAMESPACE = 'agents';

const express: ComputeResources = { requests: { cpu: '200m', memory: '384Mi' }, limits: { cpu: '750m', memory: '768Mi' } };
const nextjs: ComputeResources = { requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
const langgraph: ComputeResources = { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '4', memory: '8Gi' } };

const expressRange: Scaling = { type: 'horizontal', minReplicas: 3, maxReplicas: 15, cpuPercent: 70, memoryPercent: 80 };

/**
 * Spec 000 §4.2: queue depth above 500 → 5 pods, below 100 → 2 pods, otherwise 3 (§4.1's replicas: 3). An HPA
 * between 2 and 5 keeping 100 queued tasks per pod: 500 tasks need the 5 pods, fewer than 200 leave the minimum of
 * 2; the steps of +2 and −1 pods are the HPA behaviour of charts/apps/workload.ts.
 */
export const AGENT_SCALING: Scaling = {
  type: 'horizontal', minReplicas: 2, maxReplicas: 5, cpuPercent: 80, queue: { metric: 'agent_task_queue_depth', averageValue: 100 },
};

/**
 * Spec 000 §8.1: production rolls out gradually, 5 % → 25 % → 100 %, while people "monitor alerts" and "roll back
 * if needed": the document gives no durations, so each step holds until a person promotes it. Every long-running
 * entry; where the environment turns canaries on (production).
 */
export const GRADUAL_ROLLOUT: RolloutSpec = { canary: { steps: [{ weight: 5 }, { weight: 25 }, { weight: 100, pauseMinutes: 0 }] } };

/** §2.2: every service reads through the PostgreSQL read replicas and writes to the primary. */
const postgresWithReplicas = { target: 'postgres', readReplicas: true } as const;

const service = (name: string, port: number, description: string, dependsOn: CatalogEntry['dependsOn'], ingressHost?: string, resources = express): CatalogEntry => ({
  name, namespace: SERVICES_NAMESPACE, kind: 'node-api', description, image: own(name), port,
  dependsOn, scaling: expressRange, resources, rollout: GRADUAL_ROLLOUT, ...(ingressHost ? { ingressHost } : {}),
});

export const CATALOG: readonly CatalogEntry[] = [
  // --- §2.2 microservices ---------------------------------------------------------------------------------
  service('api', 3000, 'API service (Express + GraphQL): orders, SKUs, suppliers; semantic search in Weaviate',
    // Agent work goes through the Bull queue in Redis (§4.1: Queue → Agent), not to the agents directly; the
    // agents (folder 23) are also applied after the services (22), so a direct call would wait on a later wave.
    [postgresWithReplicas, { target: 'redis' }, { target: 'minio' }, { target: 'weaviate' }], 'api'),
  service('admin', 3001, 'Admin service (Next.js admin)', [postgresWithReplicas, { target: 'redis' }, { target: 'api' }], 'admin', nextjs),
  // POS systems and partners call it from the internet (§2.2's ALB routes to every service but the worker).
  service('webhook', 3002, 'Webhook service: POS and third-party webhooks, queued as Bull jobs',
    [postgresWithReplicas, { target: 'redis' }, { target: 'minio' }], 'hooks'),
  service('worker', 3003, 'Background worker: Bull queue consumer (documents, POS imports, catalogue sync into Weaviate)',
    [postgresWithReplicas, { target: 'redis' }, { target: 'minio' }, { target: 'weaviate' }]),

  // --- §4.1 agents ----------------------------------------------------------------------------------------
  {
    name: 'langgraph-agent', namespace: AGENTS_NAMESPACE, kind: 'python-agent',
    description: 'LangGraph agents: take tasks from the Bull queue (Redis), keep their state graphs in PostgreSQL, retrieve from Weaviate',
    image: own('langgraph-agent'), port: 8000,
    // §4.1: the load-balanced "agent mesh" Service in front of the agent pods.
    serviceName: 'agent-mesh',
    configFiles: AGENT_CONFIG_FILES,
    // The providers' keys: the site creates the Secret `llm-api-keys` in `agents` before the install.
    externalServices: [
      { name: 'openai', secret: 'llm-api-keys', env: { OPENAI_API_KEY: 'openai' } },
      { name: 'anthropic', secret: 'llm-api-keys', env: { ANTHROPIC_API_KEY: 'anthropic' } },
    ],
    settings: {
      AGENT_MODELS_FILE: `${AGENT_CONFIG_DIR}/models/models.json`,
      AGENT_TOOLS_FILE: `${AGENT_CONFIG_DIR}/tools/tools.json`,
      // §4.1: state graphs in PostgreSQL (LangGraph's Postgres checkpointer), in a schema of their own.
      LANGGRAPH_CHECKPOINTER: 'postgres',
      LANGGRAPH_CHECKPOINT_SCHEMA: 'agent_state',
    },
    dependsOn: [{ target: 'postgres' }, { target: 'redis' }, { target: 'weaviate' }, { target: 'minio' }],
    scaling: AGENT_SCALING, resources: langgraph, rollout: GRADUAL_ROLLOUT,
    // GPT-4 (OpenAI) and Claude (Anthropic) over HTTPS: the only workload that leaves the cluster.
    internetPorts: [443],
  },
];
