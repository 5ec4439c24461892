/**
 * A throw-away copy of the project's sources (node_modules linked, not copied) for tests and the bench, which run
 * the synth launcher as a user would and edit sources under it. Kept inside the project's git-ignored .build/ so that
 * bundles and node resolve node_modules as they do in the real tree.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** A copy of the project at `ROOT`, in `ROOT/.build/<prefix>-XXXXXX`. */
export function projectCopy(ROOT: string, prefix: string): string {
  fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
  const copy = fs.mkdtempSync(path.join(ROOT, '.build', `${prefix}-`));
  for (const d of ['charts', 'environments', 'imports', 'scripts']) fs.cpSync(path.join(ROOT, d), path.join(copy, d), { recursive: true });
  for (const f of ['main.ts', 'package.json', 'tsconfig.json']) fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  return copy;
}

/** What `npm run synth` does on a fresh checkout: bundle the launcher with the esbuild CLI. */
export function bootstrapLauncher(copy: string): string {
  execFileSync(path.join(copy, 'node_modules/.bin/esbuild'), ['scripts/synth.ts', '--bundle', '--platform=node', '--target=node20',
    '--packages=external', '--log-level=warning', '--outfile=.build/synth.js'], { cwd: copy, stdio: 'pipe' });
  return path.join(copy, '.build', 'synth.js');
}

/** Rewrites a file of the copy, failing if `from` is not in it (so an edit can never silently do nothing). */
export function edit(copy: string, file: string, from: string | RegExp, to: string): void {
  const p = path.join(copy, file);
  const before = fs.readFileSync(p, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${file}: ${from} not found`);
  fs.writeFileSync(p, after);
}
