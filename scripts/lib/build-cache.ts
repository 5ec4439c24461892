/**
 * Reuses an esbuild bundle while no source it was built from changed.
 *
 * esbuild's metafile lists every file a bundle was built from. After a build we record each one's size, mtime
 * and SHA-256; the next synth stats them (a few milliseconds) and hashes only those whose size or mtime moved,
 * so a touched or re-checked-out file with the same bytes does not rebuild, and any changed byte does. A file
 * modified during the build (mtime at or after its start, less a margin for the file system's coarse clock) is
 * recorded without a hash, so the next synth rebuilds rather than trust a bundle that may hold its old text.
 * Type-only imports are not in the metafile, and need not be: they change nothing in the bundle.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import Module, { createRequire } from 'module';
import * as path from 'path';
import * as vm from 'vm';
import type { BuildOptions, Metafile } from 'esbuild';

/** A file's size and mtime, and its content hash when the bundle is known to hold exactly that content. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string | null;
}

export interface BuildRecord {
  /** esbuild's version and the build options: any difference rebuilds. */
  readonly key: string;
  /** The bundle as written by the build; anything else in its place rebuilds. */
  readonly output: { readonly size: number; readonly mtimeMs: number };
  /** Every input of the bundle, by path relative to the project root. */
  readonly inputs: Readonly<Record<string, FileStamp>>;
}

export type Decision =
  | { readonly reuse: true }
  | { readonly reuse: false; readonly reason: string; readonly changed: readonly string[] };

/** Margin for file systems whose timestamps come from a coarse clock (a few ms behind the real time). */
const RACY_MS = 50;

export function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function stat(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** The record of the last build (undefined when there is none or it cannot be read). */
export function readRecord(recordFile: string): BuildRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(recordFile, 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
}

/**
 * Whether the bundle `outfile` (built under `root`) can be reused: same key, the bundle as the build wrote
 * it, and every input with the content it had when it was bundled. Otherwise says why and which inputs changed.
 */
export function decide(root: string, record: BuildRecord | undefined, key: string, outfile: string): Decision {
  if (!record) return { reuse: false, reason: 'no previous build', changed: [] };
  if (record.key !== key) return { reuse: false, reason: 'esbuild or its options changed', changed: [] };
  const out = stat(outfile);
  if (!out || out.size !== record.output.size || out.mtimeMs !== record.output.mtimeMs) {
    return { reuse: false, reason: `${path.relative(root, outfile)} is missing or was replaced`, changed: [] };
  }
  const changed: string[] = [];
  for (const [rel, was] of Object.entries(record.inputs)) {
    const file = path.join(root, rel);
    const now = stat(file);
    if (!now) { changed.push(rel); continue; }
    if (was.sha256 !== null && now.size === was.size && now.mtimeMs === was.mtimeMs) continue;
    if (was.sha256 === null || now.size !== was.size || sha256(file) !== was.sha256) changed.push(rel);
  }
  if (changed.length) return { reuse: false, reason: `${changed.length} source${changed.length === 1 ? '' : 's'} changed`, changed };
  return { reuse: true };
}

/** The record for a build that started at `startedMs` and produced `metafile` and `outfile`. */
export function recordBuild(root: string, key: string, outfile: string, metafile: Metafile, startedMs: number): BuildRecord {
  const inputs: Record<string, FileStamp> = {};
  for (const rel of Object.keys(metafile.inputs).sort()) {
    // esbuild names inputs relative to its working directory; virtual ones ("<stdin>", "ns:path") have no file.
    const file = path.resolve(root, rel);
    const s = stat(file);
    if (!s) continue;
    const racy = s.mtimeMs >= startedMs - RACY_MS;
    inputs[path.relative(root, file)] = { size: s.size, mtimeMs: s.mtimeMs, sha256: racy ? null : sha256(file) };
  }
  const out = fs.statSync(outfile);
  return { key, output: { size: out.size, mtimeMs: out.mtimeMs }, inputs };
}

export interface Bundle {
  /** Path of the bundle, absolute. */
  readonly outfile: string;
  /** Where its BuildRecord is kept. */
  readonly recordFile: string;
  /** esbuild options, without outfile, metafile and working directory. */
  readonly options: BuildOptions;
}

/** esbuild's version and the options: what besides the inputs decides a bundle's bytes. */
export function buildKey(b: Bundle): string {
  // The version from its package.json: loading esbuild itself costs more than a whole cache check.
  const version = (JSON.parse(fs.readFileSync(require.resolve('esbuild/package.json'), 'utf8')) as { version: string }).version;
  return JSON.stringify({ esbuild: version, options: b.options, outfile: b.outfile });
}

function esbuild(): typeof import('esbuild') {
  // Loaded only when needed: a synth that reuses its bundle never pays for it.
  return require('esbuild') as typeof import('esbuild');
}

/** Bundles `b`, records its inputs, and drops the V8 code cache of the previous bundle. */
export function build(root: string, b: Bundle): { readonly ms: number; readonly metafile: Metafile } {
  const started = beginBuild(b);
  return endBuild(root, b, esbuild().buildSync({ ...b.options, absWorkingDir: root, outfile: b.outfile, metafile: true }).metafile!, started);
}

/**
 * `build`, with esbuild working in its own process while this one goes on (the launcher loads the packages' bundle
 * and stamps the output folder meanwhile). Rejects when bundling fails (esbuild has printed why).
 */
export async function buildAsync(root: string, b: Bundle): Promise<{ readonly ms: number; readonly metafile: Metafile }> {
  const started = beginBuild(b);
  const result = await esbuild().build({ ...b.options, absWorkingDir: root, outfile: b.outfile, metafile: true });
  return endBuild(root, b, result.metafile!, started);
}

function beginBuild(b: Bundle): number {
  const started = Date.now();
  fs.rmSync(codeCacheFile(b.outfile), { force: true });
  fs.rmSync(b.recordFile, { force: true });
  return started;
}

function endBuild(root: string, b: Bundle, metafile: Metafile, started: number): { readonly ms: number; readonly metafile: Metafile } {
  const record = recordBuild(root, buildKey(b), b.outfile, metafile, started);
  // The import graph first: a record present means its build's graph is there too (scripts/lib/render-cache.ts).
  fs.writeFileSync(`${b.outfile}.meta.json`, JSON.stringify(metafile));
  fs.writeFileSync(b.recordFile, `${JSON.stringify(record, null, 1)}\n`);
  return { ms: Date.now() - started, metafile };
}

/** esbuild's metafile of the last build of `outfile`. */
export function readMetafile(outfile: string): Metafile | undefined {
  try {
    return JSON.parse(fs.readFileSync(`${outfile}.meta.json`, 'utf8')) as Metafile;
  } catch {
    return undefined;
  }
}

function codeCacheFile(outfile: string): string {
  return `${outfile}.cache`;
}

/**
 * Loads a CommonJS bundle as `require` would, with V8's code cache: the bytecode of every function the last
 * run compiled is kept beside the bundle, so the next run skips parsing and compiling most of a 3 MB bundle.
 * The cache belongs to one build (`build` deletes it; V8 itself only checks the source's length), and is
 * written again by `saveCodeCache` when missing or rejected (another Node version or V8 flags), or when this run
 * did more of the work the cache serves than the run that wrote it (`work`, synth's count of environments
 * rendered): V8 caches only the functions compiled by then, so a cache written after a one-environment render
 * left a forced synth compiling the rest on every run (400 KB of bytecode against 1 MB; about 25 ms). Writing one
 * costs 5–10 ms, so a run that did no more keeps the cache it found.
 */
export function loadBundle(outfile: string, opts: {
  readonly code?: string;
  readonly codeCache?: boolean;
  /** Modules by the name the bundle requires them with (a packages bundle's exports); others load as usual. */
  readonly modules?: Readonly<Record<string, unknown>>;
} = {}): { exports: any; saveCodeCache(work?: number): void } {
  const code = opts.code ?? fs.readFileSync(outfile, 'utf8');
  const cacheFile = codeCacheFile(outfile);
  let cached: { readonly work: number; readonly data: Buffer } | undefined;
  if (opts.codeCache) {
    try {
      // A 4-byte header: the work of the run that wrote it.
      const file = fs.readFileSync(cacheFile);
      if (file.length > 4) cached = { work: file.readUInt32LE(0), data: file.subarray(4) };
    } catch {
      cached = undefined;
    }
  }
  const script = new vm.Script(Module.wrap(code), { filename: outfile, cachedData: cached?.data });
  const m = new Module(outfile);
  m.filename = outfile;
  const resolved = createRequire(outfile);
  m.paths = resolved.resolve.paths('x') ?? [];
  const modules = opts.modules;
  const req = modules ? Object.assign((id: string) => (Object.hasOwn(modules, id) ? modules[id] : resolved(id)), resolved) : resolved;
  (script.runInThisContext() as (...a: unknown[]) => void).call(m.exports, m.exports, req, m, outfile, path.dirname(outfile));
  return {
    exports: m.exports,
    saveCodeCache(work = 0) {
      if (!opts.codeCache || (cached && !script.cachedDataRejected && work <= cached.work)) return;
      try {
        const header = Buffer.alloc(4);
        header.writeUInt32LE(work);
        fs.writeFileSync(cacheFile, Buffer.concat([header, script.createCachedData()]));
      } catch {
        // Only a cache: a read-only checkout still synthesises.
      }
    },
  };
}
