/**
 * `npm run synth -- --watch`: render, then re-render what each saved change affects, until stopped.
 *
 * The program is bundled incrementally by esbuild with its packages left outside, so cdk8s, cdk8s-plus-27 and
 * zod stay loaded (and compiled) across renders and only the project's own code (about 400 KB) is rebundled and
 * re-evaluated after a save. A change is a source whose bytes changed (an editor that saves twice, or touches a
 * file, renders nothing); the environments it affects are found in esbuild's import graph: a file that only
 * environment files import (environments/receivables/dev.ts, or production.ts which dr.ts builds on) affects those
 * environments, anything else affects all. A configuration or bundling error is printed and the watch goes on;
 * dist/ keeps the last good render, and the next good save renders every environment still pending.
 *
 * The environment files are type-checked in a worker thread that keeps the compiler warm (scripts/lib/typecheck.ts:
 * parsed files kept, only what a save affects re-checked), while the main thread bundles and renders. As in synth,
 * a render the schema accepts is written without waiting for the check, whose problems are printed (at their file
 * and line) when it answers; when the render fails, a type error is reported in its place, as it explains whatever
 * the render made of the broken file.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Worker, parentPort } from 'worker_threads';
import type { BuildContext, Metafile } from 'esbuild';
import { loadBundle } from './lib/build-cache';
import { dependencies, environmentFile } from './lib/render-cache';
import { delegateTypeCheck, EnvironmentChecker, formatTypeProblem, type TypeCheckResult } from './lib/typecheck';

type FileTree = Map<string, string>;
type Changes = import('../charts/output/changes').Changes;

/** What the watch mode uses of the program bundle (scripts/synth-program.ts). */
interface Program {
  parseArgs(argv: string[]): Selection & { out: string };
  targetNames(): { platforms: string[]; envs: string[] };
  selectedFolders(s: Selection): string[];
  renderTrees(s: Selection, out: string): { trees: Map<string, FileTree>; prune: (folder: string) => boolean };
  writeDist(outDir: string, trees: ReadonlyMap<string, FileTree>, prune: (folder: string) => boolean): {
    environments: ReadonlyMap<string, { changes: Changes; existed: boolean }>;
  };
  formatChanges(env: string, c: Changes, existedBefore?: boolean): string;
}

interface Selection { platforms?: readonly string[]; envs?: readonly string[]; folders?: readonly string[] }

export { environmentFile };

/**
 * The environments a change of `changed` (paths relative to the root) affects, given the bundle's import graph:
 * a file reachable from the entry point without passing through an environment file affects every
 * environment; otherwise it affects the environments whose file reaches it (the same split as synth's render
 * cache keys, scripts/lib/render-cache.ts).
 */
export function affectedEnvironments(metafile: Metafile, changed: readonly string[], envs: readonly string[]): string[] {
  const { shared, own } = dependencies(metafile, envs);
  if (changed.some((f) => shared.has(f) || !(f in metafile.inputs))) return [...envs];
  return envs.filter((env) => {
    const reached = own(env);
    return changed.some((f) => reached.has(f));
  });
}

function hash(file: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

function errorText(e: unknown): string {
  // The program is a separate bundle: its ConfigError is recognised by name, not by class.
  if (e instanceof Error && ['ConfigError', 'TypeCheckError', 'ForeignOutputError'].includes(e.name)) return `error: ${e.message}\nnothing was written; the output folder is unchanged.`;
  return `error: rendering failed, dist/ is unchanged: ${e instanceof Error ? e.stack : String(e)}`;
}

/** What the worker thread's check answers: the check's result, or why it could not run. */
type CheckReply = { readonly id: number; readonly result?: TypeCheckResult; readonly error?: string };

/**
 * The body of the type-check worker (started from this same file, see scripts/synth.ts): one warm checker,
 * checking when asked. A check whose inputs did not change since the last clean one answers at once.
 */
export function serveTypeCheck(root: string): void {
  const checker = new EnvironmentChecker(root, true);
  parentPort!.on('message', ({ id }: { id: number }) => {
    let reply: CheckReply;
    try {
      reply = { id, result: checker.check() };
    } catch (e) {
      reply = { id, error: e instanceof Error ? e.stack ?? e.message : String(e) };
    }
    parentPort!.postMessage(reply);
  });
}

/** The main thread's side: a worker thread running serveTypeCheck, asked to check by `check()`. */
class TypeCheckWorker {
  private readonly worker: Worker;
  private next = 0;
  private readonly waiting = new Map<number, (r: CheckReply) => void>();
  /** Why the worker is gone, once it is. */
  private stopped: string | undefined;

  constructor(launcher: string, root: string) {
    this.worker = new Worker(launcher, { workerData: { synthTypeCheck: root } });
    this.worker.on('message', (r: CheckReply) => {
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
    });
    const fail = (why: string) => {
      this.stopped ??= why;
      for (const [id, done] of this.waiting) done({ id, error: why });
      this.waiting.clear();
    };
    this.worker.on('error', (e) => fail(e.stack ?? e.message));
    this.worker.on('exit', (code) => fail(`the type-check worker stopped (exit code ${code})`));
  }

  /** Starts a check of the files as they are now. */
  check(): Promise<CheckReply> {
    const id = this.next++;
    if (this.stopped !== undefined) return Promise.resolve({ id, error: this.stopped });
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ id });
    });
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

/** The check's verdict as the watch prints it; undefined when it passed. */
function checkFailure(r: CheckReply): string | undefined {
  if (r.error !== undefined) return `error: the environment files could not be type-checked: ${r.error}\nnothing was written; the output folder is unchanged.`;
  const problems = r.result!.problems;
  if (!problems.length) return undefined;
  return `error: the environment files do not type-check (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`
    + `${problems.map((p) => `  ${formatTypeProblem(p)}`).join('\n')}\nnothing was written; the output folder is unchanged.`;
}

/** The check's problems after a render that was written (the schema accepted the files): a warning. */
function checkWarning(r: CheckReply): string | undefined {
  if (r.error !== undefined) return `warning: the environment files could not be type-checked: ${r.error}`;
  const problems = r.result!.problems;
  if (!problems.length) return undefined;
  return `warning: the environment files do not type-check (${problems.length} problem${problems.length === 1 ? '' : 's'}); `
    + `what they export passed validation and was rendered:\n${problems.map((p) => `  ${formatTypeProblem(p)}`).join('\n')}`;
}

/** WatchOptions.debounceMs's default. */
export const DEBOUNCE_MS = 50;

export interface WatchOptions {
  /**
   * Quiet period after the last file event before rebuilding: editors write a file in several steps (truncate and
   * write, or a temporary file renamed over it), all within a few milliseconds. @default 50
   */
  readonly debounceMs?: number;
}

/**
 * Watches until the process is stopped (SIGINT, SIGTERM).
 * @param launcher the file this code runs from (.build/synth.js), which also runs the type-check worker
 */
export async function watch(root: string, args: string[], launcher: string, opts: WatchOptions = {}): Promise<void> {
  // The program's own check (main.ts → typecheck.ts) is left to the worker, which runs beside the render.
  delegateTypeCheck();
  const checker = new TypeCheckWorker(launcher, root);
  const esbuild = require('esbuild') as typeof import('esbuild');
  const outfile = path.join(root, '.build', 'watch', 'program.js');
  const ctx: BuildContext<{ metafile: true; write: false }> = await esbuild.context({
    entryPoints: ['scripts/synth-program.ts'], bundle: true, platform: 'node', target: 'node20', packages: 'external',
    absWorkingDir: root, outfile, write: false, metafile: true, logLevel: 'error',
  });
  // esbuild's service process ends with ours (its stdin closes): nothing to wait for.
  const stop = () => process.exit(0);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  let metafile: Metafile | undefined;
  let program: Program | undefined;
  /** Content of every input as last bundled. */
  const hashes = new Map<string, string | undefined>();
  const watchers = new Map<string, fs.FSWatcher>();
  let envs: string[] = [];
  let out = 'dist';
  /** Environments whose last render failed or never happened: rendered with the next good save. */
  const pending = new Set<string>();

  const inputs = () => Object.keys(metafile?.inputs ?? {}).filter((f) => !f.startsWith('node_modules/') && !f.includes('/node_modules/'));

  const bundle = async (): Promise<boolean> => {
    const before = new Map(inputs().map((f) => [f, hash(path.join(root, f))]));
    try {
      const result = await ctx.rebuild();
      metafile = result.metafile;
      program = loadBundle(outfile, { code: result.outputFiles[0].text }).exports as Program;
    } catch {
      console.error(`error: bundling failed (see above); dist/ is unchanged.${metafile ? ' Watching for the next save.' : ''}`);
      return false;
    } finally {
      // What was read for this bundle: files hashed before it, files new to the graph now.
      for (const f of inputs()) hashes.set(f, before.has(f) ? before.get(f) : hash(path.join(root, f)));
      follow();
    }
    return true;
  };

  /**
   * Renders `which` and writes it, while `checking` runs in the worker. As synth does, the write does not wait for
   * the check: its problems are printed when it answers. A render that fails waits for it, as a type error
   * explains whatever the render made of the broken file and is reported instead.
   */
  const render = async (which: readonly string[], started: number, bundleMs: number, checking: Promise<CheckReply>) => {
    const t0 = Date.now();
    let rendered: { trees: Map<string, FileTree>; prune: (folder: string) => boolean } | undefined;
    try {
      rendered = program!.renderTrees({ folders: which }, out);
    } catch (e) {
      return console.error(checkFailure(await checking) ?? errorText(e));
    }
    const t1 = Date.now();
    try {
      // The same one line per environment as synth prints (charts/output/changes.ts).
      const written = program!.writeDist(path.resolve(out), rendered.trees, rendered.prune);
      for (const [env, { changes, existed }] of written.environments) {
        console.log(`  ${program!.formatChanges(env, changes, existed)}`);
        pending.delete(env);
      }
    } catch (e) {
      return console.error(errorText(e));
    }
    console.log(`rendered ${which.join(', ')} into ${out}/ in ${Date.now() - started} ms (bundle ${bundleMs} ms, render ${t1 - t0} ms, write ${Date.now() - t1} ms)`);
    void checking.then((r) => {
      const problems = checkWarning(r);
      if (problems) console.warn(problems);
    });
  };

  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  let again = false;

  const onChange = async () => {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const changed = inputs().filter((f) => hash(path.join(root, f)) !== hashes.get(f));
      if (!changed.length) return;
      const started = Date.now();
      const previous = metafile!;
      console.log(`\nchanged: ${changed.join(', ')}`);
      // Checked from the files as saved, beside the bundling and the render.
      const checking = checker.check();
      if (!(await bundle())) {
        // Not knowing what the broken save meant, render everything it may touch once it is fixed.
        for (const env of affectedEnvironments(previous, changed, envs)) pending.add(env);
        return;
      }
      for (const env of affectedEnvironments(metafile!, changed, envs)) pending.add(env);
      const which = envs.filter((e) => pending.has(e));
      await render(which, started, Date.now() - started, checking);
    } finally {
      busy = false;
      if (again) { again = false; schedule(); }
    }
  };

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void onChange(), opts.debounceMs ?? DEBOUNCE_MS);
  };

  /** Watches the folders of the current inputs (a folder, not the file: editors replace files on save). */
  const follow = () => {
    const dirs = new Set(inputs().map((f) => path.dirname(path.join(root, f))));
    for (const [dir, w] of watchers) if (!dirs.has(dir)) { w.close(); watchers.delete(dir); }
    for (const dir of dirs) if (!watchers.has(dir)) watchers.set(dir, fs.watch(dir, schedule));
  };

  const started = Date.now();
  const checking = checker.check();
  const close = async () => {
    await ctx.dispose();
    await checker.stop();
    for (const w of watchers.values()) w.close();
  };
  if (!(await bundle())) {
    // Without a first bundle there is no import graph to watch: fix it, then start again.
    process.exitCode = 1;
    return close();
  }
  let requested: Selection = {};
  try {
    const parsed = program!.parseArgs(args);
    out = parsed.out;
    requested = parsed;
  } catch (e) {
    let names = { platforms: ['<platform>'], envs: ['<environment>'] };
    try { names = program!.targetNames(); } catch { /* a broken environment file: usage without the names */ }
    console.error(`error: ${e instanceof Error ? e.message : e}\nusage: synth --watch [--platform ${names.platforms.join('|')}[,…]] [--env ${names.envs.join('|')}[,…]] [--out dist]`);
    process.exitCode = 2;
    return close();
  }
  try {
    envs = program!.selectedFolders(requested);
  } catch (e) {
    // Loading the environment files failed: a type error says why better than the stack trace.
    console.error(checkFailure(await checking) ?? errorText(e));
    process.exitCode = 1;
    return close();
  }
  envs.forEach((e) => pending.add(e));
  await render(envs, started, Date.now() - started, checking);
  console.log(`watching ${inputs().length} sources (Ctrl-C to stop)`);
}
