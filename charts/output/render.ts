/**
 * From rendered objects to files: one folder per chart, one YAML file per object, plus per-environment
 * listings. Writing is atomic per environment: everything is rendered in memory first, written to a temporary
 * folder, and swapped in by rename, so a failure leaves the previous dist/ as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import { emitYaml } from '../lib/yaml';
import { kustomization } from './kustomize';
import { fileName, type Manifest } from '../lib/manifest';
import type { RenderedPlatform } from '../platform';
import { REACHABILITY_FILE, reachabilityMatrix } from '../network/matrix';
import { diffTrees, isUnchanged, type Changes } from './changes';
import { ENDPOINTS_FILE, endpointsMarkdown } from './endpoints';
import { CHECKLIST_FILE, siteChecklist, type WhereSet } from './checklist';
import { capacityFiles } from '../capacity/report';
import { outputFolder } from '../lib/naming';
import { platformKeys } from '../lib/labels';
import type { EnvironmentConfig } from '../../environments/schema';

/** Relative path → file content. */
export type FileTree = Map<string, string>;

export { fileName };

/** Never folds long strings, so a one-word change is a one-line diff (see ./yaml.ts). */
export function toYaml(m: unknown): string {
  return emitYaml(m);
}

/**
 * Every image of every container, sorted and unique: the list an air-gapped install mirrors. Objects that run
 * images without a container spec in Git (an Argo CD Application of a Helm chart) list them in the
 * `<label domain>/images` annotation, comma-separated.
 */
export function imagesOf(manifests: readonly Manifest[], config: EnvironmentConfig): string[] {
  const listed = platformKeys(config).images;
  const images = new Set<string>();
  // Every object of every manifest is visited: no per-object arrays (Object.entries), no calls for scalars.
  const visit = (v: object, key?: string): void => {
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) visit(x, key);
      return;
    }
    const o = v as Record<string, unknown>;
    if ((key === 'containers' || key === 'initContainers') && typeof o.image === 'string') images.add(o.image);
    for (const k in o) {
      const x = o[k];
      if (typeof x === 'object' && x !== null) visit(x, k);
    }
  };
  manifests.forEach((m) => visit(m));
  for (const m of manifests) {
    for (const i of String(m.metadata?.annotations?.[listed] ?? '').split(',')) if (i) images.add(i);
  }
  return [...images].sort();
}

/**
 * @param whereSet where each field of the environment is set, for dist/<platform>/<env>/site-checklist.md (synth and check
 *   pass environments' fieldSource); without it no checklist is written (renders in tests).
 */
export function toFileTree(p: RenderedPlatform, whereSet?: WhereSet): FileTree {
  const files: FileTree = new Map();
  for (const chart of p.charts) {
    for (const m of chart.manifests) {
      const rel = `${chart.folder}/${fileName(m)}`;
      if (files.has(rel)) throw new Error(`two objects render to dist/${outputFolder(p.config)}/${rel}: ${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`);
      files.set(rel, toYaml(m));
    }
  }
  // Who may talk to whom, beside the manifests, so a change of exposure is a readable line in the diff.
  files.set(REACHABILITY_FILE, reachabilityMatrix(p.config, p.graph));
  // Architecture and install-order diagrams and the capacity table, from the same objects (issue 16).
  for (const [name, content] of capacityFiles(p)) files.set(name, content);
  const images = imagesOf(p.charts.flatMap((c) => c.manifests), p.config);
  files.set('images.txt', images.length ? `${images.join('\n')}\n` : '');
  files.set('kustomization.yaml', kustomization(p));
  // Public hostnames, paths and what serves them, read from the rendered Ingresses and gateway routes.
  files.set(ENDPOINTS_FILE, endpointsMarkdown(p.config.name, p.charts.flatMap((c) => c.manifests), p.config.platform.catalog));
  if (whereSet) files.set(CHECKLIST_FILE, siteChecklist(p, whereSet));
  return files;
}

/**
 * The record, in the output folder, of the environment folders synth wrote there. Synth replaces and prunes
 * only folders it recorded, so `--out` pointed at a folder holding anything else (a repository, sources, a
 * hidden folder) never deletes it.
 */
export const OUTPUT_RECORD = '.synth-output';

/** The output folder holds a folder synth did not write where it would write an environment: nothing is written. */
export class ForeignOutputError extends Error {
  constructor(readonly folders: readonly string[]) {
    super(`${folders.join(', ')} ${folders.length === 1 ? 'exists' : 'exist'} but ${folders.length === 1 ? 'was' : 'were'} not written by synth `
      + `(not listed in ${OUTPUT_RECORD}): move ${folders.length === 1 ? 'it' : 'them'} away or render into another --out folder`);
    this.name = 'ForeignOutputError';
  }
}

export interface WriteResult {
  /** Per environment rendered: what changed in its folder, and whether the folder existed before. */
  readonly environments: ReadonlyMap<string, { readonly changes: Changes; readonly existed: boolean }>;
  /** Folders of environments that no longer exist, removed by pruning (recorded as synth's own). */
  readonly pruned: readonly string[];
}

/**
 * Replaces `<outDir>/<folder>/` for each folder given (`receivables/dev`: one environment of one platform). With
 * `prune`, recorded folders not rendered now are removed too: all of them (`true`, when every environment of
 * every platform was rendered) or those it accepts (the environments of the platforms rendered in full); only
 * ever folders synth recorded as its own. A folder synth would replace that it did not write is refused before
 * anything is written.
 */
export function writeDist(outDir: string, trees: ReadonlyMap<string, FileTree>, prune: boolean | ((folder: string) => boolean),
  /** Folders whose tree was just read from `outDir` (synth's render cache): known unchanged, not read again. */
  unchanged: ReadonlySet<string> = new Set(),
  /** What synth knows of the folders without reading them (scripts/lib/output-index.ts), told what it writes. */
  known?: KnownOutput): WriteResult {
  const recorded = readRecord(outDir);
  // An environment folder not in the record is adopted only when it is plainly an earlier render (output written
  // before the record existed): it holds the listing files every render writes.
  const foreign = [...trees.keys()].filter((env) => {
    const dir = path.join(outDir, env);
    return fs.existsSync(dir) && !recorded.has(env) && !RENDER_MARKS.every((f) => fs.existsSync(path.join(dir, f)));
  });
  if (foreign.length) throw new ForeignOutputError(foreign.map((env) => path.join(outDir, env)));

  fs.mkdirSync(outDir, { recursive: true });
  const environments = new Map<string, { changes: Changes; existed: boolean }>();
  const staged: [string, string][] = [];
  try {
    for (const [env, tree] of trees) {
      if (unchanged.has(env)) {
        environments.set(env, { changes: { added: [], changed: [], removed: [], restarts: [] }, existed: true });
        continue;
      }
      // Reading (or knowing) is far cheaper than writing and swapping: an unchanged environment is left alone.
      let changes = known?.compare(env, tree);
      let existed = changes !== undefined;
      if (!changes) {
        const before = readTree(path.join(outDir, env));
        changes = diffTrees(before, tree);
        existed = before !== undefined;
      }
      environments.set(env, { changes, existed });
      if (existed && isUnchanged(changes)) {
        known?.remember(env, tree, false);
        continue;
      }
      const tmp = fs.mkdtempSync(path.join(outDir, `.tmp-${env.replaceAll('/', '-')}-`));
      // mkdtemp makes a private folder (700); once swapped in it is the environment's folder, which others (a web
      // server, CI under another user) read like any folder made here.
      fs.chmodSync(tmp, 0o777 & ~process.umask());
      staged.push([env, tmp]);
      for (const [rel, content] of [...tree].sort(([a], [b]) => a.localeCompare(b))) {
        const file = path.join(tmp, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
      }
    }
  } catch (e) {
    for (const [, tmp] of staged) fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  // Every environment is fully written: swap them in.
  for (const [env, tmp] of staged) {
    const target = path.join(outDir, env);
    const old = `${tmp}-old`;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
    fs.rmSync(old, { recursive: true, force: true });
    known?.remember(env, trees.get(env)!, true);
  }
  const pruned: string[] = [];
  const prunable = (folder: string) => !trees.has(folder) && (prune === true || (typeof prune === 'function' && prune(folder)));
  for (const folder of [...recorded].sort()) {
    if (!prunable(folder)) continue;
    if (fs.existsSync(path.join(outDir, folder))) {
      fs.rmSync(path.join(outDir, folder), { recursive: true, force: true });
      pruned.push(folder);
    }
    known?.forget(folder);
    // A platform's folder goes with its last environment.
    const parent = path.dirname(path.join(outDir, folder));
    if (parent !== path.resolve(outDir) && fs.existsSync(parent) && fs.readdirSync(parent).length === 0) fs.rmdirSync(parent);
  }
  writeRecord(outDir, new Set([...[...recorded].filter((f) => !prunable(f)), ...trees.keys()]));
  return { environments, pruned };
}

/** What synth knows of its output folders without reading them (implemented by scripts/lib/output-index.ts). */
export interface KnownOutput {
  /** What writing `tree` over `folder` changes, when known without reading the folder; else undefined. */
  compare(folder: string, tree: FileTree): Changes | undefined;
  /** `folder` now holds exactly `tree`: `written` by this synth just now, or found so. */
  remember(folder: string, tree: FileTree, written: boolean): void;
  forget(folder: string): void;
}

/** Files every render writes at the top of an environment's folder (see toFileTree). */
const RENDER_MARKS = ['kustomization.yaml', 'images.txt'];

function readRecord(outDir: string): Set<string> {
  let text: string;
  try {
    text = fs.readFileSync(path.join(outDir, OUTPUT_RECORD), 'utf8');
  } catch {
    return new Set();
  }
  return new Set(text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
}

function writeRecord(outDir: string, envs: ReadonlySet<string>): void {
  const text = '# Environment folders written by `npm run synth`: it replaces and prunes these, and nothing else here.\n'
    + `${[...envs].sort().join('\n')}\n`;
  const file = path.join(outDir, OUTPUT_RECORD);
  try {
    if (fs.readFileSync(file, 'utf8') === text) return;
  } catch {
    // not written yet
  }
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * Every file under `dir`, relative path (with `/`) → content; undefined when `dir` does not exist. Anything that
 * is neither a file nor a folder (a symlink) reads as content no render produces, so it counts as changed.
 */
export function readTree(dir: string): FileTree | undefined {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return undefined;
  }
  const tree: FileTree = new Map();
  for (const e of entries) {
    if (e.isDirectory()) continue;
    const rel = path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/');
    tree.set(rel, e.isFile() ? fs.readFileSync(path.join(dir, rel), 'utf8') : '\0not a file');
  }
  return tree;
}
