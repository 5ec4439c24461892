/**
 * `npm run synth -- --watch` in a copy of the project: one save re-renders once, and only the environment it
 * affects; a configuration error is reported without ending the watch, and the next good save renders; a type
 * error in an environment file is reported at its file and line (in place of a failed render, or beside a written one).
 * Waits are bounded; nothing here asserts how fast it is (scripts/bench.ts measures that).
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { bootstrapLauncher, edit, projectCopy } from '../scripts/lib/project-copy';

const ROOT = path.resolve(__dirname, '..');
let copy: string;
let child: ChildProcess;
let stdout = '';
let stderr = '';

beforeAll(() => {
  copy = projectCopy(ROOT, 'watch-copy');
  const launcher = bootstrapLauncher(copy);
  child = spawn(process.execPath, [launcher, '--watch', '--platform', 'receivables', '--env', 'dev,staging', '--out', path.join(copy, 'out')], { cwd: copy, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 10_000); })]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  child.stdout!.destroy();
  child.stderr!.destroy();
  const left = processesOf(copy);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  fs.rmSync(copy, { recursive: true, force: true });
  // Stopping the watch stops every process it started (a relaunched launcher included).
  expect(left).toEqual([]);
});

/** PIDs of the processes whose command line names `dir` (Linux /proc). */
function processesOf(dir: string): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
    } catch {
      return false;
    }
  }).map(Number);
}

/** Resolves when `text()` matches, or fails after `ms` with what was printed. */
async function waitFor(text: () => string, re: RegExp, ms = 60_000): Promise<RegExpMatchArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = text().match(re);
    if (m) return m;
    if (Date.now() > end || child.exitCode !== null) throw new Error(`timed out waiting for ${re}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const renders = () => stdout.match(/^rendered .* into /gm)?.length ?? 0;
const quiet = () => new Promise((r) => setTimeout(r, 1500));

test('watches after a first render of the environments asked for', async () => {
  await waitFor(() => stdout, /watching \d+ sources/);
  expect(stdout).toMatch(/^rendered receivables\/dev, receivables\/staging into .*\/out\/ in \d+ ms/m);
  expect(fs.existsSync(path.join(copy, 'out', 'receivables', 'dev', 'kustomization.yaml'))).toBe(true);
  expect(renders()).toBe(1);
});

test('a saved change re-renders once, only the environment it affects, and says what changed', async () => {
  const before = stdout.length;
  edit(copy, 'environments/receivables/dev.ts', "displayName: 'Demo tenant' }", "displayName: 'Demo tenant' }, { id: 'watchco', plan: 'starter' }");
  await waitFor(() => stdout.slice(before), /^rendered receivables\/dev into /m);
  await quiet();
  const after = stdout.slice(before);
  expect(after).toMatch(/^changed: environments\/receivables\/dev\.ts$/m);
  // The same summary line as synth's (charts/output/changes.ts): the tenant's namespace, quota, policies… are new.
  expect(after).toMatch(/^ {2}receivables\/dev: (.*, )?\d+ added/m);
  expect(after).not.toMatch(/staging/);
  expect(renders()).toBe(2);
  expect(fs.existsSync(path.join(copy, 'out', 'receivables', 'dev', '01-tenants', 'namespace.tenant-watchco.yaml'))).toBe(true);
});

test('saving the same bytes again renders nothing', async () => {
  const file = path.join(copy, 'environments', 'receivables', 'dev.ts');
  fs.writeFileSync(file, fs.readFileSync(file));
  await quiet();
  expect(renders()).toBe(2);
});

test('a configuration error is reported and the watch goes on; the next good save renders', async () => {
  const errBefore = stderr.length;
  const outBefore = stdout.length;
  const devDir = path.join(copy, 'out', 'receivables', 'dev');
  const kept = fs.readFileSync(path.join(devDir, 'kustomization.yaml'), 'utf8');
  // Type-correct but refused by validation (a misspelt field would already be caught by the type check).
  edit(copy, 'environments/receivables/dev.ts', "minReplicasToWrite: 0, volume: { size: '1Gi' }", "minReplicasToWrite: 0, volume: { size: '0Gi' }");
  await waitFor(() => stderr.slice(errBefore), /environment "dev": stores\.redis\.volume\.size = "0Gi"/);
  await quiet();
  expect(child.exitCode).toBeNull();
  expect(renders()).toBe(2);
  expect(fs.readFileSync(path.join(devDir, 'kustomization.yaml'), 'utf8')).toBe(kept);

  edit(copy, 'environments/receivables/dev.ts', "minReplicasToWrite: 0, volume: { size: '0Gi' }", "minReplicasToWrite: 0, volume: { size: '1Gi' }");
  await waitFor(() => stdout.slice(outBefore), /^rendered receivables\/dev into /m);
  await quiet();
  expect(renders()).toBe(3);
});

test('a type error in an environment file is reported at its file and line, and the next good save renders', async () => {
  const errBefore = stderr.length;
  const outBefore = stdout.length;
  edit(copy, 'environments/receivables/dev.ts', "storageClass: 'local-path'", "storageClas: 'local-path'");
  await waitFor(() => stderr.slice(errBefore), /environments\/receivables\/dev\.ts:\d+:\d+: .*'storageClas' does not exist/);
  // The render ran beside the check (in the watch's worker) and failed validation; the type error is reported instead.
  expect(stderr.slice(errBefore)).not.toMatch(/is not a known field/);
  expect(child.exitCode).toBeNull();
  edit(copy, 'environments/receivables/dev.ts', "storageClas: 'local-path'", "storageClass: 'local-path'");
  await waitFor(() => stdout.slice(outBefore), /^rendered receivables\/dev into /m);
  await quiet();
  expect(renders()).toBe(4);
});

test('a type error the schema does not see is written, as synth writes it, and reported at its file and line when the check answers', async () => {
  const errBefore = stderr.length;
  const outBefore = stdout.length;
  const note = "export const note: number = 'three' as string;\n";
  edit(copy, 'environments/receivables/dev.ts', /^/, note);
  await waitFor(() => stdout.slice(outBefore), /^rendered receivables\/dev into /m);
  await waitFor(() => stderr.slice(errBefore), /^warning: the environment files do not type-check \(1 problem\); what they export passed validation and was rendered:\n {2}environments\/receivables\/dev\.ts:1:14: Type 'string' is not assignable to type 'number'\.$/m);
  expect(stderr.slice(errBefore)).not.toMatch(/^error: /m);
  edit(copy, 'environments/receivables/dev.ts', note, '');
  await waitFor(() => stdout.slice(stdout.indexOf('rendered receivables/dev into ', outBefore) + 1), /^rendered receivables\/dev into /m);
  await quiet();
  expect(renders()).toBe(6);
});

test('a syntax error is reported by the bundler and the watch goes on', async () => {
  const errBefore = stderr.length;
  const outBefore = stdout.length;
  edit(copy, 'charts/lib/labels.ts', /$/, '\nexport const broken = ;\n');
  await waitFor(() => stderr.slice(errBefore), /error: bundling failed/);
  expect(child.exitCode).toBeNull();
  edit(copy, 'charts/lib/labels.ts', '\nexport const broken = ;\n', '\n');
  // A shared file: both environments are re-rendered.
  await waitFor(() => stdout.slice(outBefore), /^rendered receivables\/dev, receivables\/staging into /m);
  await quiet();
  expect(renders()).toBe(7);
});
