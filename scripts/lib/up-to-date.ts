/**
 * "Nothing changed since the last synth": a synth that would render exactly what the output folder already holds
 * is not rendered again. A render is a function of the program bundle (every source it was built from, the
 * environment files and the packages included: its build record holds each one's SHA-256), the arguments, the
 * working folder, CDK8S_DISABLE_SORT and Node's version, and of the output folder it compares with (the guards
 * and the change summary read the previous render). The environment files' type check adds tsconfig.json and
 * type-only imports (scripts/lib/typecheck.ts). When a synth wrote nothing, all of that is recorded with what it
 * printed; the next synth with everything as recorded prints the same report and stops, about the cost of
 * starting node. A record whose output folder has changed since is simply never matched again. Any difference renders: a changed source, other arguments, a file under the output folder
 * added, removed or rewritten (by size, mtime and inode, as `git status` decides), or `--force`.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { format } from 'util';
import { typeCheckUpToDate } from './typecheck';

/** One line the synth printed. */
export interface Printed {
  readonly stream: 'out' | 'err';
  readonly text: string;
}

/** By render key (a few: synths with other arguments, e.g. one environment, keep theirs), latest last. */
type Records = { [key: string]: { readonly output: string; readonly printed: readonly Printed[] } };

const KEPT = 8;

/** What the render depends on besides the output folder. */
export function renderKey(programRecord: string, args: readonly string[]): string | undefined {
  let record: Buffer;
  try {
    record = fs.readFileSync(programRecord);
  } catch {
    return undefined;
  }
  return createHash('sha256').update(JSON.stringify({
    program: createHash('sha256').update(record).digest('hex'),
    args, cwd: process.cwd(), node: process.version, sort: process.env.CDK8S_DISABLE_SORT ?? null,
  })).digest('hex');
}

/** The output folder named by main.ts's arguments (`--out`, default dist), resolved. */
export function outputFolder(args: readonly string[]): string {
  const i = args.lastIndexOf('--out');
  return path.resolve(i >= 0 && args[i + 1] !== undefined ? args[i + 1] : 'dist');
}

/** Every entry under `dir` with its type, size, mtime and inode, as one digest. */
export function folderStamp(dir: string): string {
  const hash = createHash('sha256');
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return 'missing';
  }
  const stamps = entries.map((e) => {
    const file = path.join(e.parentPath, e.name);
    const s = fs.lstatSync(file, { throwIfNoEntry: false });
    return s ? `${path.relative(dir, file)}\0${s.mode}\0${s.size}\0${s.mtimeMs}\0${s.ino}` : `${file}\0gone`;
  }).sort();
  for (const s of stamps) hash.update(`${s}\n`);
  return hash.digest('hex');
}

export class UpToDate {
  constructor(private readonly root: string, private readonly recordFile: string) {}

  /** What the last synth printed, if nothing it depends on changed since; undefined otherwise. */
  check(key: string | undefined, outDir: string): readonly Printed[] | undefined {
    const record = key === undefined ? undefined : this.read()[key];
    if (!record || record.output !== folderStamp(outDir) || !typeCheckUpToDate(this.root)) return undefined;
    return record.printed;
  }

  private read(): Records {
    try {
      const records = JSON.parse(fs.readFileSync(this.recordFile, 'utf8')) as Records;
      return Object.fromEntries(Object.entries(records).filter(([, r]) => typeof r?.output === 'string' && Array.isArray(r.printed)));
    } catch {
      return {};
    }
  }

  /**
   * Runs `render` (a synth), printing as it goes and capturing what it prints; records it when it succeeded and
   * left `outDir` as it found it, else forgets any record.
   */
  run(key: string | undefined, outDir: string, render: () => number): number {
    const before = folderStamp(outDir);
    const printed: Printed[] = [];
    const saved = { log: console.log, warn: console.warn, error: console.error };
    const capture = (stream: Printed['stream'], print: (...a: unknown[]) => void) => (...a: unknown[]) => {
      printed.push({ stream, text: format(...a) });
      print(...a);
    };
    console.log = capture('out', saved.log);
    console.warn = capture('err', saved.warn);
    console.error = capture('err', saved.error);
    let status: number;
    try {
      status = render();
    } finally {
      Object.assign(console, saved);
    }
    const records = this.read();
    if (key !== undefined) delete records[key];
    if (status === 0 && key !== undefined && folderStamp(outDir) === before && typeCheckUpToDate(this.root)) records[key] = { output: before, printed };
    const kept = Object.fromEntries(Object.entries(records).slice(-KEPT));
    try {
      fs.mkdirSync(path.dirname(this.recordFile), { recursive: true });
      fs.writeFileSync(this.recordFile, JSON.stringify(kept));
    } catch {
      // Only a shortcut: a read-only checkout still synthesises.
    }
    return status;
  }
}

/** Prints what a previous synth printed. */
export function replay(printed: readonly Printed[]): void {
  for (const p of printed) (p.stream === 'out' ? console.log : console.error)(p.text);
}
