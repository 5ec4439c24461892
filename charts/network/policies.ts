/**
 * NetworkPolicies planned from the dependency graph, and from nothing else.
 *
 * Every namespace that runs pods already denies all ingress and egress and allows DNS (lib/namespace.ts). On
 * top of that, a connection needs both ends to allow it: the client's egress and the server's ingress. So each
 * flow becomes an egress rule on the client's pods (when they live in a namespace we render) and an ingress rule
 * on the server's pods (likewise). Flows are merged into one policy per pod group and direction
 * (`<group>-ingress`, `<group>-egress`), with one rule per distinct port set, so a reader sees at a glance who
 * may reach a group and on which ports. Everything is sorted, so the YAML is stable and diffs are minimal.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import { LABELS, memberSelectorKeys, type Labels } from '../lib/labels';
import { PRIVATE_RANGES, type AddressRange, type DependencyGraph, type Flow, type Peer, type PodGroup, type Port } from '../lib/graph';
import { tenantNamespace } from '../lib/naming';

/** Namespaces that we do not render but whose pods take part in flows (CoreDNS, k3s's Traefik). */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system'];

/** Label the API server puts on every namespace (Kubernetes ≥ 1.21): the only reliable namespace selector. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

type Protocol = 'TCP' | 'UDP';

export interface PolicyPort {
  readonly protocol: Protocol;
  readonly port: number;
}

export type PolicyPeer =
  | { readonly podSelector: { readonly matchLabels: Labels }; readonly namespaceSelector?: { readonly matchLabels: Labels } }
  | { readonly ipBlock: { readonly cidr: string; readonly except?: readonly string[] } };

export interface PolicyRule {
  /** The peers, in `from` (ingress) or `to` (egress). */
  readonly peers: readonly PolicyPeer[];
  readonly ports: readonly PolicyPort[];
}

export interface PlannedPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: Labels;
  readonly direction: 'Ingress' | 'Egress';
  readonly rules: readonly PolicyRule[];
  /** The `why` of every flow behind the policy, sorted. */
  readonly reasons: readonly string[];
}

/** Namespaces this environment renders (and so may hold policies): the platform's and the tenants'. */
export function renderedNamespaces(config: EnvironmentConfig): Set<string> {
  return new Set([...config.namespaces.map((n) => n.name), ...config.tenants.map((t) => tenantNamespace(t.id))]);
}

const isPods = (p: Peer): p is Extract<Peer, { readonly pods: PodGroup }> => 'pods' in p;

export function protocolOf(p: Port): Protocol {
  return p.protocol ?? 'TCP';
}

/**
 * A stable key for a set of labels (order-independent). Keys in code-unit order: the planner asks for one per
 * flow end, and `localeCompare` (ICU collation) made this a few per cent of a render.
 */
export function selectorKey(s: Labels): string {
  return JSON.stringify(Object.entries(s).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const groupKey = (g: PodGroup) => `${g.namespace} ${selectorKey(g.selector)}`;

const STABLE_KEYS = new Set<string>([LABELS.name, LABELS.instance, LABELS.component]);

/**
 * The policy base name of a pod group: the part of its display after the namespace, plus every value of our
 * selector keys the display does not already show (a component, a role, a shard), so that groups of one application that
 * differ by component or member role get distinct names: `ingress-nginx-controller`, `postgres-database-primary`.
 */
export function groupName(g: PodGroup, memberKeys: readonly string[]): string {
  let name = g.display.slice(g.display.lastIndexOf('/') + 1);
  // Stable identity keys first (name, instance, component), then member keys, each in key order; labels of
  // other schemes (e.g. cert-manager's `acme.cert-manager.io/http01-solver: "true"`) say nothing in a name.
  const entries = Object.entries(g.selector).filter(([k]) => STABLE_KEYS.has(k) || memberKeys.includes(k))
    .sort(([a], [b]) => Number(!STABLE_KEYS.has(a)) - Number(!STABLE_KEYS.has(b)) || a.localeCompare(b));
  for (const [, v] of entries) {
    if (v && !`-${name}-`.includes(`-${v}-`)) name += `-${v}`;
  }
  const label = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!label) throw new Error(`pod group "${g.display}" has no usable name for its NetworkPolicies`);
  // NetworkPolicy names are DNS subdomains; keep room for the "-ingress" suffix.
  return label.slice(0, 240);
}

/** Whether CIDR `inner` lies within CIDR `outer` (IPv4). */
export function cidrWithin(inner: string, outer: string): boolean {
  const [ia, ib] = parseCidr(inner);
  const [oa, ob] = parseCidr(outer);
  return ib >= ob && (ia & mask(ob)) >>> 0 === (oa & mask(ob)) >>> 0;
}

export function parseCidr(c: string): [number, number] {
  const [ip, bits] = c.split('/');
  return [ipToInt(ip), Number(bits ?? 32)];
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`"${ip}" is not an IPv4 address`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
}

/**
 * Egress to a range wider than a private range must except it: with Calico or Cilium, an ipBlock such as
 * 0.0.0.0/0 also matches pod and node addresses, so a bare "internet" rule would open every pod of the cluster on
 * that port. A range that is itself private (a partner VPN, the API server) is deliberate and allowed.
 */
function checkEgressRange(a: AddressRange, f: Flow): void {
  for (const cidr of a.cidrs) {
    const open = PRIVATE_RANGES.filter((r) => r !== cidr && cidrWithin(r, cidr) && !(a.except ?? []).some((e) => cidrWithin(r, e)));
    if (open.length) {
      throw new Error(`flow "${f.why}": egress to ${a.display} ${cidr} would include the private ranges ${open.join(', ')} (pods and nodes); `
        + 'list them in except (see INTERNET in charts/lib/graph.ts)');
    }
  }
}

/**
 * One ipBlock per CIDR; each keeps only the exceptions strictly inside it (the API rejects any other), and a CIDR
 * that an exception covers entirely is left out. A range with nothing left is an error: a rule without peers
 * would allow every address.
 */
function ipBlocks(a: AddressRange): PolicyPeer[] {
  const kept = a.cidrs.filter((cidr) => !(a.except ?? []).some((e) => cidrWithin(cidr, e)));
  if (kept.length === 0) throw new Error(`address range "${a.display}" (${a.cidrs.join(', ')}) is entirely excepted (${(a.except ?? []).join(', ')})`);
  return [...kept].sort().map((cidr) => {
    const except = (a.except ?? []).filter((e) => e !== cidr && cidrWithin(e, cidr)).sort();
    return { ipBlock: { cidr, ...(except.length ? { except } : {}) } };
  });
}

function peerDisplay(p: Peer): string {
  return isPods(p) ? p.pods.display : p.addresses.display;
}

/** The peer as seen from a policy in `policyNamespace`: a bare podSelector means "in my namespace". */
function renderPeer(p: Peer, policyNamespace: string): PolicyPeer[] {
  if (!isPods(p)) return ipBlocks(p.addresses);
  const podSelector = { matchLabels: sortLabels(p.pods.selector) };
  if (p.pods.namespace === policyNamespace) return [{ podSelector }];
  return [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: p.pods.namespace } }, podSelector }];
}

function sortLabels(l: Labels): Labels {
  return Object.fromEntries(Object.entries(l).sort(([a], [b]) => a.localeCompare(b)));
}

const portKey = (p: PolicyPort) => `${p.protocol}/${String(p.port).padStart(5, '0')}`;

interface Side {
  readonly group: PodGroup;
  readonly direction: 'Ingress' | 'Egress';
  /** Peer display → the peer, its ports and reasons. */
  readonly peers: Map<string, { peer: Peer; ports: Map<string, PolicyPort>; reasons: Set<string> }>;
}

/**
 * Plans the allow policies of one environment from its graph. Throws when a flow names pods in a namespace
 * that is neither rendered nor a known system namespace (a typo would otherwise open egress into nowhere and
 * leave the real server closed), when a flow joins two address ranges, or when two pod groups of one
 * namespace would get the same policy name.
 */
export function planPolicies(config: EnvironmentConfig, graph: DependencyGraph): PlannedPolicy[] {
  const ours = renderedNamespaces(config);
  const sides = new Map<string, Side>();

  const check = (p: Peer, f: Flow): boolean => {
    if (!isPods(p)) return false;
    const ns = p.pods.namespace;
    if (ours.has(ns)) return true;
    if (SYSTEM_NAMESPACES.includes(ns)) return false;
    throw new Error(`flow "${f.why}": pods ${p.pods.display} are in namespace "${ns}", which environment "${config.name}" does not render `
      + `(rendered: ${[...ours].sort().join(', ')}; system: ${SYSTEM_NAMESPACES.join(', ')})`);
  };

  // Two groups with the same selector may carry different displays: use the smallest, so names are stable.
  const canonical = new Map<string, PodGroup>();
  for (const f of graph.flows) {
    for (const p of [f.from, f.to]) {
      if (!isPods(p)) continue;
      const known = canonical.get(groupKey(p.pods));
      if (!known || p.pods.display < known.display) canonical.set(groupKey(p.pods), p.pods);
    }
  }

  const add = (g: PodGroup, direction: Side['direction'], peer: Peer, f: Flow) => {
    const group = canonical.get(groupKey(g))!;
    const key = `${direction} ${groupKey(group)}`;
    let side = sides.get(key);
    if (!side) { side = { group, direction, peers: new Map() }; sides.set(key, side); }
    const pk = isPods(peer) ? `pods ${groupKey(peer.pods)}` : `addresses ${JSON.stringify([[...peer.addresses.cidrs].sort(), [...(peer.addresses.except ?? [])].sort()])}`;
    let entry = side.peers.get(pk);
    if (!entry) {
      entry = { peer: isPods(peer) ? { pods: canonical.get(groupKey(peer.pods))! } : peer, ports: new Map(), reasons: new Set() };
      side.peers.set(pk, entry);
    }
    for (const p of f.ports) {
      const pp: PolicyPort = { protocol: protocolOf(p), port: p.port };
      entry.ports.set(portKey(pp), pp);
    }
    entry.reasons.add(f.why);
  };

  for (const f of graph.flows) {
    const fromOurs = check(f.from, f);
    const toOurs = check(f.to, f);
    if (!isPods(f.from) && !isPods(f.to)) throw new Error(`flow "${f.why}" joins two address ranges (${peerDisplay(f.from)} → ${peerDisplay(f.to)}): no pod of ours is involved`);
    for (const p of f.ports) {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw new Error(`flow "${f.why}": port ${p.port} (${p.name}) is not in 1-65535`);
    }
    if (!isPods(f.to)) checkEgressRange(f.to.addresses, f);
    if (fromOurs && isPods(f.from)) add(f.from.pods, 'Egress', f.to, f);
    if (toOurs && isPods(f.to)) add(f.to.pods, 'Ingress', f.from, f);
  }

  const planned: PlannedPolicy[] = [];
  const names = new Map<string, string>();
  for (const side of sides.values()) {
    const { group, direction } = side;
    const base = groupName(group, memberSelectorKeys(config));
    const other = names.get(`${group.namespace}/${base}`);
    if (other !== undefined && other !== groupKey(group)) {
      throw new Error(`two pod groups in namespace "${group.namespace}" would both get NetworkPolicies named "${base}-…": `
        + `${group.display} ${JSON.stringify(group.selector)} and another with selector ${other.slice(group.namespace.length + 1)}; give them distinct displays`);
    }
    names.set(`${group.namespace}/${base}`, groupKey(group));

    // Peers with the same port set share one rule.
    const byPorts = new Map<string, { ports: PolicyPort[]; peers: { display: string; rendered: PolicyPeer[] }[] }>();
    const reasons = new Set<string>();
    for (const entry of side.peers.values()) {
      const ports = [...entry.ports.values()].sort((a, b) => portKey(a).localeCompare(portKey(b)));
      const key = ports.map(portKey).join(',');
      const rule = byPorts.get(key) ?? { ports, peers: [] };
      rule.peers.push({ display: peerDisplay(entry.peer), rendered: renderPeer(entry.peer, group.namespace) });
      byPorts.set(key, rule);
      entry.reasons.forEach((r) => reasons.add(r));
    }
    const rules = [...byPorts.values()].map((r) => {
      r.peers.sort((a, b) => a.display.localeCompare(b.display) || JSON.stringify(a.rendered).localeCompare(JSON.stringify(b.rendered)));
      return { peers: r.peers.flatMap((p) => p.rendered), ports: r.ports, first: r.peers[0].display };
    }).sort((a, b) => a.first.localeCompare(b.first) || a.ports.map(portKey).join().localeCompare(b.ports.map(portKey).join()))
      .map(({ peers, ports }) => ({ peers, ports }));

    planned.push({
      namespace: group.namespace,
      name: `${base}-${direction.toLowerCase()}`,
      podSelector: sortLabels(group.selector),
      direction,
      rules,
      reasons: [...reasons].sort(),
    });
  }
  return planned.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
