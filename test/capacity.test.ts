/**
 * Capacity (issue 16): the bin-packing on known cases, every environment fitting its declared nodes, an overfull
 * environment refused at render time, and the generated diagrams and table.
 *
 * The Mermaid diagrams are checked by a strict structural parser written here (the subset the generator emits:
 * flowchart header, subgraph/end, direction, node definitions with quoted labels, arrows with optional quoted
 * labels), not by Mermaid itself: the npm `mermaid` package pulls a browser DOM stack (dompurify, d3, …) that is
 * heavy for this suite. What it does not prove: that a Mermaid renderer lays the diagrams out legibly.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pack, tolerates, type Node } from '../charts/capacity/binpack';
import { checkFit, nodesOf } from '../charts/capacity/fit';
import { capacityFiles } from '../charts/capacity/report';
import { renderedWorkloads, type Workload } from '../charts/capacity/workloads';
import { applyOrder, foldersNeedingAddons, GITOPS_FOLDER } from '../charts/gitops/order';
import { renderPlatform, type RenderedPlatform } from '../charts/platform';
import { ENVIRONMENTS, formatProblem, loadEnvironment, validateEnvironment } from '../environments';
import { deepMerge } from '../environments/merge';
import { main } from '../main';
import { input, problemsOf } from './support/config';

const GI = 2 ** 30;

function node(name: string, cpu: number, memGi: number, extra: Partial<Node> = {}): Node {
  return { name, pool: extra.pool ?? 'p', allocatable: { cpu: cpu * 1000, memory: memGi * GI, gpus: 0 }, labels: {}, taints: [], ...extra };
}

function workload(id: string, cpu: number, memGi: number, replicas: number, extra: Partial<Workload> = {}): Workload {
  const r = { cpu: cpu * 1000, memory: memGi * GI, gpus: 0 };
  return {
    id, namespace: 'ns', kind: 'Deployment', source: 'test', minReplicas: replicas, maxReplicas: replicas, daemonSet: false, batch: false,
    requests: r, limits: r, storage: 0, labels: { app: id }, nodeSelector: {}, tolerations: [], antiAffinity: [], ...extra,
  };
}
const self = (id: string) => [{ namespaces: ['ns'], matchLabels: { app: id } }];
const missing = (p: ReturnType<typeof pack>) => Object.fromEntries(p.unplaced.map((u) => [u.workload.id, u.count]));

describe('bin-packing', () => {
  test('packs items, not sums: 3 + 3 + 2 CPU do not fit two 4-CPU nodes although 8 ≤ 8', () => {
    const nodes = [node('a', 4, 16), node('b', 4, 16)];
    const p = pack(nodes, [workload('x', 3, 1, 2), workload('y', 2, 1, 1)], (w) => w.maxReplicas);
    expect(missing(p)).toEqual({ y: 1 });
    // With a third node the same pods fit.
    expect(pack([...nodes, node('c', 4, 16)], [workload('x', 3, 1, 2), workload('y', 2, 1, 1)], (w) => w.maxReplicas).unplaced).toEqual([]);
  });

  test('memory counts as much as CPU', () => {
    const p = pack([node('a', 16, 4)], [workload('x', 1, 3, 2)], (w) => w.maxReplicas);
    expect(missing(p)).toEqual({ x: 1 });
  });

  test('best fit is tried when spreading strands space', () => {
    // Spreading puts the 4-CPU pod on the 6-CPU node and strands the two 3-CPU pods; best fit puts it on the
    // 4-CPU node, which it fills exactly, and both 3-CPU pods on the 6-CPU node.
    const nodes = [node('a', 6, 16), node('b', 4, 16)];
    const p = pack(nodes, [workload('big', 4, 1, 1), workload('small', 3, 1, 2)], (w) => w.maxReplicas);
    expect(p.unplaced).toEqual([]);
    expect(p.nodes.map((n) => n.pods.map((w) => w.id))).toEqual([['small', 'small'], ['big']]);
  });

  test('required anti-affinity: one pod per node, whatever the free space', () => {
    const w = workload('db', 1, 1, 3, { antiAffinity: self('db') });
    expect(pack([node('a', 32, 64), node('b', 32, 64)], [w], (x) => x.maxReplicas).unplaced.map((u) => u.count)).toEqual([1]);
    const three = pack([node('a', 32, 64), node('b', 32, 64), node('c', 32, 64)], [w], (x) => x.maxReplicas);
    expect(three.unplaced).toEqual([]);
    expect(three.nodes.map((n) => n.pods.length)).toEqual([1, 1, 1]);
  });

  test('anti-affinity is symmetric: a pod matched by another pod\'s term keeps away from it', () => {
    const guard = workload('guard', 1, 1, 1, { antiAffinity: [{ namespaces: ['ns'], matchLabels: { app: 'other' } }] });
    const other = workload('other', 1, 1, 1);
    expect(missing(pack([node('a', 32, 64)], [guard, other], (x) => x.maxReplicas))).toEqual({ other: 1 });
    // A term in another namespace does not match.
    const elsewhere = { ...other, namespace: 'ns2' };
    expect(pack([node('a', 32, 64)], [guard, elsewhere], (x) => x.maxReplicas).unplaced).toEqual([]);
  });

  test('GPU taints: only tolerating pods land on GPU nodes, GPU pods only there', () => {
    const gpuNode = node('gpu', 16, 64, { labels: { 'nvidia.com/gpu.present': 'true' }, taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] });
    const gpuNodeWithGpu = { ...gpuNode, allocatable: { ...gpuNode.allocatable, gpus: 1 } };
    const general = node('general', 16, 64);
    const model = workload('model', 4, 24, 1, {
      requests: { cpu: 4000, memory: 24 * GI, gpus: 1 }, nodeSelector: { 'nvidia.com/gpu.present': 'true' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    });
    // A pod without the toleration never goes to the GPU node, however empty.
    expect(missing(pack([gpuNodeWithGpu], [workload('web', 1, 1, 1)], (x) => x.maxReplicas))).toEqual({ web: 1 });
    // The model server needs the GPU node; with two replicas and one GPU, one waits.
    expect(missing(pack([general, gpuNodeWithGpu], [{ ...model, maxReplicas: 2 }], (x) => x.maxReplicas))).toEqual({ model: 1 });
    // A GPU node without a free GPU does not take it.
    expect(missing(pack([general, gpuNode], [model], (x) => x.maxReplicas))).toEqual({ model: 1 });
    expect(tolerates([{ operator: 'Exists' }], { key: 'anything', effect: 'NoExecute' })).toBe(true);
    expect(tolerates([{ key: 'a', operator: 'Equal', value: 'x', effect: 'NoSchedule' }], { key: 'a', value: 'y', effect: 'NoSchedule' })).toBe(false);
  });

  test('a DaemonSet pod goes on every node it tolerates and takes its share first', () => {
    const gpu = node('gpu', 2, 4, { taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] });
    const ds = workload('exporter', 1, 1, 0, { daemonSet: true, tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }] });
    const p = pack([node('a', 2, 4), gpu], [ds, workload('app', 2, 1, 1)], (x) => x.maxReplicas);
    expect(p.nodes.map((n) => n.pods.map((w) => w.id))).toEqual([['exporter'], ['exporter']]);
    expect(missing(p)).toEqual({ app: 1 });
  });
});

describe('every environment fits its declared nodes', () => {
  const rendered = new Map<string, RenderedPlatform>(Object.keys(ENVIRONMENTS).map((e) => [e, renderPlatform(loadEnvironment(e))]));

  test.each(Object.keys(ENVIRONMENTS))('%s', (env) => {
    const fit = checkFit(rendered.get(env)!);
    expect(fit.problems.map(formatProblem)).toEqual([]);
    const c = fit.config;
    // HA: each pool's node down in turn at the minimum; not HA: all nodes at the minimum. Always the maximum.
    expect(fit.scenarios.map((s) => s.down ?? '-')).toEqual([...(c.ha ? c.cluster.nodePools.map((p) => `${p.name}-1`) : ['-']), '-']);
  });

  test('the declared hardware is the issue\'s: onprem 3 × 16 / 64 GB, dev 4 / 8 GiB, production 5 × 32 / 128 GB plus GPUs', () => {
    const pools = (e: string) => loadEnvironment(e).cluster.nodePools.map((p) => [p.name, p.count, p.cpu, p.memory, p.gpus]);
    expect(pools('onprem')).toEqual([['server', 3, '16', '64Gi', 0]]);
    expect(loadEnvironment('onprem').ha).toBe(true);
    expect(loadEnvironment('onprem').cluster.flavour).toBe('kubeadm');
    expect(loadEnvironment('onprem').apps.modelServer.mode).toBe('cpu');
    expect(pools('dev')).toEqual([['dev', 1, '4', '8Gi', 0]]);
    expect(pools('production')[0]).toEqual(['general', 5, '32', '128Gi', 0]);
    expect(pools('production').slice(1).every((p) => Number(p[4]) > 0)).toBe(true);
  });

  test('add-ons are counted: dev with no add-ons at all would leave room it does not have', () => {
    const fit = checkFit(rendered.get('dev')!);
    const addons = fit.workloads.filter((w) => w.source.startsWith('add-on '));
    expect(addons.map((w) => w.id)).toEqual(expect.arrayContaining(['argocd/argocd-application-controller', 'cert-manager/cert-manager']));
    const prod = checkFit(rendered.get('production')!).workloads;
    // node-exporter is a DaemonSet that tolerates the GPU taint: it is placed on every node, GPU nodes included.
    const max = checkFit(rendered.get('production')!).scenarios.find((s) => s.name === 'maximum')!;
    expect(prod.some((w) => w.id === 'monitoring/node-exporter' && w.daemonSet)).toBe(true);
    expect(max.packing.nodes.every((n) => n.pods.some((w) => w.id === 'monitoring/node-exporter'))).toBe(true);
  });
});

describe('an environment that does not fit is refused', () => {
  const smaller = (pools: unknown[]) => {
    const cfg = input('staging');
    cfg.cluster.nodePools = pools;
    return validateEnvironment('staging', cfg);
  };

  test('the message names the environment, the pods, the scenario, the shortfall and the fixes', () => {
    const c = smaller([
      { name: 'general', count: 3, cpu: '8', memory: '32Gi', gpus: 0, reserved: { cpu: '1', memory: '4Gi' } },
      { name: 'gpu', count: 2, cpu: '16', memory: '64Gi', gpus: 1, reserved: { cpu: '1', memory: '4Gi' }, labels: { 'nvidia.com/gpu.present': 'true' }, taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] },
    ]);
    const fit = checkFit(renderPlatform(c));
    expect(fit.problems.length).toBeGreaterThan(0);
    const text = fit.problems.map(formatProblem).join('\n');
    expect(text).toMatch(/^environment "staging": cluster\.nodePools = \[.*general: 3 × 8 CPU \/ 32Gi/m);
    // One problem per scenario and set of nodes, not one per pod.
    expect(fit.problems.length).toBeLessThanOrEqual(fit.scenarios.length);
    expect(text).toMatch(/does not fit \(HPA minimums, node general-1 down\): \d+ pods? finds? no room: [a-z-]+\/[a-z0-9-]+ ×\d+ \([0-9.m]+ CPU \/ [0-9.]+ GiB each\)/);
    expect(text).toMatch(/The 2 nodes they may run on \(general-2, general-3: 14 CPU \/ 56\.0 GiB allocatable\) would need [0-9.]+ CPU \/ [0-9.]+ GiB, short by [0-9.]+ (CPU|GiB)/);
    expect(text).toMatch(/fix: fewer replicas or smaller requests in this environment, or \d+ more "general" nodes? \(8 CPU \/ 32Gi, with one node down\)/);
    // The figures add up: what the nodes would need minus what they have is the shortfall.
    const m = /\(HPA maximums[^]*?allocatable\) would need ([0-9.]+) CPU[^]*?short by ([0-9.]+) CPU/.exec(text)!;
    expect(Number(m[1]) - 21).toBeCloseTo(Number(m[2]), 1);
  });

  test('a GPU workload without a GPU pool says which labels and GPUs are missing', () => {
    const c = smaller([{ name: 'general', count: 3, cpu: '32', memory: '128Gi', gpus: 0, reserved: { cpu: '1', memory: '4Gi' } }]);
    const text = checkFit(renderPlatform(c)).problems.map(formatProblem).join('\n');
    expect(text).toContain('app-agents/model-server');
    expect(text).toContain('no node pool matches it (node selector nvidia.com/gpu.present=true) with 1 GPU');
    expect(text).toContain('fix: add a node pool with those labels and GPUs');
  });

  test('the synth refuses it before writing anything and prints the problem', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'capacity-'));
    const saved = ENVIRONMENTS.onprem;
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((m: string) => { errors.push(m); });
    try {
      ENVIRONMENTS.onprem = deepMerge(saved, { apps: { services: { 'model-server': { resources: { requests: { cpu: '15', memory: '6Gi' }, limits: { cpu: '15', memory: '6Gi' } } } } } });
      expect(main(['--env', 'onprem', '--out', out])).toBe(1);
      expect(fs.readdirSync(out)).toEqual([]);
      expect(errors.join('\n')).toMatch(/environment "onprem": cluster\.nodePools = .*does not fit .*app-agents\/model-server ×1 \(15 CPU \/ 6\.0 GiB each\)/);
      expect(errors.join('\n')).toContain('nothing was written');
    } finally {
      ENVIRONMENTS.onprem = saved;
      spy.mockRestore();
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('above 85 % at the maximum: a warning, not an error', () => {
    const fit = checkFit(renderPlatform(loadEnvironment('dev')));
    expect(fit.problems).toEqual([]);
    expect(fit.warnings.join('\n')).toMatch(/environment "dev": node pool "dev" is \d+ % full of memory requests at the HPA maximums/);
    expect(checkFit(renderPlatform(loadEnvironment('production'))).warnings).toEqual([]);
  });
});

describe('node pool rules', () => {
  test('cluster.nodes must count the untainted pools\' nodes', () => {
    const cfg = input('production');
    cfg.cluster.nodes = 7;
    const p = problemsOf('production', cfg).find((x) => x.path === 'cluster.nodes');
    expect(p && formatProblem(p)).toBe('environment "production": cluster.nodes = 7: must equal the nodes of the untainted pools in cluster.nodePools: 5 (general: 5)');
  });

  test('a reserve as large as the node, a duplicate pool, a missing pool list', () => {
    const cfg = input('onprem');
    cfg.cluster.nodePools.push({ ...cfg.cluster.nodePools[0], reserved: { cpu: '16', memory: '8Gi' } });
    const texts = problemsOf('onprem', cfg).map(formatProblem);
    expect(texts).toContain('environment "onprem": cluster.nodePools[1].name = "server": duplicates node pool "server"');
    expect(texts).toContain('environment "onprem": cluster.nodePools[1].reserved.cpu = "16": must be less than the node\'s cpu 16');
    const none = input('dev');
    delete none.cluster.nodePools;
    expect(problemsOf('dev', none).map(formatProblem)).toContain('environment "dev": cluster.nodePools = (missing): is required (expected array)');
  });

  test('nodesOf expands pools into nodes with the reserve taken off', () => {
    const nodes = nodesOf(loadEnvironment('onprem'));
    expect(nodes.map((n) => [n.name, n.allocatable.cpu, n.allocatable.memory / GI])).toEqual([['server-1', 14500, 56], ['server-2', 14500, 56], ['server-3', 14500, 56]]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Diagrams
// ---------------------------------------------------------------------------------------------------------

interface Diagram { kind: string; nodes: Map<string, string>; subgraphs: string[]; edges: [string, string, string?][] }

const ID = '[A-Za-z][A-Za-z0-9_]*';
const LABEL = '"[^"]*"';

/** Parses the generator's Mermaid subset strictly; throws on any line it does not recognise. */
function parseMermaid(md: string): Diagram {
  const blocks = [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)];
  if (blocks.length !== 1) throw new Error(`expected one mermaid block, found ${blocks.length}`);
  const lines = blocks[0][1].split('\n');
  const header = /^flowchart (LR|TD)$/.exec(lines[0]);
  if (!header) throw new Error(`bad header: ${lines[0]}`);
  const d: Diagram = { kind: header[1], nodes: new Map(), subgraphs: [], edges: [] };
  const open: string[] = [];
  const define = (id: string, label: string) => {
    if (d.nodes.has(id) || d.subgraphs.includes(id)) throw new Error(`duplicate id ${id}`);
    d.nodes.set(id, label);
  };
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^\\s*subgraph (${ID})\\[(${LABEL})\\]$`).exec(line))) {
      if (d.nodes.has(m[1]) || d.subgraphs.includes(m[1])) throw new Error(`duplicate id ${m[1]}`);
      d.subgraphs.push(m[1]); open.push(m[1]);
    } else if (/^\s*end$/.test(line)) {
      if (!open.pop()) throw new Error('end without subgraph');
    } else if (/^\s*direction (TB|LR)$/.test(line)) {
      if (!open.length) throw new Error('direction outside a subgraph');
    } else if ((m = new RegExp(`^\\s*(${ID})\\[(${LABEL})\\]$`).exec(line)) || (m = new RegExp(`^\\s*(${ID})\\(\\[(${LABEL})\\]\\)$`).exec(line))
      || (m = new RegExp(`^\\s*(${ID})\\[\\((${LABEL})\\)\\]$`).exec(line))) {
      define(m[1], m[2]);
    } else if ((m = new RegExp(`^\\s*(${ID}) -->(?:\\|(${LABEL})\\|)? (${ID})$`).exec(line))) {
      d.edges.push([m[1], m[3], m[2]]);
    } else {
      throw new Error(`unrecognised line: ${JSON.stringify(line)}`);
    }
  }
  if (open.length) throw new Error(`unclosed subgraphs: ${open.join(', ')}`);
  for (const [a, b] of d.edges) {
    for (const id of [a, b]) if (!d.nodes.has(id) && !d.subgraphs.includes(id)) throw new Error(`edge to undefined node ${id}`);
  }
  return d;
}

describe('diagrams and the capacity table in dist/<env>/', () => {
  test('the structural parser rejects what Mermaid would reject or draw wrong', () => {
    const wrap = (s: string) => `\`\`\`mermaid\n${s}\n\`\`\``;
    expect(() => parseMermaid(wrap('flowchart LR\n  a["x"]\n  a --> b'))).toThrow(/undefined node b/);
    expect(() => parseMermaid(wrap('flowchart LR\n  subgraph s["x"]\n  a["y"]'))).toThrow(/unclosed/);
    expect(() => parseMermaid(wrap('flowchart LR\n  a["say "hi""]'))).toThrow(/unrecognised/);
    expect(() => parseMermaid(wrap('flowchart LR\n  a["x"]\n  a["y"]'))).toThrow(/duplicate/);
    expect(parseMermaid(wrap('flowchart TD\n  a["x"]\n  b(["y"])\n  c[("z")]\n  a -->|"p 1"| b')).edges).toEqual([['a', 'b', '"p 1"']]);
    expect(() => parseMermaid(wrap('flowchart LR\n  c[("z"]'))).toThrow(/unrecognised/);
  });

  test.each(Object.keys(ENVIRONMENTS))('%s: architecture, install order and capacity', (env) => {
    const p = renderPlatform(loadEnvironment(env));
    const files = new Map(capacityFiles(p));

    const arch = parseMermaid(files.get('architecture.md')!);
    // Every flow of the graph is an arrow between the right groups' boxes; every namespace with a flow is a group.
    const labels = new Set(arch.edges.map(([a, b]) => `${a} ${b}`));
    for (const f of p.graph.flows) {
      const name = (x: typeof f.from) => ('pods' in x ? `p_${x.pods.display}` : `x_${x.addresses.display}`).replace(/[^A-Za-z0-9_]+/g, '_');
      expect(labels).toContain(`${name(f.from)} ${name(f.to)}`);
    }
    for (const ns of new Set(p.graph.flows.flatMap((f) => [f.from, f.to]).flatMap((x) => ('pods' in x ? [x.pods.namespace] : [])))) {
      expect(arch.subgraphs).toContain(`ns_${ns.replace(/[^A-Za-z0-9]+/g, '_')}`);
    }
    // Every rendered workload is in a box that names it or its pods, with its scale; stores are cylinders.
    const archText = files.get('architecture.md')!;
    for (const w of renderedWorkloads(p.charts)) {
      const name = w.id.slice(w.namespace.length + 1);
      const box = [...arch.nodes].find(([id, label]) => id.startsWith(`p_${w.namespace.replace(/-/g, '_')}_`) || id.startsWith('w_')
        ? label.includes(w.kind) && (label.includes(name) || label.includes(`${w.labels['app.kubernetes.io/instance'] ?? ''}-`)) : false);
      expect({ w: w.id, found: !!box }).toEqual({ w: w.id, found: true });
      if (w.storage > 0) expect(archText).toMatch(new RegExp(`\\[\\("[^"]*(${name}|${w.labels['app.kubernetes.io/instance']}-)[^"]*${w.kind}`));
    }
    // The outside world reaches the ingress controller.
    expect(arch.edges.some(([a, b]) => a === 'x_clients' && /traefik|ingress_nginx/.test(b))).toBe(true);

    const order = parseMermaid(files.get('install-order.md')!);
    const charts = p.charts.filter((x) => x.manifests.length);
    const folders = applyOrder([...new Set([...charts.map((x) => x.folder), GITOPS_FOLDER])], foldersNeedingAddons(charts));
    const chain = order.edges.filter(([a]) => a.startsWith('f_')).map(([a, b]) => [a, b]);
    expect(chain).toEqual(folders.slice(1).map((f, i) => [`f_${folders[i].replace(/-/g, '_')}`, `f_${f.replace(/-/g, '_')}`]));
    folders.forEach((f, i) => expect(files.get('install-order.md')).toContain(`"wave ${i}: ${f}`));

    const table = files.get('capacity.md')!;
    const fit = checkFit(p);
    for (const s of fit.scenarios) expect(table).toContain(`| ${s.title} | fits |`);
    for (const ns of new Set(fit.workloads.map((w) => w.namespace))) expect(table).toMatch(new RegExp(`^\\| ${ns} \\|`, 'm'));
  });

  test('add-on boxes the graph names by their short name carry the add-on pods\' kind and scale', () => {
    // The graph names cert-manager's pods `cert-manager/webhook`; the add-on's pod is `cert-manager-webhook`.
    const arch = parseMermaid(capacityFiles(renderPlatform(loadEnvironment('production')))[0][1]);
    const label = (id: string) => [...arch.nodes].find(([n]) => n === id)?.[1];
    expect(label('p_cert_manager_webhook')).toBe('"webhook: Deployment ×2"'); // two in HA (addons-catalog.ts)
    expect(label('p_cert_manager_cainjector')).toBe('"cainjector: Deployment ×1"');
    expect(label('p_cert_manager_startupapicheck')).toBe('"startupapicheck: Job"');
    expect(label('p_monitoring_kube_prometheus_stack_prometheus_operator')).toBe('"kube-prometheus-stack-prometheus-operator: Deployment ×1"');
  });

  test('the rendered files are the ones in dist/ and linked from each other', () => {
    for (const env of Object.keys(ENVIRONMENTS)) {
      for (const f of ['architecture.md', 'install-order.md', 'capacity.md']) expect(fs.existsSync(path.join('dist', 'receivables', env, f))).toBe(true);
    }
    expect(fs.readFileSync('dist/receivables/dev/architecture.md', 'utf8')).toContain('[capacity.md](capacity.md)');
    // Tenants' quotas (base.ts plans: enterprise 32 CPU / 64Gi, business 8 / 16Gi, starter 2 / 4Gi) are shown beside the fit.
    expect(fs.readFileSync('dist/receivables/production/capacity.md', 'utf8')).toContain('Their quotas allow 42 CPU / 84.0 GiB of requests');
  });
});
