/**
 * A YAML emitter for rendered manifests (plain JSON data: objects, arrays, strings, numbers, booleans, null).
 *
 * The `yaml` package builds a document tree for every object before printing it, which made YAML the largest
 * cost of a synth (about half of it for ~1,700 files). Manifests need none of that: this prints the data
 * directly, in the same block style (sequences indented under their key, multi-line strings as literal
 * blocks, never folded). Strings are left plain only when no YAML 1.1 or 1.2 parser could read them as anything
 * but that string (Kubernetes parses YAML 1.1: `yes`, `on`, `0755`, `1:30` are not strings there); every other
 * string is double-quoted with JSON escapes, which YAML reads identically. The tests round-trip every rendered
 * object through the `yaml` parser in both versions.
 */

/** Scalars YAML 1.1 or 1.2 resolve to booleans or null. */
const KEYWORDS = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
  'on', 'On', 'ON', 'off', 'Off', 'OFF', 'null', 'Null', 'NULL', '~', '=', '<<',
]);
// First character: a letter, `_`, `/`, `$`, or `.`/`-` followed by a letter (never a digit: numbers, times,
// addresses and quantities are quoted). Then a conservative set without quotes, `#`, brackets or backslashes.
const PLAIN = /^(?:[A-Za-z_/$]|[.-][A-Za-z_/$])[A-Za-z0-9 _/.,:;@$=+()*'!%&?<>~^|-]*$/;

function plain(s: string): boolean {
  return PLAIN.test(s) && !KEYWORDS.has(s) && !s.endsWith(' ') && !s.endsWith(':') && !s.includes(': ')
    && !/^\.(inf|nan)$/i.test(s);
}

// JSON escapes control characters only; YAML 1.1 also breaks lines at NEL, LS and PS, and a BOM is special.
const UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

function quoted(s: string): string {
  return JSON.stringify(s).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Scalars already printed, by text: manifests repeat the same keys and many of the same values (labels, names,
 * images) thousands of times, and a look-up is cheaper than the tests. Bounded; cleared when full.
 */
const PRINTED_SCALARS = new Map<string, string>();

export function scalarString(s: string): string {
  let out = PRINTED_SCALARS.get(s);
  if (out === undefined) {
    out = plain(s) ? s : quoted(s);
    if (s.length <= 128) {
      if (PRINTED_SCALARS.size >= 50_000) PRINTED_SCALARS.clear();
      PRINTED_SCALARS.set(s, out);
    }
  }
  return out;
}

/** A multi-line string as a literal block (`|`), each line indented by `indent`; undefined if it cannot be one. */
function literal(s: string, indent: string): string | undefined {
  // Tabs are fine in a literal block; other control characters, CR and trailing spaces on a line are not
  // (they would be lost or be ambiguous), so such strings are quoted instead.
  // eslint-disable-next-line no-control-regex
  if (!s.includes('\n') || /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(s) || / \n/.test(s)) return undefined;
  const trailing = /\n*$/.exec(s)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing === 0 ? s : s.slice(0, -1);
  // A block whose first line starts with a space or is empty would need an indentation indicator: quote it.
  if (body === '' || /^[\n ]/.test(body)) return undefined;
  const lines = body.split('\n').map((l) => (l === '' ? '' : indent + l));
  return `|${chomp}\n${lines.join('\n')}`;
}

/** The inline form of a value (scalars, empty collections, literal blocks), or undefined for a collection. */
function inline(v: unknown, indent: string): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': return (v.includes('\n') ? literal(v, indent) : undefined) ?? scalarString(v);
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`cannot write ${v} to YAML`);
      return String(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'object':
      if (Array.isArray(v)) return v.length ? undefined : '[]';
      for (const k in v as Record<string, unknown>) if ((v as Record<string, unknown>)[k] !== undefined) return undefined;
      return '{}';
    default:
      throw new Error(`cannot write a ${typeof v} to YAML`);
  }
}

/**
 * The text is built as one array of pieces, joined once at the end: a string built by appending is a rope of
 * thousands of pieces that V8 flattens when it is first read (hashed, compared, written), which cost more than the
 * emitting itself (receivables' 2,200 files: 13 ms to hash after appending, 3 ms after the join, the emitting the
 * same). `first` is what the collection's first line starts with instead of `indent`: a sequence item's `- `
 * prefix, so that `- key: value` needs no rewrite.
 */
function mapping(obj: Record<string, unknown>, indent: string, first: string, out: string[]): void {
  // for…in rather than Object.entries: same keys, same order (plain data), no array per entry.
  let lead = first;
  const inner = `${indent}  `;
  for (const k in obj) {
    const v = obj[k];
    if (v === undefined) continue;
    const key = scalarString(k);
    const s = inline(v, inner);
    if (s !== undefined) out.push(lead, key, ': ', s, '\n');
    else {
      out.push(lead, key, ':\n');
      node(v, inner, inner, out);
    }
    lead = indent;
  }
}

function sequence(arr: readonly unknown[], indent: string, first: string, out: string[]): void {
  let lead = first;
  const inner = `${indent}  `;
  for (const item of arr) {
    const s = inline(item ?? null, inner);
    // A collection item starts on the dash's line: `- key: value`, `- - item`.
    if (s !== undefined) out.push(lead, '- ', s, '\n');
    else node(item, inner, `${lead}- `, out);
    lead = indent;
  }
}

function node(v: unknown, indent: string, first: string, out: string[]): void {
  if (Array.isArray(v)) sequence(v, indent, first, out);
  else mapping(v as Record<string, unknown>, indent, first, out);
}

/** One YAML document for `value`, ending with a newline. */
export function emitYaml(value: unknown): string {
  const s = inline(value, '');
  if (s !== undefined) return `${s}\n`;
  const out: string[] = [];
  node(value, '', '', out);
  return out.join('');
}

/**
 * Values whose YAML text a chart printed (e.g. the gateway's kong.yml), keyed by that text: a reader of the
 * rendered text (charts/output/endpoints.ts) gets the value back without parsing it again. A few entries only
 * (the latest render's); the watch mode renders many times in one process.
 */
const PRINTED = new Map<string, unknown>();

/** Records that `text` is YAML of `value` (as the `yaml` package or this emitter printed it); returns `text`. */
export function printedFrom(text: string, value: unknown): string {
  PRINTED.delete(text);
  PRINTED.set(text, value);
  if (PRINTED.size > 32) PRINTED.delete(PRINTED.keys().next().value as string);
  return text;
}

/** The value recorded for `text` by printedFrom, if any. */
export function printedValue(text: string): unknown {
  return PRINTED.get(text);
}
