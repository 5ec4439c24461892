/**
 * Rendering to files: determinism, the dist/ layout, atomic writes, and the synth program end to end
 * (including a broken environment file that must leave dist/ untouched).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fileName, ForeignOutputError, OUTPUT_RECORD, toFileTree, writeDist, type FileTree } from '../charts/output/render';
import { renderPlatform } from '../charts/platform';
import { ENVIRONMENTS, loadEnvironments, PLATFORMS } from '../environments';

const ROOT = path.resolve(__dirname, '..');
// Inside the project (git-ignored .build/) so that bundled programs resolve node_modules.
fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
const tmp = fs.mkdtempSync(path.join(ROOT, '.build', 'render-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file under a folder, relative path → bytes (synth's record of its folders aside). */
function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!(d === dir && e.name === OUTPUT_RECORD)) out.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

function bundle(entry: string, outfile: string, cwd = ROOT): void {
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), [entry, '--bundle', '--platform=node', '--target=node20',
    '--packages=external', '--log-level=warning', `--outfile=${outfile}`], { cwd, stdio: 'pipe' });
}

describe('in memory', () => {
  test('two renders produce identical bytes', () => {
    const render = () => loadEnvironments().map((c) => toFileTree(renderPlatform(c)));
    const [a, b] = [render(), render()];
    expect(a.map((t) => [...t])).toEqual(b.map((t) => [...t]));
  });

  test('one folder per chart, prefixed in apply order, one file per object, named by kind, namespace and name', () => {
    const tree = toFileTree(renderPlatform(loadEnvironments(['dev'])[0]));
    const folders = [...new Set([...tree.keys()].filter((k) => k.includes('/')).map((k) => k.split('/')[0]))];
    for (const f of folders) expect(f).toMatch(/^[0-9]{2}-[a-z0-9-]+$/);
    expect(folders[0]).toBe('00-namespaces');
    expect(tree.get('00-namespaces/namespace.app-core.yaml')).toMatch(/^apiVersion: v1\nkind: Namespace\n/);
    expect(fileName({ kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'db-redis' } })).toBe('networkpolicy.db-redis.default-deny.yaml');
    for (const [file, content] of tree) if (file.endsWith('.yaml')) expect(content.match(/^kind: /gm)).toHaveLength(1);
  });
});

describe('writeDist', () => {
  const tree = (files: Record<string, string>): FileTree => new Map(Object.entries(files));

  test('replaces an environment folder completely, dropping files that are no longer rendered', () => {
    const out = path.join(tmp, 'replace');
    writeDist(out, new Map([['dev', tree({ 'a/x.yaml': '1', 'a/old.yaml': 'old' })]]), false);
    writeDist(out, new Map([['dev', tree({ 'a/x.yaml': '2' })]]), false);
    expect([...readTree(out)].map(([k, v]) => [k, v.toString()])).toEqual([['dev/a/x.yaml', '2']]);
  });

  test('environment folders get the permissions of any folder made here, not those of a private temporary one', () => {
    const out = path.join(tmp, 'modes');
    writeDist(out, new Map([['dev', tree({ 'a/x.yaml': '1' })]]), true);
    const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);
    // `a/` is made by mkdir (mode 777 less the umask); `dev/` is swapped in from a temporary folder (700 by default).
    expect(mode(path.join(out, 'dev'))).toBe(mode(path.join(out, 'dev', 'a')));
    expect(mode(path.join(out, 'dev'))).toBe((0o777 & ~process.umask()).toString(8));
  });

  test('a failure while writing leaves the previous output untouched and no temporary folder behind', () => {
    const out = path.join(tmp, 'atomic');
    writeDist(out, new Map([['dev', tree({ 'a/x.yaml': 'good' })], ['prod', tree({ 'b/y.yaml': 'good' })]]), true);
    const before = readTree(out);
    // 'f' is written as a file, then used as a folder: the write of the second environment fails midway.
    const broken = new Map([['dev', tree({ 'a/x.yaml': 'new' })], ['prod', tree({ f: 'file', 'f/y.yaml': 'boom' })]]);
    expect(() => writeDist(out, broken, true)).toThrow();
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(out).sort()).toEqual([OUTPUT_RECORD, 'dev', 'prod']);
  });

  test('an environment whose files are unchanged is not rewritten; any difference rewrites it', () => {
    const out = path.join(tmp, 'unchanged');
    writeDist(out, new Map([['dev', tree({ 'a/x.yaml': '1', 'b/y.yaml': '2' })]]), false);
    const inode = () => fs.statSync(path.join(out, 'dev')).ino;
    const first = inode();
    writeDist(out, new Map([['dev', tree({ 'a/x.yaml': '1', 'b/y.yaml': '2' })]]), false);
    expect(inode()).toBe(first);
    fs.writeFileSync(path.join(out, 'dev', 'a', 'stray.yaml'), 'x');
    writeDist(out, new Map([['dev', tree({ 'a/x.yaml': '1', 'b/y.yaml': '2' })]]), false);
    expect(inode()).not.toBe(first);
    expect([...readTree(out)].map(([k, v]) => [k, v.toString()])).toEqual([['dev/a/x.yaml', '1'], ['dev/b/y.yaml', '2']]);
    const second = inode();
    writeDist(out, new Map([['dev', tree({ 'a/x.yaml': '1', 'b/y.yaml': '3' })]]), false);
    expect(inode()).not.toBe(second);
    expect(readTree(out).get('dev/b/y.yaml')?.toString()).toBe('3');
  });

  test('pruning removes folders of environments that no longer exist, and says so', () => {
    const out = path.join(tmp, 'prune');
    writeDist(out, new Map([['dev', tree({ 'x.yaml': '1' })], ['gone', tree({ 'x.yaml': '1' })]]), true);
    const r = writeDist(out, new Map([['dev', tree({ 'x.yaml': '1' })]]), true);
    expect(r.pruned).toEqual(['gone']);
    expect(fs.readdirSync(out).sort()).toEqual([OUTPUT_RECORD, 'dev']);
  });

  test('a platform rendered in full prunes only its own environments; a platform\'s folder goes with its last one (issue 17)', () => {
    const out = path.join(tmp, 'prune-platforms');
    writeDist(out, new Map(['a/dev', 'a/gone', 'b/dev', 'c/old'].map((f) => [f, tree({ 'x.yaml': '1' })])), true);
    const r = writeDist(out, new Map([['a/dev', tree({ 'x.yaml': '1' })]]), (f) => f.startsWith('a/') || f.startsWith('c/'));
    expect(r.pruned).toEqual(['a/gone', 'c/old']);
    expect(fs.readdirSync(out).sort()).toEqual([OUTPUT_RECORD, 'a', 'b']);
    expect(fs.readdirSync(path.join(out, 'a'))).toEqual(['dev']);
    // b was not rendered in full: kept, and still recorded as synth's own.
    expect(fs.readFileSync(path.join(out, OUTPUT_RECORD), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['a/dev', 'b/dev']);
  });

  test('only what synth recorded is pruned: foreign folders, hidden ones included, survive (issue 15)', () => {
    const out = path.join(tmp, 'foreign');
    for (const d of ['.git', 'src', 'staging-notes']) fs.mkdirSync(path.join(out, d, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(out, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    fs.writeFileSync(path.join(out, 'src', 'sub', 'a.ts'), 'x');
    writeDist(out, new Map([['dev', tree({ 'x.yaml': '1' })]]), true);
    const r = writeDist(out, new Map([['dev', tree({ 'x.yaml': '2' })]]), true);
    expect(r.pruned).toEqual([]);
    expect(fs.readdirSync(out).sort()).toEqual(['.git', OUTPUT_RECORD, 'dev', 'src', 'staging-notes'].sort());
    expect(fs.readFileSync(path.join(out, '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
    expect(fs.readFileSync(path.join(out, OUTPUT_RECORD), 'utf8')).toMatch(/\ndev\n$/);
  });

  test('a folder named like an environment that synth did not write is refused, and nothing is written', () => {
    const out = path.join(tmp, 'refuse');
    fs.mkdirSync(path.join(out, 'staging'), { recursive: true });
    fs.writeFileSync(path.join(out, 'staging', 'mine.txt'), 'mine');
    const write = () => writeDist(out, new Map([['dev', tree({ 'x.yaml': '1' })], ['staging', tree({ 'x.yaml': '1' })]]), true);
    expect(write).toThrow(ForeignOutputError);
    expect(write).toThrow(`${path.join(out, 'staging')} exists but was not written by synth`);
    expect(fs.readdirSync(out)).toEqual(['staging']);
    expect(fs.readFileSync(path.join(out, 'staging', 'mine.txt'), 'utf8')).toBe('mine');
  });

  test('an earlier render without the record (its listing files present) is adopted and replaced', () => {
    const out = path.join(tmp, 'adopt');
    fs.mkdirSync(path.join(out, 'dev'), { recursive: true });
    for (const f of ['kustomization.yaml', 'images.txt', 'old.yaml']) fs.writeFileSync(path.join(out, 'dev', f), 'old');
    const r = writeDist(out, new Map([['dev', tree({ 'kustomization.yaml': 'k', 'images.txt': 'i' })]]), true);
    expect(r.environments.get('dev')?.changes).toEqual({ added: [], changed: ['images.txt', 'kustomization.yaml'], removed: ['old.yaml'], restarts: [] });
    expect(fs.readdirSync(path.join(out, 'dev')).sort()).toEqual(['images.txt', 'kustomization.yaml']);
  });
});

describe('the synth program', () => {
  const mainJs = path.join(tmp, 'main.js');
  beforeAll(() => bundle('main.ts', mainJs));

  const synth = (args: string[], js = mainJs, cwd = ROOT) => spawnSync(process.execPath, [js, ...args], { cwd, encoding: 'utf8' });

  test('renders every environment, identically twice, matching the committed dist/ layout', () => {
    const [a, b] = [path.join(tmp, 'a'), path.join(tmp, 'b')];
    expect(synth(['--out', a]).status).toBe(0);
    expect(synth(['--out', b]).status).toBe(0);
    expect(fs.readdirSync(a).sort()).toEqual([OUTPUT_RECORD, ...Object.keys(PLATFORMS)].sort());
    for (const [name, p] of Object.entries(PLATFORMS)) expect(fs.readdirSync(path.join(a, name)).sort()).toEqual(Object.keys(p.environments).sort());
    expect(readTree(a)).toEqual(readTree(b));
    // Beside the manifests: the public endpoints and the site checklist of each environment.
    for (const env of Object.keys(ENVIRONMENTS)) {
      expect(fs.readFileSync(path.join(a, 'receivables', env, 'endpoints.md'), 'utf8')).toMatch(new RegExp(`^# Public endpoints of ${env}\n`));
      expect(fs.readFileSync(path.join(a, 'receivables', env, 'site-checklist.md'), 'utf8')).toMatch(new RegExp(`^# Site checklist: ${env}\n`));
    }
  });

  test('--out into a folder holding other things deletes none of them, hidden ones included (issue 15)', () => {
    const out = path.join(tmp, 'project-root');
    for (const d of ['.git', 'src', '.hidden']) fs.mkdirSync(path.join(out, d), { recursive: true });
    fs.writeFileSync(path.join(out, 'src', 'index.ts'), 'export {};\n');
    const r = synth(['--out', out]);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['.git', '.hidden', OUTPUT_RECORD, 'src', ...Object.keys(PLATFORMS)].sort());
    expect(fs.readFileSync(path.join(out, 'src', 'index.ts'), 'utf8')).toBe('export {};\n');
  });

  test('says per environment what changed; nothing is "written" when nothing changed (issue 15)', () => {
    const out = path.join(tmp, 'summary');
    const names = Object.keys(ENVIRONMENTS).map((env) => `receivables/${env}`);
    const first = synth(['--out', out]);
    for (const env of names) expect(first.stdout).toMatch(new RegExp(`^${env}: new, \\d+ files$`, 'm'));
    const again = synth(['--out', out]);
    expect(again.stdout.split('\n').slice(0, names.length)).toEqual(names.map((env) => `${env}: unchanged`));
    expect(again.stdout).toMatch(/^synth: .* is up to date \(/m);
    expect(again.stdout).not.toMatch(/wrote|rendered/);
  });

  test('renders a single environment and leaves the others alone', () => {
    const out = path.join(tmp, 'single');
    expect(synth(['--out', out]).status).toBe(0);
    const [dev, production] = ['dev', 'production'].map((env) => path.join(out, 'receivables', env));
    const before = readTree(production);
    fs.writeFileSync(path.join(dev, 'stray.yaml'), 'x');
    // (Other platforms have a dev too: --platform keeps this to one environment.)
    const r = synth(['--platform', 'receivables', '--env', 'dev', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`receivables/dev: 1 removed\nsynth: wrote 1 of 1 environment into ${out}/ (${readTree(dev).size} files, ${/\(\d+ files, (\d+) ms\)/.exec(r.stdout)?.[1]} ms)\n`);
    expect(fs.existsSync(path.join(dev, 'stray.yaml'))).toBe(false);
    expect(readTree(production)).toEqual(before);
    // --platform selects too; an unknown one is named with the choices.
    expect(synth(['--platform', 'receivables', '--env', 'dev', '--out', out]).stdout).toMatch(/^receivables\/dev: unchanged$/m);
    const bad = synth(['--platform', 'nope', '--out', out]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`platform "nope": (root) = "nope": is not a platform (allowed: ${Object.keys(PLATFORMS).join(', ')})`);
  });

  test('an unknown argument or environment fails with usage and writes nothing', () => {
    const out = path.join(tmp, 'usage');
    const r = synth(['--platform', 'receivables', '--env', 'qa', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`"qa": is not an environment (allowed: ${Object.keys(ENVIRONMENTS).join(', ')})`);
    expect(fs.existsSync(out)).toBe(false);
    expect(synth(['--bogus']).status).toBe(2);
  });

  /** A copy of the project whose environment files `edit` changes, bundled as `npm run synth` bundles it. */
  function brokenCopy(name: string, edit: (file: string, src: string) => string): string {
    const copy = path.join(tmp, name);
    for (const d of ['charts', 'environments', 'imports', 'scripts']) fs.cpSync(path.join(ROOT, d), path.join(copy, d), { recursive: true });
    for (const f of ['main.ts', 'tsconfig.json', 'package.json']) fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    for (const f of fs.readdirSync(path.join(copy, 'environments', 'receivables'))) {
      const file = path.join(copy, 'environments', 'receivables', f);
      const src = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, edit(f, src));
    }
    bundle('main.ts', path.join(copy, 'main.js'), copy);
    return copy;
  }

  test('a broken environment file names the field and leaves dist/ exactly as it was', () => {
    // The staging file sets a replica count HA forbids (valid TypeScript, refused by validation).
    const copy = brokenCopy('project', (f, src) => (f === 'staging.ts' ? src.replace(/redis: \{ replicas: 3,/, 'redis: { replicas: 1,') : src));
    expect(fs.readFileSync(path.join(copy, 'environments', 'receivables', 'staging.ts'), 'utf8')).toMatch(/redis: \{ replicas: 1,/);
    const out = path.join(tmp, 'kept');
    expect(synth(['--out', out]).status).toBe(0);
    const before = readTree(out);
    const r = synth(['--out', out], path.join(copy, 'main.js'), copy);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('environment "staging": stores.redis.replicas = 1: must be at least 3 when ha is true');
    // It names the folder it left alone: --out's, not dist/.
    expect(r.stderr).toContain(`nothing was written; ${out}/ is unchanged.`);
    expect(r.stderr).not.toContain('dist/');
    expect(readTree(out)).toEqual(before);
  });

  test('a mistake TypeScript catches is reported at its file, line and identifier, not as a stack trace into the bundle (issue 15)', () => {
    // A misspelt field and a misspelt identifier that would throw while the bundle loads the module.
    const copy = brokenCopy('project-types', (f, src) => (f !== 'staging.ts' ? src
      : src.replace("storageClass: 'ceph-rbd'", "storageClas: 'ceph-rbd'").replace('export const staging', 'export const typo = stagingg;\nexport const staging')));
    const lines = fs.readFileSync(path.join(copy, 'environments', 'receivables', 'staging.ts'), 'utf8').split('\n');
    const at = (needle: string) => `environments/receivables/staging.ts:${lines.findIndex((l) => l.includes(needle)) + 1}:`;
    const out = path.join(tmp, 'kept-types');
    expect(synth(['--out', out]).status).toBe(0);
    const before = readTree(out);
    const r = synth(['--out', out], path.join(copy, 'main.js'), copy);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: the environment files do not type-check/);
    expect(r.stderr).toContain(`${at('stagingg')}`);
    expect(r.stderr).toMatch(/Cannot find name 'stagingg'/);
    expect(r.stderr).toContain(`${at('storageClas:')}`);
    expect(r.stderr).toMatch(/'storageClas' does not exist/);
    expect(r.stderr).not.toMatch(/main\.js:\d+|    at /);
    // It names the folder it left alone: --out's, not dist/.
    expect(r.stderr).toContain(`nothing was written; ${out}/ is unchanged.`);
    expect(r.stderr).not.toContain('dist/');
    expect(readTree(out)).toEqual(before);
  });

  test('the compiler runs only when a synth fails: a type error the schema does not see renders; beside a validation error both are named (issue 22)', () => {
    // A declaration TypeScript refuses that changes no value: the schema validates what the file exports.
    const note = "export const note: number = 'three' as string;\n";
    const lax = brokenCopy('project-lax', (f, src) => (f === 'staging.ts' ? note + src : src));
    const reference = path.join(tmp, 'lax-reference');
    const out = path.join(tmp, 'lax');
    expect(synth(['--platform', 'receivables', '--out', reference]).status).toBe(0);
    const r = synth(['--platform', 'receivables', '--out', out], path.join(lax, 'main.js'), lax);
    expect(r.status).toBe(0);
    expect(readTree(out)).toEqual(readTree(reference));
    // The check's record (scripts/lib/typecheck.ts) is written by every check that finds nothing: none ran.
    expect(fs.existsSync(path.join(lax, '.build', 'typecheck-environments.json'))).toBe(false);

    const both = brokenCopy('project-both', (f, src) => (f === 'staging.ts' ? note + src.replace(/redis: \{ replicas: 3,/, 'redis: { replicas: 1,') : src));
    const before = readTree(out);
    const bad = synth(['--platform', 'receivables', '--out', out], path.join(both, 'main.js'), both);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: the environment files do not type-check \(1 problem\):\n {2}environments\/receivables\/staging\.ts:1:14: Type 'string' is not assignable to type 'number'\.\n/);
    expect(bad.stderr).toContain('environment "staging": stores.redis.replicas = 1: must be at least 3 when ha is true');
    expect(bad.stderr).toContain(`nothing was written; ${out}/ is unchanged.`);
    expect(readTree(out)).toEqual(before);
  });
});
