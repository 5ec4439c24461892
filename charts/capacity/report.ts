/**
 * The pictures and tables written beside the manifests in dist/<platform>/<env>/, drawn from the same rendered objects,
 * dependency graph, apply order and fit check as the manifests themselves, so they cannot drift:
 *
 * - `architecture.md`: Mermaid flowchart; namespaces as groups, the pods of every flow of the dependency graph
 *   (workloads, stores, add-ons), address ranges outside the cluster (clients, the internet, the API server);
 * - `install-order.md`: Mermaid flowchart of the folders in apply order with their Argo CD sync waves, and the
 *   add-ons inside 90-addons with their own waves;
 * - `capacity.md`: the node pools, requests/limits/storage per namespace at the HPA minimum and maximum (add-ons
 *   included), and the fit verdict per scenario (./fit.ts).
 */
import { ADDON_WAVES, addons as addonCatalog } from '../gitops/addons-catalog';
import { ADDONS_FOLDER, applyOrder, foldersNeedingAddons, GITOPS_FOLDER } from '../gitops/order';
import { ingressPeer, type Flow, type Peer } from '../lib/graph';
import { parseCpu, parseMemory } from '../lib/quantity';
import type { RenderedPlatform } from '../platform';
import { eligible } from './binpack';
import { checkFit, cores, gib, type FitReport } from './fit';
import { addonWorkloads, renderedWorkloads, type Workload } from './workloads';

export const ARCHITECTURE_FILE = 'architecture.md';
export const INSTALL_ORDER_FILE = 'install-order.md';
export const CAPACITY_FILE = 'capacity.md';

/** The three files, by name under dist/<platform>/<env>/. */
export function capacityFiles(p: RenderedPlatform, fit: FitReport = checkFit(p)): [string, string][] {
  return [
    [ARCHITECTURE_FILE, architecture(p)],
    [INSTALL_ORDER_FILE, installOrder(p)],
    [CAPACITY_FILE, capacityTable(fit, p)],
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Mermaid helpers
// ---------------------------------------------------------------------------------------------------------

/** A Mermaid node id: letters, digits and `_` only, never a reserved word (prefixed). */
export const mermaidId = (prefix: string, s: string) => `${prefix}_${s.replace(/[^A-Za-z0-9]+/g, '_')}`;
/** A quoted Mermaid label: double quotes and markup characters as entity codes. */
export const mermaidLabel = (s: string) => `"${s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')}"`;

const fence = (body: string[]) => ['```mermaid', ...body, '```'].join('\n');

// ---------------------------------------------------------------------------------------------------------
// Architecture
// ---------------------------------------------------------------------------------------------------------

interface Box { label: string; namespace?: string; selector?: Readonly<Record<string, string>>; store?: boolean }

function peerKey(p: Peer): Box & { id: string } {
  if ('pods' in p) {
    const name = p.pods.display.includes('/') ? p.pods.display.slice(p.pods.display.indexOf('/') + 1) : p.pods.display;
    return { id: mermaidId('p', p.pods.display), label: name, namespace: p.pods.namespace, selector: p.pods.selector };
  }
  return { id: mermaidId('x', p.addresses.display), label: p.addresses.display };
}

/** `StatefulSet ×3`, `Deployment 2-10` (HPA range), `CronJob`. */
function scale(w: Workload): string {
  if (w.batch || w.daemonSet) return w.kind;
  return `${w.kind} ${w.minReplicas === w.maxReplicas ? `×${w.maxReplicas}` : `${w.minReplicas}-${w.maxReplicas}`}`;
}

export function architecture(p: RenderedPlatform): string {
  const c = p.config;
  const nodes = new Map<string, Box>();
  const edges = new Map<string, { from: string; to: string; ports: Set<string> }>();
  for (const f of p.graph.flows as readonly Flow[]) {
    const a = peerKey(f.from);
    const b = peerKey(f.to);
    nodes.set(a.id, a); nodes.set(b.id, b);
    const key = `${a.id} ${b.id}`;
    const e = edges.get(key) ?? edges.set(key, { from: a.id, to: b.id, ports: new Set() }).get(key)!;
    for (const port of f.ports) e.ports.add(`${port.name} ${port.port}${port.protocol === 'UDP' ? '/udp' : ''}`);
  }
  // The outside world reaches the platform through the ingress controller (on k3s Traefik, which is not ours and
  // declares no flow of its own): one arrow from the clients, labelled with the hosts of the rendered Ingresses.
  const hosts = [...new Set(p.charts.flatMap((x) => x.manifests).filter((m) => m.kind === 'Ingress')
    .flatMap((m) => (m.spec?.rules ?? []).map((r: { host?: string }) => r.host).filter(Boolean)))].sort();
  if (hosts.length) {
    const controller = peerKey(ingressPeer(c));
    nodes.set(controller.id, controller);
    nodes.set('x_clients', { label: `clients: ${hosts.join(', ')}` });
    const key = `x_clients ${controller.id}`;
    const e = edges.get(key) ?? edges.set(key, { from: 'x_clients', to: controller.id, ports: new Set() }).get(key)!;
    e.ports.add('https 443');
  }
  // Each box names the workloads whose pods it selects and their scale; stores (pods with claims) are cylinders.
  // A rendered workload no flow names still gets its box.
  // Add-on pods (rendered by Argo CD, without labels here) are matched by name.
  const shown = new Set<Workload>();
  const workloads = renderedWorkloads(p.charts);
  const addonPods = addonWorkloads(c, addonCatalog(c));
  for (const box of nodes.values()) {
    if (!box.selector) continue;
    let mine = workloads.filter((w) => w.namespace === box.namespace && Object.entries(box.selector!).every(([k, v]) => w.labels[k] === v));
    // The graph may name an add-on's pods by their short name (`cert-manager/webhook` for cert-manager-webhook)
    // or by a longer one (kube-prometheus-stack-prometheus-operator for prometheus-operator).
    const shortOrLong = (a: string, b: string) => a === b || a.endsWith(`-${b}`) || b.endsWith(`-${a}`);
    if (!mine.length) mine = addonPods.filter((w) => w.namespace === box.namespace && shortOrLong(w.id.slice(w.namespace.length + 1), box.label));
    mine.forEach((w) => shown.add(w));
    const name = (w: Workload) => w.id.slice(w.namespace.length + 1);
    if (mine.length === 1) box.label = `${box.label}: ${scale(mine[0])}`;
    else if (mine.length > 1) box.label = `${box.label}: ${mine.map((w) => `${name(w)} ${scale(w)}`).join(', ')}`;
    box.store = mine.some((w) => w.storage > 0);
  }
  for (const w of workloads.filter((x) => !shown.has(x))) {
    nodes.set(mermaidId('w', w.id), { label: `${w.id.slice(w.namespace.length + 1)}: ${scale(w)}`, namespace: w.namespace, store: w.storage > 0 });
  }
  const byNs = new Map<string, string[]>();
  const outside: string[] = [];
  for (const [id, n] of [...nodes].sort(([x], [y]) => x.localeCompare(y))) {
    const shape = n.store ? `[(${mermaidLabel(n.label)})]` : `[${mermaidLabel(n.label)}]`;
    if (n.namespace) (byNs.get(n.namespace) ?? byNs.set(n.namespace, []).get(n.namespace)!).push(`    ${id}${shape}`);
    else outside.push(`    ${id}([${mermaidLabel(n.label)}])`);
  }
  const body = ['flowchart LR'];
  body.push(`  subgraph outside[${mermaidLabel('outside the cluster')}]`, ...outside, '  end');
  for (const [ns, lines] of [...byNs].sort(([x], [y]) => x.localeCompare(y))) {
    body.push(`  subgraph ${mermaidId('ns', ns)}[${mermaidLabel(`namespace ${ns}`)}]`, ...lines, '  end');
  }
  for (const e of [...edges.values()].sort((x, y) => `${x.from} ${x.to}`.localeCompare(`${y.from} ${y.to}`))) {
    body.push(`  ${e.from} -->|${mermaidLabel([...e.ports].sort().join(', '))}| ${e.to}`);
  }
  return [
    `# ${c.name}: architecture`,
    '',
    `Generated by \`npm run synth\` from the dependency graph (charts/lib/graph.ts) that also produces the NetworkPolicies`,
    `and [reachability.md](reachability.md): every box is a set of pods with the workloads that run them and their scale`,
    `(fixed or the HPA range), grouped by namespace; cylinders hold data (volume claims); every arrow is a flow the`,
    `platform declares, labelled with its ports. Rounded boxes are outside the cluster's pod network. Pod sizes:`,
    `[capacity.md](capacity.md); apply order: [install-order.md](install-order.md).`,
    '',
    fence(body),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Install order
// ---------------------------------------------------------------------------------------------------------

export function installOrder(p: RenderedPlatform): string {
  const charts = p.charts.filter((x) => x.manifests.length > 0);
  const folders = charts.map((x) => x.folder);
  if (!folders.includes(GITOPS_FOLDER)) folders.push(GITOPS_FOLDER);
  const order = applyOrder(folders, foldersNeedingAddons(charts));
  const body = ['flowchart TD'];
  order.forEach((f, i) => {
    const count = charts.find((x) => x.folder === f)?.manifests.length ?? 0;
    if (f === ADDONS_FOLDER) {
      body.push(`  subgraph ${mermaidId('f', f)}[${mermaidLabel(`wave ${i}: ${f}`)}]`, '    direction TB');
      const list = addonCatalog(p.config).filter((a) => !a.folder);
      const waves = [...new Set(list.map((a) => ADDON_WAVES[a.name]))].sort((a, b) => a - b);
      for (const w of waves) {
        for (const a of list.filter((x) => ADDON_WAVES[x.name] === w)) {
          body.push(`    ${mermaidId('a', a.name)}[${mermaidLabel(`${a.name} ${a.version} (add-on wave ${w}, namespace ${a.namespace})`)}]`);
        }
      }
      for (let k = 1; k < waves.length; k++) {
        for (const a of list.filter((x) => ADDON_WAVES[x.name] === waves[k - 1])) {
          for (const b of list.filter((x) => ADDON_WAVES[x.name] === waves[k])) body.push(`    ${mermaidId('a', a.name)} --> ${mermaidId('a', b.name)}`);
        }
      }
      body.push('  end');
    } else {
      body.push(`  ${mermaidId('f', f)}[${mermaidLabel(`wave ${i}: ${f} (${count} objects)`)}]`);
    }
  });
  for (let i = 1; i < order.length; i++) body.push(`  ${mermaidId('f', order[i - 1])} --> ${mermaidId('f', order[i])}`);
  return [
    `# ${p.config.name}: install order`,
    '',
    'Generated by `npm run synth` from the same apply order (charts/gitops/order.ts) that sets the Argo CD sync waves',
    'of the child Applications and the steps of `npm run install:cluster`: each folder of this directory in turn,',
    `the add-ons' Applications (${ADDONS_FOLDER}) as soon as a folder needs their CRDs or runs workloads, inside them the`,
    'add-ons by their own sync waves.',
    '',
    fence(body),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Capacity
// ---------------------------------------------------------------------------------------------------------

interface Sums { rc: number; rm: number; lc: number; lm: number; st: number; pods: number }
const zero = (): Sums => ({ rc: 0, rm: 0, lc: 0, lm: 0, st: 0, pods: 0 });

function sums(ws: readonly Workload[], replicas: (w: Workload) => number): Map<string, Sums> {
  const out = new Map<string, Sums>();
  for (const w of ws) {
    const n = replicas(w);
    const s = out.get(w.namespace) ?? out.set(w.namespace, zero()).get(w.namespace)!;
    s.pods += n; s.rc += n * w.requests.cpu; s.rm += n * w.requests.memory; s.lc += n * w.limits.cpu; s.lm += n * w.limits.memory; s.st += n * w.storage;
  }
  return out;
}

const pct = (a: number, b: number) => (b > 0 ? `${Math.round((100 * a) / b)} %` : '-');

export function capacityTable(fit: FitReport, p: Pick<RenderedPlatform, 'charts'>): string {
  const c = fit.config;
  const daemons = (w: Workload) => fit.nodes.filter((n) => eligible(w, n)).length;
  const min = sums(fit.workloads, (w) => (w.daemonSet ? daemons(w) : w.minReplicas));
  const max = sums(fit.workloads, (w) => (w.daemonSet ? daemons(w) : w.maxReplicas));
  // Claims outside StatefulSets (standalone PVCs) are there at any scale.
  for (const m of p.charts.flatMap((x) => x.manifests).filter((x) => x.kind === 'PersistentVolumeClaim')) {
    for (const s of [min, max]) {
      const t = s.get(m.metadata.namespace) ?? s.set(m.metadata.namespace, zero()).get(m.metadata.namespace)!;
      t.st += parseMemory(m.spec.resources.requests.storage);
    }
  }
  const lines: string[] = [
    `# ${c.name}: capacity`,
    '',
    'Generated by `npm run synth` with the fit check that refuses to render an environment that does not fit its',
    'nodes (charts/capacity/, docs/capacity.md). Requests decide where pods go; limits are what they may burst to;',
    'storage is what the claims ask of the storage class. Add-ons (Argo CD renders them from their Helm charts) are',
    'counted from charts/capacity/addon-pods.ts. "min": HPA minimums, Jobs not running; "max": HPA maximums and one',
    'run of every Job and CronJob.',
    '',
    '## Nodes',
    '',
    '| pool | nodes | per node | reserved per node | allocatable per node | labels / taints |',
    '| --- | ---: | --- | --- | --- | --- |',
  ];
  for (const pool of c.cluster.nodePools) {
    const n = fit.nodes.find((x) => x.pool === pool.name)!;
    const marks = [...Object.entries(pool.labels).map(([k, v]) => `${k}=${v}`), ...pool.taints.map((t) => `taint ${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`)];
    lines.push(`| ${pool.name} | ${pool.count} | ${pool.cpu} CPU, ${pool.memory}${pool.gpus ? `, ${pool.gpus} GPU` : ''} | ${pool.reserved.cpu} CPU, ${pool.reserved.memory} | ${cores(n.allocatable.cpu)}, ${gib(n.allocatable.memory)} | ${marks.join(', ') || '-'} |`);
  }
  const all = fit.nodes.reduce((a, n) => ({ cpu: a.cpu + n.allocatable.cpu, memory: a.memory + n.allocatable.memory }), { cpu: 0, memory: 0 });
  lines.push('', `Allocatable in total: ${cores(all.cpu)}, ${gib(all.memory)} on ${fit.nodes.length} node${fit.nodes.length === 1 ? '' : 's'}.`, '');

  lines.push('## Per namespace', '',
    '| namespace | pods min / max | requests CPU min / max | requests memory min / max | limits CPU min / max | limits memory min / max | storage |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const names = [...new Set([...min.keys(), ...max.keys()])].sort();
  const total = { min: zero(), max: zero() };
  for (const ns of names) {
    const a = min.get(ns) ?? zero();
    const b = max.get(ns) ?? zero();
    for (const [t, s] of [[total.min, a], [total.max, b]] as const) { t.pods += s.pods; t.rc += s.rc; t.rm += s.rm; t.lc += s.lc; t.lm += s.lm; t.st += s.st; }
    lines.push(row(ns, a, b));
  }
  lines.push(row('**total**', total.min, total.max));
  lines.push(`| **allocatable** | | ${cores(all.cpu)} | ${gib(all.memory)} | | | |`, '');

  lines.push('## Fit', '', '| scenario | verdict | requests placed CPU | requests placed memory | waiting for the lost node |', '| --- | --- | ---: | ---: | --- |');
  for (const s of fit.scenarios) {
    const used = s.packing.nodes.reduce((a, n) => ({ cpu: a.cpu + n.used.cpu, memory: a.memory + n.used.memory }), { cpu: 0, memory: 0 });
    const cap = s.packing.nodes.reduce((a, n) => ({ cpu: a.cpu + n.node.allocatable.cpu, memory: a.memory + n.node.allocatable.memory }), { cpu: 0, memory: 0 });
    const missing = s.packing.unplaced.reduce((n, u) => n + u.count, 0);
    const verdict = missing ? `**does not fit**: ${missing} pods without a node` : 'fits';
    const waiting = s.waiting.map((w) => `${w.workload.id} (${w.count})`).join(', ') || '-';
    lines.push(`| ${s.title} | ${verdict} | ${cores(used.cpu)} of ${cores(cap.cpu)} (${pct(used.cpu, cap.cpu)}) | ${gib(used.memory)} of ${gib(cap.memory)} (${pct(used.memory, cap.memory)}) | ${waiting} |`);
  }
  lines.push('', 'A member of a store whose required anti-affinity asks for more nodes than remain waits (Pending) until the node is back:',
    'the store runs on with one member fewer, which is the failure it is built to survive.', '');

  const worst = fit.scenarios.find((s) => s.name === 'maximum')!;
  // Tenants' own workloads are not rendered here: their quotas say what they may ask for. Shown, not checked.
  if (c.tenants.length) {
    const plans = c.tenants.map((t) => ({ t, plan: c.tenantPlans[t.plan] }));
    const quota = plans.reduce((a, { plan }) => ({ cpu: a.cpu + parseCpu(plan.requestsCpu), memory: a.memory + parseMemory(plan.requestsMemory) }), { cpu: 0, memory: 0 });
    const open = worst.packing.nodes.filter((n) => !n.node.taints.some((t) => t.effect !== 'PreferNoSchedule'));
    const left = open.reduce((a, n) => ({ cpu: a.cpu + n.node.allocatable.cpu - n.used.cpu, memory: a.memory + n.node.allocatable.memory - n.used.memory }), { cpu: 0, memory: 0 });
    lines.push('## Tenants', '',
      `Tenant namespaces run their own workloads, not counted above. Their quotas allow ${cores(quota.cpu)} / ${gib(quota.memory)} of requests`
      + ` (${plans.map(({ t, plan }) => `tenant-${t.id}: ${t.plan}, ${plan.requestsCpu} CPU / ${plan.requestsMemory}`).join('; ')}).`
      + ` At the maximum the untainted nodes have ${cores(left.cpu)} / ${gib(left.memory)} of requests left:`
      + ` room for ${left.cpu >= quota.cpu ? 'all' : pct(left.cpu, quota.cpu)} of the tenants' CPU quota and ${left.memory >= quota.memory ? 'all' : pct(left.memory, quota.memory)} of their memory quota.`, '');
  }
  lines.push('## Placement at the maximum', '', 'One placement the check found (the scheduler may choose another):', '',
    '| node | pool | CPU requested | memory requested | GPUs | pods |', '| --- | --- | ---: | ---: | ---: | ---: |');
  for (const n of worst.packing.nodes) {
    lines.push(`| ${n.node.name} | ${n.node.pool} | ${cores(n.used.cpu)} of ${cores(n.node.allocatable.cpu)} (${pct(n.used.cpu, n.node.allocatable.cpu)}) | ${gib(n.used.memory)} of ${gib(n.node.allocatable.memory)} (${pct(n.used.memory, n.node.allocatable.memory)}) | ${n.used.gpus} of ${n.node.allocatable.gpus} | ${n.pods.length} |`);
  }
  if (fit.warnings.length) lines.push('', '## Warnings', '', ...fit.warnings.map((w) => `- ${w}`));
  lines.push('');
  return lines.join('\n');
}

function row(ns: string, a: Sums, b: Sums): string {
  const both = (x: string, y: string) => (x === y ? x : `${x} / ${y}`);
  return `| ${ns} | ${both(String(a.pods), String(b.pods))} | ${both(cores(a.rc), cores(b.rc))} | ${both(gib(a.rm), gib(b.rm))} | ${both(cores(a.lc), cores(b.lc))} | ${both(gib(a.lm), gib(b.lm))} | ${gib(b.st)} |`;
}
