/**
 * `npm run check`: what to run after editing an environment. The package script type-checks the project first
 * (`tsc --noEmit`, incremental, so a re-run takes seconds); this program then validates every environment and
 * renders each in memory, writing nothing, and says per environment what `npm run synth` would change in dist/.
 * Exits 1 on any configuration or render problem, 0 otherwise (a dist/ that synth would change is not a problem
 * of the configuration; CI's check that dist/ is current catches a forgotten synth).
 *
 *   npm run check [-- --env dev[,staging…]] [--dist dist]
 */
import * as path from 'path';
import { poolShapeChanges } from '../charts/data/minio/guard';
import { renderPlatform } from '../charts/platform';
import { readTree, toFileTree } from '../charts/output/render';
import { diffTrees, isUnchanged } from '../charts/output/changes';
import { ConfigError, ENVIRONMENTS, fieldSource, loadEnvironments } from '../environments';
import { parseFlags, UsageError } from './lib/kubectl';

interface Io { out: (s: string) => void; err: (s: string) => void }

export function main(argv: string[], io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }): number {
  try {
    const f = parseFlags(argv, ['env', 'dist'], ['help']);
    if (f.help) throw new UsageError('');
    const names = typeof f.env === 'string' ? f.env.split(',').filter(Boolean) : Object.keys(ENVIRONMENTS);
    const dist = path.resolve(typeof f.dist === 'string' ? f.dist : 'dist');
    const started = Date.now();
    const configs = loadEnvironments(names);
    const guard = configs.flatMap((c) => poolShapeChanges(c, path.join(dist, c.name)));
    if (guard.length) throw new ConfigError(guard);
    let stale = 0;
    for (const config of configs) {
      const tree = toFileTree(renderPlatform(config), (field) => fieldSource(config.name, field));
      const before = readTree(path.join(dist, config.name));
      const c = diffTrees(before, tree);
      if (before && isUnchanged(c)) { io.out(`${config.name}: valid, dist/ is current (${tree.size} files)`); continue; }
      stale++;
      const what = !before ? 'not rendered yet' : [[c.changed, 'changed'], [c.added, 'added'], [c.removed, 'removed']]
        .filter(([xs]) => xs.length).map(([xs, w]) => `${xs.length} ${w}`).join(', ');
      io.out(`${config.name}: valid; synth would change dist/ (${what}${c.restarts.length ? `; restarts ${c.restarts.join(', ')}` : ''})`);
    }
    io.out(`check: ${configs.length} environment${configs.length === 1 ? '' : 's'} valid and rendered in memory, nothing written (${Date.now() - started} ms)`
      + (stale ? `; run \`npm run synth\` to update dist/` : ''));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) io.err(`error: ${e.message}`);
      io.err(`usage: npm run check [-- --env ${Object.keys(ENVIRONMENTS).join('|')}[,…]] [--dist dist]`);
      return 2;
    }
    if (e instanceof ConfigError) { io.err(`error: ${e.message}`); return 1; }
    io.err(`error: rendering failed: ${e instanceof Error ? e.stack : String(e)}`);
    return 1;
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
