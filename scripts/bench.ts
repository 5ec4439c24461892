/**
 * Prints how long rendering takes, next to the cost of merely loading cdk8s and cdk8s-plus-27 in a bare node
 * process (the floor any render pays). Figures are medians of several runs; nothing here asserts.
 *
 *   npm run bench
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderPlatform } from '../charts/platform';
import { toFileTree } from '../charts/output/render';
import { ENVIRONMENTS, environmentInput, validateEnvironment } from '../environments';

const RUNS = 5;
const main = path.join(__dirname, 'main.js');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dist-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeProcess(args: string[], runs = RUNS): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

function timeInProcess(fn: () => void, runs = RUNS): number {
  fn(); // warm the module cache and the JIT
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

function withTenants(n: number) {
  const input = environmentInput('production') as any;
  const plans = ['starter', 'business', 'enterprise'];
  input.tenants = Array.from({ length: n }, (_, i) => ({ id: `bench-${String(i).padStart(4, '0')}`, plan: plans[i % 3] }));
  return input;
}

const row = (label: string, ms: number, extra = '') => console.log(`${label.padEnd(48)} ${ms.toFixed(0).padStart(7)} ms  ${extra}`);

const bare = timeProcess(['-e', "require('cdk8s'); require('cdk8s-plus-27')"]);
row('bare node: load cdk8s + cdk8s-plus-27', bare);
for (const env of Object.keys(ENVIRONMENTS)) {
  const ms = timeProcess([main, '--env', env, '--out', out]);
  row(`synth --env ${env} (whole process)`, ms, `${(ms / bare).toFixed(2)}x bare`);
}
const all = timeProcess([main, '--out', out]);
row('synth, all environments (whole process)', all, `${(all / bare).toFixed(2)}x bare (aim: <= 3x)`);

console.log('\nin-process render of production (validate + build + YAML), by tenant count:');
const base = timeInProcess(() => toFileTree(renderPlatform(validateEnvironment('production', withTenants(0)))));
row('  production, 0 generated tenants', base);
let previous = base;
for (const n of [100, 1000]) {
  const input = withTenants(n);
  const ms = timeInProcess(() => toFileTree(renderPlatform(validateEnvironment('production', input))), n >= 1000 ? 3 : RUNS);
  row(`  production, ${n} generated tenants`, ms, `${((ms - base) / n).toFixed(2)} ms per tenant`);
  previous = ms;
}
void previous;
fs.rmSync(out, { recursive: true, force: true });
