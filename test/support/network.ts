/**
 * Reachability of a rendered environment: the endpoints to probe (rendered workloads, the peers the graph names
 * that we do not render, a "stranger" pod in every namespace, addresses inside and outside every declared range),
 * what the rendered policies allow between them (PolicyEvaluator), and what the dependency graph says they should.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import type { DependencyGraph, Flow, Peer, Port } from '../../charts/lib/graph';
import { renderedNamespaces } from '../../charts/network/policies';
import type { Manifest } from '../../charts/platform';
import { addressIn, intToIp, ipInCidr, ipToInt, PolicyEvaluator, type AddressEndpoint, type NetEndpoint, type PodEndpoint, type Probe, type Protocol } from './netpol';
import { podTemplates } from './render';

export const STRANGER_LABEL = 'netpol-probe.test/stranger';
/** Addresses probed besides those of declared ranges: a public one and a private one outside every range. */
export const FIXED_ADDRESSES = [{ id: 'public 203.0.113.10', ip: '203.0.113.10' }, { id: 'private 10.254.254.254', ip: '10.254.254.254' }];
export const KUBE_DNS: PodEndpoint = {
  kind: 'pod', id: 'kube-system/kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' },
  ports: [{ containerPort: 53, name: 'dns', protocol: 'UDP' }, { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' }],
};
/** A port nothing declares: an allowance on it means a policy without ports. */
export const UNDECLARED_PORT = 65000;

export interface Environment {
  readonly config: EnvironmentConfig;
  readonly graph: DependencyGraph;
  readonly manifests: readonly Manifest[];
}

const matchesLabels = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);

/** Whether an endpoint belongs to a peer of the graph; with `podAddresses`, an address range also holds the pods
 *  whose address lies in it (what a declared range means where ipBlocks match pods). */
export function isMember(e: NetEndpoint, peer: Peer, podAddresses = false): boolean {
  if ('pods' in peer) return e.kind === 'pod' && e.namespace === peer.pods.namespace && matchesLabels(peer.pods.selector, e.labels);
  const ip = e.kind === 'address' ? e.ip : podAddresses ? e.ip : undefined;
  return ip !== undefined && peer.addresses.cidrs.some((c) => ipInCidr(ip, c)) && !(peer.addresses.except ?? []).some((c) => ipInCidr(ip, c));
}

/** Every endpoint worth probing in an environment. */
export function endpoints(env: Environment): NetEndpoint[] {
  const pods: PodEndpoint[] = podTemplates(env.manifests).map(({ owner, template }) => ({
    kind: 'pod',
    id: `${owner.metadata.namespace}/${owner.kind}/${owner.metadata.name}`,
    namespace: owner.metadata.namespace,
    labels: template.metadata?.labels ?? {},
    ports: (template.spec.containers ?? []).flatMap((c: Manifest) => c.ports ?? []),
  }));
  // Peers the graph names but nobody renders (Prometheus, the ingress controller, a store not built yet).
  const declared = new Map<string, PodEndpoint>();
  for (const f of env.graph.flows) {
    for (const peer of [f.from, f.to]) {
      if (!('pods' in peer) || pods.some((p) => isMember(p, peer))) continue;
      const g = peer.pods;
      const id = `${g.display} (declared) ${JSON.stringify(g.selector)}`;
      const known = declared.get(id) ?? { kind: 'pod', id, namespace: g.namespace, labels: { ...g.selector }, ports: [] };
      const ports = peer === f.to ? f.ports.map((p) => ({ containerPort: p.port, protocol: (p.protocol ?? 'TCP') as Protocol })) : [];
      declared.set(id, { ...known, ports: [...known.ports, ...ports] });
    }
  }
  const namespaces = [...renderedNamespaces(env.config), 'kube-system'].sort();
  const strangers: PodEndpoint[] = namespaces.map((ns) => ({ kind: 'pod', id: `${ns}/stranger`, namespace: ns, labels: { [STRANGER_LABEL]: 'true' }, ports: [] }));

  const addresses = new Map<string, AddressEndpoint>();
  for (const a of FIXED_ADDRESSES) addresses.set(a.ip, { kind: 'address', ...a });
  for (const f of env.graph.flows) {
    for (const peer of [f.from, f.to]) {
      if ('pods' in peer) continue;
      for (const cidr of peer.addresses.cidrs) {
        const inside = addressIn(cidr, peer.addresses.except);
        if (inside) addresses.set(inside, { kind: 'address', id: `${peer.addresses.display} ${inside}`, ip: inside });
        // Just outside: the first excepted address, if any lies in this CIDR.
        for (const e of peer.addresses.except ?? []) {
          const ip = addressIn(e);
          if (ip && ipInCidr(ip, cidr)) addresses.set(ip, { kind: 'address', id: `${peer.addresses.display} except ${ip}`, ip });
        }
      }
    }
  }
  return [...pods, ...declared.values(), KUBE_DNS, ...strangers, ...addresses.values()];
}

/** Every (protocol, port) that could matter: declared in a flow, in a policy, by a container, DNS, plus an undeclared one. */
export function probes(env: Environment, eps: readonly NetEndpoint[]): Probe[] {
  const set = new Map<string, Probe>();
  const add = (port: number, protocol: Protocol) => set.set(`${protocol}/${port}`, { port, protocol });
  for (const f of env.graph.flows) f.ports.forEach((p: Port) => add(p.port, p.protocol ?? 'TCP'));
  for (const m of env.manifests) {
    if (m.kind !== 'NetworkPolicy') continue;
    for (const rule of [...(m.spec.ingress ?? []), ...(m.spec.egress ?? [])]) {
      for (const p of rule.ports ?? []) if (typeof p.port === 'number') add(p.port, p.protocol ?? 'TCP');
    }
  }
  for (const e of eps) if (e.kind === 'pod') e.ports.forEach((p) => add(p.containerPort, p.protocol ?? 'TCP'));
  add(53, 'UDP'); add(53, 'TCP'); add(UNDECLARED_PORT, 'TCP'); add(UNDECLARED_PORT, 'UDP');
  return [...set.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port);
}

export const tuple = (src: NetEndpoint, dst: NetEndpoint, p: Probe) => `${src.id} → ${dst.id} ${p.port}/${p.protocol}`;

export interface Reachability {
  readonly endpoints: NetEndpoint[];
  readonly probes: Probe[];
  /** What the rendered policies allow. */
  readonly actual: Set<string>;
  /** What the graph (plus DNS for every isolated namespace) implies, each isolated end by the flows of its side. */
  readonly expected: Set<string>;
  readonly evaluator: PolicyEvaluator;
}

export interface ReachabilityOptions {
  /**
   * Give every pod an address from this range and let ipBlocks match pod addresses, as Calico and Cilium do.
   * @default pods have no address and ipBlocks match only outside addresses
   */
  readonly podCidr?: string;
}

/** Pairs where at least one end is a pod in a namespace we render (elsewhere no policy of ours applies). */
export function reachability(env: Environment, options: ReachabilityOptions = {}): Reachability {
  const podAddresses = options.podCidr !== undefined;
  const evaluator = new PolicyEvaluator(env.manifests, { ipBlockMatchesPods: podAddresses });
  let eps = endpoints(env);
  if (options.podCidr) {
    const base = ipToInt(options.podCidr.split('/')[0]);
    eps = eps.map((e, i) => (e.kind === 'pod' ? { ...e, ip: intToIp(base + 10 + i) } : e));
    const outside = eps.filter((e) => e.kind === 'pod' && !ipInCidr(e.ip!, options.podCidr!));
    if (outside.length) throw new Error(`pod range ${options.podCidr} is too small for ${eps.length} endpoints`);
  }
  const ps = probes(env, eps);
  const ours = renderedNamespaces(env.config);
  const isolated = new Set([...ours].filter((ns) => env.config.namespaces.find((n) => n.name === ns)?.runsPods ?? true));
  const isOurs = (e: NetEndpoint) => e.kind === 'pod' && ours.has(e.namespace);
  const actual = new Set<string>();
  const expected = new Set<string>();
  const flows = env.graph.flows;
  // Membership of every endpoint in every flow's ends, computed once: [as a pod group member, by address too].
  const fromOf = eps.map((e) => flows.map((f) => [isMember(e, f.from), isMember(e, f.from, podAddresses)]));
  const toOf = eps.map((e) => flows.map((f) => [isMember(e, f.to), isMember(e, f.to, podAddresses)]));
  eps.forEach((src, i) => {
    eps.forEach((dst, j) => {
      if (!isOurs(src) && !isOurs(dst)) return;
      // Each end that is isolated must have a flow of its own side: the client as a pod group in `from`, the
      // server as a pod group in `to` (address ranges only ever describe the far end).
      const srcIsolated = src.kind === 'pod' && isolated.has(src.namespace);
      const dstIsolated = dst.kind === 'pod' && isolated.has(dst.namespace);
      const egress = flows.filter((f, k) => 'pods' in f.from && fromOf[i][k][0] && toOf[j][k][1]);
      const ingress = flows.filter((f, k) => 'pods' in f.to && toOf[j][k][0] && fromOf[i][k][1]);
      const dns = dst.id === KUBE_DNS.id && srcIsolated;
      const on = (fs: Flow[], p: Probe) => fs.some((f) => f.ports.some((fp) => fp.port === p.port && (fp.protocol ?? 'TCP') === p.protocol));
      const allowed = evaluator.allowedMany(src, dst, ps);
      ps.forEach((p, k) => {
        if (allowed[k]) actual.add(tuple(src, dst, p));
        const egressOk = !srcIsolated || on(egress, p) || (dns && p.port === 53);
        const ingressOk = !dstIsolated || on(ingress, p);
        if (egressOk && ingressOk) expected.add(tuple(src, dst, p));
      });
    });
  });
  return { endpoints: eps, probes: ps, actual, expected, evaluator };
}

export function difference(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x)).sort();
}
