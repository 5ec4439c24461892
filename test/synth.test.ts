/**
 * The synth launcher (scripts/synth.ts): the bundle is reused while no source it was built from changed, and
 * rebuilt, naming the sources, when one did. The decision function on files made for it, then the whole
 * program in a copy of the project, run as `npm run synth` runs it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Metafile } from 'esbuild';
import { decide, recordBuild } from '../scripts/lib/build-cache';
import { affectedEnvironments } from '../scripts/synth-watch';
import { folderStamp, outputScope } from '../scripts/lib/up-to-date';
import { bootstrapLauncher, edit, projectCopy } from '../scripts/lib/project-copy';

const ROOT = path.resolve(__dirname, '..');

fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
const tmp = fs.mkdtempSync(path.join(ROOT, '.build', 'synth-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A metafile whose inputs are `files`, each importing the ones listed. */
function metafile(graph: Record<string, string[]>): Metafile {
  const inputs: Metafile['inputs'] = {};
  for (const [f, imports] of Object.entries(graph)) inputs[f] = { bytes: 1, imports: imports.map((p) => ({ path: p, kind: 'import-statement' })) };
  return { inputs, outputs: {} };
}

describe('the cache decision', () => {
  const root = path.join(tmp, 'decide');
  const out = path.join(root, 'out.js');
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  /** A build that started well before now, so that no input counts as modified during it. */
  const recorded = () => recordBuild(root, 'key', out, metafile({ 'a.ts': ['lib/b.ts'], 'lib/b.ts': [] }), Date.now() + 60_000 * -1);
  const past = (rel: string, secondsAgo: number) => {
    const t = new Date(Date.now() - secondsAgo * 1000);
    fs.utimesSync(path.join(root, rel), t, t);
  };

  beforeEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    write('a.ts', 'export const a = 1;');
    write('lib/b.ts', 'export const b = 2;');
    write('out.js', 'bundle');
    for (const f of ['a.ts', 'lib/b.ts', 'out.js']) past(f, 120);
  });

  test('nothing changed: reuse', () => {
    expect(decide(root, recorded(), 'key', out)).toEqual({ reuse: true });
  });

  test('a touched file with the same bytes: reuse; one changed byte: rebuild, naming the file', () => {
    const record = recorded();
    past('lib/b.ts', 5);
    expect(decide(root, record, 'key', out)).toEqual({ reuse: true });
    write('lib/b.ts', 'export const b = 3;');
    past('lib/b.ts', 5);
    expect(decide(root, record, 'key', out)).toEqual({ reuse: false, reason: '1 source changed', changed: ['lib/b.ts'] });
  });

  test('a change that keeps the size and the mtime is not seen (as make); one that moves either is', () => {
    const record = recorded();
    const { mtime } = fs.statSync(path.join(root, 'a.ts'));
    write('a.ts', 'export const a = 9;');
    fs.utimesSync(path.join(root, 'a.ts'), mtime, mtime);
    expect(decide(root, record, 'key', out).reuse).toBe(true);
    past('a.ts', 3);
    expect(decide(root, record, 'key', out)).toMatchObject({ reuse: false, changed: ['a.ts'] });
  });

  test('a deleted input, another key, a missing or replaced bundle, no record: rebuild', () => {
    const record = recorded();
    expect(decide(root, record, 'other', out)).toMatchObject({ reuse: false, reason: 'esbuild or its options changed' });
    expect(decide(root, undefined, 'key', out)).toMatchObject({ reuse: false, reason: 'no previous build' });
    write('out.js', 'another bundle');
    expect(decide(root, record, 'key', out)).toMatchObject({ reuse: false, reason: 'out.js is missing or was replaced' });
    const record2 = recorded();
    fs.rmSync(path.join(root, 'lib/b.ts'));
    expect(decide(root, record2, 'key', out)).toMatchObject({ reuse: false, changed: ['lib/b.ts'] });
  });

  test('a source modified while the bundle was being built is never trusted', () => {
    write('a.ts', 'export const a = 5;'); // now: after the start of the build below
    const record = recordBuild(root, 'key', out, metafile({ 'a.ts': [] }), Date.now() - 1000);
    expect(record.inputs['a.ts'].sha256).toBeNull();
    expect(decide(root, record, 'key', out)).toMatchObject({ reuse: false, changed: ['a.ts'] });
  });
});

describe('which environments a change affects (watch mode)', () => {
  const graph = metafile({
    'scripts/synth-program.ts': ['main.ts'],
    'main.ts': ['environments/index.ts', 'charts/platform.ts'],
    'charts/platform.ts': ['charts/lib/labels.ts'],
    'charts/lib/labels.ts': [],
    'environments/index.ts': ['environments/receivables/index.ts'],
    'environments/receivables/index.ts': ['environments/receivables/base.ts', 'environments/receivables/dev.ts', 'environments/receivables/production.ts', 'environments/receivables/dr.ts'],
    'environments/receivables/base.ts': [],
    'environments/receivables/dev.ts': ['environments/receivables/dev-helpers.ts'],
    'environments/receivables/dev-helpers.ts': [],
    'environments/receivables/production.ts': [],
    'environments/receivables/dr.ts': ['environments/receivables/production.ts'],
  });
  const envs = ['receivables/dev', 'receivables/production', 'receivables/dr'];
  test.each([
    [['environments/receivables/dev.ts'], ['receivables/dev']],
    [['environments/receivables/dev-helpers.ts'], ['receivables/dev']],
    [['environments/receivables/production.ts'], ['receivables/production', 'receivables/dr']],
    [['environments/receivables/dr.ts'], ['receivables/dr']],
    [['environments/receivables/dev.ts', 'environments/receivables/dr.ts'], ['receivables/dev', 'receivables/dr']],
    [['environments/receivables/base.ts'], envs],
    [['environments/index.ts'], envs],
    [['environments/receivables/index.ts'], envs],
    [['charts/lib/labels.ts'], envs],
    [['charts/new-file.ts'], envs],
  ])('%j affects %j', (changed, want) => {
    expect(affectedEnvironments(graph, changed, envs)).toEqual(want);
  });
});

describe('what of the output folder a synth reads (its nothing-changed stamp)', () => {
  test('with --platform: the record and those platforms\' folders; otherwise everything', () => {
    expect(outputScope(['--platform', 'receivables', '--env', 'dev'])).toEqual(['.synth-output', 'receivables']);
    expect(outputScope(['--platform', 'fnb,receivables,fnb'])).toEqual(['.synth-output', 'fnb', 'receivables']);
    expect(outputScope(['--env', 'dev'])).toBeUndefined();
    expect(outputScope([])).toBeUndefined();
    expect(outputScope(['--platform', '../x'])).toBeUndefined();
  });

  test('a scoped stamp sees every change within its scope and none outside it', () => {
    const out = path.join(tmp, 'stamp');
    const file = (rel: string, text = 'x') => {
      fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
      fs.writeFileSync(path.join(out, rel), text);
    };
    file('.synth-output', 'receivables/dev\n');
    file('receivables/dev/images.txt');
    file('fnb/dev/images.txt');
    const scope = ['.synth-output', 'receivables'];
    let stamp = folderStamp(out, scope);
    const all = folderStamp(out);
    expect(stamp).not.toBe(all);
    const changes: [string, () => void, boolean][] = [
      ['another platform\'s file rewritten', () => file('fnb/dev/images.txt', 'yy'), false],
      ['another platform\'s folder added', () => file('arbor/x/images.txt'), false],
      ['a file of the platform rewritten', () => file('receivables/dev/images.txt', 'yy'), true],
      ['a file of the platform added', () => file('receivables/dev/other.yaml'), true],
      ['a file of the platform removed', () => fs.rmSync(path.join(out, 'receivables/dev/other.yaml')), true],
      ['the record rewritten', () => file('.synth-output', 'receivables/dev\nreceivables/staging\n'), true],
      ['the platform\'s folder removed', () => fs.rmSync(path.join(out, 'receivables'), { recursive: true }), true],
    ];
    for (const [what, change, seen] of changes) {
      change();
      const now = folderStamp(out, scope);
      expect({ what, seen: now !== stamp }).toEqual({ what, seen });
      stamp = now;
    }
    expect(folderStamp(path.join(tmp, 'no-such-folder'), scope)).toBe('missing');
  });
});

describe('npm run synth in a copy of the project', () => {
  let copy: string;
  let launcher: string;
  beforeAll(() => {
    copy = projectCopy(ROOT, 'synth-copy');
    launcher = bootstrapLauncher(copy);
  });
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

  const synth = (...args: string[]) => {
    // One environment of one platform (other platforms have a dev too).
    const r = spawnSync(process.execPath, [launcher, '--platform', 'receivables', '--env', 'dev', '--out', path.join(copy, 'out'), ...args], { cwd: copy, encoding: 'utf8' });
    // The fit check's warnings (dev's node is nearly full at its maximum) are not errors.
    const errors = r.stderr.split('\n').filter((l) => l && !l.startsWith('warning: ')).join('\n');
    expect({ status: r.status, stderr: errors }).toEqual({ status: 0, stderr: '' });
    return r.stdout;
  };
  const bundleTime = () => fs.statSync(path.join(copy, '.build', 'program.js')).mtimeMs;

  test('bundles once, then reuses the bundle until a source changes; output identical each time', () => {
    expect(synth()).toMatch(/^bundle: \.build\/platforms\.js rebuilt in \d+ ms \(no previous build\)\nbundle: \.build\/program\.js rebuilt in \d+ ms \(no previous build\)\nbundle: \.build\/vendor\.js rebuilt in \d+ ms \(no previous build\)\nreceivables\/dev: new, \d+ files\nsynth: wrote 1 of 1 environment into /);
    const built = bundleTime();
    const packagesBuilt = fs.statSync(path.join(copy, '.build', 'vendor.js')).mtimeMs;
    const first = fs.readFileSync(path.join(copy, 'out', 'receivables', 'dev', 'images.txt'), 'utf8');

    // Its folder as written: not rendered again (the render cache, test/render-cache.test.ts).
    expect(synth()).toMatch(/^bundle: \.build\/program\.js reused \(no source changed since it was built\)\nreceivables\/dev: unchanged \(not rendered: nothing it depends on changed\)\nsynth: .* is up to date /);
    expect(bundleTime()).toBe(built);

    // Touched, same bytes: still reused.
    const devFile = path.join(copy, 'environments', 'receivables', 'dev.ts');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(devFile, later, later);
    expect(synth()).toMatch(/^bundle: \.build\/program\.js reused/);

    // A changed environment file: the platforms' bundle is rebuilt, and the file named; the program's bundle and
    // its code cache are left as they were.
    const programCache = fs.readFileSync(path.join(copy, '.build', 'program.js.cache'));
    edit(copy, 'environments/receivables/dev.ts', "displayName: 'Demo tenant' }", "displayName: 'Demo tenant' }, { id: 'cacheco', plan: 'starter' }");
    expect(synth()).toMatch(/^bundle: \.build\/platforms\.js rebuilt in \d+ ms \(1 source changed: environments\/receivables\/dev\.ts\)\nbundle: \.build\/program\.js reused \(no source changed since it was built\)\n/);
    expect(bundleTime()).toBe(built);
    expect(fs.readFileSync(path.join(copy, '.build', 'program.js.cache')).equals(programCache)).toBe(true);
    // The packages' bundle is not: no package changed, and the program imports the same ones.
    expect(fs.statSync(path.join(copy, '.build', 'vendor.js')).mtimeMs).toBe(packagesBuilt);
    expect(fs.existsSync(path.join(copy, 'out', 'receivables', 'dev', '01-tenants', 'namespace.tenant-cacheco.yaml'))).toBe(true);
    expect(fs.readFileSync(path.join(copy, 'out', 'receivables', 'dev', 'images.txt'), 'utf8')).toBe(first);
    expect(synth()).toMatch(/^bundle: \.build\/program\.js reused/);

    // A changed module of the program: the program's bundle alone is rebuilt.
    const platformsBuilt = fs.statSync(path.join(copy, '.build', 'platforms.js')).mtimeMs;
    edit(copy, 'charts/lib/labels.ts', /$/, '\n// edited\n');
    expect(synth()).toMatch(/^bundle: \.build\/program\.js rebuilt in \d+ ms \(1 source changed: charts\/lib\/labels\.ts\)\nreceivables\/dev: unchanged\n/);
    expect(fs.statSync(path.join(copy, '.build', 'platforms.js')).mtimeMs).toBe(platformsBuilt);

    // The program imports another package: the packages' bundle is built again, with it.
    edit(copy, 'scripts/synth-program.ts', /$/, "export * as argoCdModels from '@kubernetes-models/argo-cd';\n");
    expect(synth()).toMatch(/^bundle: \.build\/program\.js rebuilt in \d+ ms \(1 source changed: scripts\/synth-program\.ts\)\nbundle: \.build\/vendor\.js rebuilt in \d+ ms \(esbuild or its options changed\)\n/);
    expect(fs.readFileSync(path.join(copy, '.build', 'vendor.js'), 'utf8')).toContain('"@kubernetes-models/argo-cd":');
    expect(synth()).toMatch(/^bundle: \.build\/program\.js reused \(no source changed since it was built\)\nreceivables/);
  });

  test('a synth with nothing changed since one that wrote nothing is not rendered again, and says so', () => {
    const out = path.join(copy, 'out');
    const rendered = synth('--force');
    expect(rendered).toMatch(/^receivables\/dev: unchanged$/m);
    expect(rendered).not.toMatch(/not rendered again/);
    const again = synth();
    // The same report, then why nothing was rendered.
    expect(again.split('\n').slice(1, -2)).toEqual(rendered.split('\n').slice(1, -1));
    expect(again).toMatch(/\nsynth: nothing changed since that synth \(sources, arguments, out\/\): not rendered again \(--force renders\)\n$/);
    expect(synth('--force')).not.toMatch(/not rendered again/);

    // Anything the render reads that changed renders: a file of the output folder rewritten or removed.
    const images = path.join(out, 'receivables', 'dev', 'images.txt');
    const text = fs.readFileSync(images, 'utf8');
    fs.writeFileSync(images, `${text}extra\n`);
    expect(synth()).toMatch(/^receivables\/dev: .*1 changed/m);
    expect(fs.readFileSync(images, 'utf8')).toBe(text);
    expect(synth()).not.toMatch(/not rendered again/);
    expect(synth()).toMatch(/not rendered again/);
    fs.rmSync(images);
    expect(synth()).not.toMatch(/not rendered again/);
    expect(fs.readFileSync(images, 'utf8')).toBe(text);

    // Other arguments render, and each set keeps its own record.
    synth();
    const other = spawnSync(process.execPath, [launcher, '--platform', 'receivables', '--env', 'dev', '--out', path.join(copy, 'out2')], { cwd: copy, encoding: 'utf8' });
    expect(other.stdout).toMatch(/^receivables\/dev: new/m);
    expect(synth()).toMatch(/not rendered again/);
  });

  test('a source esbuild cannot bundle fails with its file and line, leaves the output as it was, and the next good save renders', () => {
    const out = path.join(copy, 'out');
    synth();
    const before = fs.readFileSync(path.join(out, 'receivables', 'dev', 'images.txt'), 'utf8');
    edit(copy, 'environments/receivables/dev.ts', /$/, '\nexport const broken = ;\n');
    const r = spawnSync(process.execPath, [launcher, '--platform', 'receivables', '--env', 'dev', '--out', out], { cwd: copy, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\[ERROR\] Unexpected ";"\s+environments\/receivables\/dev\.ts:\d+:\d+:/);
    expect(r.stderr).toContain('error: bundling .build/platforms.js failed; dist/ is unchanged.');
    expect(fs.readFileSync(path.join(out, 'receivables', 'dev', 'images.txt'), 'utf8')).toBe(before);
    edit(copy, 'environments/receivables/dev.ts', '\nexport const broken = ;\n', '');
    expect(synth()).toMatch(/^bundle: \.build\/platforms\.js rebuilt in \d+ ms \(no previous build\)\nbundle: \.build\/program\.js reused \(no source changed since it was built\)\nreceivables\/dev: unchanged/);
  });

  test('each bundle holds its own code: platform code reaching past environments/*.ts, or the program reaching past environments/platforms.ts, is refused by name', () => {
    const out = path.join(copy, 'out');
    synth();
    const before = fs.readFileSync(path.join(out, 'receivables', 'dev', 'images.txt'), 'utf8');
    const refused = (what: string) => {
      const r = spawnSync(process.execPath, [launcher, '--platform', 'receivables', '--env', 'dev', '--out', out], { cwd: copy, encoding: 'utf8' });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: `${what}; dist/ is unchanged.\n` });
      expect(fs.readFileSync(path.join(out, 'receivables', 'dev', 'images.txt'), 'utf8')).toBe(before);
    };

    const dev = fs.readFileSync(path.join(copy, 'environments/receivables/dev.ts'), 'utf8');
    edit(copy, 'environments/receivables/dev.ts', /^/, "import { IRSA_ANNOTATION } from '../../charts/lib/labels';\n");
    edit(copy, 'environments/receivables/dev.ts', "description: 'Development:", "description: IRSA_ANNOTATION && 'Development:");
    refused('error: platform code imports program code other than environments/*.ts, so .build/platforms.js holds charts/lib/labels.ts');
    fs.writeFileSync(path.join(copy, 'environments/receivables/dev.ts'), dev);

    const program = fs.readFileSync(path.join(copy, 'scripts/synth-program.ts'), 'utf8');
    edit(copy, 'scripts/synth-program.ts', /$/, "export { CATALOG } from '../environments/receivables/catalog';\n");
    refused('error: the program imports platform code other than through environments/platforms.ts, so .build/program.js holds environments/receivables/catalog.ts');
    fs.writeFileSync(path.join(copy, 'scripts/synth-program.ts'), program);
    // (The platforms' bundle was rebuilt by the synth just refused.)
    expect(synth()).toMatch(/^bundle: \.build\/program\.js rebuilt in \d+ ms \(1 source changed: scripts\/synth-program\.ts\)\nreceivables\/dev: unchanged/);
  });

  test('--rebuild bundles whatever the record says; a changed launcher rebuilds itself and runs the new one', () => {
    expect(synth('--rebuild')).toMatch(/^bundle: \.build\/platforms\.js rebuilt in \d+ ms \(asked to rebuild\)\nbundle: \.build\/program\.js rebuilt in \d+ ms \(asked to rebuild\)\nbundle: \.build\/vendor\.js rebuilt in \d+ ms \(asked to rebuild\)\n/);
    edit(copy, 'scripts/synth.ts', "return `bundle: ${rel(b.outfile)} reused", "return `bundle (new launcher): ${rel(b.outfile)} reused");
    expect(synth()).toMatch(/^bundle \(new launcher\): \.build\/program\.js reused/);
    expect(synth()).toMatch(/^bundle \(new launcher\): \.build\/program\.js reused/);
  });
});
