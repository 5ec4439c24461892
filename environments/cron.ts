/**
 * Value checks the schema needs that a regular expression cannot express: cron schedules as Kubernetes parses
 * them, and the network address of a CIDR.
 */

/**
 * Kubernetes parses CronJob schedules with robfig/cron's standard parser (`cron.ParseStandard`, v3: parser.go
 * getRange, spec.go bounds): five fields, each a comma-separated list of `*` (or `?`), `N` or `N-M`, optionally
 * `/step` (any whole number from 1; `N/step` runs from N to the field's maximum); names (JAN-DEC, SUN-SAT) in the
 * month and day-of-week fields; day of week 0-6 (7 is out of range there, not a second Sunday); or one of the
 * descriptors below, or `@every <Go duration>`. A schedule it rejects is refused when the CronJob is applied.
 */
const FIELDS: readonly { name: string; min: number; max: number; names?: readonly string[] }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];
const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
/** `@every` followed by what Go's time.ParseDuration reads (`1h30m`, `90s`, `1.5h`). */
const EVERY = /^@every ([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/** What every schedule message ends with, so a reader who does not know cron sees the shape. */
export const CRON_HINT = 'a cron schedule has five fields: minute hour day-of-month month day-of-week, such as "17 */6 * * *"';

/** Why a schedule is not valid, or undefined when it is. */
export function cronProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith('@')) {
    return DESCRIPTORS.includes(s) || EVERY.test(s) ? undefined : `"${s}" is not a descriptor (allowed: ${DESCRIPTORS.join(', ')}, @every <duration> such as @every 1h30m)`;
  }
  const fields = s.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return `has ${fields.length} field${fields.length === 1 ? '' : 's'}, not 5`;
  for (const [i, f] of FIELDS.entries()) {
    const problem = fieldProblem(fields[i], f);
    if (problem) return `${f.name} "${fields[i]}": ${problem}`;
  }
  return undefined;
}

function fieldProblem(text: string, f: (typeof FIELDS)[number]): string | undefined {
  const value = (v: string): number | undefined => {
    if (/^[0-9]+$/.test(v)) return Number(v);
    const named = f.names?.indexOf(v.toUpperCase()) ?? -1;
    return named >= 0 ? named + f.min : undefined;
  };
  const allowed = `${f.min}-${f.max}${f.names ? ` or ${f.names[0]}-${f.names[f.names.length - 1]}` : ''}`;
  for (const item of text.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined) return `"${item}" has more than one "/"`;
    if (step !== undefined && !(/^[0-9]+$/.test(step) && Number(step) >= 1)) return `step "${step}" must be a whole number of at least 1`;
    if (range === '*' || range === '?') continue;
    const [lo, hi, more] = range.split('-');
    if (more !== undefined) return `"${range}" is not a value or a range`;
    const a = value(lo);
    const b = hi === undefined ? a : value(hi);
    for (const [v, raw] of [[a, lo], [b, hi ?? lo]] as const) {
      if (v === undefined || v < f.min || v > f.max) return `"${raw}" is not allowed here (allowed: ${allowed})`;
    }
    if (a! > b!) return `range "${range}" runs backwards`;
  }
  return undefined;
}

/** The network address of an IPv4 CIDR (`10.20.0.5/24` → `10.20.0.0/24`); unparsable input is returned as is. */
export function cidrNetwork(cidr: string): string {
  const m = /^([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)\/([0-9]+)$/.exec(cidr);
  if (!m) return cidr;
  const bits = Number(m[5]);
  const address = m.slice(1, 5).reduce((n, o) => n * 256 + Number(o), 0);
  const size = 2 ** (32 - bits);
  const network = Math.floor(address / size) * size;
  return `${[24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join('.')}/${bits}`;
}
