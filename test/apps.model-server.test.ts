/**
 * The model server's exceptions to the application defaults: GPU rollouts that need no spare GPU, and where
 * the model weights come from on an air-gapped cluster.
 */
import { renderPlatform } from '../charts/platform';
import { environmentInput, validateEnvironment } from '../environments';
import type { Manifest } from '../charts/platform';
import { rendered } from './support/apps';

const envs = rendered();
const byEnv = (name: string) => envs.find((r) => r.env === name)!;

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
    const dev = byEnv('dev');
    expect(dev.find('Deployment', 'app-agents', 'model-server')!.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
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
