/**
 * The type check synth runs on the environment files (scripts/lib/typecheck.ts) is skipped when nothing it
 * checked changed since the last clean check. "What it checked" includes the files the environments import
 * (environments/schema.ts imports charts/lib/quantity.ts, …): a change there can break an environment file too.
 * Runs the real TypeScript compiler on a small project under .build/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentChecker, typeCheckEnvironments } from '../scripts/lib/typecheck';

const ROOT = path.resolve(__dirname, '..');
fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
// Inside the project, so that the compiler resolves from its node_modules.
const tmp = fs.mkdtempSync(path.join(ROOT, '.build', 'typecheck-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function project(name: string): string {
  const root = path.join(tmp, name);
  fs.mkdirSync(path.join(root, 'environments'), { recursive: true });
  fs.mkdirSync(path.join(root, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(root, 'package.json'), '{ "private": true }\n');
  fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'commonjs', target: 'ES2022', types: [] } }));
  fs.writeFileSync(path.join(root, 'lib', 'size.ts'), 'export const size: number = 3;\n');
  fs.writeFileSync(path.join(root, 'environments', 'dev.ts'), "import { size } from '../lib/size';\nexport const replicas: number = size;\n");
  return root;
}

test('a clean check is remembered: unchanged sources are not checked again', () => {
  const root = project('clean');
  expect(typeCheckEnvironments(root)).toEqual({ problems: [], ran: true });
  expect(typeCheckEnvironments(root)).toEqual({ problems: [], ran: false });
});

test('an environment file that changed is checked again, and its problem named at file and line', () => {
  const root = project('env-changed');
  typeCheckEnvironments(root);
  fs.writeFileSync(path.join(root, 'environments', 'dev.ts'), "import { size } from '../lib/size';\nexport const replicas: string = size;\n");
  const r = typeCheckEnvironments(root);
  expect(r.ran).toBe(true);
  expect(r.problems.map((p) => `${p.file}:${p.line}`)).toEqual(['environments/dev.ts:2']);
});

test('a file the environments import that changed is checked again: its change can break them', () => {
  const root = project('import-changed');
  typeCheckEnvironments(root);
  fs.writeFileSync(path.join(root, 'lib', 'size.ts'), "export const size: string = 'three';\n");
  const r = typeCheckEnvironments(root);
  expect(r.ran).toBe(true);
  expect(r.problems.map((p) => `${p.file}:${p.line}`)).toEqual(['environments/dev.ts:2']);
});

test('in one process (the watch), a file broken then fixed is checked from its new text each time', () => {
  // The compiler keeps parsed files whose text is unchanged between checks; a changed one must be read anew.
  const root = project('warm');
  const dev = path.join(root, 'environments', 'dev.ts');
  expect(typeCheckEnvironments(root).problems).toEqual([]);
  fs.writeFileSync(dev, "import { size } from '../lib/size';\nexport const replicas: string = size;\n");
  expect(typeCheckEnvironments(root).problems.map((p) => `${p.file}:${p.line}`)).toEqual(['environments/dev.ts:2']);
  fs.writeFileSync(dev, "import { size } from '../lib/size';\nexport const replicas: number = size;\n");
  // Forced: the fixed text is the last clean one, which alone would skip the check.
  expect(typeCheckEnvironments(root, true)).toEqual({ problems: [], ran: true });
});

test.each([false, true])('in one process (incremental: %s), a change to a file the environments import is seen', (incremental) => {
  // The builder (the watch's) re-checks only what a change affects: an unchanged environment file whose import changed is.
  const root = project(`warm-import-${incremental}`);
  const checker = new EnvironmentChecker(root, incremental);
  const size = path.join(root, 'lib', 'size.ts');
  const dev = path.join(root, 'environments', 'dev.ts');
  expect(checker.check().problems).toEqual([]);
  fs.writeFileSync(size, "export const size: string = 'three';\n");
  expect(checker.check().problems.map((p) => `${p.file}:${p.line}`)).toEqual(['environments/dev.ts:2']);
  fs.writeFileSync(size, 'export const size: number = 3;\n');
  expect(checker.check(true)).toEqual({ problems: [], ran: true });
  fs.writeFileSync(dev, "import { size } from '../lib/size';\nexport const replicas: boolean = size;\n");
  expect(checker.check().problems.map((p) => `${p.file}:${p.line}`)).toEqual(['environments/dev.ts:2']);
});
