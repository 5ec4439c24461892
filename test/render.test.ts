/**
 * Rendering to files: determinism, the dist/ layout, atomic writes, and the synth program end to end
 * (including a broken environment file that must leave dist/ untouched).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fileName, toFileTree, writeDist, type FileTree } from '../charts/lib/render';
import { renderPlatform } from '../charts/platform';
import { ENVIRONMENTS, loadEnvironments } from '../environments';

const ROOT = path.resolve(__dirname, '..');
// Inside the project (git-ignored .build/) so that bundled programs resolve node_modules.
fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
const tmp = fs.mkdtempSync(path.join(ROOT, '.build', 'render-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file under a folder, relative path → bytes. */
function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p));
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

  test('a failure while writing leaves the previous output untouched and no temporary folder behind', () => {
    const out = path.join(tmp, 'atomic');
    writeDist(out, new Map([['dev', tree({ 'a/x.yaml': 'good' })], ['prod', tree({ 'b/y.yaml': 'good' })]]), true);
    const before = readTree(out);
    // 'f' is written as a file, then used as a folder: the write of the second environment fails midway.
    const broken = new Map([['dev', tree({ 'a/x.yaml': 'new' })], ['prod', tree({ f: 'file', 'f/y.yaml': 'boom' })]]);
    expect(() => writeDist(out, broken, true)).toThrow();
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(out).sort()).toEqual(['dev', 'prod']);
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

  test('pruning removes folders of environments that no longer exist', () => {
    const out = path.join(tmp, 'prune');
    writeDist(out, new Map([['dev', tree({ 'x.yaml': '1' })], ['gone', tree({ 'x.yaml': '1' })]]), true);
    writeDist(out, new Map([['dev', tree({ 'x.yaml': '1' })]]), true);
    expect(fs.readdirSync(out)).toEqual(['dev']);
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
    expect(fs.readdirSync(a).sort()).toEqual(Object.keys(ENVIRONMENTS).sort());
    expect(readTree(a)).toEqual(readTree(b));
  });

  test('renders a single environment and leaves the others alone', () => {
    const out = path.join(tmp, 'single');
    expect(synth(['--out', out]).status).toBe(0);
    const before = readTree(path.join(out, 'production'));
    fs.writeFileSync(path.join(out, 'dev', 'stray.yaml'), 'x');
    const r = synth(['--env', 'dev', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/rendered dev into/);
    expect(fs.existsSync(path.join(out, 'dev', 'stray.yaml'))).toBe(false);
    expect(readTree(path.join(out, 'production'))).toEqual(before);
  });

  test('an unknown argument or environment fails with usage and writes nothing', () => {
    const out = path.join(tmp, 'usage');
    const r = synth(['--env', 'qa', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/"qa".*is not an environment \(allowed: dev, staging, production, dr, onprem\)/);
    expect(fs.existsSync(out)).toBe(false);
    expect(synth(['--bogus']).status).toBe(2);
  });

  test('a broken environment file names the field and leaves dist/ exactly as it was', () => {
    // A copy of the project whose staging file sets a replica count HA forbids and misspells a field.
    const copy = path.join(tmp, 'project');
    for (const d of ['charts', 'environments', 'imports']) fs.cpSync(path.join(ROOT, d), path.join(copy, d), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'main.ts'), path.join(copy, 'main.ts'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    const stagingFile = path.join(copy, 'environments', 'staging.ts');
    const src = fs.readFileSync(stagingFile, 'utf8');
    const broken = src.replace(/redis: \{ replicas: 3,/, 'redis: { replicas: 1,').replace("storageClass: 'ceph-rbd'", "storageClas: 'ceph-rbd'");
    expect(broken).not.toEqual(src);
    fs.writeFileSync(stagingFile, broken);
    const brokenJs = path.join(copy, 'main.js');
    bundle('main.ts', brokenJs, copy);

    const out = path.join(tmp, 'kept');
    expect(synth(['--out', out]).status).toBe(0);
    const before = readTree(out);
    const r = synth(['--out', out], brokenJs, copy);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('environment "staging": stores.redis.replicas = 1: must be at least 3 when ha is true');
    expect(r.stderr).toContain('environment "staging": storageClas = "ceph-rbd": is not a known field');
    expect(r.stderr).toContain('environment "staging": storageClass = (missing): is required');
    expect(r.stderr).toContain('dist/ is unchanged');
    expect(readTree(out)).toEqual(before);
  });
});
