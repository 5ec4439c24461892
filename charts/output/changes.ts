/**
 * What a render changes in one environment's folder: files added, changed and removed, and the workloads that
 * will restart because a `checksum/*` annotation of their pod template changed (their configuration changed,
 * so the rollout replaces every pod). Pure functions over two file trees, so `npm run synth`, `npm run check`
 * and a watch mode print the same line.
 */

/** Relative path → file content (the same shape as charts/output/render.ts's FileTree). */
export type Tree = ReadonlyMap<string, string>;

export interface Changes {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /** `StatefulSet db-redis/redis`, … sorted. */
  readonly restarts: readonly string[];
}

/** Kinds whose pods are replaced when their pod template changes (a CronJob's next run simply uses the new one). */
const WORKLOAD_KINDS: Record<string, string> = { deployment: 'Deployment', statefulset: 'StatefulSet', daemonset: 'DaemonSet' };

/** `before` undefined: the environment did not exist yet (everything is added). */
export function diffTrees(before: Tree | undefined, after: Tree): Changes {
  const old = before ?? new Map<string, string>();
  return diffWith({ names: old.keys(), same: (f, content) => old.get(f) === content, content: (f) => old.get(f)! }, after);
}

/** A folder as it was, known by its names and a way to tell a file unchanged (contents or content hashes). */
export interface Before {
  readonly names: Iterable<string>;
  /** Whether `file` (one of the names) holds exactly `content`. */
  same(file: string, content: string): boolean;
  /** Its content: asked only of changed workload manifests (their pod template's checksums). */
  content(file: string): string;
}

export function diffWith(before: Before, after: Tree): Changes {
  const old = new Set(before.names);
  const sorted = (xs: string[]) => xs.sort((a, b) => a.localeCompare(b));
  const added = sorted([...after.keys()].filter((f) => !old.has(f)));
  const removed = sorted([...old].filter((f) => !after.has(f)));
  const changed = sorted([...after.keys()].filter((f) => old.has(f) && !before.same(f, after.get(f)!)));
  const restarts = changed.flatMap((f) => {
    const w = workloadOf(f);
    return w && checksums(before.content(f)) !== checksums(after.get(f)!) ? [w] : [];
  });
  return { added, changed, removed, restarts: sorted(restarts) };
}

export function isUnchanged(c: Changes): boolean {
  return !c.added.length && !c.changed.length && !c.removed.length;
}

/**
 * One line: `dev: unchanged`, or `staging: 2 changed, 1 added; restarts StatefulSet db-redis/redis`.
 * A new environment reads `dr: new, 450 files`.
 */
export function formatChanges(env: string, c: Changes, existedBefore = true): string {
  if (!existedBefore) return `${env}: new, ${c.added.length} files`;
  if (isUnchanged(c)) return `${env}: unchanged`;
  return `${env}: ${summarizeChanges(c)}`;
}

/** `2 changed, 1 added; restarts StatefulSet db-redis/redis` (synth's and check's wording). */
export function summarizeChanges(c: Changes): string {
  const counts = ([[c.changed, 'changed'], [c.added, 'added'], [c.removed, 'removed']] as const)
    .filter(([xs]) => xs.length).map(([xs, what]) => `${xs.length} ${what}`);
  const restarts = c.restarts.length ? `; restarts ${c.restarts.join(', ')}` : '';
  return `${counts.join(', ')}${restarts}`;
}

/** `11-postgres/statefulset.db-postgres.postgres.yaml` → `StatefulSet db-postgres/postgres`. */
function workloadOf(file: string): string | undefined {
  const m = /(?:^|\/)([a-z]+)\.([a-z0-9-]+)\.([a-z0-9.-]+)\.yaml$/.exec(file);
  const kind = m && WORKLOAD_KINDS[m[1]];
  return kind ? `${kind} ${m![2]}/${m![3]}` : undefined;
}

/** Every `checksum/<what>: <value>` line of a manifest, in order (they sit in the pod template's annotations). */
function checksums(yaml: string): string {
  return (yaml.match(/^\s+checksum\/[A-Za-z0-9._-]+: .*$/gm) ?? []).map((l) => l.trim()).join('\n');
}
