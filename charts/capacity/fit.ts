/**
 * Does an environment fit its declared nodes? Everything rendered plus the add-ons' pods, packed onto the node
 * pools minus their system reserve (./binpack.ts), in the scenarios an operator lives through:
 *
 * - `minimum`: every workload at its HPA minimum; in an HA environment with any one node down (each pool's node
 *   in turn), otherwise on all nodes. A member of a store whose required anti-affinity needs more nodes than are
 *   left waits for the node to come back: that is the failure the store is built to survive, and is listed, not
 *   refused.
 * - `maximum`: every workload at its HPA maximum, one run of every Job and CronJob, all nodes up.
 *
 * A scenario where a pod finds no node is a configuration error naming the pod, the scenario, what it lacks and
 * what would fix it. Above WARN_ABOVE of a pool's allocatable CPU or memory at the maximum, a warning.
 */
import type { ConfigProblem } from '../../environments/schema';
import type { EnvironmentConfig } from '../../environments/schema';
import { addons as addonCatalog } from '../gitops/addons-catalog';
import { formatCpu, parseCpu, parseMemory } from '../lib/quantity';
import type { RenderedChart } from '../lib/manifest';
import { eligible, pack, selfExclusive, type Node, type Packing } from './binpack';
import { addonWorkloads, renderedWorkloads, type Workload } from './workloads';

/** Warn above this share of a pool's allocatable CPU or memory at the maximum. */
/** What the fit check reads of a rendered environment (a RenderedPlatform is one; this module sits below the composer). */
export interface RenderedCharts {
  readonly config: EnvironmentConfig;
  readonly charts: readonly RenderedChart[];
}

export const WARN_ABOVE = 0.85;

export interface Scenario {
  readonly name: 'minimum' | 'maximum';
  /** e.g. `HPA minimums, node general-1 down`. */
  readonly title: string;
  /** The node taken down, if any. */
  readonly down?: string;
  readonly packing: Packing;
  /** Pods that wait for the lost node by design (required anti-affinity with too few nodes left). */
  readonly waiting: readonly { workload: Workload; count: number }[];
}

export interface FitReport {
  readonly config: EnvironmentConfig;
  readonly nodes: readonly Node[];
  readonly workloads: readonly Workload[];
  readonly scenarios: readonly Scenario[];
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly string[];
}

/** `general: 3 × 16 CPU / 64Gi`, `gpu: 2 × 16 CPU / 64Gi / 1 GPU`: a pool as messages and the checklist name it. */
export const poolSummary = (p: EnvironmentConfig['cluster']['nodePools'][number]): string =>
  `${p.name}: ${p.count} × ${p.cpu} CPU / ${p.memory}${p.gpus ? ` / ${p.gpus} GPU` : ''}`;

export function nodesOf(c: EnvironmentConfig): Node[] {
  return c.cluster.nodePools.flatMap((p) => Array.from({ length: p.count }, (_, i) => ({
    name: `${p.name}-${i + 1}`, pool: p.name, labels: p.labels, taints: p.taints,
    allocatable: {
      cpu: parseCpu(p.cpu) - parseCpu(p.reserved.cpu), memory: parseMemory(p.memory) - parseMemory(p.reserved.memory), gpus: p.gpus,
    },
  })));
}

/** Every workload of the platform: rendered ones and the add-ons'. */
export function platformWorkloads(p: RenderedCharts): Workload[] {
  return [...renderedWorkloads(p.charts), ...addonWorkloads(p.config, addonCatalog(p.config))];
}

export const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
export const cores = (m: number) => `${(m / 1000).toFixed(m % 1000 === 0 ? 0 : 2)} CPU`;

/**
 * Reports already computed, by rendered charts: synth checks the fit before writing and capacity.md shows the
 * same report, so each rendered platform is packed once. Keyed by the charts array (a render's own) and its config.
 */
const REPORTS = new WeakMap<object, FitReport>();

export function checkFit(p: RenderedCharts): FitReport {
  const known = REPORTS.get(p.charts);
  if (known && known.config === p.config) return known;
  const c = p.config;
  const nodes = nodesOf(c);
  const workloads = platformWorkloads(p);
  const scenarios: Scenario[] = [];

  // Minimum: with each pool's first node down in turn (nodes of a pool are identical), or all up when not HA.
  const downs = c.ha && nodes.length > 1 ? c.cluster.nodePools.map((pool) => `${pool.name}-1`) : [undefined];
  for (const down of downs) {
    const up = nodes.filter((n) => n.name !== down);
    const waiting: { workload: Workload; count: number }[] = [];
    const counts = new Map(workloads.map((w) => {
      if (!down || !selfExclusive(w)) return [w, w.minReplicas];
      const room = up.filter((n) => eligible(w, n)).length;
      if (w.minReplicas > room) waiting.push({ workload: w, count: w.minReplicas - room });
      return [w, Math.min(w.minReplicas, room)];
    }));
    const packing = pack(up, workloads, (w) => counts.get(w) ?? 0);
    scenarios.push({ name: 'minimum', title: down ? `HPA minimums, node ${down} down` : 'HPA minimums, all nodes', down, packing, waiting });
  }
  scenarios.push({ name: 'maximum', title: 'HPA maximums and every Job, all nodes', packing: pack(nodes, workloads, (w) => w.maxReplicas), waiting: [] });

  const problems: ConfigProblem[] = [];
  const pools = c.cluster.nodePools.map(poolSummary);
  for (const s of scenarios) {
    for (const message of unplacedMessages(c, s, nodes)) {
      problems.push({ environment: c.name, path: 'cluster.nodePools', value: pools, message: `does not fit (${s.title}): ${message}` });
    }
  }
  const warnings: string[] = [];
  const max = scenarios.find((s) => s.name === 'maximum')!;
  for (const pool of c.cluster.nodePools) {
    const ps = max.packing.nodes.filter((n) => n.node.pool === pool.name);
    const cap = ps.reduce((a, n) => ({ cpu: a.cpu + n.node.allocatable.cpu, memory: a.memory + n.node.allocatable.memory }), { cpu: 0, memory: 0 });
    const used = ps.reduce((a, n) => ({ cpu: a.cpu + n.used.cpu, memory: a.memory + n.used.memory }), { cpu: 0, memory: 0 });
    for (const [what, u, k] of [['CPU', used.cpu, cap.cpu], ['memory', used.memory, cap.memory]] as const) {
      if (k > 0 && u / k > WARN_ABOVE) {
        warnings.push(`environment "${c.name}": node pool "${pool.name}" is ${Math.round((100 * u) / k)} % full of ${what} requests at the HPA maximums (warning above ${Math.round(WARN_ABOVE * 100)} %): little room for rolling updates and for what else runs there`);
      }
    }
  }
  const report: FitReport = { config: c, nodes, workloads, scenarios, problems, warnings };
  REPORTS.set(p.charts, report);
  return report;
}

const need = (w: Workload) => `${formatCpu(w.requests.cpu)} CPU / ${gib(w.requests.memory)}${w.requests.gpus ? ` / ${w.requests.gpus} GPU` : ''}`;
const podsOf = (w: Workload, count: number) => `${count} pod${count === 1 ? '' : 's'} of ${w.kind} ${w.id} (${w.source}; each requests ${need(w)})`;
/** How many workloads a grouped message names before "and N more". */
const NAMED = 6;

/**
 * Why pods found no node, what is missing and what would fix it. Pods that no node may run (selector, taints,
 * GPUs) or that their own anti-affinity keeps apart get a message each; pods that lack room are grouped by the
 * nodes they may run on, with the shortfall of those nodes as a whole and how many more nodes would cover it.
 */
function unplacedMessages(c: EnvironmentConfig, s: Scenario, all: readonly Node[]): string[] {
  const out: string[] = [];
  const up = s.packing.nodes;
  const rooms = new Map<string, { nodes: typeof up; pods: { w: Workload; count: number }[] }>();
  for (const { workload: w, count } of s.packing.unplaced) {
    const ok = up.filter((n) => eligible(w, n.node));
    if (!ok.length) {
      const sel = Object.entries(w.nodeSelector).map(([k, v]) => `${k}=${v}`).join(', ');
      const everywhere = all.filter((n) => eligible(w, n)).length;
      const reason = everywhere
        ? `the only node${everywhere === 1 ? '' : 's'} it may run on ${everywhere === 1 ? 'is' : 'are'} down`
        : `no node pool matches it${sel ? ` (node selector ${sel})` : ''}${w.requests.gpus ? ` with ${w.requests.gpus} GPU` : ''} and tolerates its taints`;
      out.push(`${podsOf(w, count)}: ${reason}; fix: add a node pool with those labels${w.requests.gpus ? ' and GPUs' : ''} (and a spare node for one down), or change the workload's placement`);
      continue;
    }
    if (selfExclusive(w) && count > 0 && ok.length < (s.name === 'maximum' ? w.maxReplicas : w.minReplicas)) {
      out.push(`${podsOf(w, count)}: its required anti-affinity puts each pod on its own node, ${ok.length} may run it; fix: fewer replicas or another node`);
      continue;
    }
    const key = ok.map((n) => n.node.name).join(',');
    const g = rooms.get(key) ?? rooms.set(key, { nodes: ok, pods: [] }).get(key)!;
    g.pods.push({ w, count });
  }
  for (const { nodes, pods } of rooms.values()) {
    const sum = (f: (x: typeof nodes[number]) => number) => nodes.reduce((a, n) => a + f(n), 0);
    const cap = { cpu: sum((n) => n.node.allocatable.cpu), memory: sum((n) => n.node.allocatable.memory) };
    const placed = { cpu: sum((n) => n.used.cpu), memory: sum((n) => n.used.memory) };
    const left = { cpu: pods.reduce((a, p) => a + p.count * p.w.requests.cpu, 0), memory: pods.reduce((a, p) => a + p.count * p.w.requests.memory, 0) };
    const short = { cpu: placed.cpu + left.cpu - cap.cpu, memory: placed.memory + left.memory - cap.memory };
    const count = pods.reduce((a, p) => a + p.count, 0);
    const sorted = [...pods].sort((a, b) => b.count * b.w.requests.memory - a.count * a.w.requests.memory || a.w.id.localeCompare(b.w.id));
    const named = sorted.slice(0, NAMED).map((p) => `${p.w.id} ×${p.count} (${need(p.w)} each)`).join(', ');
    const more = sorted.length > NAMED ? ` and ${sorted.length - NAMED} more workloads` : '';
    const names = nodes.map((n) => n.node.name);
    const shortText = [short.cpu > 0 ? cores(short.cpu) : '', short.memory > 0 ? gib(short.memory) : ''].filter(Boolean).join(' and ');
    // Another node of the pool these nodes belong to (the largest share of them), as many as the shortfall needs.
    const pool = c.cluster.nodePools.find((p) => p.name === nodes[0].node.pool)!;
    const per = nodes[0].node.allocatable;
    const extra = Math.max(1, Math.ceil(Math.max(short.cpu / per.cpu, short.memory / per.memory)));
    out.push(`${count} pod${count === 1 ? '' : 's'} find no room: ${named}${more}. `
      + `The ${names.length} node${names.length === 1 ? '' : 's'} they may run on (${names.join(', ')}: ${cores(cap.cpu)} / ${gib(cap.memory)} allocatable) `
      + `would need ${cores(placed.cpu + left.cpu)} / ${gib(placed.memory + left.memory)}`
      + `${shortText ? `, short by ${shortText}` : ', enough in total but split across nodes so that no node takes them'}; `
      + `fix: fewer replicas or smaller requests in this environment, or ${extra} more "${pool.name}" node${extra === 1 ? '' : 's'} `
      + `(${pool.cpu} CPU / ${pool.memory}${s.down ? ', with one node down' : ''})`);
  }
  return out;
}
