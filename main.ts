/**
 * Renders every environment (or those named with --env) into dist/<env>/.
 *
 *   node .build/main.js [--env dev[,staging…]] [--out dist]
 *
 * The environment files are type-checked first (when they changed), so a mistake TypeScript would catch is
 * reported at its file and line, not as a stack trace into the bundle. All environments are validated and
 * rendered in memory before anything is written, so a bad configuration leaves dist/ exactly as it was. Synth
 * replaces and prunes only the environment folders it recorded as its own (charts/output/render.ts), and prints
 * one line per environment saying what changed. `cdk8s synth` runs this same program (see cdk8s.yaml); its
 * output folder gets one multi-document `<env>.k8s.yaml` per environment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ForeignOutputError, toFileTree, writeDist, type FileTree } from './charts/output/render';
import { formatChanges } from './charts/output/changes';
import { renderEnvironments } from './charts/output/prepare';
import { formatTypeProblem, typeCheckEnvironments } from './scripts/lib/typecheck';

// Loaded after the type check (see environmentsModule): evaluating a broken environment file must not come first.
type Environments = typeof import('./environments');

/** `envs` undefined: every environment. */
export function parseArgs(argv: string[]): { envs?: string[]; out: string } {
  let envs: string[] | undefined;
  let out = 'dist';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--env') envs = value().split(',').filter(Boolean);
    else if (a === '--out') out = value();
    else if (a === '--help' || a === '-h') throw new UsageError('');
    else throw new UsageError(`unknown argument "${a}"`);
  }
  return { envs, out };
}

class UsageError extends Error {}
class TypeCheckError extends Error {
  name = 'TypeCheckError';
}

/** Type-checks the environment files (when changed since the last clean check), then loads them. */
export function environmentsModule(root = process.cwd()): Environments {
  const { problems } = typeCheckEnvironments(root);
  if (problems.length) {
    throw new TypeCheckError(`the environment files do not type-check (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`
      + problems.map((p) => `  ${formatTypeProblem(p)}`).join('\n'));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./environments') as Environments;
}

/** Every environment's name (loads the environment files after their type check). */
export function environmentNames(): string[] {
  return Object.keys(environmentsModule().ENVIRONMENTS);
}

/**
 * Loads, validates and renders `requested` (every environment when undefined) in memory, nothing written:
 * the guards that read the previous render in `out`, the render, and the fit check against the declared nodes.
 * Throws ConfigError (or TypeCheckError) on any problem; prints the fit check's warnings. `all` says whether
 * every environment was rendered (synth then prunes folders of environments that no longer exist).
 * The watch mode (scripts/synth-watch.ts) renders through this too.
 */
export function renderTrees(requested: readonly string[] | undefined, out: string): { trees: Map<string, FileTree>; all: boolean } {
  const { ConfigError, ENVIRONMENTS, fieldSource, loadEnvironments } = environmentsModule();
  const names = Object.keys(ENVIRONMENTS);
  const envs = requested ?? names;
  const all = envs.length === names.length && envs.every((e) => e in ENVIRONMENTS);
  const { platforms, problems, warnings } = renderEnvironments(loadEnvironments(envs), path.resolve(out));
  if (problems.length) throw new ConfigError(problems);
  for (const w of warnings) console.warn(`warning: ${w}`);
  const trees = new Map<string, FileTree>();
  for (const p of platforms) trees.set(p.config.name, toFileTree(p, (field) => fieldSource(p.config.name, field)));
  return { trees, all };
}

export function main(argv: string[]): number {
  // Under the cdk8s CLI our stdout is captured and never shown: the summary goes to stderr there.
  const cdk8sOut = process.env.CDK8S_OUTDIR;
  const say = cdk8sOut ? (s: string) => console.error(s) : (s: string) => console.log(s);
  // The folder every message names as left alone on failure: known before anything else can fail.
  let out = 'dist';
  try {
    const args = parseArgs(argv);
    out = args.out;
    const started = Date.now();
    const { trees, all } = renderTrees(args.envs, out);

    const result = writeDist(path.resolve(out), trees, all);
    if (cdk8sOut && path.resolve(cdk8sOut) !== path.resolve(out)) writeCdk8sOut(path.resolve(cdk8sOut), trees);

    for (const [env, { changes: c, existed }] of result.environments) say(formatChanges(env, c, existed));
    for (const env of result.pruned) say(`${env}: removed ${path.join(out, env)}/ (no longer an environment)`);
    const files = [...trees.values()].reduce((n, t) => n + t.size, 0);
    const written = [...result.environments.values()].filter((e) => !e.existed || e.changes.added.length + e.changes.changed.length + e.changes.removed.length).length;
    say(written || result.pruned.length
      ? `synth: wrote ${written} of ${trees.size} environment${trees.size === 1 ? '' : 's'} into ${out}/ (${files} files, ${Date.now() - started} ms)`
      : `synth: ${out}/ is up to date (${trees.size} environment${trees.size === 1 ? '' : 's'}, ${files} files, ${Date.now() - started} ms)`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) console.error(`error: ${e.message}`);
      let names: string[] = [];
      try { names = environmentNames(); } catch { /* a broken environment file: usage without the names */ }
      console.error(`usage: synth [--env ${names.length ? names.join('|') : '<environment>'}[,…]] [--out dist]`);
      return 2;
    }
    if (e instanceof TypeCheckError || e instanceof ForeignOutputError || (e instanceof Error && e.name === 'ConfigError')) {
      console.error(`error: ${e.message}\nnothing was written; ${out}/ is unchanged.`);
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
    fs.writeFileSync(path.join(dir, `${env}.k8s.yaml`), docs.join('---\n'));
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
