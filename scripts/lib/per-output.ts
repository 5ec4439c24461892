/**
 * A record in .build/ kept per output folder (each `--out` keeps its own entries, for the latest few folders), as
 * the render cache (./render-cache.ts) and the output index (./output-index.ts) keep theirs. Either one file for
 * every output folder (small records), or, with `split`, a folder with one file per output folder, so that a synth
 * parses only its own (the output index's hold every file's hash). Only a cache: a record that cannot be read, or is
 * of another version, is started afresh, and one that cannot be written is not kept.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** The output folders remembered, latest last. */
const KEPT = 8;

type Records<E> = { version: number; outputs: { [out: string]: { [folder: string]: E } } };

export class PerOutputRecord<E> {
  private readonly outputs: Records<E>['outputs'];
  /** This output folder's entries, by environment folder (`receivables/dev`): change them, then `save`. */
  readonly entries: { [folder: string]: E };
  /** The file read and written: `file`, or with `split`, this output folder's file in the folder `file`. */
  private readonly own: string;

  /**
   * @param outDir the output folder, absolute
   * @param split `file` is a folder holding one file per output folder
   */
  constructor(private readonly file: string, private readonly version: number, private readonly outDir: string, private readonly split = false) {
    this.own = split ? path.join(file, `${createHash('sha256').update(outDir).digest('hex').slice(0, 16)}.json`) : file;
    let read: Records<E> | undefined;
    try {
      read = JSON.parse(fs.readFileSync(this.own, 'utf8')) as Records<E>;
    } catch {
      read = undefined;
    }
    this.outputs = read?.version === version && typeof read.outputs === 'object' ? read.outputs : {};
    this.entries = { ...(this.outputs[outDir] ?? {}) };
  }

  save(): void {
    const outputs = this.split ? {} : { ...this.outputs };
    delete outputs[this.outDir];
    outputs[this.outDir] = this.entries;
    const kept = Object.fromEntries(Object.entries(outputs).slice(-KEPT));
    try {
      fs.mkdirSync(path.dirname(this.own), { recursive: true });
      fs.writeFileSync(`${this.own}.tmp`, JSON.stringify({ version: this.version, outputs: kept }));
      fs.renameSync(`${this.own}.tmp`, this.own);
      if (this.split) this.prune();
    } catch {
      // Only a cache: a read-only checkout still synthesises.
    }
  }

  /** Keeps the files of the latest KEPT output folders. */
  private prune(): void {
    const files = fs.readdirSync(this.file).filter((f) => f.endsWith('.json')).map((f) => path.join(this.file, f))
      .map((f) => ({ f, mtime: fs.statSync(f).mtimeMs })).sort((a, b) => b.mtime - a.mtime);
    for (const { f } of files.slice(KEPT)) fs.rmSync(f, { force: true });
  }
}
