/**
 * `npm run check`: what to run after editing an environment. The package script type-checks the project first
 * (`tsc --noEmit`, incremental, so a re-run takes seconds); this program then validates every environment,
 * renders each in memory and checks it fits its declared nodes (all as synth does), writing nothing, and says
 * per environment what `npm run synth` would change in dist/.
 * Exits 1 on any configuration or render problem, 0 otherwise (a dist/ that synth would change is not a problem
 * of the configuration; CI's check that dist/ is current catches a forgotten synth).
 *
 *   npm run check [-- --platform receivables[,…]] [--env dev[,staging…]] [--dist dist]
 */
import * as path from 'path';
import { readTree, toFileTree } from '../charts/output/render';
import { diffTrees, isUnchanged, summarizeChanges } from '../charts/output/changes';
import { renderEnvironments } from '../charts/output/prepare';
import { ConfigError, fieldSource, loadTargets, PLATFORMS, selectTargets } from '../environments';
import { outputFolder } from '../charts/lib/naming';
import { parseFlags, UsageError } from './lib/kubectl';

interface Io { out: (s: string) => void; err: (s: string) => void }

export function main(argv: string[], io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }): number {
  try {
    const f = parseFlags(argv, ['platform', 'env', 'dist'], ['help']);
    if (f.help) throw new UsageError('');
    const list = (v: unknown) => (typeof v === 'string' ? v.split(',').filter(Boolean) : undefined);
    const targets = selectTargets(list(f.platform), list(f.env));
    const dist = path.resolve(typeof f.dist === 'string' ? f.dist : 'dist');
    const started = Date.now();
    // The same guards, render and fit check as synth (charts/output/prepare.ts): check refuses what synth refuses.
    const { platforms, problems, warnings } = renderEnvironments(loadTargets(targets), dist);
    if (problems.length) throw new ConfigError(problems);
    for (const w of warnings) io.err(`warning: ${w}`);
    let stale = 0;
    for (const p of platforms) {
      const config = p.config;
      const folder = outputFolder(config);
      const tree = toFileTree(p, (field) => fieldSource(config.name, field, config.platform.name));
      const before = readTree(path.join(dist, folder));
      const c = diffTrees(before, tree);
      if (before && isUnchanged(c)) { io.out(`${folder}: valid, dist/ is current (${tree.size} files)`); continue; }
      stale++;
      io.out(`${folder}: valid; synth would change dist/ (${before ? summarizeChanges(c) : 'not rendered yet'})`);
    }
    io.out(`check: ${platforms.length} environment${platforms.length === 1 ? '' : 's'} valid and rendered in memory, nothing written (${Date.now() - started} ms)`
      + (stale ? `; run \`npm run synth\` to update dist/` : ''));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) io.err(`error: ${e.message}`);
      const envs = [...new Set(Object.values(PLATFORMS).flatMap((x) => Object.keys(x.environments)))];
      io.err(`usage: npm run check [-- --platform ${Object.keys(PLATFORMS).join('|')}[,…]] [--env ${envs.join('|')}[,…]] [--dist dist]`);
      return 2;
    }
    if (e instanceof ConfigError) { io.err(`error: ${e.message}`); return 1; }
    io.err(`error: rendering failed: ${e instanceof Error ? e.stack : String(e)}`);
    return 1;
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
