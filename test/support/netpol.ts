/**
 * A Kubernetes NetworkPolicy evaluator (networking.k8s.io/v1 semantics), independent of the generator: it reads
 * rendered NetworkPolicy and Namespace objects and answers whether a connection is allowed.
 *
 * The rules it implements (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 * - A pod is isolated for a direction when at least one policy in its namespace selects it (podSelector) and
 *   has that direction in its policyTypes. Without policyTypes, Ingress is implied, and Egress too when the
 *   policy has egress rules. A pod that is not isolated allows everything in that direction.
 * - An isolated pod allows what the union of the rules of all policies selecting it allows (additive, no order).
 * - A rule without `from`/`to` matches every peer; without `ports` every port. An empty list of rules allows
 *   nothing.
 * - A peer is an ipBlock (CIDR minus except), a namespaceSelector (pods of matching namespaces), a podSelector
 *   (pods of the policy's own namespace), or namespaceSelector AND podSelector in one entry. Two entries of a
 *   list are ORed.
 * - Ports: number (optionally a range up to endPort) or a named port, resolved against the destination pod's
 *   container ports (for ingress the selected pod, for egress the peer); protocol defaults to TCP. A named
 *   port never matches an address outside the cluster.
 * - A connection succeeds only when the source's egress AND the destination's ingress allow it.
 * - ipBlock is matched against addresses outside the pod network, and against pod addresses only with
 *   `ipBlockMatchesPods` (the API leaves that to the implementation, so a policy must not depend on it).
 */
type Obj = Record<string, any>;
export type Labels = Record<string, string>;
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ContainerPort {
  readonly containerPort: number;
  readonly name?: string;
  readonly protocol?: Protocol;
}

export interface PodEndpoint {
  readonly kind: 'pod';
  /** For reports, e.g. `db-postgres/StatefulSet/postgres`. */
  readonly id: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly ports: readonly ContainerPort[];
  /** The pod's address, for implementations whose ipBlock also matches pods (see EvaluatorOptions). */
  readonly ip?: string;
}

export interface EvaluatorOptions {
  /**
   * Whether an ipBlock also matches pod addresses. The API leaves it to the implementation: Calico and Cilium
   * match them, others do not. Policies should mean the same either way.
   * @default false
   */
  readonly ipBlockMatchesPods?: boolean;
}

export interface AddressEndpoint {
  readonly kind: 'address';
  readonly id: string;
  readonly ip: string;
}

export type NetEndpoint = PodEndpoint | AddressEndpoint;

export interface Probe {
  readonly port: number;
  readonly protocol: Protocol;
}

export class PolicyEvaluator {
  private readonly byNamespace = new Map<string, Obj[]>();
  private readonly nsLabels = new Map<string, Labels>();
  private readonly nsLabelCache = new Map<string, Labels>();
  private readonly cache = new WeakMap<PodEndpoint, { Ingress?: Obj[]; Egress?: Obj[] }>();

  /** `objects`: every rendered object (NetworkPolicies and Namespaces are used; the rest is ignored). */
  constructor(objects: readonly Obj[], private readonly options: EvaluatorOptions = {}) {
    for (const o of objects) {
      if (o.kind === 'NetworkPolicy') {
        const ns = o.metadata?.namespace ?? 'default';
        this.byNamespace.set(ns, [...(this.byNamespace.get(ns) ?? []), o]);
      }
      if (o.kind === 'Namespace') this.nsLabels.set(o.metadata.name, { ...(o.metadata.labels ?? {}) });
    }
  }

  /** Labels of a namespace, with the one the API server always sets. */
  namespaceLabels(ns: string): Labels {
    let labels = this.nsLabelCache.get(ns);
    if (!labels) {
      labels = { ...(this.nsLabels.get(ns) ?? {}), 'kubernetes.io/metadata.name': ns };
      this.nsLabelCache.set(ns, labels);
    }
    return labels;
  }

  allowed(src: NetEndpoint, dst: NetEndpoint, probe: Probe): boolean {
    return this.egressAllows(src, dst, probe) && this.ingressAllows(src, dst, probe);
  }

  /** `allowed` for many probes between one pair: the peer part of every rule is evaluated once. */
  allowedMany(src: NetEndpoint, dst: NetEndpoint, probes: readonly Probe[]): boolean[] {
    const egress = src.kind === 'pod' ? this.matchingRules(src, 'Egress', dst) : undefined;
    const ingress = dst.kind === 'pod' ? this.matchingRules(dst, 'Ingress', src) : undefined;
    const ok = (rules: Obj[] | undefined, p: Probe) => rules === undefined || rules.some((r) => portsMatch(r.ports, dst, p));
    return probes.map((p) => ok(egress, p) && ok(ingress, p));
  }

  /** The rules whose peers admit `peer`, or undefined when the pod is not isolated in that direction. */
  private matchingRules(pod: PodEndpoint, direction: 'Ingress' | 'Egress', peer: NetEndpoint): Obj[] | undefined {
    const policies = this.selecting(pod, direction);
    if (policies.length === 0) return undefined;
    const key = direction === 'Ingress' ? 'ingress' : 'egress';
    const peerKey = direction === 'Ingress' ? 'from' : 'to';
    return policies.flatMap((policy) => (policy.spec[key] ?? []).filter((rule: Obj) => this.peersMatch(rule[peerKey], policy.metadata.namespace, peer)));
  }

  egressAllows(src: NetEndpoint, dst: NetEndpoint, probe: Probe): boolean {
    if (src.kind !== 'pod') return true;
    return this.sideAllows(src, 'Egress', dst, dst, probe);
  }

  ingressAllows(src: NetEndpoint, dst: NetEndpoint, probe: Probe): boolean {
    if (dst.kind !== 'pod') return true;
    return this.sideAllows(dst, 'Ingress', src, dst, probe);
  }

  /** The policies that select `pod` for a direction (empty: the pod is not isolated that way). */
  selecting(pod: PodEndpoint, direction: 'Ingress' | 'Egress'): Obj[] {
    // Cached per endpoint object: the reachability tests ask this a few hundred thousand times.
    const cached = this.cache.get(pod)?.[direction];
    if (cached) return cached;
    const found = (this.byNamespace.get(pod.namespace) ?? [])
      .filter((p) => policyTypes(p.spec).includes(direction) && selectorMatches(p.spec.podSelector ?? {}, pod.labels));
    this.cache.set(pod, { ...this.cache.get(pod), [direction]: found });
    return found;
  }

  private sideAllows(pod: PodEndpoint, direction: 'Ingress' | 'Egress', peer: NetEndpoint, portOwner: NetEndpoint, probe: Probe): boolean {
    const policies = this.selecting(pod, direction);
    if (policies.length === 0) return true;
    const key = direction === 'Ingress' ? 'ingress' : 'egress';
    const peerKey = direction === 'Ingress' ? 'from' : 'to';
    return policies.some((policy) => (policy.spec[key] ?? []).some((rule: Obj) =>
      this.peersMatch(rule[peerKey], policy.metadata.namespace, peer) && portsMatch(rule.ports, portOwner, probe)));
  }

  private peersMatch(peers: Obj[] | undefined, policyNamespace: string, peer: NetEndpoint): boolean {
    if (!peers || peers.length === 0) return true;
    return peers.some((p) => this.peerMatches(p, policyNamespace, peer));
  }

  private peerMatches(p: Obj, policyNamespace: string, peer: NetEndpoint): boolean {
    if (p.ipBlock) {
      const ip = peer.kind === 'address' ? peer.ip : this.options.ipBlockMatchesPods ? peer.ip : undefined;
      if (ip === undefined) return false;
      return ipInCidr(ip, p.ipBlock.cidr) && !(p.ipBlock.except ?? []).some((e: string) => ipInCidr(ip, e));
    }
    if (peer.kind !== 'pod') return false;
    if (!p.namespaceSelector && !p.podSelector) return false; // not valid for the API; matches nothing
    const nsOk = p.namespaceSelector
      ? selectorMatches(p.namespaceSelector, this.namespaceLabels(peer.namespace))
      : peer.namespace === policyNamespace;
    const podOk = p.podSelector ? selectorMatches(p.podSelector, peer.labels) : true;
    return nsOk && podOk;
  }
}

/** policyTypes as the API server defaults them. */
export function policyTypes(spec: Obj): string[] {
  if (spec.policyTypes && spec.policyTypes.length > 0) return spec.policyTypes;
  return (spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** A LabelSelector: matchLabels AND every matchExpression; the empty selector matches everything. */
export function selectorMatches(sel: Obj, labels: Labels): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': if (!has || !e.values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && e.values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

function portsMatch(ports: Obj[] | undefined, owner: NetEndpoint, probe: Probe): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    const protocol = p.protocol ?? 'TCP';
    if (protocol !== probe.protocol) return false;
    if (p.port === undefined) return true; // all ports of the protocol
    if (typeof p.port === 'number') return p.endPort !== undefined ? probe.port >= p.port && probe.port <= p.endPort : probe.port === p.port;
    if (/^[0-9]+$/.test(p.port)) return probe.port === Number(p.port);
    if (owner.kind !== 'pod') return false;
    return owner.ports.some((cp) => cp.name === p.port && (cp.protocol ?? 'TCP') === protocol && cp.containerPort === probe.port);
  });
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`"${ip}" is not an IPv4 address`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === ((ipToInt(base) & mask) >>> 0);
}

/** An address inside `cidrs` but outside every `except` range (for probing an address peer), or undefined. */
export function addressIn(cidr: string, except: readonly string[] = []): string | undefined {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  const first = ipToInt(base);
  const size = 2 ** (32 - bits);
  // Step through the range, jumping over excepted blocks, starting one past the network address.
  let candidate = size > 2 ? first + 1 : first;
  while (candidate < first + size) {
    const ip = intToIp(candidate);
    const hit = except.find((e) => ipInCidr(ip, e));
    if (!hit) return ip;
    const [eb, ebits] = hit.split('/');
    candidate = ipToInt(eb) + 2 ** (32 - Number(ebits ?? 32));
  }
  return undefined;
}
