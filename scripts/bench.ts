/**
 * How fast a synth is, in one run, per platform and for everything, next to the floor any render pays: a bare
 * `node` process that only loads cdk8s and cdk8s-plus-27. Figures are medians of several runs, wall time and
 * (for processes) CPU time, which a busy shared machine disturbs less; each process's ratio is to bare loads run
 * in turns with it. Nothing here asserts.
 *
 *   npm run bench [-- --runs 7] [--only receivables,everything,tenants]
 *
 * - whole process: `node .build/synth.js` (what `npm run synth` runs, without npm's own start-up): with nothing
 *   changed since the last synth (not rendered again), every environment rendered with the bundle reused
 *   (`--force`: what a code change costs once bundled), one environment rendered and the others reused from the
 *   output folder (its folder edited: what an edit of one environment costs once bundled and type-checked), and
 *   with `--rebuild` (bundled again; the render cache reuses every folder);
 * - after a save, in a copy of the project: of an environment file (bundle, that environment and
 *   those whose file imports it rendered) and of shared code (charts/lib/labels.ts: bundle, every environment);
 * - in process: load + validate + build + YAML of every environment, warm (what a long-running process pays);
 * - watch: in a copy of the project, a save of an environment file until its re-render is written;
 * - tenant scaling: production with 0 / 100 / 1,000 / 2,000 generated tenants, and the cost per tenant.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderPlatform } from '../charts/platform';
import { toFileTree } from '../charts/output/render';
import { environmentInput, loadTargets, PLATFORMS as DESCRIPTIONS, validateEnvironment } from '../environments';
import { bootstrapLauncher, edit, projectCopy } from './lib/project-copy';
import { DEBOUNCE_MS } from './synth-watch';

const ROOT = path.resolve(__dirname, '..');
const LAUNCHER = path.join(ROOT, '.build', 'synth.js');
const argRuns = process.argv.indexOf('--runs');
const RUNS = argRuns > 0 ? Number(process.argv[argRuns + 1]) : 5;
/** `--only receivables,tenants`: only those parts (a platform, `everything`, `tenants`). */
const argOnly = process.argv.indexOf('--only');
const ONLY = argOnly > 0 ? new Set(process.argv[argOnly + 1].split(',')) : undefined;
const wanted = (part: string) => !ONLY || ONLY.has(part);

/** Every platform of the registry (environments/index.ts) and its environments, by folder (`receivables/dev`). */
const PLATFORMS: Record<string, string[]> = Object.fromEntries(Object.values(DESCRIPTIONS)
  .map((p) => [p.name, Object.keys(p.environments).map((env) => `${p.name}/${env}`)]));
const split = (folder: string) => ({ platform: folder.split('/')[0], env: folder.split('/')[1] });
/** Synth's arguments selecting these environments (by platform and environment names). */
const selecting = (folders: readonly string[]) => ['--platform', [...new Set(folders.map((f) => split(f).platform))].join(','),
  '--env', [...new Set(folders.map((f) => split(f).env))].join(',')];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU time of waited-for children so far, in ms (Linux /proc; 0 elsewhere). */
function childrenCpuMs(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5) (cutime, cstime), counted from the state field (3).
    return ((Number(f[13]) + Number(f[14])) * 1000) / 100;
  } catch {
    return 0;
  }
}

interface Timing {
  readonly wall: number;
  readonly cpu: number;
  /** The bare load's wall time, measured in turns with this one (what its ratio is taken against). */
  readonly bare?: number;
}

const BARE = ['-e', "require('cdk8s'); require('cdk8s-plus-27')"];

function once(args: string[], cwd?: string): Timing {
  const c0 = childrenCpuMs();
  const t0 = performance.now();
  execFileSync(process.execPath, args, { stdio: 'ignore', cwd });
  return { wall: performance.now() - t0, cpu: childrenCpuMs() - c0 };
}

/**
 * Medians of `runs` runs of `node args`. Each run is paired with a run of the bare load, so that the ratio
 * compares runs made under the same load: on a shared machine the load moves within seconds.
 */
function timeProcess(args: string[], runs = RUNS, paired = true, before?: (i: number) => void, cwd?: string): Timing {
  const walls: number[] = [];
  const cpus: number[] = [];
  const bares: number[] = [];
  before?.(-1);
  execFileSync(process.execPath, args, { stdio: 'ignore', cwd }); // warm the page cache and the code cache
  for (let i = 0; i < runs; i++) {
    if (paired) bares.push(once(BARE).wall);
    before?.(i);
    const t = once(args, cwd);
    walls.push(t.wall);
    cpus.push(t.cpu);
  }
  return { wall: median(walls), cpu: median(cpus), bare: paired ? median(bares) : undefined };
}

function timeInProcess<T>(fn: () => T, runs = RUNS): { ms: number; result: T } {
  let result = fn(); // warm the JIT
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), result };
}

const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
let bare: Timing;
function row(label: string, t: Timing | number, extra = '') {
  const wall = typeof t === 'number' ? t : t.wall;
  const cpu = typeof t === 'number' ? '' : `cpu ${ms(t.cpu)}`;
  const ratio = typeof t === 'number' ? '' : `${(t.wall / (t.bare ?? bare.wall)).toFixed(2)}x bare`;
  console.log(`  ${label.padEnd(50)} ${ms(wall)}  ${cpu.padEnd(13)} ${ratio.padEnd(10)} ${extra}`);
}

function renderAll(folders: readonly string[]) {
  return loadTargets(folders.map(split)).map((c) => {
    const p = renderPlatform(c);
    return { objects: p.charts.reduce((n, ch) => n + ch.manifests.length, 0), files: toFileTree(p).size };
  });
}

/** Median time from saving an environment file to its re-render being written, measured in a watch process. */
async function watchRerender(platformEnvs: readonly string[], env: string, runs: number): Promise<{ observed: number; reported: number }> {
  const copy = projectCopy(ROOT, 'bench-watch');
  const out = path.join(copy, 'out');
  const child = spawn(process.execPath, [bootstrapLauncher(copy), '--watch', ...selecting(platformEnvs), '--out', out], { cwd: copy, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', () => undefined);
  const waitFor = async (from: number, re: RegExp) => {
    const end = Date.now() + 120_000;
    for (;;) {
      const m = stdout.slice(from).match(re);
      if (m) return m;
      if (Date.now() > end || child.exitCode !== null) throw new Error(`watch: no ${re} in:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    await waitFor(0, /watching \d+ sources/);
    const observed: number[] = [];
    const reported: number[] = [];
    for (let i = 0; i < runs; i++) {
      const from = stdout.length;
      const t0 = performance.now();
      // A comment: the bundle changes, the output does not (what is measured is the loop, not the diff).
      edit(copy, `environments/${env}.ts`, /$/, `\n// bench ${i}\n`);
      const m = await waitFor(from, new RegExp(`^rendered ${env.replace('/', '\\/')} into .* in (\\d+) ms`, 'm'));
      observed.push(performance.now() - t0);
      reported.push(Number(m[1]));
    }
    return { observed: median(observed), reported: median(reported) };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    child.stdout!.destroy();
    child.stderr!.destroy();
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/** Drops `folder`'s entry from the render cache's record and touches a file of it (same bytes). */
function forget(out: string, folder: string): void {
  const file = path.join(ROOT, '.build', 'render-cache.json');
  const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { outputs: Record<string, Record<string, unknown>> };
  delete record.outputs[fs.realpathSync(out)]?.[folder];
  delete record.outputs[out]?.[folder];
  fs.writeFileSync(file, JSON.stringify(record));
  const touched = path.join(out, folder, 'images.txt');
  const now = new Date();
  fs.utimesSync(touched, now, now);
}

/**
 * Whole synth after each save of `file` (a comment appended: its bytes change, the output does not), in a copy of
 * the project: what an engineer waits for after an edit, bundling included.
 */
async function afterSaves(folders: readonly string[], file: string): Promise<void> {
  const copy = projectCopy(ROOT, 'bench-save');
  try {
    const launcher = bootstrapLauncher(copy);
    const args = [launcher, ...(file.startsWith('environments/') ? selecting(folders) : []), '--out', path.join(copy, 'out')];
    const t = timeProcess(args, RUNS, true, (i) => edit(copy, file, /$/, `\n// bench ${i}\n`), copy);
    // Once more, to read what it rendered and reused.
    edit(copy, file, /$/, '\n// bench, last\n');
    const lastOutput = execFileSync(process.execPath, args, { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const rendered = (lastOutput.match(/ (\d+) rendered, (\d+) reused/) ?? []).slice(1).join(' rendered, ');
    row(`after a save of ${file}`, t, `(bundle, render${rendered ? `; ${rendered} reused` : ''})`);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

function withTenants(n: number) {
  const input = environmentInput('production') as { tenants?: unknown };
  const plans = ['starter', 'business', 'enterprise'];
  input.tenants = Array.from({ length: n }, (_, i) => ({ id: `bench-${String(i).padStart(4, '0')}`, plan: plans[i % 3] }));
  return input;
}

async function benchmark() {
  console.log(`synth bench: ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}, node ${process.version}, medians of ${RUNS} runs\n`);
  execFileSync(process.execPath, [LAUNCHER, '--build'], { stdio: 'ignore' });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dist-'));
  try {
    bare = timeProcess(BARE, RUNS, false);
    console.log('floor');
    row('bare node: load cdk8s + cdk8s-plus-27', bare);

    const groups: [string, string[]][] = [...Object.entries(PLATFORMS), ['everything', Object.values(PLATFORMS).flat()]];
    for (const [name, envs] of groups) {
      if (!wanted(name)) continue;
      console.log(`\n${name} (${envs.join(', ')})`);
      const args = [...(name === 'everything' ? [] : selecting(envs)), '--out', out];
      const same = timeProcess([LAUNCHER, ...args]);
      row('synth, nothing changed since the last synth', same, `(not rendered again; aim: <= 3x bare; bare in turns: ${same.bare!.toFixed(0)} ms)`);
      const forced = timeProcess([LAUNCHER, '--force', ...args]);
      row('synth, all rendered (--force), bundle reused', forced, `(a code change once bundled; bare in turns: ${forced.bare!.toFixed(0)} ms)`);
      // One environment's render forgotten (as a change to its file does once bundled and type-checked) and a
      // file of its folder touched (so that the synth is not skipped): that one rendered, the others reused.
      const one = timeProcess([LAUNCHER, ...args], RUNS, true, () => forget(out, envs[0]));
      row(`synth, ${envs[0]} rendered, the others reused`, one, `(an environment edit once bundled; aim: <= 3x bare; bare in turns: ${one.bare!.toFixed(0)} ms)`);
      row('synth, with a rebuild (--rebuild), folders reused', timeProcess([LAUNCHER, '--rebuild', ...args]));
      const platform = name !== 'everything';
      if (platform) for (const env of envs) row(`  of which ${env} alone (rendered, bundle reused)`, timeProcess([LAUNCHER, '--force', ...selecting([env]), '--out', out]));
      const inProcess = timeInProcess(() => renderAll(envs));
      const objects = inProcess.result.reduce((n, r) => n + r.objects, 0);
      const files = inProcess.result.reduce((n, r) => n + r.files, 0);
      row('render in process (warm): load + build + YAML', inProcess.ms,
        `${objects} objects, ${files} files: ${Math.round(objects / (inProcess.ms / 1000)).toLocaleString('en')} objects/s`);
      if (!platform) {
        await afterSaves(envs, 'charts/lib/labels.ts');
        const w = await watchRerender(envs, envs[0], RUNS);
        row(`watch of everything: save of environments/${envs[0]}.ts to ${envs[0]} rewritten`, w.observed, `(the watch's own figure: ${w.reported} ms, after a ${DEBOUNCE_MS} ms debounce)`);
        continue;
      }
      await afterSaves(envs, `environments/${envs[0]}.ts`);
      const env = envs[0];
      const w = await watchRerender(envs, env, RUNS);
      row(`watch: save of environments/${env}.ts to ${env} rewritten`, w.observed, `(the watch's own figure: ${w.reported} ms, after a ${DEBOUNCE_MS} ms debounce)`);
    }

    if (!wanted('tenants')) return;
    console.log('\ntenant scaling: production rendered in process (warm), generated tenants');
    const base = timeInProcess(() => toFileTree(renderPlatform(validateEnvironment('production', withTenants(0))))).ms;
    row('0 tenants', base);
    for (const n of [100, 1000, 2000]) {
      const input = withTenants(n);
      const t = timeInProcess(() => toFileTree(renderPlatform(validateEnvironment('production', input))), n >= 1000 ? 3 : RUNS).ms;
      row(`${n.toLocaleString('en')} tenants`, t, `${((t - base) / n).toFixed(2)} ms per tenant`);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

benchmark().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
