/**
 * Placing pods on nodes the way the scheduler's filters do: a pod goes only to a node whose labels match its
 * node selector, whose NoSchedule/NoExecute taints it tolerates, that has its CPU, memory and GPUs left, and that
 * holds no pod its required anti-affinity excludes (in both directions, as the scheduler checks). DaemonSet pods
 * go first, one per node they tolerate. The rest are packed largest first, pods with constraints (GPUs,
 * anti-affinity, node selectors) before free ones, each on the emptiest node that takes it (the scheduler's own
 * preference, so the placement shown in capacity.md is a likely one); when that fails, the same order is tried
 * again on the node each pod fits most tightly (best fit), which packs where spreading strands space.
 *
 * Packing is NP-hard: success proves a placement exists; failure of both orders is reported as not fitting,
 * which for the sizes here (tens of pods, a handful of nodes) errs only on the side of caution.
 */
import type { AntiAffinity, Resources, Toleration, Workload } from './workloads';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface Node {
  readonly name: string;
  readonly pool: string;
  /** Capacity minus the system reserve. */
  readonly allocatable: Resources;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
}

export interface Placed {
  readonly node: Node;
  readonly used: { cpu: number; memory: number; gpus: number };
  readonly pods: Workload[];
}

export interface Unplaced {
  readonly workload: Workload;
  /** Pods of the workload that found no node. */
  readonly count: number;
}

export interface Packing {
  readonly nodes: readonly Placed[];
  readonly unplaced: readonly Unplaced[];
}

export function tolerates(tolerations: readonly Toleration[], t: Taint): boolean {
  return tolerations.some((x) => {
    if (x.effect && x.effect !== t.effect) return false;
    if (x.operator === 'Exists') return !x.key || x.key === t.key;
    return x.key === t.key && (x.value ?? '') === (t.value ?? '');
  });
}

/** Whether a node may run the workload at all (selector, taints, GPU count), whatever else runs there. */
export function eligible(w: Workload, n: Node): boolean {
  if (Object.entries(w.nodeSelector).some(([k, v]) => n.labels[k] !== v)) return false;
  if (n.taints.some((t) => t.effect !== 'PreferNoSchedule' && !tolerates(w.tolerations, t))) return false;
  return w.requests.gpus <= n.allocatable.gpus;
}

const matches = (term: AntiAffinity, w: Workload) =>
  term.namespaces.includes(w.namespace) && Object.entries(term.matchLabels).every(([k, v]) => w.labels[k] === v);

/** Whether the workload's anti-affinity excludes itself: its pods need one node each. */
export function selfExclusive(w: Workload): boolean {
  return w.antiAffinity.some((t) => matches(t, w));
}

/** Per pair of workloads, once: a node holds many pods of the same few workloads, asked again for every pod placed. */
const PAIRS = new WeakMap<Workload, Map<Workload, boolean>>();

function conflicts(w: Workload, on: readonly Workload[]): boolean {
  let known = PAIRS.get(w);
  if (!known) PAIRS.set(w, (known = new Map()));
  const seen = known;
  return on.some((o) => {
    let c = seen.get(o);
    if (c === undefined) seen.set(o, (c = w.antiAffinity.some((t) => matches(t, o)) || o.antiAffinity.some((t) => matches(t, w))));
    return c;
  });
}

const free = (p: Placed) => ({
  cpu: p.node.allocatable.cpu - p.used.cpu, memory: p.node.allocatable.memory - p.used.memory, gpus: p.node.allocatable.gpus - p.used.gpus,
});

function fits(w: Workload, p: Placed): boolean {
  const f = free(p);
  return w.requests.cpu <= f.cpu && w.requests.memory <= f.memory && w.requests.gpus <= f.gpus;
}

function put(w: Workload, p: Placed): void {
  p.used.cpu += w.requests.cpu; p.used.memory += w.requests.memory; p.used.gpus += w.requests.gpus;
  p.pods.push(w);
}

/**
 * Packs `count(w)` pods of each workload onto the nodes.
 * @param count how many pods of a (non-DaemonSet) workload to place
 */
export function pack(nodes: readonly Node[], workloads: readonly Workload[], count: (w: Workload) => number): Packing {
  const attempt = (choose: 'tightest' | 'emptiest'): Packing => {
    const placed: Placed[] = nodes.map((node) => ({ node, used: { cpu: 0, memory: 0, gpus: 0 }, pods: [] }));
    const unplaced = new Map<Workload, number>();
    const miss = (w: Workload) => unplaced.set(w, (unplaced.get(w) ?? 0) + 1);
    for (const w of workloads.filter((x) => x.daemonSet)) {
      for (const p of placed) if (eligible(w, p.node)) { if (fits(w, p)) put(w, p); else miss(w); }
    }
    const total = nodes.reduce((a, n) => ({ cpu: a.cpu + n.allocatable.cpu, memory: a.memory + n.allocatable.memory }), { cpu: 0, memory: 0 });
    const size = (w: Workload) => Math.max(w.requests.cpu / Math.max(total.cpu, 1), w.requests.memory / Math.max(total.memory, 1));
    const constrained = (w: Workload) => (w.requests.gpus > 0 ? 4 : 0) + (Object.keys(w.nodeSelector).length ? 2 : 0) + (w.antiAffinity.length ? 1 : 0);
    const queue = workloads.filter((w) => !w.daemonSet).flatMap((w) => Array.from({ length: count(w) }, () => w))
      .sort((a, b) => constrained(b) - constrained(a) || size(b) - size(a) || a.id.localeCompare(b.id));
    for (const w of queue) {
      const candidates = placed.filter((p) => eligible(w, p.node) && fits(w, p) && !conflicts(w, p.pods));
      if (!candidates.length) { miss(w); continue; }
      // Emptiest: the largest share of the node free (the scheduler's LeastAllocated). Tightest: the least left over
      // after placing, in shares of the whole cluster, so that a pod fills the node it fits exactly.
      const share = (p: Placed) => { const f = free(p); return Math.min(f.cpu / Math.max(p.node.allocatable.cpu, 1), f.memory / Math.max(p.node.allocatable.memory, 1)); };
      const rest = (p: Placed) => { const f = free(p); return (f.cpu - w.requests.cpu) / Math.max(total.cpu, 1) + (f.memory - w.requests.memory) / Math.max(total.memory, 1); };
      const best = candidates.reduce((a, b) => ((choose === 'tightest' ? rest(b) < rest(a) : share(b) > share(a)) ? b : a));
      put(w, best);
    }
    return { nodes: placed, unplaced: [...unplaced].map(([workload, n]) => ({ workload, count: n })) };
  };
  // The emptiest node first, as the scheduler prefers (so the placement shown is a likely one); best fit when that fails.
  const first = attempt('emptiest');
  if (!first.unplaced.length) return first;
  const second = attempt('tightest');
  const missing = (p: Packing) => p.unplaced.reduce((n, u) => n + u.count, 0);
  return missing(second) < missing(first) ? second : first;
}
