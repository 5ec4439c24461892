/**
 * Checksums that roll a workload's pods when their configuration changes: Kubernetes restarts nothing when only a
 * mounted ConfigMap (or a script in it) changes, so each pod template carries a hash of what its pods read.
 */
import { createHash } from 'crypto';

/**
 * The pod template annotation most workloads carry their checksum in. synth's change summary names a workload as
 * restarting when one of its `checksum/*` annotations changed (charts/output/changes.ts).
 */
export const CONFIG_CHECKSUM = 'checksum/config';

/** What a checksum covers: one text, several texts, or a set of files by name. */
export type ChecksumInput = string | readonly string[] | Readonly<Record<string, string>>;

/**
 * The sha256 (hex) of a configuration: a text as it is, several texts joined by NUL (no text of a configuration
 * holds one, so moving a boundary changes the sum), a set of files as their JSON (names and contents).
 * @param digits how many hex digits to keep (an annotation need not be 64 long); @default all 64
 */
export function configChecksum(content: ChecksumInput, digits?: number): string {
  if (digits !== undefined && (!Number.isInteger(digits) || digits < 8 || digits > 64)) {
    throw new Error(`configChecksum: digits ${digits} must be a whole number from 8 to 64`);
  }
  const text = typeof content === 'string' ? content : isTexts(content) ? content.join('\0') : JSON.stringify(content);
  const hex = createHash('sha256').update(text).digest('hex');
  return digits === undefined ? hex : hex.slice(0, digits);
}

function isTexts(content: ChecksumInput): content is readonly string[] {
  return Array.isArray(content);
}
