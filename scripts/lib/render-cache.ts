/**
 * Per-environment render cache: an environment whose render would be exactly what its output folder holds is not
 * rendered again, so an edit to one environment renders that one and reuses the others' folders.
 *
 * An environment's render is a function of the program's code and of its input as the environment files give it
 * (and of the previous render, which only the guards read: a render compared with itself passes them), and so is
 * the verdict of its validation: an environment reused is not validated again. Its key is therefore the SHA-256 of:
 * - the content hash of every bundle input it can depend on, taken from the program's build record (which the
 *   launcher has just checked against the files): every input reachable from the entry point without passing
 *   through an environment's own file (code, packages, each platform's base and index), plus the inputs its own
 *   file reaches (dr.ts builds on production.ts: production.ts is in dr's key). Another environment's own file is
 *   left out, which is what lets an edit to it leave this one alone. The packages, bundled apart, count with every
 *   input of their own bundle's record;
 * - its input as JSON (environments/index.ts's environmentInput: the platform's base merged with its file), which
 *   also covers anything the loader would take from elsewhere;
 * - Node's version and CDK8S_DISABLE_SORT.
 * Any input whose hash the record lacks (modified while it was bundled) leaves no key: the environment renders.
 *
 * The record keeps, per output folder and environment, the key and the SHA-256 of the files written (names and
 * contents). An environment is reused only when its key matches and its folder hashes the same (by the output
 * index's hashes when it knows the folder as it is, else read again): its files become its tree, so what synth
 * writes and prints is what a render would have given.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Metafile } from 'esbuild';
import type { BuildRecord } from './build-cache';
import { contentHash, FolderTree, type OutputIndex } from './output-index';
import { PerOutputRecord } from './per-output';

type FileTree = Map<string, string>;

/** The file of an environment, by its folder under dist/: `environments/receivables/dev.ts`. */
export const environmentFile = (folder: string): string => `environments/${folder}.ts`;

/**
 * The bundle's import graph split by environment: `shared`, what is reachable from the entry points without
 * passing through an environment file (every environment depends on it), and `own(folder)`, what that
 * environment's file reaches.
 */
export function dependencies(metafile: Metafile, folders: readonly string[]): { shared: Set<string>; own(folder: string): Set<string> } {
  const imports = (file: string) => (metafile.inputs[file]?.imports ?? []).filter((i) => !i.external).map((i) => i.path);
  const reach = (from: string[], stopAt: ReadonlySet<string>) => {
    const seen = new Set<string>();
    const todo = [...from];
    while (todo.length) {
      const f = todo.pop()!;
      if (seen.has(f) || stopAt.has(f)) continue;
      seen.add(f);
      todo.push(...imports(f));
    }
    return seen;
  };
  const envFiles = new Set(folders.map(environmentFile).filter((f) => f in metafile.inputs));
  // Entry points: inputs that nothing imports.
  const imported = new Set(Object.keys(metafile.inputs).flatMap(imports));
  const shared = reach(Object.keys(metafile.inputs).filter((f) => !imported.has(f)), envFiles);
  return { shared, own: (folder) => reach([environmentFile(folder)], new Set()) };
}

/** What the launcher hands the program: where the build record, the import graph and the cache record are. */
export interface RenderCacheFiles {
  /** The program's BuildRecord (scripts/lib/build-cache.ts), checked against the sources by the launcher. */
  readonly buildRecord: string;
  /** esbuild's metafile of that build. */
  readonly metafile: string;
  /**
   * The BuildRecord of the packages' bundle, when the program leaves its packages to one (scripts/synth.ts's
   * VENDOR): every input of it counts for every environment.
   */
  readonly packagesRecord?: string;
  /**
   * The platforms' code, when it is bundled apart (scripts/synth.ts's PLATFORMS): its record and metafile. Its
   * inputs and import graph join the program's, as if one bundle (an import of the other bundle is external in
   * each, so each environment file's own inputs are found in it alone).
   */
  readonly platforms?: { readonly buildRecord: string; readonly metafile: string };
  /** This cache's record. */
  readonly file: string;
  /** The output index's folder (./output-index.ts). */
  readonly outputIndex?: string;
}

interface Entry {
  readonly key: string;
  /** SHA-256 of the environment's files as written (treeDigest). */
  readonly digest: string;
  /** The fit check's warnings for it, printed again when it is reused. */
  readonly warnings: readonly string[];
}

/** One digest of a tree: names and contents, in name order. */
export function treeDigest(tree: ReadonlyMap<string, string>): string {
  return hashesDigest(new Map([...tree].map(([rel, content]) => [rel, contentHash(content)])));
}

/** The same digest from the files' content hashes (./output-index.ts's contentHash). */
export function hashesDigest(hashes: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  for (const rel of [...hashes.keys()].sort()) hash.update(`${rel}\0${hashes.get(rel)}\n`);
  return hash.digest('hex');
}

/** Several bundles' records as one (undefined when one is missing). */
function joinRecords(records: readonly (BuildRecord | undefined)[]): BuildRecord | undefined {
  if (records.some((r) => !r)) return undefined;
  return { ...records[0]!, inputs: Object.assign({}, ...records.map((r) => r!.inputs)) as BuildRecord['inputs'] };
}

/** Several bundles' import graphs as one (undefined when one is missing). */
function joinMetafiles(metafiles: readonly (Metafile | undefined)[]): Metafile | undefined {
  if (metafiles.some((m) => !m)) return undefined;
  return { inputs: Object.assign({}, ...metafiles.map((m) => m!.inputs)), outputs: Object.assign({}, ...metafiles.map((m) => m!.outputs)) };
}

export class RenderCache {
  private readonly record: PerOutputRecord<Entry>;
  private readonly entries: { [folder: string]: Entry };
  private readonly deps: ReturnType<typeof dependencies> | undefined;
  private readonly hashes: Readonly<Record<string, { sha256: string | null }>>;
  private readonly packages: readonly { f: string; sha256: string | null }[] | undefined;
  private sharedHash: string | undefined | null = null;

  /**
   * @param folders every environment of every platform (`receivables/dev`): each one's own file is kept out of
   *   the others' keys
   * @param index what synth knows of the output folder's files (./output-index.ts): folders it knows are not read
   */
  constructor(files: RenderCacheFiles, private readonly outDir: string, folders: readonly string[], private readonly index?: OutputIndex) {
    const bundles = [files, ...(files.platforms ? [files.platforms] : [])];
    const build = joinRecords(bundles.map((b) => readJson<BuildRecord>(b.buildRecord)));
    const metafile = joinMetafiles(bundles.map((b) => readJson<Metafile>(b.metafile)));
    const packages = files.packagesRecord === undefined ? undefined : readJson<BuildRecord>(files.packagesRecord);
    this.hashes = build?.inputs ?? {};
    // Unreadable, no key: every environment renders.
    this.packages = files.packagesRecord === undefined ? [] : packages ? Object.entries(packages.inputs).map(([f, stamp]) => ({ f, sha256: stamp.sha256 })) : undefined;
    // The graph must be of the build the record describes (build() writes the metafile before the record): every
    // recorded input in it. An input of the graph the record lacks has no hash, so no key depends on it unseen.
    const same = !!build && !!metafile && Object.keys(build.inputs).every((f) => f in metafile.inputs);
    this.deps = same ? dependencies(metafile!, folders) : undefined;
    this.record = new PerOutputRecord<Entry>(files.file, 2, outDir);
    this.entries = this.record.entries;
  }

  private digestOf(files: Iterable<string>): string | undefined {
    const hash = createHash('sha256');
    for (const f of [...files].sort()) {
      const sha = this.hashes[f]?.sha256;
      // Not in the record (a virtual input) or not trusted (modified while bundling): no key.
      if (typeof sha !== 'string') return undefined;
      hash.update(`${f}\0${sha}\n`);
    }
    return hash.digest('hex');
  }

  /** What every environment depends on: the program's shared inputs and the packages' bundle's inputs. */
  private sharedDigest(): string | undefined {
    const code = this.digestOf(this.deps!.shared);
    if (code === undefined || this.packages === undefined || this.packages.some((p) => p.sha256 === null)) return undefined;
    if (!this.packages.length) return code;
    const hash = createHash('sha256').update(code);
    for (const p of [...this.packages].sort((a, b) => a.f.localeCompare(b.f))) hash.update(`${p.f}\0${p.sha256}\n`);
    return hash.digest('hex');
  }

  /**
   * The key of an environment's render; undefined when it cannot be known (then it is always rendered).
   * @param config the environment's input (what the environment files give, before validation)
   */
  key(folder: string, config: unknown): string | undefined {
    if (!this.deps) return undefined;
    if (this.sharedHash === null) this.sharedHash = this.sharedDigest();
    const own = this.digestOf(this.deps.own(folder));
    if (this.sharedHash === undefined || own === undefined) return undefined;
    let configJson: string;
    try {
      configJson = JSON.stringify(config);
    } catch {
      // A value JSON cannot hold (a BigInt, a cycle): no key, rendered.
      return undefined;
    }
    const configHash = createHash('sha256').update(configJson).digest('hex');
    return createHash('sha256').update(JSON.stringify({
      v: 1, folder, shared: this.sharedHash, own, config: configHash, node: process.version, sort: process.env.CDK8S_DISABLE_SORT ?? null,
    })).digest('hex');
  }

  /**
   * The environment's folder as last rendered, when its key is the one recorded and the folder still holds
   * exactly what was written; with the warnings that render printed. A folder the output index knows as it is
   * is not read (its tree reads a file when asked for it); another is read and hashed, and then indexed.
   */
  reuse(folder: string, key: string | undefined, read: (dir: string) => FileTree | undefined): { tree: FileTree; warnings: readonly string[] } | undefined {
    const index = this.index;
    const entry = this.entries[folder];
    if (key === undefined || !entry || entry.key !== key) return undefined;
    const dir = path.join(this.outDir, folder);
    const known = index?.known(folder);
    if (known) {
      if (hashesDigest(known) !== entry.digest) return undefined;
      const tree = new FolderTree(dir, known.keys());
      this.verified.set(tree, entry.digest);
      return { tree, warnings: entry.warnings };
    }
    const tree = read(dir);
    if (!tree || treeDigest(tree) !== entry.digest) return undefined;
    this.verified.set(tree, entry.digest);
    index?.remember(folder, tree, false);
    return { tree, warnings: entry.warnings };
  }

  /** Trees `reuse` has just hashed, with their digest. */
  private readonly verified = new WeakMap<ReadonlyMap<string, string>, string>();

  /** Records what was written (or found unchanged) for an environment; `save` writes the record. */
  remember(folder: string, key: string | undefined, tree: ReadonlyMap<string, string>, warnings: readonly string[]): void {
    if (key === undefined) delete this.entries[folder];
    else this.entries[folder] = { key, digest: this.verified.get(tree) ?? (this.index ? hashesDigest(this.index.hashesOf(tree)) : treeDigest(tree)), warnings };
  }

  save(): void {
    this.record.save();
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
