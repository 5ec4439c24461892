/**
 * `npm run synth`: renders dist/ with the program bundled from main.ts, and bundles only when a source it was
 * built from changed (scripts/lib/build-cache.ts), saying which.
 *
 *   node .build/synth.js [--env dev[,staging…]] [--out dist]   render once (main.ts's arguments)
 *   node .build/synth.js --watch [--env …] [--out …]           render, then re-render what each saved change affects
 *   node .build/synth.js --rebuild …                            bundle first whatever the record says
 *   node .build/synth.js --force …                              render even when nothing changed since the last synth
 *   node .build/synth.js --build                                bundle only
 *
 * A synth that would render exactly what the output folder holds (nothing it depends on changed since the last
 * synth, which wrote nothing) prints that synth's report and stops (scripts/lib/up-to-date.ts).
 *
 * This launcher is itself a bundle (.build/synth.js, built by `npm run build` or on first use); it checks its
 * own sources the same way and, when they changed, rebuilds itself and runs the new one.
 */
import { spawn } from 'child_process';
import { isMainThread, workerData } from 'worker_threads';
import * as fs from 'fs';
import * as path from 'path';
import { isBuiltin } from 'module';
import { build, buildAsync, buildKey, decide, loadBundle, readMetafile, readRecord, type Bundle, type Decision } from './lib/build-cache';
import { outputFolder, outputScope, renderKey, replay, UpToDate } from './lib/up-to-date';

/** The project root: this file runs as .build/synth.js. */
export const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(ROOT, '.build');

const NODE = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' } as const;

/** This launcher. */
export const LAUNCHER: Bundle = {
  outfile: path.join(BUILD, 'synth.js'),
  recordFile: path.join(BUILD, 'synth.build.json'),
  options: { ...NODE, entryPoints: ['scripts/synth.ts'], packages: 'external' },
};

/**
 * The program: main.ts and the project's code in one file, its packages left to VENDOR (a save rebundles our own
 * code alone: about 60 ms, against 230 ms with cdk8s-plus-27 and zod, whose code cache stays valid too). Without
 * its whitespace (names kept): a third smaller, so a few milliseconds less to read and check against the code cache.
 */
export const PROGRAM: Bundle = {
  outfile: path.join(BUILD, 'program.js'),
  recordFile: path.join(BUILD, 'program.build.json'),
  options: { ...NODE, entryPoints: ['scripts/synth-program.ts'], packages: 'external', minifyWhitespace: true, minifySyntax: true },
};

/**
 * The packages the program imports (cdk8s, cdk8s-plus-27, zod, yaml…), in one file that exports each by the name
 * it is imported with: loading one file is far faster than node_modules file by file. Rebuilt only when a package
 * changes (npm ci) or the program imports another.
 */
export function vendorBundle(packages: readonly string[]): Bundle {
  const contents = `module.exports = {\n${packages.map((p) => `  ${JSON.stringify(p)}: require(${JSON.stringify(p)}),\n`).join('')}};\n`;
  return {
    outfile: path.join(BUILD, 'vendor.js'),
    recordFile: path.join(BUILD, 'vendor.build.json'),
    options: { ...NODE, stdin: { contents, resolveDir: ROOT, sourcefile: 'vendor.js' }, minifyWhitespace: true, minifySyntax: true },
  };
}

/** The packages a bundle built with `packages: 'external'` imports (Node's own modules left out), sorted. */
export function importedPackages(b: Bundle): string[] | undefined {
  const meta = readMetafile(b.outfile);
  if (!meta) return undefined;
  const specifiers = Object.values(meta.outputs).flatMap((o) => o.imports).filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path);
  return [...new Set(specifiers)].sort();
}

/** `[flags of this launcher, arguments for main.ts]` */
function split(argv: readonly string[]): [Set<string>, string[]] {
  const own = new Set(['--watch', '--build', '--rebuild', '--force']);
  return [new Set(argv.filter((a) => own.has(a))), argv.filter((a) => !own.has(a))];
}

function rel(file: string): string {
  return path.relative(ROOT, file);
}

function list(files: readonly string[], max = 5): string {
  return files.length > max ? `${files.slice(0, max).join(', ')}, … (${files.length - max} more)` : files.join(', ');
}

/** Whether `b` must be bundled, and why (`force`: asked to). */
function decision(b: Bundle, force: boolean): Decision {
  return force ? { reuse: false, reason: 'asked to rebuild', changed: [] } : decide(ROOT, readRecord(b.recordFile), buildKey(b), b.outfile);
}

/** `bundle: .build/program.js reused (…)` */
function reusedLine(b: Bundle): string {
  return `bundle: ${rel(b.outfile)} reused (no source changed since it was built)`;
}

/** `bundle: .build/program.js rebuilt in 61 ms (1 source changed: environments/receivables/dev.ts)` */
function rebuiltLine(b: Bundle, d: Decision & { reuse: false }, ms: number): string {
  const which = d.changed.length ? `: ${list(d.changed)}` : '';
  return `bundle: ${rel(b.outfile)} rebuilt in ${ms} ms (${d.reason}${which})`;
}

/**
 * Bundles `b` when its record says so (or `force`), printing what was decided and why (a reuse only when not
 * `quiet`). False if bundling failed.
 */
export function ensureBuilt(b: Bundle, force: boolean, quiet = false): boolean {
  const d = decision(b, force);
  if (d.reuse) {
    if (!quiet) console.log(reusedLine(b));
    return true;
  }
  try {
    console.log(rebuiltLine(b, d, build(ROOT, b).ms));
    return true;
  } catch {
    // esbuild has printed the errors with their file and line.
    console.error(`error: bundling ${rel(b.outfile)} failed; dist/ is unchanged.`);
    return false;
  }
}

async function run(argv: readonly string[]): Promise<number> {
  // A changed launcher rebuilds itself, then hands over to the new one (once: SYNTH_RELAUNCHED stops a loop).
  if (!process.env.SYNTH_RELAUNCHED && !decide(ROOT, readRecord(LAUNCHER.recordFile), buildKey(LAUNCHER), LAUNCHER.outfile).reuse) {
    try {
      build(ROOT, LAUNCHER);
    } catch {
      console.error('error: bundling scripts/synth.ts failed');
      return 1;
    }
    // Asynchronously, passing Ctrl-C and SIGTERM on: a watch run by the new launcher must end with this process.
    const child = spawn(process.execPath, [LAUNCHER.outfile, ...argv], { stdio: 'inherit', env: { ...process.env, SYNTH_RELAUNCHED: '1' } });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
    child.on('exit', (code) => { process.exitCode = code ?? 1; });
    return -1;
  }

  const [flags, args] = split(argv);
  if (flags.has('--watch')) {
    // Loaded only for --watch; it keeps its own incremental bundle of the program.
    const { watch } = require('./synth-watch') as typeof import('./synth-watch');
    void watch(ROOT, args, LAUNCHER.outfile);
    return -1;
  }
  const rebuild = flags.has('--build') || flags.has('--rebuild');
  const out = outputFolder(args);
  const upToDate = new UpToDate(path.join(BUILD, 'synth.up-to-date.json'));
  const scope = outputScope(args);
  const programDecision = decision(PROGRAM, rebuild);
  /** The packages' bundle as the last program imported them, loaded while esbuild bundles the new program. */
  let early: { packages: string; bundle: ReturnType<typeof loadBundle> } | undefined;
  if (programDecision.reuse) console.log(reusedLine(PROGRAM));
  else {
    // Read before the build replaces the import graph.
    const previous = importedPackages(PROGRAM);
    const building = buildAsync(ROOT, PROGRAM).then((r) => r.ms, () => undefined);
    // Meanwhile, in this process: the packages' bundle (usually unchanged) and the output folder's stamp.
    if (!rebuild && previous && decision(vendorBundle(previous), false).reuse) {
      early = { packages: previous.join('\n'), bundle: loadBundle(vendorBundle(previous).outfile, { codeCache: true }) };
    }
    if (!flags.has('--build')) upToDate.stamp(out, scope);
    const ms = await building;
    if (ms === undefined) {
      // esbuild has printed the errors with their file and line.
      console.error(`error: bundling ${rel(PROGRAM.outfile)} failed; dist/ is unchanged.`);
      return 1;
    }
    console.log(rebuiltLine(PROGRAM, programDecision, ms));
  }
  const packages = importedPackages(PROGRAM);
  if (!packages) {
    console.error(`error: ${rel(PROGRAM.outfile)}.meta.json is missing (run with --rebuild); dist/ is unchanged.`);
    return 1;
  }
  const VENDOR = vendorBundle(packages);
  if (!ensureBuilt(VENDOR, rebuild, true)) return 1;
  if (flags.has('--build')) return 0;
  // Under the cdk8s CLI, which empties its own output folder first, every synth renders.
  const key = process.env.CDK8S_OUTDIR ? undefined : renderKey([PROGRAM.recordFile, VENDOR.recordFile], args);
  const last = flags.has('--force') ? undefined : upToDate.check(key, out, scope);
  if (last) {
    replay(last);
    console.log(`synth: nothing changed since that synth (sources, arguments, ${path.relative(process.cwd(), out) || '.'}/): not rendered again (--force renders)`);
    return 0;
  }
  fs.mkdirSync(BUILD, { recursive: true });
  const vendor = early && early.packages === packages.join('\n') && !rebuild ? early.bundle : loadBundle(VENDOR.outfile, { codeCache: true });
  const program = loadBundle(PROGRAM.outfile, { codeCache: true, modules: vendor.exports as Record<string, unknown> });
  // Each environment whose sources and configuration are as at its last render keeps its folder (--force renders all).
  const renderCache = {
    files: { buildRecord: PROGRAM.recordFile, metafile: `${PROGRAM.outfile}.meta.json`, packagesRecord: VENDOR.recordFile, file: path.join(BUILD, 'render-cache.json'), outputIndex: path.join(BUILD, 'output-index') },
    lookup: !flags.has('--force'),
  };
  let wrote = true;
  let rendered = 0;
  const report = (r: { written: number; pruned: number; rendered: number }) => { wrote = r.written + r.pruned > 0; rendered = r.rendered; };
  const status = upToDate.run(key, out, (seen) => {
    const s = (program.exports as { main(argv: string[], opts: object): number }).main(args, { renderCache: { ...renderCache, seen }, report });
    return { status: s, wrote };
  }, scope);
  vendor.saveCodeCache(rendered);
  program.saveCodeCache(rendered);
  return status;
}

const role = isMainThread ? undefined : (workerData as { synthTypeCheck?: string } | undefined)?.synthTypeCheck;
if (role !== undefined) {
  // This file as the watch's type-check worker thread (scripts/synth-watch.ts).
  (require('./synth-watch') as typeof import('./synth-watch')).serveTypeCheck(role);
} else if (require.main === module) {
  void run(process.argv.slice(2)).then((status) => {
    if (status >= 0) process.exitCode = status;
  });
}
