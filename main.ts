/**
 * Renders every environment of every platform (or those selected with --platform and --env) into
 * dist/<platform>/<env>/.
 *
 *   node .build/main.js [--platform receivables[,fnb…]] [--env dev[,staging…]] [--out dist]
 *
 * The environment files are validated by their schema (environments/schema.ts: strict objects, so a misspelt
 * field is refused by name), not type-checked first: the check cost seconds on every edit, and the schema is the
 * type. When loading, validating or rendering fails, they are type-checked then, so a mistake TypeScript catches
 * (a misspelt identifier) is reported at its file and line, not as a stack trace into the bundle. A type error
 * that neither the schema nor the render meets is left to the editor, `npm run check` and `npm test` (tsc). Every
 * environment to render is validated and rendered in memory before anything is written (one the render cache
 * reuses has the input and code it last passed with), so a bad configuration leaves dist/ exactly as it was. Synth
 * replaces and prunes only the environment folders it recorded as its own (charts/output/render.ts), only
 * within the platforms it rendered in full, and prints one line per environment saying what changed.
 * `cdk8s synth` runs this same program (see cdk8s.yaml); its output folder gets one multi-document
 * `<platform>-<env>.k8s.yaml` per environment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ForeignOutputError, readTree, toFileTree, writeDist, type FileTree } from './charts/output/render';
import { formatChanges } from './charts/output/changes';
import { renderEnvironments } from './charts/output/prepare';
import { formatTypeProblem, typeCheckEnvironments, type TypeProblem } from './scripts/lib/typecheck';
import { RenderCache, type RenderCacheFiles } from './scripts/lib/render-cache';
import { OutputIndex } from './scripts/lib/output-index';
import type { OutputSeen } from './scripts/lib/up-to-date';

// Loaded on first use (see environmentsModule), inside main's error handling.
type Environments = typeof import('./environments');

/** What to render: undefined means all (every platform; every environment of the platforms chosen). */
export interface Selection {
  readonly platforms?: readonly string[];
  readonly envs?: readonly string[];
  /** Instead of the two: exactly these environments, by folder (`receivables/dev`; the watch mode's). */
  readonly folders?: readonly string[];
}

export function parseArgs(argv: string[]): Selection & { out: string } {
  let envs: string[] | undefined;
  let platforms: string[] | undefined;
  let out = 'dist';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--env') envs = value().split(',').filter(Boolean);
    else if (a === '--platform') platforms = value().split(',').filter(Boolean);
    else if (a === '--out') out = value();
    else if (a === '--help' || a === '-h') throw new UsageError('');
    else throw new UsageError(`unknown argument "${a}"`);
  }
  return { platforms, envs, out };
}

class UsageError extends Error {}
class TypeCheckError extends Error {
  name = 'TypeCheckError';
}

/** The environment files, loaded (a broken one throws here: main's handler type-checks them then). */
export function environmentsModule(): Environments {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./environments') as Environments;
}

/**
 * After a failure: the environment files' type problems, as an error that names each at its file and line, or
 * undefined when they type-check (or did at the last clean check with the same sources, scripts/lib/typecheck.ts).
 */
export function typeCheckAfterFailure(root = process.cwd()): TypeCheckError | undefined {
  let problems: readonly TypeProblem[];
  try {
    problems = typeCheckEnvironments(root).problems;
  } catch {
    return undefined; // no compiler here (a copy without node_modules): the failure speaks for itself
  }
  if (!problems.length) return undefined;
  return new TypeCheckError(`the environment files do not type-check (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`
    + problems.map((p) => `  ${formatTypeProblem(p)}`).join('\n'));
}

/** The environments a selection names (ConfigError for a platform or environment there is not). */
function selectedTargets(s: Selection): { platform: string; env: string }[] {
  const { selectTargets } = environmentsModule();
  if (!s.folders) return selectTargets(s.platforms, s.envs);
  return s.folders.flatMap((f) => {
    const [platform, env, ...rest] = f.split('/');
    return selectTargets([platform], [env, ...rest]);
  });
}

/** The folders (`receivables/dev`) of the environments a selection names. */
export function selectedFolders(s: Selection): string[] {
  const { targetKey } = environmentsModule();
  return selectedTargets(s).map(targetKey);
}

/** Every platform's name and every environment's (loads the environment files after their type check). */
export function targetNames(): { platforms: string[]; envs: string[] } {
  const { PLATFORMS } = environmentsModule();
  return { platforms: Object.keys(PLATFORMS), envs: [...new Set(Object.values(PLATFORMS).flatMap((p) => Object.keys(p.environments)))] };
}

/**
 * Loads, validates and renders the selection (environment names alone: those of every platform) in memory,
 * nothing written: the guards that read the previous render in `out`, the render, and the fit check against
 * the declared nodes. Throws ConfigError (or TypeCheckError) on any problem; prints the fit check's warnings.
 * Trees are keyed by folder (`receivables/dev`). `prune` says which recorded folders not rendered now synth may
 * remove: every one when everything was rendered, else those of the platforms whose every environment was.
 * The watch mode (scripts/synth-watch.ts) renders through this too.
 */
export function renderTrees(selection: Selection | readonly string[] | undefined, out: string, cache?: RenderCacheOptions): Rendered {
  const { ConfigError, PLATFORMS, allTargets, environmentInput, fieldSource, loadTargets, targetKey } = environmentsModule();
  const s: Selection = Array.isArray(selection) ? { envs: selection as readonly string[] } : (selection ?? {}) as Selection;
  const targets = selectedTargets(s);
  const all = !s.envs && !s.platforms && !s.folders;
  const whole = new Set(Object.keys(PLATFORMS).filter((p) => Object.keys(PLATFORMS[p].environments).every((env) => targets.some((t) => t.platform === p && t.env === env))));
  const prune = (folder: string) => all || whole.has(folder.split('/')[0]);
  const outDir = path.resolve(out);
  const folders = targets.map(targetKey);
  const index = cache?.files.outputIndex === undefined ? undefined : new OutputIndex(cache.files.outputIndex, outDir, cache.seen);
  const renderCache = cache && new RenderCache(cache.files, outDir, allTargets().map(targetKey), index);
  // The key is of the environment's input as its files give it, and of the code: an environment reused has the
  // input and code it had when it last validated and rendered, so it is not validated again.
  const keys = targets.map((t, i) => renderCache?.key(folders[i], environmentInput(t.env, t.platform)));
  const reused = new Map(cache?.lookup === false ? [] : folders.flatMap((f, i) => {
    const hit = renderCache?.reuse(f, keys[i], readTree);
    return hit ? [[f, hit] as const] : [];
  }));
  // What is rendered is loaded and validated (the problems of all at once); the reused are checked against the
  // others' base domains.
  const configs = loadTargets(targets.filter((_, i) => !reused.has(folders[i])), targets.filter((_, i) => reused.has(folders[i])));
  const { platforms, problems, warningsOf } = renderEnvironments(configs, outDir);
  if (problems.length) throw new ConfigError(problems);
  const trees = new Map<string, FileTree>();
  const warnings = new Map<string, readonly string[]>();
  let next = 0;
  for (const f of folders) {
    const hit = reused.get(f);
    if (hit) {
      trees.set(f, hit.tree);
      warnings.set(f, hit.warnings);
      continue;
    }
    const p = platforms[next];
    const t = { platform: p.config.platform.name, env: p.config.name };
    trees.set(f, toFileTree(p, (field) => fieldSource(t.env, field, t.platform)));
    warnings.set(f, warningsOf?.[next++] ?? []);
  }
  for (const w of [...warnings.values()].flat()) console.warn(`warning: ${w}`);
  const remember = () => {
    if (!renderCache) return;
    folders.forEach((f, i) => renderCache.remember(f, keys[i], trees.get(f)!, warnings.get(f)!));
    renderCache.save();
    index?.save();
  };
  return { trees, all, prune, reused: new Set(reused.keys()), remember, index };
}

/** Synth's per-environment render cache (scripts/lib/render-cache.ts), as the launcher hands it over. */
export interface RenderCacheOptions {
  readonly files: RenderCacheFiles;
  /** false (`--force`): render every environment, only recording the renders. @default true */
  readonly lookup?: boolean;
  /** What the launcher's stamp saw of the output folder just before (the output index reuses its stat lines). */
  readonly seen?: OutputSeen;
}

export interface Rendered {
  /** By folder (`receivables/dev`), in the selection's order. */
  readonly trees: Map<string, FileTree>;
  readonly all: boolean;
  readonly prune: (folder: string) => boolean;
  /** Environments not rendered: their folder holds what their render would be (their trees were read from it). */
  readonly reused: ReadonlySet<string>;
  /** Records the trees in the render cache (and the output index), once they are written. */
  readonly remember: () => void;
  /** What synth knows of the output folders without reading them, for writeDist. */
  readonly index?: OutputIndex;
}

export function main(argv: string[], opts: { readonly renderCache?: RenderCacheOptions; readonly report?: (r: { written: number; pruned: number; rendered: number }) => void } = {}): number {
  // Under the cdk8s CLI our stdout is captured and never shown: the summary goes to stderr there.
  const cdk8sOut = process.env.CDK8S_OUTDIR;
  const say = cdk8sOut ? (s: string) => console.error(s) : (s: string) => console.log(s);
  // The folder every message names as left alone on failure: known before anything else can fail.
  let out = 'dist';
  try {
    const args = parseArgs(argv);
    out = args.out;
    const started = Date.now();
    const { trees, prune, reused, remember, index } = renderTrees(args, out, opts.renderCache);

    const result = writeDist(path.resolve(out), trees, prune, reused, index);
    remember();
    if (cdk8sOut && path.resolve(cdk8sOut) !== path.resolve(out)) writeCdk8sOut(path.resolve(cdk8sOut), trees);

    for (const [env, { changes: c, existed }] of result.environments) say(formatChanges(env, c, existed) + (reused.has(env) ? ' (not rendered: nothing it depends on changed)' : ''));
    for (const folder of result.pruned) say(`${folder}: removed ${path.join(out, folder)}/ (no longer an environment)`);
    const files = [...trees.values()].reduce((n, t) => n + t.size, 0);
    const written = [...result.environments.values()].filter((e) => !e.existed || e.changes.added.length + e.changes.changed.length + e.changes.removed.length).length;
    opts.report?.({ written, pruned: result.pruned.length, rendered: trees.size - reused.size });
    const counts = `${files} files${reused.size ? `, ${trees.size - reused.size} rendered, ${reused.size} reused` : ''}, ${Date.now() - started} ms`;
    say(written || result.pruned.length
      ? `synth: wrote ${written} of ${trees.size} environment${trees.size === 1 ? '' : 's'} into ${out}/ (${counts})`
      : `synth: ${out}/ is up to date (${trees.size} environment${trees.size === 1 ? '' : 's'}, ${counts})`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) console.error(`error: ${e.message}`);
      let names = { platforms: [] as string[], envs: [] as string[] };
      try { names = targetNames(); } catch { /* a broken environment file: usage without the names */ }
      const choice = (xs: string[], what: string) => (xs.length ? xs.join('|') : what);
      console.error(`usage: synth [--platform ${choice(names.platforms, '<platform>')}[,…]] [--env ${choice(names.envs, '<environment>')}[,…]] [--out dist]`);
      return 2;
    }
    if (e instanceof ForeignOutputError) {
      console.error(`error: ${e.message}\nnothing was written; ${out}/ is unchanged.`);
      return 1;
    }
    const config = e instanceof Error && e.name === 'ConfigError';
    // A type error is the likelier cause of a failure (a misspelt identifier throws while its file loads): it is
    // named first, at its file and line; a validation error is still shown, as it names the field.
    const types = typeCheckAfterFailure();
    if (types || config) {
      console.error(`error: ${[types?.message, config ? (e as Error).message : undefined].filter(Boolean).join('\n')}\nnothing was written; ${out}/ is unchanged.`);
      return 1;
    }
    console.error(`error: rendering failed, ${out}/ is unchanged: ${e instanceof Error ? e.stack : e}`);
    return 1;
  }
}

/**
 * The cdk8s CLI's output folder (which it empties before every run): one multi-document manifest per
 * environment, in apply order, as cdk8s apps usually write (`<chart>.k8s.yaml`), so the CLI lists four files
 * rather than every object. dist/ stays the source of truth.
 */
function writeCdk8sOut(dir: string, trees: ReadonlyMap<string, FileTree>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [env, tree] of trees) {
    // Chart folders in apply order; inside each, Namespaces and CRDs before what lives in them.
    const rank = (f: string) => { const base = f.slice(f.indexOf('/') + 1); return base.startsWith('namespace.') ? 0 : base.startsWith('customresourcedefinition.') ? 1 : 2; };
    const key = (f: string) => `${f.slice(0, f.indexOf('/'))}/${rank(f)}/${f}`;
    const docs = [...tree].filter(([f]) => f.includes('/') && f.endsWith('.yaml')).sort(([a], [b]) => key(a).localeCompare(key(b))).map(([, y]) => y);
    fs.writeFileSync(path.join(dir, `${env.replaceAll('/', '-')}.k8s.yaml`), docs.join('---\n'));
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
