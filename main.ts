/**
 * Renders every environment (or those named with --env) into dist/<env>/.
 *
 *   node .build/main.js [--env dev[,staging…]] [--out dist]
 *
 * All environments are validated and rendered in memory before anything is written, so a bad configuration
 * leaves dist/ exactly as it was. `cdk8s synth` runs this same program (see cdk8s.yaml); it additionally gets a
 * copy in its own output folder, which the cdk8s CLI empties before every run.
 */
import * as path from 'path';
import { poolShapeChanges } from './charts/data/minio-guard';
import { renderPlatform } from './charts/platform';
import { toFileTree, writeDist, type FileTree } from './charts/lib/render';
import { ConfigError, ENVIRONMENTS, loadEnvironments } from './environments';

export function parseArgs(argv: string[]): { envs: string[]; out: string } {
  let envs: string[] = Object.keys(ENVIRONMENTS);
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

/** Loads, validates and renders `envs` in memory, nothing written (scripts/synth.ts's watch mode reuses it). */
export function renderEnvironments(envs: readonly string[], out: string): Map<string, FileTree> {
  const trees = new Map<string, FileTree>();
  const configs = loadEnvironments(envs);
  // Guards that need what was rendered before (the cluster's state): MinIO pools are never resized in place.
  const changes = configs.flatMap((c) => poolShapeChanges(c, path.join(path.resolve(out), c.name)));
  if (changes.length) throw new ConfigError(changes);
  for (const config of configs) trees.set(config.name, toFileTree(renderPlatform(config)));
  return trees;
}

export function main(argv: string[]): number {
  try {
    const { envs, out } = parseArgs(argv);
    const all = envs.length === Object.keys(ENVIRONMENTS).length && envs.every((e) => e in ENVIRONMENTS);
    const started = Date.now();
    const trees = renderEnvironments(envs, out);

    writeDist(path.resolve(out), trees, all);
    const cdk8sOut = process.env.CDK8S_OUTDIR;
    if (cdk8sOut && path.resolve(cdk8sOut) !== path.resolve(out)) writeDist(path.resolve(cdk8sOut), trees, all);

    const files = [...trees.values()].reduce((n, t) => n + t.size, 0);
    console.log(`rendered ${[...trees.keys()].join(', ')} into ${out}/ (${files} files, ${Date.now() - started} ms)`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) console.error(`error: ${e.message}`);
      console.error(`usage: synth [--env ${Object.keys(ENVIRONMENTS).join('|')}[,…]] [--out dist]`);
      return 2;
    }
    if (e instanceof ConfigError) {
      console.error(`error: ${e.message}\nnothing was written; dist/ is unchanged.`);
      return 1;
    }
    console.error(`error: rendering failed, dist/ is unchanged: ${e instanceof Error ? e.stack : e}`);
    return 1;
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
