/**
 * The model server's exceptions to the application defaults: GPU rollouts that need no spare GPU, and where
 * the model weights come from on an air-gapped cluster.
 */
import { renderPlatform } from '../charts/platform';
import { environmentInput, validateEnvironment } from '../environments';
import type { Manifest } from '../charts/platform';
import { containerEnv, rendered } from './support/apps';
import { GPU_MEMORY_UTILIZATION, KV_CACHE_GI, MODEL_BUILDS } from '../charts/apps/models';
import { parseMemory } from '../charts/lib/quantity';

const envs = rendered();
const byEnv = (name: string) => envs.find((r) => r.env === name)!;
const GI = 2 ** 30;

function renderWith(env: string, edit: (input: Record<string, any>) => void): Manifest[] {
  const input = structuredClone(environmentInput(env)) as Record<string, any>;
  edit(input);
  return renderPlatform(validateEnvironment(env, input)).charts.flatMap((c) => c.manifests);
}

/** Pods that may exist at once during a rollout, and ready pods that remain, for `replicas` pods. */
function rolloutBounds(d: Manifest): { most: number; fewestReady: number } {
  const { maxSurge, maxUnavailable } = d.spec.strategy.rollingUpdate;
  return { most: d.spec.replicas + maxSurge, fewestReady: d.spec.replicas - maxUnavailable };
}

describe('GPU model server rollouts', () => {
  test.each(['production', 'staging', 'dr'])('%s: a rollout never needs more GPUs than the replicas hold', (env) => {
    const r = byEnv(env);
    const ms = r.p.config.apps.modelServer;
    expect(ms.mode).toBe('gpu');
    const d = r.find('Deployment', 'app-agents', 'model-server')!;
    const gpus = Number(d.spec.template.spec.containers[0].resources.limits[ms.gpuResource]);
    // With every GPU node busy, a surge pod would stay Pending and the rollout would hang.
    expect(rolloutBounds(d).most * gpus).toBeLessThanOrEqual(d.spec.replicas * gpus);
    // The quota is sized from the same strategy: no GPU is reserved for a surge that cannot happen.
    const quota = r.find('ResourceQuota', 'app-agents', 'quota')!;
    expect(Number(quota.spec.hard[`requests.${ms.gpuResource}`])).toBeGreaterThanOrEqual(d.spec.replicas * gpus);
  });

  test('production: two replicas, one replaced at a time; the PDB allows the same one pod down and keeps one serving', () => {
    const r = byEnv('production');
    const d = r.find('Deployment', 'app-agents', 'model-server')!;
    expect(d.spec.replicas).toBe(2);
    expect(rolloutBounds(d).fewestReady).toBe(1);
    const pdb = r.find('PodDisruptionBudget', 'app-agents', 'model-server')!;
    expect(pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(d.spec.strategy.rollingUpdate.maxUnavailable);
    expect(d.spec.replicas - pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
  });

  test('the CPU build keeps the default (a surge pod needs no GPU); so does every other service', () => {
    const onprem = byEnv('onprem');
    expect(onprem.find('Deployment', 'app-agents', 'model-server')!.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    const input = structuredClone(environmentInput('production')) as Record<string, any>;
    input.apps.modelServer = { mode: 'cpu' };
    const ms = renderPlatform(validateEnvironment('production', input)).charts.flatMap((c) => c.manifests);
    const d = ms.find((m) => m.kind === 'Deployment' && m.metadata.name === 'model-server')!;
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    const prod = byEnv('production');
    const others = prod.ms.filter((m) => m.kind === 'Deployment' && m.metadata.namespace.startsWith('app-') && m.metadata.name !== 'model-server');
    expect(others.length).toBeGreaterThan(10);
    for (const o of others) expect({ d: o.metadata.name, s: o.spec.strategy.rollingUpdate }).toEqual({ d: o.metadata.name, s: { maxSurge: 1, maxUnavailable: 0 } });
  });
});

describe('model weights and sizing', () => {
  // dev runs no model server (docs/capacity.md).
  const serving = envs.filter((r) => r.p.config.apps.modelServer.mode !== 'disabled').map((r) => [r.env, r] as const);

  test.each(serving)('%s: the server reads the weights from a directory of the image that no volume hides, offline', (_e, r) => {
    const d = r.find('Deployment', 'app-agents', 'model-server')!;
    const c = d.spec.template.spec.containers[0];
    const { settings } = containerEnv(r, 'app-agents', c);
    const mode = r.p.config.apps.modelServer.mode as 'gpu' | 'cpu';
    expect(settings.MODEL_PATH).toMatch(/^\/[^ ]+[^/]$/);
    // A volume mounted at or above the directory (an emptyDir cache, say) would replace the image's files.
    const hiding = c.volumeMounts.filter((m: Manifest) => `${settings.MODEL_PATH}/`.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
    expect(hiding).toEqual([]);
    expect(settings).toMatchObject({ HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', MODEL_NAME: MODEL_BUILDS[mode].served });
    // The GPU and CPU builds are different images with different directories.
    expect(c.image.endsWith('-cpu')).toBe(mode === 'cpu');
  });

  test('the GPU build is the 4-bit quantization, small enough for a 48 GB GPU; bf16 (65.5 GB) would not be', () => {
    expect(MODEL_BUILDS.gpu.quantization).toBe('awq');
    const usable48 = 48 * GPU_MEMORY_UTILIZATION;
    expect(MODEL_BUILDS.gpu.weightsGi + KV_CACHE_GI).toBeLessThanOrEqual(usable48);
    expect(65.5e9 / GI + KV_CACHE_GI).toBeGreaterThan(usable48);
  });

  test.each(serving)('%s: the model fits the GPUs and the memory limit it gets', (_e, r) => {
    const ms = r.p.config.apps.modelServer;
    const c = r.find('Deployment', 'app-agents', 'model-server')!.spec.template.spec.containers[0];
    const { settings } = containerEnv(r, 'app-agents', c);
    const build = Object.values(MODEL_BUILDS).find((b) => b.path === settings.MODEL_PATH)!;
    expect(build).toBeDefined();
    expect(parseMemory(c.resources.limits.memory) / GI).toBeGreaterThanOrEqual(build.weightsGi + 1);
    if (ms.mode === 'gpu') {
      const gpus = Number(c.resources.limits[ms.gpuResource]);
      expect((parseMemory(ms.gpuMemory) * gpus * Number(settings.GPU_MEMORY_UTILIZATION)) / GI).toBeGreaterThanOrEqual(build.weightsGi + KV_CACHE_GI);
      expect(settings.TENSOR_PARALLEL_SIZE).toBe(String(gpus));
    }
  });

  test('a GPU class too small, or a memory limit below the weights, is refused naming the field', () => {
    expect(() => renderWith('production', (i) => { i.apps.modelServer.gpuMemory = '24Gi'; }))
      .toThrow(/apps\.modelServer\.gpuMemory = "24Gi" × gpusPerReplica 1: 21\.6 GiB usable .* less than the 27 GiB/);
    // Two 24 GB GPUs with tensor parallelism hold it.
    const two = renderWith('production', (i) => { i.apps.modelServer.gpuMemory = '24Gi'; i.apps.modelServer.gpusPerReplica = 2; });
    const cm = two.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'model-server-config')!;
    expect(cm.data.TENSOR_PARALLEL_SIZE).toBe('2');
    expect(() => renderWith('onprem', (i) => { i.apps.services['model-server'].resources.limits.memory = '4Gi'; i.apps.services['model-server'].resources.requests.memory = '4Gi'; }))
      .toThrow(/apps\.services\.model-server\.resources\.limits\.memory = "4Gi": must be at least 5Gi/);
  });
});
