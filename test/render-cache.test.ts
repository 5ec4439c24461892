/**
 * Synth's per-environment render cache (scripts/lib/render-cache.ts) never serves a stale folder:
 * - the key of an environment changes with every input it can depend on (each bundle input it reaches, the
 *   packages' bundle's inputs, its input, Node's version, CDK8S_DISABLE_SORT), and with nothing
 *   else: another environment's own file leaves it alone;
 * - that other environments' files are indeed not read by a render is checked on the real code: every
 *   environment of every platform renders the same when every other environment's file is replaced;
 * - a folder is reused only when it still holds exactly what was written;
 * - in a copy of the project, edits re-render exactly what they reach, and the output is byte-for-byte the
 *   output of a full render.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Metafile } from 'esbuild';
import { RenderCache, dependencies, treeDigest } from '../scripts/lib/render-cache';
import type { BuildRecord } from '../scripts/lib/build-cache';
import { bootstrapLauncher, edit, projectCopy } from '../scripts/lib/project-copy';
import { allTargets, environmentInput, fieldSource, PLATFORMS, targetKey, validateEnvironment } from '../environments';
import { renderPlatform } from '../charts/platform';
import { readTree, toFileTree } from '../charts/output/render';

const ROOT = path.resolve(__dirname, '..');
fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
const tmp = fs.mkdtempSync(path.join(ROOT, '.build', 'render-cache-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The shape of the real graph: code, a platform index importing its base and environment files, dr on production. */
const GRAPH: Record<string, string[]> = {
  'scripts/synth-program.ts': ['main.ts'],
  'main.ts': ['environments/index.ts', 'charts/platform.ts', 'node_modules/cdk8s/lib/index.js'],
  'charts/platform.ts': ['charts/lib/labels.ts'],
  'charts/lib/labels.ts': [],
  'node_modules/cdk8s/lib/index.js': [],
  'environments/index.ts': ['environments/receivables/index.ts'],
  'environments/receivables/index.ts': ['environments/receivables/base.ts', 'environments/receivables/dev.ts', 'environments/receivables/production.ts', 'environments/receivables/dr.ts'],
  'environments/receivables/base.ts': [],
  'environments/receivables/dev.ts': ['environments/receivables/dev-helpers.ts'],
  'environments/receivables/dev-helpers.ts': [],
  'environments/receivables/production.ts': [],
  'environments/receivables/dr.ts': ['environments/receivables/production.ts'],
};
const FOLDERS = ['receivables/dev', 'receivables/production', 'receivables/dr'];
/** What each environment can depend on, written out by hand from GRAPH. */
const DEPENDS: Record<string, string[]> = {
  'receivables/dev': ['environments/receivables/dev.ts', 'environments/receivables/dev-helpers.ts'],
  'receivables/production': ['environments/receivables/production.ts'],
  'receivables/dr': ['environments/receivables/dr.ts', 'environments/receivables/production.ts'],
};
const SHARED = Object.keys(GRAPH).filter((f) => !Object.values(DEPENDS).flat().includes(f));

function metafile(graph: Record<string, string[]>): Metafile {
  const inputs: Metafile['inputs'] = {};
  for (const [f, imports] of Object.entries(graph)) inputs[f] = { bytes: 1, imports: imports.map((p) => ({ path: p, kind: 'import-statement' })) };
  return { inputs, outputs: {} };
}

/** A render cache over a build record whose inputs have the hashes given (default: the file's name). */
function cacheWith(dir: string, hashes: Record<string, string | null> = {}, graph = GRAPH): RenderCache {
  fs.mkdirSync(dir, { recursive: true });
  const inputs = Object.fromEntries(Object.keys(graph).map((f) => [f, { size: 1, mtimeMs: 1, sha256: f in hashes ? hashes[f] : `sha of ${f}` }]));
  const record: BuildRecord = { key: 'k', output: { size: 1, mtimeMs: 1 }, inputs };
  fs.writeFileSync(path.join(dir, 'record.json'), JSON.stringify(record));
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(metafile(graph)));
  return new RenderCache({ buildRecord: path.join(dir, 'record.json'), metafile: path.join(dir, 'meta.json'), file: path.join(dir, 'cache.json') }, path.join(dir, 'out'), FOLDERS);
}

describe('the key of an environment', () => {
  const dir = path.join(tmp, 'keys');
  const config = { name: 'dev', replicas: 2 };
  const keys = (c: RenderCache, cfg: unknown = config) => Object.fromEntries(FOLDERS.map((f) => [f, c.key(f, cfg)]));
  const base = keys(cacheWith(dir));

  test('the graph splits as written out by hand', () => {
    const d = dependencies(metafile(GRAPH), FOLDERS);
    expect([...d.shared].sort()).toEqual([...SHARED].sort());
    for (const f of FOLDERS) expect([...d.own(f)].sort()).toEqual([...DEPENDS[f]].sort());
  });

  test('every environment has a key, and each its own', () => {
    for (const f of FOLDERS) expect(base[f]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(Object.values(base)).size).toBe(FOLDERS.length);
  });

  // Every input, changed alone: every environment that can depend on it gets a new key, the others keep theirs.
  test.each(Object.keys(GRAPH))('a change of %s changes exactly the keys of what depends on it', (file) => {
    const changed = keys(cacheWith(dir, { [file]: 'another sha' }));
    for (const f of FOLDERS) {
      const dependsOn = SHARED.includes(file) || DEPENDS[f].includes(file);
      if (dependsOn) expect(changed[f]).not.toBe(base[f]);
      else expect(changed[f]).toBe(base[f]);
    }
  });

  test('an input whose content the record does not vouch for (modified while bundling) leaves no key', () => {
    const racy = keys(cacheWith(dir, { 'environments/receivables/production.ts': null }));
    expect(racy['receivables/dev']).toBe(base['receivables/dev']);
    expect(racy['receivables/production']).toBeUndefined();
    expect(racy['receivables/dr']).toBeUndefined();
    expect(keys(cacheWith(dir, { 'charts/lib/labels.ts': null }))).toEqual({ 'receivables/dev': undefined, 'receivables/production': undefined, 'receivables/dr': undefined });
  });

  test('a graph that is not of the recorded build (an input it lacks) leaves no key', () => {
    const c = cacheWith(dir);
    // The record names a file the graph does not know: its place in the graph is unknown.
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'record.json'), 'utf8')) as BuildRecord;
    fs.writeFileSync(path.join(dir, 'record.json'), JSON.stringify({ ...record, inputs: { ...record.inputs, 'charts/new.ts': { size: 1, mtimeMs: 1, sha256: 'x' } } }));
    expect(keys(new RenderCache({ buildRecord: path.join(dir, 'record.json'), metafile: path.join(dir, 'meta.json'), file: path.join(dir, 'cache.json') }, path.join(dir, 'out'), FOLDERS)))
      .toEqual({ 'receivables/dev': undefined, 'receivables/production': undefined, 'receivables/dr': undefined });
    expect(c.key('receivables/dev', config)).toBe(base['receivables/dev']);
  });

  test('with the platforms\' code bundled apart, the two graphs join: every key is as with one bundle, and each input still reaches exactly its dependents', () => {
    const isPlatform = (f: string) => f.startsWith('environments/receivables/');
    /** Writes the split records and graphs (the program's import of the platforms' entry is external there). */
    const split = (hashes: Record<string, string | null> = {}, platformsRecord = true) => {
      const d = path.join(tmp, 'split');
      fs.mkdirSync(d, { recursive: true });
      for (const [name, own] of [['program', (f: string) => !isPlatform(f)], ['platforms', isPlatform]] as const) {
        const files = Object.keys(GRAPH).filter(own);
        const inputs = Object.fromEntries(files.map((f) => [f, { size: 1, mtimeMs: 1, sha256: f in hashes ? hashes[f] : `sha of ${f}` }]));
        if (name === 'program' || platformsRecord) fs.writeFileSync(path.join(d, `${name}.record.json`), JSON.stringify({ key: name, output: { size: 1, mtimeMs: 1 }, inputs }));
        else fs.rmSync(path.join(d, `${name}.record.json`), { force: true });
        const meta: Metafile = { inputs: {}, outputs: {} };
        for (const f of files) meta.inputs[f] = { bytes: 1, imports: GRAPH[f].map((p) => ({ path: p, kind: 'import-statement' as const, ...(own(p) ? {} : { external: true }) })) };
        fs.writeFileSync(path.join(d, `${name}.meta.json`), JSON.stringify(meta));
      }
      return keys(new RenderCache({
        buildRecord: path.join(d, 'program.record.json'), metafile: path.join(d, 'program.meta.json'),
        platforms: { buildRecord: path.join(d, 'platforms.record.json'), metafile: path.join(d, 'platforms.meta.json') },
        file: path.join(d, 'cache.json'),
      }, path.join(d, 'out'), FOLDERS));
    };
    expect(split()).toEqual(base);
    for (const file of Object.keys(GRAPH)) {
      const changed = split({ [file]: 'another sha' });
      for (const f of FOLDERS) expect({ file, f, same: changed[f] === base[f] }).toEqual({ file, f, same: !(SHARED.includes(file) || DEPENDS[f].includes(file)) });
    }
    expect(split({}, false)).toEqual({ 'receivables/dev': undefined, 'receivables/production': undefined, 'receivables/dr': undefined });
  });

  test('with the packages bundled apart, each input of their bundle is in every key; an unreadable record or untrusted input leaves none', () => {
    const withPackages = (inputs: Record<string, string | null> | undefined) => {
      cacheWith(dir);
      const file = path.join(dir, 'packages.json');
      fs.rmSync(file, { force: true });
      if (inputs) {
        const record: BuildRecord = { key: 'p', output: { size: 1, mtimeMs: 1 }, inputs: Object.fromEntries(Object.entries(inputs).map(([f, sha256]) => [f, { size: 1, mtimeMs: 1, sha256 }])) };
        fs.writeFileSync(file, JSON.stringify(record));
      }
      return keys(new RenderCache({ buildRecord: path.join(dir, 'record.json'), metafile: path.join(dir, 'meta.json'), packagesRecord: file, file: path.join(dir, 'cache.json') }, path.join(dir, 'out'), FOLDERS));
    };
    const zod = { 'node_modules/zod/index.js': 'sha of zod', 'node_modules/yaml/index.js': 'sha of yaml' };
    const before = withPackages(zod);
    for (const f of FOLDERS) expect(before[f]).toMatch(/^[0-9a-f]{64}$/);
    expect(withPackages(zod)).toEqual(before);
    const upgraded = withPackages({ ...zod, 'node_modules/zod/index.js': 'sha of another zod' });
    const added = withPackages({ ...zod, 'node_modules/zod/more.js': 'sha' });
    for (const f of FOLDERS) {
      expect(upgraded[f]).not.toBe(before[f]);
      expect(added[f]).not.toBe(before[f]);
    }
    const none = { 'receivables/dev': undefined, 'receivables/production': undefined, 'receivables/dr': undefined };
    expect(withPackages(undefined)).toEqual(none);
    expect(withPackages({ ...zod, 'node_modules/yaml/index.js': null })).toEqual(none);
  });

  test('the environment\'s input, Node\'s version and CDK8S_DISABLE_SORT are in the key', () => {
    const c = cacheWith(dir);
    expect(c.key('receivables/dev', { ...config, replicas: 3 })).not.toBe(base['receivables/dev']);
    expect(c.key('receivables/dev', { ...config, more: null })).not.toBe(base['receivables/dev']);
    const version = process.version;
    Object.defineProperty(process, 'version', { value: 'v99.0.0', configurable: true });
    try {
      expect(c.key('receivables/dev', config)).not.toBe(base['receivables/dev']);
    } finally {
      Object.defineProperty(process, 'version', { value: version, configurable: true });
    }
    process.env.CDK8S_DISABLE_SORT = 'true';
    try {
      expect(c.key('receivables/dev', config)).not.toBe(base['receivables/dev']);
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
    expect(c.key('receivables/dev', config)).toBe(base['receivables/dev']);
  });
});

describe('a folder is reused only when it holds exactly what was written', () => {
  const dir = path.join(tmp, 'reuse');
  const out = path.join(dir, 'out', 'receivables', 'dev');
  const tree = new Map([['00-namespaces/namespace.a.yaml', 'kind: Namespace\n'], ['images.txt', 'x:1\n']]);
  const write = () => {
    fs.rmSync(out, { recursive: true, force: true });
    for (const [rel, content] of tree) {
      fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
      fs.writeFileSync(path.join(out, rel), content);
    }
  };
  const recorded = () => {
    const c = cacheWith(dir);
    const key = c.key('receivables/dev', {})!;
    c.remember('receivables/dev', key, tree, ['a warning']);
    c.save();
    return key;
  };

  test('as written: reused, with its tree and warnings; another key: not', () => {
    write();
    const key = recorded();
    const hit = cacheWith(dir).reuse('receivables/dev', key, readTree);
    expect(hit && [...hit.tree].sort()).toEqual([...tree].sort());
    expect(hit?.warnings).toEqual(['a warning']);
    expect(cacheWith(dir).reuse('receivables/dev', 'another key', readTree)).toBeUndefined();
    expect(cacheWith(dir).reuse('receivables/dev', undefined, readTree)).toBeUndefined();
  });

  test.each([
    ['a file changed', () => fs.appendFileSync(path.join(out, 'images.txt'), 'y:2\n')],
    ['a file changed, same size', () => fs.writeFileSync(path.join(out, 'images.txt'), 'x:2\n')],
    ['a file added', () => fs.writeFileSync(path.join(out, 'extra.yaml'), '')],
    ['a file removed', () => fs.rmSync(path.join(out, 'images.txt'))],
    ['a file moved', () => fs.renameSync(path.join(out, 'images.txt'), path.join(out, '00-namespaces', 'images.txt'))],
    ['the folder removed', () => fs.rmSync(out, { recursive: true })],
  ])('%s: rendered', (_, change) => {
    write();
    const key = recorded();
    change();
    expect(cacheWith(dir).reuse('receivables/dev', key, readTree)).toBeUndefined();
  });

  test('the digest covers names and contents', () => {
    expect(treeDigest(new Map([['a', 'bc']]))).not.toBe(treeDigest(new Map([['ab', 'c']])));
    expect(treeDigest(new Map([['a', ''], ['b', 'x']]))).not.toBe(treeDigest(new Map([['a', 'x'], ['b', '']])));
  });
});

describe('an environment\'s render reads nothing of another environment\'s file (what its key leaves out)', () => {
  const folders = allTargets();
  // As synth renders one (loadTargets without its check across environments, which only refuses).
  const render = (t: { platform: string; env: string }) => toFileTree(renderPlatform(validateEnvironment(t.env, environmentInput(t.env, t.platform))),
    (field) => fieldSource(t.env, field, t.platform));

  test.each(folders.map((t) => [targetKey(t), t] as const))('%s', (_, t) => {
    const before = render(t);
    const envs = PLATFORMS[t.platform].environments;
    const saved = { ...envs };
    // Every other environment of the platform emptied (only the platform's base left of it).
    const others = Object.keys(envs).filter((e) => e !== t.env);
    try {
      for (const e of others) (envs as Record<string, unknown>)[e] = {};
      const after = render(t);
      expect([...after.keys()]).toEqual([...before.keys()]);
      for (const [rel, content] of before) expect({ rel, content: after.get(rel) }).toEqual({ rel, content });
    } finally {
      for (const e of others) (envs as Record<string, unknown>)[e] = saved[e];
    }
  });
});

describe('npm run synth in a copy of the project: what is rendered again', () => {
  let copy: string;
  let launcher: string;
  beforeAll(() => {
    copy = projectCopy(ROOT, 'render-cache-copy');
    launcher = bootstrapLauncher(copy);
  });
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

  const synth = (out: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, [launcher, '--platform', 'receivables', '--out', path.join(copy, out), ...args], { cwd: copy, encoding: 'utf8' });
    const errors = r.stderr.split('\n').filter((l) => l && !l.startsWith('warning: ')).join('\n');
    expect({ status: r.status, stderr: errors }).toEqual({ status: 0, stderr: '' });
    return r.stdout;
  };
  /** The environments a synth rendered (not reused) by what it printed. */
  const rendered = (stdout: string) => [...stdout.matchAll(/^receivables\/([a-z-]+): (.*)$/gm)].filter((m) => !m[2].includes('not rendered')).map((m) => m[1]);
  const ALL = ['dev', 'staging', 'production', 'dr', 'onprem'];
  /** The cached output is the output of a full render into a fresh folder, byte for byte. */
  const sameAsFullRender = () => {
    fs.rmSync(path.join(copy, 'fresh'), { recursive: true, force: true });
    synth('fresh', '--force');
    for (const env of ALL) {
      const cached = readTree(path.join(copy, 'out', 'receivables', env))!;
      const fresh = readTree(path.join(copy, 'fresh', 'receivables', env))!;
      expect(cached.size).toBe(fresh.size);
      for (const [rel, content] of fresh) if (cached.get(rel) !== content) throw new Error(`out/receivables/${env}/${rel} differs from a full render`);
    }
  };

  test('first synth renders all; the next one, with the output folder touched, none', () => {
    expect(rendered(synth('out'))).toEqual(ALL);
    // Any change under the output folder defeats the whole-synth shortcut; same bytes, so every folder is reused.
    fs.utimesSync(path.join(copy, 'out', 'receivables', 'dev', 'images.txt'), new Date(), new Date(Date.now() + 3000));
    const again = synth('out');
    expect(rendered(again)).toEqual([]);
    expect(again).toMatch(/^synth: .*\/out\/ is up to date \(5 environments, \d+ files, 0 rendered, 5 reused, \d+ ms\)$/m);
    expect(rendered(synth('out', '--force'))).toEqual(ALL);
  });

  test('an edit to one environment renders that one; to production, those whose file imports it too', () => {
    edit(copy, 'environments/receivables/dev.ts', "displayName: 'Demo tenant' }", "displayName: 'Demo tenant' }, { id: 'cacheco', plan: 'starter' }");
    const dev = synth('out');
    expect(rendered(dev)).toEqual(['dev']);
    expect(dev).toMatch(/^receivables\/dev: .*added/m);
    expect(fs.existsSync(path.join(copy, 'out', 'receivables', 'dev', '01-tenants', 'namespace.tenant-cacheco.yaml'))).toBe(true);
    const production = fs.readFileSync(path.join(copy, 'environments', 'receivables', 'production.ts'), 'utf8');
    fs.writeFileSync(path.join(copy, 'environments', 'receivables', 'production.ts'), `${production}\n// a comment: the bytes changed, the render does not\n`);
    // dr builds on production; staging and onprem take its GPU labels and kubeadm reserve.
    expect(rendered(synth('out'))).toEqual(['staging', 'production', 'dr', 'onprem']);
    edit(copy, 'environments/receivables/dr.ts', /$/, '\n// a comment\n');
    expect(rendered(synth('out'))).toEqual(['dr']);
    sameAsFullRender();
  });

  test('a reused environment is still checked against the others\' base domains: one another takes is named on both sides', () => {
    synth('out');
    const staging = fs.readFileSync(path.join(copy, 'environments', 'receivables', 'staging.ts'), 'utf8');
    edit(copy, 'environments/receivables/staging.ts', "baseDomain: 'staging.receivables.example.com'", "baseDomain: 'receivables.example.com'");
    const r = spawnSync(process.execPath, [launcher, '--platform', 'receivables', '--out', path.join(copy, 'out')], { cwd: copy, encoding: 'utf8' });
    expect(r.status).toBe(1);
    // production, reused (its input and code unchanged), still reports the domain staging now shares.
    expect(r.stderr).toContain('environment "staging": ingress.baseDomain = "receivables.example.com": is also the base domain of environment "production"');
    expect(r.stderr).toContain('environment "production": ingress.baseDomain = "receivables.example.com": is also the base domain of environment "staging"');
    // Put back: every environment is as recorded, nothing written by the failed synth, so nothing renders.
    fs.writeFileSync(path.join(copy, 'environments', 'receivables', 'staging.ts'), staging);
    expect(rendered(synth('out'))).toEqual([]);
  });

  test('a change of shared code or of the platform\'s base renders every environment', () => {
    const labels = path.join(copy, 'charts', 'lib', 'labels.ts');
    fs.appendFileSync(labels, '\n// a comment\n');
    expect(rendered(synth('out'))).toEqual(ALL);
    fs.appendFileSync(path.join(copy, 'environments', 'receivables', 'base.ts'), '\n// a comment\n');
    expect(rendered(synth('out'))).toEqual(ALL);
    expect(rendered(synth('out', '--rebuild'))).toEqual([]);
  });

  test('a folder edited by hand, or a lost record, renders again and restores the folder', () => {
    const images = path.join(copy, 'out', 'receivables', 'staging', 'images.txt');
    const text = fs.readFileSync(images, 'utf8');
    fs.writeFileSync(images, text.replace(/.$/s, '#'));
    expect(rendered(synth('out'))).toEqual(['staging']);
    expect(fs.readFileSync(images, 'utf8')).toBe(text);
    fs.rmSync(path.join(copy, '.build', 'render-cache.json'));
    expect(rendered(synth('out'))).toEqual(ALL);
    sameAsFullRender();
  });
});
