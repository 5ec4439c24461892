/**
 * The code cache beside a bundle (scripts/lib/build-cache.ts's loadBundle): V8 caches the bytecode of the functions
 * compiled by the time the cache is written, so the cache is written again when a run did more of the work it
 * serves than the run that wrote it, and only then (writing one costs milliseconds), or when V8 refused it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadBundle } from '../scripts/lib/build-cache';

const ROOT = path.resolve(__dirname, '..');
fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
const tmp = fs.mkdtempSync(path.join(ROOT, '.build', 'build-cache-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A bundle of two functions; `big` has a body large enough that its bytecode visibly grows the cache. */
function bundle(name: string, extra = ''): string {
  const body = Array.from({ length: 200 }, (_, i) => `  total += (x * ${i + 1}) % ${i + 7};`).join('\n');
  const file = path.join(tmp, `${name}.js`);
  fs.writeFileSync(file, `exports.small = (x) => x + 1;\nexports.big = (x) => {\n  let total = 0;\n${body}\n  return total;\n};\n${extra}`);
  return file;
}

const cacheOf = (file: string) => fs.readFileSync(`${file}.cache`);
const workOf = (file: string) => cacheOf(file).readUInt32LE(0);

test('the first run writes the cache with its work; a run that did no more leaves it as it was', () => {
  const file = bundle('first');
  const a = loadBundle(file, { codeCache: true });
  expect(a.exports.small(1)).toBe(2);
  a.saveCodeCache(2);
  expect(workOf(file)).toBe(2);
  const written = cacheOf(file);

  for (const work of [0, 1, 2]) {
    const b = loadBundle(file, { codeCache: true });
    b.exports.big(3);
    b.saveCodeCache(work);
    expect(cacheOf(file).equals(written)).toBe(true);
  }
});

test('a run that did more rewrites it, with the functions it compiled', () => {
  const file = bundle('more');
  const a = loadBundle(file, { codeCache: true });
  a.exports.small(1);
  a.saveCodeCache(1);
  const before = cacheOf(file).length;

  const b = loadBundle(file, { codeCache: true });
  expect(b.exports.big(3)).toBeGreaterThan(0);
  b.saveCodeCache(5);
  expect(workOf(file)).toBe(5);
  // `big`'s bytecode is in it now.
  expect(cacheOf(file).length).toBeGreaterThan(before);
});

test('a cache V8 refuses (the bundle changed under it) is written again, whatever the work', () => {
  const file = bundle('refused');
  const a = loadBundle(file, { codeCache: true });
  a.exports.big(1);
  a.saveCodeCache(9);
  bundle('refused', 'exports.more = 1;\n');

  const b = loadBundle(file, { codeCache: true });
  expect(b.exports.more).toBe(1);
  b.saveCodeCache(0);
  expect(workOf(file)).toBe(0);
  // Accepted now: kept.
  const rewritten = cacheOf(file);
  const c = loadBundle(file, { codeCache: true });
  c.saveCodeCache(0);
  expect(cacheOf(file).equals(rewritten)).toBe(true);
});

test('a truncated cache file is as none; codeCache off reads and writes nothing', () => {
  const file = bundle('truncated');
  fs.writeFileSync(`${file}.cache`, Buffer.from([7, 0]));
  const a = loadBundle(file, { codeCache: true });
  a.saveCodeCache(0);
  expect(cacheOf(file).length).toBeGreaterThan(4);

  const plain = bundle('plain');
  const b = loadBundle(plain);
  expect(b.exports.small(2)).toBe(3);
  b.saveCodeCache(3);
  expect(fs.existsSync(`${plain}.cache`)).toBe(false);
});
