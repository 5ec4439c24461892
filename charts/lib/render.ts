/**
 * From rendered objects to files: one folder per chart, one YAML file per object, plus per-environment
 * listings. Writing is atomic per environment: everything is rendered in memory first, written to a temporary
 * folder, and swapped in by rename, so a failure leaves the previous dist/ as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import { emitYaml } from './yaml';
import { kustomization } from '../gitops/kustomize';
import type { Manifest, RenderedPlatform } from '../platform';
import { REACHABILITY_FILE, reachabilityMatrix } from '../network/matrix';

/** Relative path → file content. */
export type FileTree = Map<string, string>;

/** `<kind>.<namespace>.<name>.yaml`, or `<kind>.<name>.yaml` for cluster-scoped objects. */
export function fileName(m: Manifest): string {
  const kind = String(m.kind).toLowerCase();
  const ns = m.metadata?.namespace;
  return ns ? `${kind}.${ns}.${m.metadata.name}.yaml` : `${kind}.${m.metadata.name}.yaml`;
}

/** Never folds long strings, so a one-word change is a one-line diff (see ./yaml.ts). */
export function toYaml(m: unknown): string {
  return emitYaml(m);
}

/**
 * Every image of every container, sorted and unique: the list an air-gapped install mirrors. Objects that run
 * images without a container spec in Git (an Argo CD Application of a Helm chart) list them in the
 * `sme-receivables.io/images` annotation, comma-separated.
 */
export function imagesOf(manifests: readonly Manifest[]): string[] {
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
    for (const i of String(m.metadata?.annotations?.['sme-receivables.io/images'] ?? '').split(',')) if (i) images.add(i);
  }
  return [...images].sort();
}

export function toFileTree(p: RenderedPlatform): FileTree {
  const files: FileTree = new Map();
  for (const chart of p.charts) {
    for (const m of chart.manifests) {
      const rel = `${chart.folder}/${fileName(m)}`;
      if (files.has(rel)) throw new Error(`two objects render to dist/${p.config.name}/${rel}: ${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`);
      files.set(rel, toYaml(m));
    }
  }
  // Who may talk to whom, beside the manifests, so a change of exposure is a readable line in the diff.
  files.set(REACHABILITY_FILE, reachabilityMatrix(p.config, p.graph));
  const images = imagesOf(p.charts.flatMap((c) => c.manifests));
  files.set('images.txt', images.length ? `${images.join('\n')}\n` : '');
  files.set('kustomization.yaml', kustomization(p));
  return files;
}

/**
 * Replaces dist/<env>/ for each environment given. With `prune`, folders of environments that no longer
 * exist are removed too (only when every environment was rendered).
 */
export function writeDist(outDir: string, trees: ReadonlyMap<string, FileTree>, prune: boolean): void {
  fs.mkdirSync(outDir, { recursive: true });
  const staged: [string, string][] = [];
  try {
    for (const [env, tree] of trees) {
      // Reading is far cheaper than writing and swapping: an unchanged environment is left alone.
      if (holds(path.join(outDir, env), tree)) continue;
      const tmp = fs.mkdtempSync(path.join(outDir, `.tmp-${env}-`));
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
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
    fs.rmSync(old, { recursive: true, force: true });
  }
  if (prune) {
    for (const entry of fs.readdirSync(outDir, { withFileTypes: true })) {
      if (entry.isDirectory() && !trees.has(entry.name)) fs.rmSync(path.join(outDir, entry.name), { recursive: true, force: true });
    }
  }
}

/** Whether `dir` holds exactly the files of `tree` (no more, no fewer, same bytes). */
function holds(dir: string, tree: FileTree): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return false;
  }
  const files = entries.filter((e) => e.isFile());
  if (files.length !== tree.size || entries.some((e) => !e.isFile() && !e.isDirectory())) return false;
  return files.every((e) => {
    const rel = path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/');
    const want = tree.get(rel);
    return want !== undefined && fs.readFileSync(path.join(dir, rel), 'utf8') === want;
  });
}
