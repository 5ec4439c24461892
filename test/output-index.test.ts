/**
 * The output index (scripts/lib/output-index.ts) lets synth compare a render with the previous one, and verify a
 * reused folder, without reading it. It must never trust a folder that moved: every change a person or a tool can
 * make to a file (its bytes, its size, its mtime alone, a file added or removed, a file replaced by another) makes
 * the folder unknown, and then synth reads it. Where it does trust the folder, its answer is the one reading gives.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTree, toFileTree, writeDist, type FileTree } from '../charts/output/render';
import { diffTrees } from '../charts/output/changes';
import { renderPlatform } from '../charts/platform';
import { validateEnvironment } from '../environments';
import { FolderTree, OutputIndex } from '../scripts/lib/output-index';
import { folderStamp } from '../scripts/lib/up-to-date';
import { input } from './support/config';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'output-index-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const FOLDER = 'receivables/staging';
const render = (cfg: Record<string, any>): FileTree => toFileTree(renderPlatform(validateEnvironment('staging', cfg)));
const base = render(input('staging'));

let n = 0;
/** Every entry under `dir` made `ms` older, as time passing after a synth would. */
function age(dir: string, ms = 10_000): void {
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    const s = fs.lstatSync(p);
    fs.utimesSync(p, s.atime, new Date(s.mtimeMs - ms));
  }
}

/** The index as the next synth opens it: with the stat lines of the launcher's stamp, or stamping folders itself. */
function reopen(file: string, out: string, withSeen: boolean): OutputIndex {
  const lines = new Map<string, string>();
  const takenAt = Date.now();
  if (withSeen) folderStamp(out, ['.synth-output', 'receivables'], lines);
  return new OutputIndex(file, out, withSeen ? { lines, scope: ['.synth-output', 'receivables'], takenAt } : undefined);
}

/**
 * An output folder holding `tree` at FOLDER, as a synth leaves it some time after writing it: written by writeDist,
 * its files aged, then compared again by the next synth (which indexes what it read). Returns the index's file.
 */
function written(tree: FileTree): { out: string; file: string } {
  const out = path.join(tmp, `out-${n++}`);
  const file = path.join(tmp, `index-${n}`);
  const index = new OutputIndex(file, out);
  writeDist(out, new Map([[FOLDER, tree]]), false, new Set(), index);
  index.save();
  age(path.join(out, FOLDER));
  const next = reopen(file, out, true);
  writeDist(out, new Map([[FOLDER, tree]]), false, new Set(), next);
  next.save();
  return { out, file };
}

describe.each([true, false])('with the launcher\'s stat lines: %s', (withSeen) => {
  test('an untouched folder is known, with the content hash of every file as written', () => {
    const { out, file } = written(base);
    const index = reopen(file, out, withSeen);
    const known = index.known(FOLDER)!;
    expect(known).toBeDefined();
    expect([...known.keys()].sort()).toEqual([...readTree(path.join(out, FOLDER))!.keys()].sort());
    expect(known).toEqual(index.hashesOf(readTree(path.join(out, FOLDER))!));
  });

  /** [what, the move, whether the folder's contents differ from the render afterwards] */
  const moves: [string, (dir: string, some: string) => void, boolean][] = [
    ['a file rewritten with other bytes of the same size', (dir, f) => {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      fs.writeFileSync(path.join(dir, f), text.replace(/[a-z]/, (c) => (c === 'a' ? 'b' : 'a')));
    }, true],
    ['a file touched (same bytes, another mtime)', (dir, f) => {
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(path.join(dir, f), later, later);
    }, false],
    ['a file grown', (dir, f) => fs.appendFileSync(path.join(dir, f), '# more\n'), true],
    ['a file removed', (dir, f) => fs.rmSync(path.join(dir, f)), true],
    ['a file added', (dir) => fs.writeFileSync(path.join(dir, 'stray.yaml'), 'x: 1\n'), true],
    ['a file replaced by a copy (another inode)', (dir, f) => {
      const p = path.join(dir, f);
      const stat = fs.statSync(p);
      fs.copyFileSync(p, `${p}.new`);
      fs.renameSync(`${p}.new`, p);
      fs.utimesSync(p, stat.atime, stat.mtime);
    }, false],
    ['the folder removed', (dir) => fs.rmSync(dir, { recursive: true }), true],
  ];

  test.each(moves)('%s: the folder is no longer known, and what reading it gives is what synth reports', (_, move, differs) => {
    const { out, file } = written(base);
    const dir = path.join(out, FOLDER);
    const some = [...base.keys()].find((f) => f.includes('/statefulset.'))!;
    move(dir, some);
    const before = readTree(dir);
    const index = reopen(file, out, withSeen);
    expect(index.known(FOLDER)).toBeUndefined();
    expect(index.compare(FOLDER, base)).toBeUndefined();
    // writeDist then reads the folder: the change is found and undone.
    const r = writeDist(out, new Map([[FOLDER, base]]), false, new Set(), index);
    expect(r.environments.get(FOLDER)!.changes).toEqual(diffTrees(before, base));
    expect(r.environments.get(FOLDER)!.changes).toEqual(differs ? expect.not.objectContaining({ added: [], changed: [], removed: [] }) : { added: [], changed: [], removed: [], restarts: [] });
    expect(readTree(dir)).toEqual(base);
  });
});

test('a folder just written is read by the next synth (a write in the same clock tick would leave its stamp as it was), then known', () => {
  const out = path.join(tmp, 'racy');
  const file = path.join(tmp, 'index-racy');
  const index = new OutputIndex(file, out);
  writeDist(out, new Map([[FOLDER, base]]), false, new Set(), index);
  // Every file's mtime a whole second (which utimes sets exactly), the next one: as recent as a write can be.
  const dir = path.join(out, FOLDER);
  const tick = Math.ceil(Date.now() / 1000) + 1;
  for (const f of base.keys()) fs.utimesSync(path.join(dir, f), tick, tick);
  index.remember(FOLDER, base, true);
  index.save();
  // A rewrite of the same size in the same tick (the same mtime): nothing in a stamp can show it.
  const some = [...base.keys()].find((f) => f.includes('/statefulset.'))!;
  const text = fs.readFileSync(path.join(dir, some), 'utf8');
  fs.writeFileSync(path.join(dir, some), text.replace(/[a-z]/, (c) => (c === 'a' ? 'b' : 'a')));
  fs.utimesSync(path.join(dir, some), tick, tick);
  const next = reopen(file, out, true);
  expect(next.known(FOLDER)).toBeUndefined();
  const r = writeDist(out, new Map([[FOLDER, base]]), false, new Set(), next);
  expect(r.environments.get(FOLDER)!.changes.changed).toEqual([some]);
  next.save();
  // Once its files are older than the margin, the folder the last synth found is known.
  age(dir);
  const later = reopen(file, out, true);
  writeDist(out, new Map([[FOLDER, base]]), false, new Set(), later);
  later.save();
  expect(reopen(file, out, true).known(FOLDER)).toEqual(later.hashesOf(base));
});

test('a render compared by hashes gives exactly the changes reading the folder gives, restarts included', () => {
  const cfg = input('staging');
  cfg.stores.redis.downAfterMilliseconds += 1000;
  const next = render(cfg);
  const { out, file } = written(base);
  const index = reopen(file, out, true);
  const byHashes = index.compare(FOLDER, next)!;
  expect(byHashes).toBeDefined();
  expect(byHashes).toEqual(diffTrees(readTree(path.join(out, FOLDER)), next));
  expect(byHashes.restarts.length).toBeGreaterThan(0);
  // Written, aged, and known again as the new render.
  writeDist(out, new Map([[FOLDER, next]]), false, new Set(), index);
  index.save();
  age(path.join(out, FOLDER));
  const again = reopen(file, out, true);
  expect(again.compare(FOLDER, next)).toBeUndefined();
  writeDist(out, new Map([[FOLDER, next]]), false, new Set(), again);
  again.save();
  expect(reopen(file, out, true).known(FOLDER)).toEqual(index.hashesOf(next));
  expect(reopen(file, out, true).compare(FOLDER, next)).toEqual({ added: [], changed: [], removed: [], restarts: [] });
});

test('a folder outside the stat lines\' scope is stamped by reading, not taken as empty', () => {
  const { out, file } = written(base);
  const index = new OutputIndex(file, out, { lines: new Map(), scope: ['.synth-output', 'fnb'], takenAt: Date.now() });
  expect(index.known(FOLDER)).toBeDefined();
  // In scope but with no lines seen: the folder was not there when the stamp was taken.
  expect(new OutputIndex(file, out, { lines: new Map(), scope: ['.synth-output', 'receivables'], takenAt: Date.now() }).known(FOLDER)).toBeUndefined();
});

test('a FolderTree reads a file only when asked, and reads as the folder', () => {
  const { out } = written(base);
  const dir = path.join(out, FOLDER);
  const tree = new FolderTree(dir, readTree(dir)!.keys());
  expect(tree.size).toBe(base.size);
  const some = [...base.keys()][3];
  fs.writeFileSync(path.join(dir, some), 'changed after listing\n');
  // Read on first use, so it sees the file as it is then.
  expect(tree.get(some)).toBe('changed after listing\n');
  expect(new Map(tree)).toEqual(readTree(dir));
  expect([...tree.values()].length).toBe(base.size);
  const seen: string[] = [];
  tree.forEach((_, k) => seen.push(k));
  expect(seen.sort()).toEqual([...base.keys()].sort());
});

test('each output folder has its own record, and the latest eight are kept', () => {
  const file = path.join(tmp, 'index-many');
  const outs = Array.from({ length: 10 }, (_, i) => path.join(tmp, `many-${i}`));
  const seen = new Set<string>();
  outs.forEach((out, i) => {
    // Written, aged, and indexed again by the next synth (as `written` does), so that its record is trusted.
    for (const pass of [0, 1]) {
      const index = pass ? reopen(file, out, true) : new OutputIndex(file, out);
      writeDist(out, new Map([[FOLDER, base]]), false, new Set(), index);
      index.save();
      if (!pass) age(path.join(out, FOLDER));
    }
    // This folder's record a second newer than the last one's, whatever the file system's clock.
    for (const f of fs.readdirSync(file).filter((x) => !seen.has(x))) {
      seen.add(f);
      fs.utimesSync(path.join(file, f), 1_000_000 + i, 1_000_000 + i);
    }
  });
  expect(seen.size).toBe(10);
  expect(fs.readdirSync(file).length).toBe(8);
  outs.forEach((out, i) => expect([i, reopen(file, out, true).known(FOLDER) !== undefined]).toEqual([i, i >= 2]));
});
