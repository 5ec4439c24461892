/**
 * The human-readable reachability matrix of one environment (dist/<platform>/<env>/reachability.md): who may talk to whom
 * on which port and why. Written from the same graph as the NetworkPolicies, so a change of exposure shows up
 * in the Git diff as one readable line; the network tests prove the rendered policies allow exactly this.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import type { DependencyGraph, Peer, Port } from '../lib/graph';
import { LABELS } from '../lib/labels';
import { CLUSTER_DNS } from '../lib/namespace';
import { tenantNamespace } from '../lib/naming';
import { protocolOf, renderedNamespaces, selectorKey } from './policies';

export const REACHABILITY_FILE = 'reachability.md';

const OUTSIDE = '(outside the cluster)';
/** Every tenant's namespace, as one row and column of the grid. */
const TENANTS = 'tenant-*';

const STABLE = new Set<string>([LABELS.name, LABELS.instance, LABELS.component]);

function peerLabel(p: Peer): string {
  if ('pods' in p) {
    // Member selectors (role, shard, pool) are not in the display: show them, or two groups read the same.
    const extra = Object.entries(p.pods.selector).filter(([k]) => !STABLE.has(k)).sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k.slice(k.lastIndexOf('/') + 1)}=${v}`);
    return extra.length ? `${p.pods.display} [${extra.join(', ')}]` : p.pods.display;
  }
  const a = p.addresses;
  const except = a.except?.length ? ` except ${[...a.except].join(', ')}` : '';
  return `${a.display} (${[...a.cidrs].join(', ')}${except})`;
}

function peerKey(p: Peer): string {
  return 'pods' in p ? `${p.pods.namespace} ${selectorKey(p.pods.selector)}` : `addr ${p.addresses.cidrs.join()} ${(p.addresses.except ?? []).join()}`;
}

const peerNamespace = (p: Peer) => ('pods' in p ? p.pods.namespace : OUTSIDE);

function portLabel(p: Port): string {
  return `${p.port}/${protocolOf(p)} ${p.name}`;
}

const portOrder = (a: Port, b: Port) => protocolOf(a).localeCompare(protocolOf(b)) || a.port - b.port;

const cell = (s: string) => s.replace(/\|/g, '\\|');

interface Row { from: string; to: string; fromNs: string; toNs: string; ports: Map<string, Port>; why: Set<string> }

export function reachabilityMatrix(config: EnvironmentConfig, graph: DependencyGraph): string {
  const rows = new Map<string, Row>();
  for (const f of graph.flows) {
    const key = `${peerKey(f.from)} → ${peerKey(f.to)}`;
    const row = rows.get(key) ?? { from: peerLabel(f.from), to: peerLabel(f.to), fromNs: peerNamespace(f.from), toNs: peerNamespace(f.to), ports: new Map(), why: new Set() };
    for (const p of f.ports) row.ports.set(`${protocolOf(p)}/${p.port}`, row.ports.get(`${protocolOf(p)}/${p.port}`) ?? p);
    row.why.add(f.why);
    rows.set(key, row);
  }
  const sorted = [...rows.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const ports = (r: Row) => [...r.ports.values()].sort(portOrder);

  const isolated = [...renderedNamespaces(config)].filter((ns) => config.namespaces.find((n) => n.name === ns)?.runsPods ?? true).sort();
  const dns = `${CLUSTER_DNS.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}/${CLUSTER_DNS.podSelector.matchLabels['k8s-app']}`;

  const out: string[] = [
    `# Reachability: ${config.name}`,
    '',
    'Generated from the dependency graph (`charts/lib/graph.ts`) by `charts/network/matrix.ts`. The NetworkPolicies',
    'in `02-network/` allow exactly these connections (proven by `test/network.test.ts` with a policy evaluator), so a',
    'change of exposure shows up here in the Git diff.',
    '',
    `${sorted.length} connections between ${new Set(sorted.flatMap((r) => [r.from, r.to])).size} peers.`,
    '',
    '## Always',
    '',
    `- Every namespace that runs pods denies all ingress and egress by default (\`default-deny\`): ${isolated.join(', ')}.`,
    `- Every pod there may resolve names: egress to ${dns} on 53/UDP and 53/TCP (\`allow-dns\`).`,
    '- Nothing else is allowed. In particular, tenant namespaces reach nothing but what is listed below.',
    '',
    '## Between namespaces',
    '',
    '| from | to | ports |',
    '| --- | --- | --- |',
  ];
  const pairs = new Map<string, Map<string, Port>>();
  for (const r of sorted) {
    const key = `${r.fromNs}|${r.toNs}`;
    const m = pairs.get(key) ?? new Map<string, Port>();
    for (const p of r.ports.values()) m.set(`${protocolOf(p)}/${p.port}`, p);
    pairs.set(key, m);
  }
  for (const [key, m] of [...pairs].sort(([a], [b]) => a.localeCompare(b))) {
    const [from, to] = key.split('|');
    out.push(`| ${from} | ${to} | ${[...m.values()].sort(portOrder).map((p) => `${p.port}/${protocolOf(p)}`).join(', ')} |`);
  }
  if (pairs.size === 0) out.push('| (none) | | |');

  // The same as a grid: one row per client namespace, one column per server namespace (a change is one row). The
  // tenants' namespaces are one row and one column, TENANTS: a grid of each would grow with the square of the
  // tenants (2,000 tenants: four million cells); each tenant's own connections are listed under Tenants.
  const tenantNs = new Set(config.tenants.map((t) => tenantNamespace(t.id)));
  const gridNs = (ns: string) => (tenantNs.has(ns) ? TENANTS : ns);
  const grid = new Map<string, Map<string, Port>>();
  for (const [key, m] of pairs) {
    const [from, to] = key.split('|');
    const k = `${gridNs(from)}|${gridNs(to)}`;
    grid.set(k, new Map([...(grid.get(k) ?? []), ...m]));
  }
  const namespaces = [...new Set([...grid.keys()].flatMap((k) => k.split('|')))].sort((a, b) => Number(a === OUTSIDE) - Number(b === OUTSIDE) || a.localeCompare(b));
  if (namespaces.length) {
    out.push('', '## Matrix', '', `Rows: from; columns: to; cells: TCP ports (UDP marked).${tenantNs.size ? ` ${TENANTS}: every tenant's namespace.` : ''}`, '',
      `| from \\ to | ${namespaces.join(' | ')} |`, `| --- | ${namespaces.map(() => '---').join(' | ')} |`);
    for (const from of namespaces) {
      const cells = namespaces.map((to) => [...(grid.get(`${from}|${to}`)?.values() ?? [])].sort(portOrder)
        .map((p) => (protocolOf(p) === 'TCP' ? String(p.port) : `${p.port}/${protocolOf(p)}`)).join(', ') || '·');
      if (cells.some((c) => c !== '·')) out.push(`| ${from} | ${cells.join(' | ')} |`);
    }
  }

  out.push('', '## Connections', '', '| from | to | ports | why |', '| --- | --- | --- | --- |');
  for (const r of sorted) {
    out.push(`| ${cell(r.from)} | ${cell(r.to)} | ${ports(r).map(portLabel).join(', ')} | ${cell([...r.why].sort().join('; '))} |`);
  }
  if (sorted.length === 0) out.push('| (none) | | | |');

  out.push('', '## Tenants', '');
  if (config.tenants.length === 0) out.push('No tenants in this environment.');
  // The rows by namespace, in their order: looking each tenant's up in every row made the matrix quadratic in tenants.
  const byNs = (side: 'fromNs' | 'toNs') => {
    const m = new Map<string, typeof sorted>();
    for (const r of sorted) {
      const rows = m.get(r[side]);
      if (rows) rows.push(r);
      else m.set(r[side], [r]);
    }
    return m;
  };
  const fromNs = byNs('fromNs');
  const toNs = byNs('toNs');
  for (const t of [...config.tenants].sort((a, b) => a.id.localeCompare(b.id))) {
    const ns = tenantNamespace(t.id);
    const outgoing = (fromNs.get(ns) ?? []).map((r) => `${r.to} (${ports(r).map((p) => `${p.port}/${protocolOf(p)}`).join(', ')})`);
    const incoming = (toNs.get(ns) ?? []).filter((r) => r.fromNs !== ns).map((r) => `${r.from} (${ports(r).map((p) => `${p.port}/${protocolOf(p)}`).join(', ')})`);
    out.push(`- ${ns} (plan ${t.plan}): reaches ${outgoing.length ? outgoing.join(', ') : 'only DNS'}; reached from ${incoming.length ? incoming.join(', ') : 'nowhere outside itself'}.`);
  }

  const quiet = isolated.filter((ns) => !fromNs.has(ns) && !toNs.has(ns));
  out.push('', '## Namespaces without any declared connection', '', quiet.length ? quiet.map((ns) => `- ${ns}`).join('\n') : '(none)', '');
  return out.join('\n');
}
