/**
 * MinIO's erasure-coding arithmetic, transcribed from the server so that the configuration can be checked before
 * anything reaches a cluster (MinIO itself only refuses a bad layout when the pods start, and then every server
 * of the pool crash-loops).
 *
 * Sources (MinIO server, cmd/endpoint-ellipses.go and internal/config/storageclass; minio/pkg ellipses):
 *  - one pool = one server argument; its endpoints are the ellipses expansion of that argument, drive-major
 *    (drive 0 of every server, then drive 1 of every server, …), and consecutive endpoints form the sets;
 *  - the erasure set size is chosen among 2..16, must divide the pool's drive count and be "symmetric" with the
 *    leftmost ellipsis (the servers): servers % size == 0 or size % servers == 0; among those MinIO takes the
 *    largest (fewest sets);
 *  - default parity of the STANDARD class by set size: 1 → 0, 2-3 → 1, 4-5 → 2, 6-7 → 3, 8+ → 4; parity may be
 *    at most half the set size;
 *  - read quorum = set size − parity; write quorum = the same, plus one when parity is exactly half the set.
 */

export const SET_SIZES = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16] as const;

/** The shape of one server pool. */
export interface PoolShape {
  readonly servers: number;
  readonly drivesPerServer: number;
}

/** What MinIO makes of a pool: its erasure sets and quorums. */
export interface ErasureLayout {
  readonly drives: number;
  readonly setSize: number;
  readonly sets: number;
  readonly parity: number;
  readonly readQuorum: number;
  readonly writeQuorum: number;
  /** The most drives of one erasure set that sit on a single server (what losing one server costs a set). */
  readonly drivesPerServerPerSet: number;
  /** Servers that may be down at once with every set still above write quorum. */
  readonly serversTolerated: number;
}

/** MinIO's default STANDARD parity for a set size (storageclass.DefaultParityBlocks). */
export function defaultParity(setSize: number): number {
  if (setSize <= 1) return 0;
  if (setSize <= 3) return 1;
  if (setSize <= 5) return 2;
  if (setSize <= 7) return 3;
  return 4;
}

/**
 * The set size MinIO chooses for a pool written as `host{0...servers-1}/drive{0...drivesPerServer-1}`, or an
 * error in MinIO's terms. A pool of one drive is MinIO's single-drive mode (no erasure coding).
 */
export function erasureSetSize(p: PoolShape): number | { error: string } {
  const drives = p.servers * p.drivesPerServer;
  if (drives === 1) return 1;
  if (drives < SET_SIZES[0]) return { error: `${drives} drives are fewer than the smallest erasure set (${SET_SIZES[0]})` };
  const divisors = SET_SIZES.filter((s) => drives % s === 0);
  if (divisors.length === 0) {
    return { error: `${drives} drives are not divisible by any erasure set size (${SET_SIZES[0]}-${SET_SIZES[SET_SIZES.length - 1]})` };
  }
  // The symmetry is checked against the leftmost ellipsis, which is the server range (when there is one).
  const left = p.servers > 1 ? p.servers : p.drivesPerServer;
  const symmetric = divisors.filter((s) => (left > s ? left % s === 0 : s % left === 0));
  if (symmetric.length === 0) {
    return { error: `${drives} drives on ${p.servers} servers cannot be spread symmetrically over any erasure set size (sizes dividing ${drives}: ${divisors.join(', ')})` };
  }
  // commonSetDriveCount: fewer, larger sets win; a drive count below the largest candidate is one set.
  if (drives < symmetric[symmetric.length - 1]) return drives;
  let best = 0;
  let fewest = drives / symmetric[0];
  for (const s of symmetric) {
    if (drives / s <= fewest) { fewest = drives / s; best = s; }
  }
  return best;
}

/** MinIO's ellipses expansion of one argument (`{a...b}` ranges, zero-padded when written so), in its order. */
export function expandEllipses(arg: string): string[] {
  const re = /\{([0-9]+)\.\.\.([0-9]+)\}/g;
  const parts: string[] = [];
  const ranges: string[][] = [];
  let last = 0;
  for (let m = re.exec(arg); m; m = re.exec(arg)) {
    parts.push(arg.slice(last, m.index));
    const [from, to] = [m[1], m[2]];
    const pad = (from.startsWith('0') && from.length > 1) || to.startsWith('0') ? to.length : 0;
    const seq: string[] = [];
    for (let i = Number(from); i <= Number(to); i++) seq.push(String(i).padStart(pad, '0'));
    if (seq.length === 0) throw new Error(`ellipsis range ${m[0]} in "${arg}" is empty`);
    ranges.push(seq);
    last = re.lastIndex;
  }
  const tail = arg.slice(last);
  if (ranges.length === 0) return [arg];
  // argExpander, given the ranges rightmost first: the rightmost range varies slowest (drive-major order).
  const expand = (labels: string[][]): string[][] => labels.length === 1
    ? labels[0].map((v) => [v])
    : labels[0].flatMap((v) => expand(labels.slice(1)).map((row) => [...row, v]));
  return expand([...ranges].reverse()).map((values) => parts.map((p, i) => p + values[i]).join('') + tail);
}

/**
 * The erasure sets of a pool argument: the expansion cut into consecutive runs of `setSize` endpoints, exactly as
 * MinIO's endpointSet.Get() does.
 */
export function erasureSets(arg: string, setSize: number): string[][] {
  const endpoints = expandEllipses(arg);
  const sets: string[][] = [];
  for (let i = 0; i < endpoints.length; i += setSize) sets.push(endpoints.slice(i, i + setSize));
  return sets;
}

/** Quorums of a set: write quorum is one more than read quorum when parity is exactly half the set. */
export function quorums(setSize: number, parity: number): { read: number; write: number } {
  const data = setSize - parity;
  return { read: data, write: parity === data ? data + 1 : data };
}

/**
 * The layout of a pool with a given STANDARD parity (default: MinIO's), or the reason MinIO would refuse it.
 * `serversTolerated` assumes MinIO's drive-major ordering: a set of size S over N servers takes S/N drives from
 * each server when N divides S, otherwise one drive from each of S servers.
 */
export function erasureLayout(p: PoolShape, parity?: number): ErasureLayout | { error: string } {
  const setSize = erasureSetSize(p);
  if (typeof setSize !== 'number') return setSize;
  const drives = p.servers * p.drivesPerServer;
  if (setSize === 1) {
    if (parity) return { error: `parity ${parity} needs erasure coding, which a single drive does not have` };
    return { drives, setSize, sets: 1, parity: 0, readQuorum: 1, writeQuorum: 1, drivesPerServerPerSet: 1, serversTolerated: 0 };
  }
  const par = parity ?? defaultParity(setSize);
  if (par < 0 || par > setSize / 2) {
    return { error: `parity EC:${par} is not allowed for an erasure set of ${setSize} drives (allowed: 0 to ${Math.floor(setSize / 2)})` };
  }
  const q = quorums(setSize, par);
  const perServer = setSize % p.servers === 0 ? setSize / p.servers : 1;
  const spare = setSize - q.write;
  return {
    drives, setSize, sets: drives / setSize, parity: par, readQuorum: q.read, writeQuorum: q.write,
    drivesPerServerPerSet: perServer,
    serversTolerated: Math.min(p.servers - 1, Math.floor(spare / perServer)),
  };
}
