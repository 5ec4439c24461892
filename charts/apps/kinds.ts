/**
 * One construct per kind of long-running workload: what differs between a Node.js API, a Python agent, the
 * model server and the static frontend (probes, writable paths, runtime settings, placement). The gateway
 * (gateway.ts) and batch jobs (batch-job.ts) have their own files.
 */
import { Construct } from 'constructs';
import type { PlatformContext } from '../context';
import { parseMemory } from '../lib/quantity';
import { frontendNginxConfig } from './frontend-config';
import { GPU_MEMORY_UTILIZATION, KV_CACHE_GI, MODEL_BUILDS, type ModelBuild } from './models';
import type { EnvironmentConfig } from '../../environments/schema';
import { AppWorkload, httpProbe, HTTP_PORT_NAME, type Rollout } from './workload';
import type { ServicePlan } from './plan';
import { k8s } from '../../imports/k8s';
import { meta } from '../lib/labels';
import { queueEnv } from './metrics';

export interface KindProps {
  readonly ctx: PlatformContext;
  readonly plan: ServicePlan;
  readonly plans: readonly ServicePlan[];
}

/** Node.js (Express) API: uid 1000 is the `node` user of the official node:alpine images. */
export class NodeApi extends Construct {
  constructor(scope: Construct, id: string, { ctx, plan, plans }: KindProps) {
    super(scope, id);
    // V8's heap must fit the container's memory limit with room for buffers and native memory (75 %).
    const heapMi = Math.floor((parseMemory(plan.resources.limits.memory) * 0.75) / 2 ** 20);
    new AppWorkload(this, 'workload', ctx, plan, plans, {
      uid: 1000,
      settings: { NODE_ENV: 'production', NODE_OPTIONS: `--max-old-space-size=${heapMi}` },
      probes: {
        startup: httpProbe('/health/live', HTTP_PORT_NAME, { periodSeconds: 5, failureThreshold: 24 }),
        liveness: httpProbe('/health/live', HTTP_PORT_NAME),
        readiness: httpProbe('/health/ready', HTTP_PORT_NAME, { periodSeconds: 5 }),
      },
    });
  }
}

/**
 * Python (FastAPI) agent. Agents load tool definitions and prompt templates at start (slow: a startup probe of
 * up to 5 minutes) and get two minutes to finish the task in hand when stopped.
 */
export class PythonAgent extends Construct {
  constructor(scope: Construct, id: string, { ctx, plan, plans }: KindProps) {
    super(scope, id);
    const name = plan.entry.name;
    new AppWorkload(this, 'workload', ctx, plan, plans, {
      settings: {
        PYTHONUNBUFFERED: '1',
        // The root filesystem is read-only: no bytecode files, and libraries' caches go to the /tmp emptyDir.
        PYTHONDONTWRITEBYTECODE: '1',
        HOME: '/tmp',
        WEB_CONCURRENCY: '1',
        AGENT_NAME: name,
        // The Redis list the agent consumes; its length is the queue-depth metric its HPA follows (metrics.ts).
        ...queueEnv(name, plan.entry.scaling.type === 'horizontal' ? plan.entry.scaling.queue?.metric : undefined),
      },
      writable: [{ name: 'tmp', path: '/tmp', sizeLimit: '1Gi' }],
      terminationGracePeriodSeconds: 120,
      probes: {
        startup: httpProbe('/healthz', HTTP_PORT_NAME, { periodSeconds: 10, failureThreshold: 30 }),
        liveness: httpProbe('/healthz', HTTP_PORT_NAME, { timeoutSeconds: 5 }),
        readiness: httpProbe('/readyz', HTTP_PORT_NAME, { periodSeconds: 5 }),
      },
    });
  }
}


/** GPU model server rollouts: no surge pod (it would wait for a GPU nobody has), one pod replaced at a time. */
export const ROLLOUT_GPU: Rollout = { maxSurge: 0, maxUnavailable: 1 };

/**
 * The model server: an OpenAI-compatible server with the model baked into the image at MODEL_PATH (no download
 * at start; works air-gapped; see models.ts for the builds and their sizes). GPU mode requests the environment's GPU resource and lands on its GPU nodes; CPU mode runs
 * a small distilled model from the `-cpu` build. Loading takes minutes: a startup probe of up to 15 minutes.
 */
export class ModelServer extends Construct {
  constructor(scope: Construct, id: string, { ctx, plan, plans }: KindProps) {
    super(scope, id);
    const ms = ctx.config.apps.modelServer;
    const gpu = ms.mode === 'gpu';
    const image = gpu ? plan.entry.image : `${plan.entry.image}-cpu`;
    const model = MODEL_BUILDS[gpu ? 'gpu' : 'cpu'];
    const problems = modelSizeProblems(ms, plan, model);
    if (problems.length) throw new Error(`model server in environment "${ctx.config.name}":\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    new AppWorkload(this, 'workload', ctx, plan, plans, {
      image,
      // The weights are read from MODEL_PATH in the image, never through the Hugging Face cache (the hub is
      // offline); the cache, kernel and compilation directories are the writable /cache emptyDir.
      settings: {
        MODEL_NAME: model.served, MODEL_PATH: model.path, QUANTIZATION: model.quantization, DEVICE: gpu ? 'cuda' : 'cpu',
        ...(gpu ? { GPU_MEMORY_UTILIZATION: String(GPU_MEMORY_UTILIZATION), TENSOR_PARALLEL_SIZE: String(ms.gpusPerReplica) } : {}),
        HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', HF_HOME: '/cache/huggingface', HOME: '/cache', XDG_CACHE_HOME: '/cache',
      },
      writable: [
        { name: 'tmp', path: '/tmp', sizeLimit: '2Gi' },
        { name: 'cache', path: '/cache', sizeLimit: '20Gi' },
      ],
      // Tensor-parallel workers share memory through /dev/shm (counted against the memory limit).
      ...(gpu ? {
        volumes: [{ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('4Gi') } }],
        mounts: [{ name: 'shm', mountPath: '/dev/shm' }],
        extraLimits: { [ms.gpuResource]: String(ms.gpusPerReplica) },
        nodeSelector: ms.nodeSelector,
        tolerations: ms.tolerations,
      } : {}),
      // GPU nodes hold no spare GPU for a surge pod: replace one pod at a time instead of hanging in Pending
      // (the one exception to maxUnavailable 0; the PDB allows the same one pod down).
      ...(gpu ? { rollout: ROLLOUT_GPU } : {}),
      terminationGracePeriodSeconds: 60,
      probes: {
        startup: httpProbe('/health', HTTP_PORT_NAME, { periodSeconds: 10, failureThreshold: 90 }),
        liveness: httpProbe('/health', HTTP_PORT_NAME, { timeoutSeconds: 5, failureThreshold: 5 }),
        readiness: httpProbe('/health', HTTP_PORT_NAME, { periodSeconds: 5 }),
      },
    });
  }
}

/**
 * Whether the model fits where it runs: on GPUs, its weights plus the KV-cache reserve within the usable memory
 * of the replica's GPUs; in the container's memory limit, one copy of the weights (the CPU build holds them in
 * RAM; the GPU build may stage a shard there while loading) plus 1 GiB for the server itself.
 */
export function modelSizeProblems(ms: EnvironmentConfig['apps']['modelServer'], plan: ServicePlan, model: ModelBuild): string[] {
  const GI = 2 ** 30;
  const problems: string[] = [];
  if (ms.mode === 'gpu') {
    const usable = (parseMemory(ms.gpuMemory) * ms.gpusPerReplica * GPU_MEMORY_UTILIZATION) / GI;
    const need = model.weightsGi + KV_CACHE_GI;
    if (usable < need) {
      problems.push(`apps.modelServer.gpuMemory = "${ms.gpuMemory}" × gpusPerReplica ${ms.gpusPerReplica}: ${usable.toFixed(1)} GiB usable `
        + `(${GPU_MEMORY_UTILIZATION * 100} %) is less than the ${need} GiB ${model.served} needs (${model.weightsGi} GiB weights + ${KV_CACHE_GI} GiB KV cache)`);
    }
  }
  const limit = parseMemory(plan.resources.limits.memory) / GI;
  if (limit < model.weightsGi + 1) {
    problems.push(`apps.services.model-server.resources.limits.memory = "${plan.resources.limits.memory}": must be at least ${model.weightsGi + 1}Gi `
      + `(${model.weightsGi} GiB of weights of ${model.served} + 1 GiB)`);
  }
  return problems;
}

/**
 * A GPU worker (spec 003 Kumori §2 gpu_workers, in-cluster instead of the hosted service): a Deployment on the
 * environment's GPU nodes (apps.modelServer: the GPU resource, node selector and tolerations), one GPU per
 * replica, between the entry's replica range. Rolled one pod at a time without a surge (no spare GPU for one).
 * Its probes are the entry's own (a worker has no kind-wide health path).
 */
export class GpuWorker extends Construct {
  constructor(scope: Construct, id: string, { ctx, plan, plans }: KindProps) {
    super(scope, id);
    const ms = ctx.config.apps.modelServer;
    if (ms.mode !== 'gpu') throw new Error(`environment "${ctx.config.name}": ${plan.entry.name} needs apps.modelServer.mode "gpu" (the GPU pool); it is "${ms.mode}"`);
    if (!plan.entry.probes?.liveness || !plan.entry.probes.readiness) throw new Error(`catalog.${plan.entry.name}.probes: a GPU worker states its liveness and readiness probes`);
    new AppWorkload(this, 'workload', ctx, plan, plans, {
      uid: plan.entry.uid,
      settings: { DEVICE: 'cuda', HOME: '/cache', XDG_CACHE_HOME: '/cache', HF_HOME: '/cache/huggingface' },
      writable: [{ name: 'tmp', path: '/tmp', sizeLimit: '2Gi' }, { name: 'cache', path: '/cache', sizeLimit: '20Gi' }],
      extraLimits: { [ms.gpuResource]: String(ms.gpusPerReplica) },
      nodeSelector: ms.nodeSelector,
      tolerations: ms.tolerations,
      rollout: ROLLOUT_GPU,
      terminationGracePeriodSeconds: 120,
      // Replaced by the entry's own (charts/apps/workload.ts entryProbes).
      probes: { liveness: httpProbe('/', HTTP_PORT_NAME), readiness: httpProbe('/', HTTP_PORT_NAME) },
    });
  }
}

/** uid 101 is the `nginx` user of the nginx-unprivileged base image. */
export const NGINX_UID = 101;

/** The web frontend: static files on an unprivileged NGINX with the generated nginx.conf. */
export class StaticFrontend extends Construct {
  constructor(scope: Construct, id: string, { ctx, plan, plans }: KindProps) {
    super(scope, id);
    const e = plan.entry;
    const domain = ctx.config.ingress.baseDomain;
    const conf = frontendNginxConfig({
      port: e.port, environment: ctx.config.name,
      apiBaseUrl: `https://${apiHost(domain)}`, tenantApiUrlTemplate: `https://${tenantApiHost('{tenant}', domain)}`,
    });
    const cmName = `${e.name}-nginx`;
    new k8s.KubeConfigMap(this, 'nginx', {
      metadata: meta(ctx.config, { name: cmName, namespace: e.namespace, id: plan.id }),
      data: { 'nginx.conf': conf },
    });
    new AppWorkload(this, 'workload', ctx, plan, plans, {
      uid: NGINX_UID,
      // The image's entrypoint scripts would rewrite the default config; ours is mounted whole.
      settings: { NGINX_ENTRYPOINT_QUIET_LOGS: '1' },
      volumes: [{ name: 'nginx-conf', configMap: { name: cmName } }],
      mounts: [{ name: 'nginx-conf', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf', readOnly: true }],
      writable: [{ name: 'tmp', path: '/tmp', sizeLimit: '128Mi' }],
      checksumOf: [conf],
      // NGINX serves no /metrics (location / answers index.html with 200): a scrape would be a target always down.
      metrics: false,
      probes: {
        liveness: httpProbe('/healthz', HTTP_PORT_NAME),
        readiness: httpProbe('/healthz', HTTP_PORT_NAME, { periodSeconds: 5 }),
      },
    });
  }
}

/** Public host names, one place. */
export function apiHost(baseDomain: string): string {
  return `api.${baseDomain}`;
}
export function webHost(baseDomain: string): string {
  return `app.${baseDomain}`;
}
export function tenantApiHost(tenant: string, baseDomain: string): string {
  return `${tenant}.api.${baseDomain}`;
}
