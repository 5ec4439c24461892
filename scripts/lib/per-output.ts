/**
 * A record in .build/ kept per output folder (each `--out` keeps its own entries, the latest few folders), as the
 * render cache (./render-cache.ts) and the output index (./output-index.ts) keep theirs. Only a cache: a record
 * that cannot be read, or of another version, is started afresh, and one that cannot be written is not kept.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The output folders remembered, latest last. */
const KEPT = 8;

type Records<E> = { version: number; outputs: { [out: string]: { [folder: string]: E } } };

export class PerOutputRecord<E> {
  private readonly outputs: Records<E>['outputs'];
  /** This output folder's entries, by environment folder (`receivables/dev`): change them, then `save`. */
  readonly entries: { [folder: string]: E };

  /** @param outDir the output folder, absolute */
  constructor(private readonly file: string, private readonly version: number, private readonly outDir: string) {
    let read: Records<E> | undefined;
    try {
      read = JSON.parse(fs.readFileSync(file, 'utf8')) as Records<E>;
    } catch {
      read = undefined;
    }
    this.outputs = read?.version === version && typeof read.outputs === 'object' ? read.outputs : {};
    this.entries = { ...(this.outputs[outDir] ?? {}) };
  }

  save(): void {
    const outputs = { ...this.outputs };
    delete outputs[this.outDir];
    outputs[this.outDir] = this.entries;
    const kept = Object.fromEntries(Object.entries(outputs).slice(-KEPT));
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(`${this.file}.tmp`, JSON.stringify({ version: this.version, outputs: kept }));
      fs.renameSync(`${this.file}.tmp`, this.file);
    } catch {
      // Only a cache: a read-only checkout still synthesises.
    }
  }
}
