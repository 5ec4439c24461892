/**
 * The cdk8s CLI path, as the README tells a user to run it (issue 15): quiet and clear offline, the project's
 * own summary line, one manifest per environment listed by the CLI rather than every object. Run in a copy of
 * the project so the repository's dist/ is not touched. The upgrade check the CLI does by default needs
 * registry.npmjs.org: offline it prints a stack trace and "A new version undefined"; the README's form turns
 * it off. Whether the machine running the test has internet access does not change the assertions.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ENVIRONMENTS, PLATFORMS } from '../environments';

const ROOT = path.resolve(__dirname, '..');
fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
const copy = fs.mkdtempSync(path.join(ROOT, '.build', 'cdk8s-cli-test-'));
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

test("the README's `npm run cdk8s -- synth` renders dist/ and prints the summary, no stack trace, no upgrade notice", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  expect(readme).toContain('`npm run cdk8s -- synth`');
  expect(readme).not.toMatch(/`npx cdk8s synth`/);
  for (const d of ['charts', 'environments', 'imports', 'scripts']) fs.cpSync(path.join(ROOT, d), path.join(copy, d), { recursive: true });
  for (const f of ['main.ts', 'tsconfig.json', 'package.json', 'cdk8s.yaml']) fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));

  const r = spawnSync('npm', ['run', '--silent', 'cdk8s', '--', 'synth'], { cwd: copy, encoding: 'utf8' });
  const names = Object.entries(PLATFORMS).flatMap(([p, d]) => Object.keys(d.environments).map((env) => `${p}-${env}`));
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  const output = `${r.stdout}${r.stderr}`;
  expect(output).not.toMatch(/A new version|    at |Error:/);
  expect(r.stderr).toMatch(/^synth: wrote \d+ of \d+ environments into dist\/ \(\d+ files, \d+ ms\)$/m);
  const listed = r.stdout.split('\n').filter((l) => l.startsWith('  - '));
  expect(listed.sort()).toEqual(names.map((n) => `  - .build/cdk8s.out/${n}.k8s.yaml`).sort());
  expect(fs.readdirSync(path.join(copy, 'dist')).filter((d) => !d.startsWith('.')).sort()).toEqual(Object.keys(PLATFORMS).sort());
  expect(fs.readdirSync(path.join(copy, 'dist', 'receivables')).sort()).toEqual(Object.keys(ENVIRONMENTS).sort());
  // The CLI's file holds every object of the environment's folders, in apply order: namespaces first.
  const dev = fs.readFileSync(path.join(copy, '.build', 'cdk8s.out', 'receivables-dev.k8s.yaml'), 'utf8');
  const objects = fs.readdirSync(path.join(copy, 'dist', 'receivables', 'dev'), { recursive: true }).filter((f) => String(f).includes('/') && String(f).endsWith('.yaml'));
  expect(dev.split(/^---$/m)).toHaveLength(objects.length);
  expect(dev).toMatch(/^apiVersion: v1\nkind: Namespace\n/);
});
