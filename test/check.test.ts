/**
 * `npm run check` (issue 15): validates and renders every environment in memory, writes nothing, says what
 * synth would change, and exits non-zero on any configuration problem. The type-check half is `tsc` itself
 * (the package script); this tests the program after it, in process.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ENVIRONMENTS, PLATFORMS } from '../environments';
import { main } from '../scripts/check';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'check-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function check(...args: string[]) {
  const out: string[] = []; const err: string[] = [];
  const code = main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

test('every environment valid against the committed dist/: one line each, nothing written', () => {
  const dist = path.resolve(__dirname, '..', 'dist');
  const r = check('--dist', dist);
  expect(r.code).toBe(0);
  const names = Object.entries(PLATFORMS).flatMap(([p, d]) => Object.keys(d.environments).map((env) => `${p}/${env}`));
  expect(r.out.slice(0, names.length).map((l) => l.split(':')[0])).toEqual(names);
  expect(r.out[names.length]).toMatch(new RegExp(`^check: ${names.length} environments valid and rendered in memory, nothing written`));
});

test('an output folder that does not exist stays absent: check writes nothing', () => {
  const dist = path.join(tmp, 'never');
  const r = check('--env', 'dev', '--dist', dist);
  expect(r.code).toBe(0);
  expect(r.out[0]).toBe('receivables/dev: valid; synth would change dist/ (not rendered yet)');
  expect(fs.existsSync(dist)).toBe(false);
});

test('a configuration problem exits 1 with the usual message', () => {
  const broken = structuredClone(ENVIRONMENTS.dev) as Record<string, any>;
  broken.ingress = { ...broken.ingress, baseDomain: 'broken.receivables.local' };
  broken.stores = { ...broken.stores, redis: { ...broken.stores.redis, backup: { schedule: '99 xx * * *' } } };
  ENVIRONMENTS.broken = broken;
  try {
    const r = check('--env', 'broken', '--dist', path.join(tmp, 'broken'));
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toContain('environment "broken": stores.redis.backup.schedule = "99 xx * * *": minute "99"');
    expect(fs.existsSync(path.join(tmp, 'broken'))).toBe(false);
  } finally {
    delete ENVIRONMENTS.broken;
  }
});

// check must refuse what synth refuses: an environment that does not fit its declared nodes is a configuration
// error there too, and the fit warnings synth prints are printed by check as well.
test('an environment that does not fit its nodes exits 1, as synth would refuse it', () => {
  const small = structuredClone(ENVIRONMENTS.dev) as Record<string, any>;
  small.ingress = { ...small.ingress, baseDomain: 'small.receivables.local' };
  small.cluster = { ...small.cluster, nodePools: [{ ...small.cluster.nodePools[0], cpu: '2', memory: '4Gi' }] };
  ENVIRONMENTS.small = small;
  try {
    const r = check('--env', 'small', '--dist', path.join(tmp, 'small'));
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toContain('environment "small": cluster.nodePools = ');
    expect(r.err.join('\n')).toContain('does not fit (HPA minimums');
    expect(r.out.join('\n')).not.toContain('valid');
  } finally {
    delete ENVIRONMENTS.small;
  }
});

test('the fit warnings synth prints are printed by check', () => {
  const r = check('--env', 'dev', '--dist', path.resolve(__dirname, '..', 'dist'));
  expect(r.code).toBe(0);
  expect(r.err.filter((l) => l.startsWith('warning: environment "dev": node pool "dev" is '))).toHaveLength(1);
});
