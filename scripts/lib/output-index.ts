/**
 * What synth knows of its output folder without reading it. For each environment folder it wrote or compared, the
 * index keeps every file's content hash, trusted while the folder's entries keep the type, size, mtime and inode
 * they had then (as git's index trusts a file, and as the nothing-changed stamp of ./up-to-date.ts does). A synth
 * then compares a render with the previous one, and verifies a folder the render cache reuses, by hashes: it reads
 * no file but the workload manifests that changed (their pod templates' checksums name the restarts). A folder
 * whose entries moved in any way, or one the index does not know, is read as before.
 *
 * The entries' stat lines come from the stamp the launcher takes before a synth anyway (OutputSeen), so a folder
 * known to the index costs no file system call at all; a folder just written is stamped again.
 */
import { createHash, hash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { diffWith, type Changes } from '../../charts/output/changes';
import { PerOutputRecord } from './per-output';
import { statLine, type OutputSeen } from './up-to-date';

type FileTree = ReadonlyMap<string, string>;

/** A file's content hash (SHA-1 is ample: it tells a changed file, nobody forges these). */
export const contentHash = (content: string): string => hash('sha1', content, 'base64');

interface Entry {
  /** Digest of the stat lines of every entry under the folder. */
  readonly stamp: string;
  /**
   * An entry's mtime was within RACY_MS of the moment its stat was taken: a write in the same clock tick, after the
   * stat, would leave the same stamp (git's "racily clean" entries). Such a folder is read next time, and indexed
   * again from that synth's stamp.
   */
  readonly racy?: true;
  /** Content hash by path within the folder. */
  readonly hashes: Readonly<Record<string, string>>;
}

/** Margin for file systems whose timestamps come from a coarse clock (as scripts/lib/build-cache.ts's). */
const RACY_MS = 50;

/** A folder's stamp, and whether any of its entries is too recent to be trusted by it. */
interface Stamp {
  readonly stamp: string;
  readonly racy: boolean;
}

/** The mtime of a statLine (`mode\0size\0mtimeMs\0ino`). */
const mtimeOf = (line: string): number => Number(line.split('\0')[2]);

function stampOf(lines: readonly string[], newest: number, takenAt: number): Stamp {
  return { stamp: digest([...lines]), racy: newest >= takenAt - RACY_MS };
}

function digest(lines: string[]): string {
  const h = createHash('sha256');
  for (const l of lines.sort()) h.update(`${l}\n`);
  return h.digest('hex');
}

/** The stamp of everything under `dir`, read now (empty when it does not exist). */
function readStamp(dir: string): Stamp {
  const takenAt = Date.now();
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return stampOf([], 0, takenAt);
  }
  const lines: string[] = [];
  let newest = 0;
  for (const e of entries) {
    const file = `${e.parentPath}${path.sep}${e.name}`;
    const s = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!s) continue;
    lines.push(`${file.slice(dir.length + 1)}\0${statLine(s)}`);
    newest = Math.max(newest, s.mtimeMs);
  }
  return stampOf(lines, newest, takenAt);
}

export class OutputIndex {
  private readonly record: PerOutputRecord<Entry>;
  private readonly entries: { [folder: string]: Entry };
  private readonly hashed = new WeakMap<FileTree, Map<string, string>>();
  /** The stat lines the launcher saw, by environment folder (`receivables/dev` → lines within it). */
  private seenByFolder?: Map<string, { lines: string[]; newest: number }>;

  /**
   * @param file the index's folder in .build/ (a record per output folder)
   * @param outDir the output folder, absolute
   * @param seen what the stamp taken before this synth saw of `outDir` (omitted: folders are stamped here)
   */
  constructor(file: string, private readonly outDir: string, private readonly seen?: OutputSeen) {
    this.record = new PerOutputRecord<Entry>(file, 1, outDir, true);
    this.entries = this.record.entries;
  }

  /** The stamp of `folder` as the synth found it: from what the launcher saw when that covered it, else read. */
  private stampFound(folder: string): Stamp {
    const seen = this.seen;
    if (!seen || (seen.scope && !seen.scope.includes(folder.split('/')[0]))) return readStamp(path.join(this.outDir, folder));
    if (!this.seenByFolder) {
      const byFolder = new Map<string, { lines: string[]; newest: number }>();
      for (const [rel, line] of seen.lines) {
        const cut = rel.indexOf('/', rel.indexOf('/') + 1);
        if (cut < 0) continue;
        const f = rel.slice(0, cut);
        let found = byFolder.get(f);
        if (!found) byFolder.set(f, found = { lines: [], newest: 0 });
        found.lines.push(`${rel.slice(cut + 1)}\0${line}`);
        found.newest = Math.max(found.newest, mtimeOf(line));
      }
      this.seenByFolder = byFolder;
    }
    const found = this.seenByFolder.get(folder);
    return stampOf(found?.lines ?? [], found?.newest ?? 0, seen.takenAt);
  }

  /** Each file's content hash, by path within the folder. */
  hashesOf(tree: FileTree): ReadonlyMap<string, string> {
    let h = this.hashed.get(tree);
    if (!h) {
      h = new Map([...tree].map(([rel, content]) => [rel, contentHash(content)]));
      this.hashed.set(tree, h);
    }
    return h;
  }

  /** The content hashes of `folder`'s files, when it is exactly as the index recorded it; else undefined. */
  known(folder: string): ReadonlyMap<string, string> | undefined {
    const e = this.entries[folder];
    if (!e || e.racy || this.stampFound(folder).stamp !== e.stamp) return undefined;
    return new Map(Object.entries(e.hashes));
  }

  /** What writing `tree` over `folder` changes, when the folder is known without reading it; else undefined. */
  compare(folder: string, tree: FileTree): Changes | undefined {
    const before = this.known(folder);
    if (!before) return undefined;
    const now = this.hashesOf(tree);
    return diffWith({
      names: before.keys(),
      same: (f) => before.get(f) === now.get(f),
      content: (f) => fs.readFileSync(path.join(this.outDir, folder, f), 'utf8'),
    }, tree);
  }

  /**
   * `folder` holds exactly `tree`: `written` when synth has just written it (stamped again), else as found
   * (compared equal, or read and verified).
   */
  remember(folder: string, tree: FileTree, written: boolean): void {
    const { stamp, racy } = written ? readStamp(path.join(this.outDir, folder)) : this.stampFound(folder);
    this.entries[folder] = { stamp, ...(racy ? { racy } : {}), hashes: Object.fromEntries(this.hashesOf(tree)) };
  }

  forget(folder: string): void {
    delete this.entries[folder];
  }

  save(): void {
    this.record.save();
  }
}

/**
 * A folder's files by name, each read on first use: the tree of a folder the render cache reuses, which synth
 * leaves alone and reads only to copy it (the cdk8s CLI's output).
 */
export class FolderTree extends Map<string, string> {
  private readonly unread = new Set<string>();

  constructor(private readonly dir: string, names: Iterable<string>) {
    super();
    for (const n of names) {
      super.set(n, '');
      this.unread.add(n);
    }
  }

  override get(name: string): string | undefined {
    if (this.unread.delete(name)) super.set(name, fs.readFileSync(path.join(this.dir, name), 'utf8'));
    return super.get(name);
  }

  override set(name: string, content: string): this {
    this.unread.delete(name);
    return super.set(name, content);
  }

  override entries(): MapIterator<[string, string]> {
    for (const n of [...this.unread]) this.get(n);
    return super.entries();
  }

  override values(): MapIterator<string> {
    for (const n of [...this.unread]) this.get(n);
    return super.values();
  }

  override [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }

  override forEach(callback: (value: string, key: string, map: Map<string, string>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }
}
