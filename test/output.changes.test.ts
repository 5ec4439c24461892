/**
 * The change summary after a synth (issue 15): files added, changed and removed per environment, and which
 * workloads restart because a checksum/* annotation of their pod template changed. Exercised on real renders.
 */
import { toFileTree } from '../charts/output/render';
import { diffTrees, formatChanges } from '../charts/output/changes';
import { renderPlatform } from '../charts/platform';
import { validateEnvironment } from '../environments';
import { input } from './support/config';

const render = (cfg: Record<string, any>) => toFileTree(renderPlatform(validateEnvironment('staging', cfg)));
const base = render(input('staging'));

test('an identical render is unchanged', () => {
  const c = diffTrees(base, render(input('staging')));
  expect(c).toEqual({ added: [], changed: [], removed: [], restarts: [] });
  expect(formatChanges('staging', c)).toBe('staging: unchanged');
});

test('a Redis setting changes its configuration: the Redis StatefulSets restart, nothing else does', () => {
  const cfg = input('staging');
  cfg.stores.redis.downAfterMilliseconds += 1000;
  const c = diffTrees(base, render(cfg));
  expect(c.added).toEqual([]);
  expect(c.removed).toEqual([]);
  expect(c.restarts.length).toBeGreaterThan(0);
  for (const w of c.restarts) expect(w).toMatch(/^StatefulSet db-redis\//);
  // Every restarted workload's file is among the changed ones.
  for (const w of c.restarts) expect(c.changed.some((f) => f.endsWith(`statefulset.${w.split(' ')[1].replace('/', '.')}.yaml`))).toBe(true);
  expect(formatChanges('staging', c)).toMatch(/^staging: \d+ changed; restarts StatefulSet db-redis\//);
});

test('a new tenant: its namespace, a gateway route, an Ingress host, the certificate, and a gateway restart (as the README says)', () => {
  const cfg = input('staging');
  cfg.tenants.push({ id: 'newco', plan: 'business' });
  const c = diffTrees(base, render(cfg));
  expect(c.added).toContain('01-tenants/namespace.tenant-newco.yaml');
  expect(c.removed).toEqual([]);
  const changed = (re: RegExp) => c.changed.filter((f) => re.test(f));
  expect(changed(/^30-ingress\/ingress\./)).toHaveLength(1);
  expect(changed(/^30-ingress\/certificate\./)).toHaveLength(1);
  expect(changed(/-gateway\/configmap\..*declarative/)).toHaveLength(1);
  expect(c.restarts).toHaveLength(1);
  expect(c.restarts[0]).toMatch(/^Deployment app-core\/.*gateway/);
  expect(formatChanges('staging', c)).toMatch(/^staging: \d+ changed, \d+ added; restarts Deployment app-core\/.*gateway$/);
});

test('removed files and a new environment', () => {
  const fewer = new Map(base);
  const gone = [...fewer.keys()][0];
  fewer.delete(gone);
  expect(diffTrees(base, fewer).removed).toEqual([gone]);
  expect(formatChanges('staging', diffTrees(base, fewer))).toBe('staging: 1 removed');
  expect(formatChanges('qa', diffTrees(undefined, base), false)).toBe(`qa: new, ${base.size} files`);
});
