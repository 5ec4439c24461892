/**
 * "Nothing changed since the last synth": a synth that would render exactly what the output folder already holds
 * is not rendered again. A render is a function of the bundles (the platforms' code with the environment files,
 * the program, the packages: their build records hold each source's SHA-256), the arguments, the
 * working folder, CDK8S_DISABLE_SORT and Node's version, and of the output folder it compares with (the guards
 * and the change summary read the previous render). When a synth wrote nothing, all of that is recorded with what it
 * printed; the next synth with everything as recorded prints the same report and stops, about the cost of
 * starting node. A record whose output folder has changed since is simply never matched again. Any difference renders: a changed source, other arguments, a file under the output folder
 * added, removed or rewritten (by size, mtime and inode, as `git status` decides), or `--force`.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { format } from 'util';

/** One line the synth printed. */
export interface Printed {
  readonly stream: 'out' | 'err';
  readonly text: string;
}

/** By render key (a few: synths with other arguments, e.g. one environment, keep theirs), latest last. */
type Records = { [key: string]: { readonly output: string; readonly printed: readonly Printed[] } };

const KEPT = 8;

/** What the render depends on besides the output folder: the build records of its bundles, and the rest. */
export function renderKey(buildRecords: readonly string[], args: readonly string[]): string | undefined {
  const bundles: string[] = [];
  for (const file of buildRecords) {
    try {
      bundles.push(createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
    } catch {
      return undefined;
    }
  }
  return createHash('sha256').update(JSON.stringify({
    bundles, args, cwd: process.cwd(), node: process.version, sort: process.env.CDK8S_DISABLE_SORT ?? null,
  })).digest('hex');
}

/** The output folder named by main.ts's arguments (`--out`, default dist), resolved. */
export function outputFolder(args: readonly string[]): string {
  const i = args.lastIndexOf('--out');
  return path.resolve(i >= 0 && args[i + 1] !== undefined ? args[i + 1] : 'dist');
}

/**
 * What of the output folder a synth with these arguments reads: with `--platform`, the record of synth's folders
 * and those platforms' folders (it replaces and prunes nothing else); otherwise all of it.
 */
export function outputScope(args: readonly string[]): string[] | undefined {
  const i = args.lastIndexOf('--platform');
  const platforms = i >= 0 ? args[i + 1]?.split(',').filter(Boolean) : undefined;
  // A name that is not one plain folder (a usage error to come) is no scope.
  if (!platforms?.length || platforms.some((p) => p.startsWith('.') || p.includes('/') || p.includes(path.sep))) return undefined;
  return ['.synth-output', ...[...new Set(platforms)].sort()];
}

/** An entry's type, size, mtime and inode, as one line (`\0`-separated). */
export const statLine = (s: fs.Stats): string => `${s.mode}\0${s.size}\0${s.mtimeMs}\0${s.ino}`;

/**
 * Every entry under `dir` with its type, size, mtime and inode, as one digest; with `scope`, only the entries of
 * `dir` it names (present or not) and what is under them. `lines`, when given, receives each entry's statLine by
 * its path relative to `dir` (the output index reuses them: scripts/lib/output-index.ts).
 */
export function folderStamp(dir: string, scope?: readonly string[], lines?: Map<string, string>): string {
  const stamps: string[] = [];
  // Paths joined and cut as strings: path.join and path.relative for every file were a fifth of the stamp.
  const base = path.resolve(dir);
  const add = (file: string) => {
    const s = fs.lstatSync(file, { throwIfNoEntry: false });
    const rel = file.slice(base.length + 1);
    if (s) {
      const line = statLine(s);
      stamps.push(`${rel}\0${line}`);
      lines?.set(rel, line);
    } else stamps.push(`${rel}\0gone`);
    return s;
  };
  const under = (folder: string) => {
    for (const e of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) add(`${e.parentPath}${path.sep}${e.name}`);
  };
  try {
    if (!scope) under(base);
    else {
      if (!fs.statSync(base).isDirectory()) return 'missing';
      stamps.push(`scope\0${scope.join('\0')}`);
      for (const name of scope) if (add(`${base}${path.sep}${name}`)?.isDirectory()) under(`${base}${path.sep}${name}`);
    }
  } catch {
    return 'missing';
  }
  const hash = createHash('sha256');
  for (const s of stamps.sort()) hash.update(`${s}\n`);
  return hash.digest('hex');
}

/** The output folder as the stamp before a render saw it: each entry's statLine, within `scope` (undefined: all). */
export interface OutputSeen {
  readonly lines: ReadonlyMap<string, string>;
  readonly scope?: readonly string[];
  /** When the stamp began (Date.now()): an mtime this recent may hide a later write in the same clock tick. */
  readonly takenAt: number;
}

export class UpToDate {
  constructor(private readonly recordFile: string) {}

  /** The stamp `check` took, which `run` takes as its `before` when the same folder is asked for. */
  private checked: { outDir: string; scope?: readonly string[]; stamp: string; lines: Map<string, string>; takenAt: number } | undefined;

  /**
   * Stamps the output folder now, for `check` and `run` to use: a synth that bundles stamps it while esbuild works
   * (nothing writes there before the render).
   */
  stamp(outDir: string, scope?: readonly string[]): void {
    const lines = new Map<string, string>();
    const takenAt = Date.now();
    const stamp = folderStamp(outDir, scope, lines);
    this.checked = { outDir, scope, stamp, lines, takenAt };
  }

  /** What the last synth printed, if nothing it depends on changed since; undefined otherwise. */
  check(key: string | undefined, outDir: string, scope?: readonly string[]): readonly Printed[] | undefined {
    const record = key === undefined ? undefined : this.read()[key];
    if (!record) return undefined;
    if (!this.taken(outDir, scope)) this.stamp(outDir, scope);
    if (record.output !== this.checked!.stamp) return undefined;
    return record.printed;
  }

  /** The stamp taken of `outDir` within `scope`, if any. */
  private taken(outDir: string, scope?: readonly string[]) {
    const c = this.checked;
    return c && c.outDir === outDir && c.scope === scope ? c : undefined;
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
   * Runs `render` (a synth), printing as it goes and capturing what it prints; records it, with the stamp taken
   * before it, when it succeeded and says it wrote nothing, else forgets any record. The folder is not stamped
   * again after: the record says only that a folder with that stamp needs no render, which stays true whatever
   * happened to the folder meanwhile (a folder changed since no longer has that stamp). `render` is given what the
   * stamp saw of the folder.
   */
  run(key: string | undefined, outDir: string, render: (seen: OutputSeen) => number | { readonly status: number; readonly wrote: boolean }, scope?: readonly string[]): number {
    // Taken by stamp() or check() a moment ago (nothing written since), or now.
    const taken = this.taken(outDir, scope);
    const lines = taken?.lines ?? new Map<string, string>();
    const takenAt = taken?.takenAt ?? Date.now();
    const before = taken ? taken.stamp : folderStamp(outDir, scope, lines);
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
    let wrote = false;
    try {
      const r = render({ lines, scope, takenAt });
      status = typeof r === 'number' ? r : r.status;
      wrote = typeof r !== 'number' && r.wrote;
    } finally {
      Object.assign(console, saved);
    }
    const records = this.read();
    if (key !== undefined) delete records[key];
    if (status === 0 && key !== undefined && !wrote) records[key] = { output: before, printed };
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
