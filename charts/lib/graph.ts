/**
 * The platform's dependency graph: every network flow the platform needs, declared by the construct that
 * needs it (an application using a store, store members replicating, a backup job writing to MinIO, Prometheus
 * scraping a metrics port, Patroni talking to the API server). NetworkPolicies and the reachability matrix are
 * generated from this graph and from nothing else, so they cannot disagree with what the workloads are wired to.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import type { Endpoint } from './endpoint';
import { selectorLabels, type Identity, type Labels } from './labels';

/** A set of pods: in one namespace, selected by labels. */
export interface PodGroup {
  readonly namespace: string;
  readonly selector: Labels;
  /** Shown in the reachability matrix, e.g. `db-postgres/postgres-database`. */
  readonly display: string;
}

/** Addresses outside the cluster's pod network (the API server, the internet). */
export interface AddressRange {
  readonly cidrs: readonly string[];
  readonly except?: readonly string[];
  readonly display: string;
}

export type Peer = { readonly pods: PodGroup } | { readonly addresses: AddressRange };

export interface Port {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
  /** What the port is for, e.g. `postgresql`, `metrics`. */
  readonly name: string;
}

export interface Flow {
  readonly from: Peer;
  readonly to: Peer;
  readonly ports: readonly Port[];
  /** Why the flow exists, e.g. `invoice-service uses postgres`. */
  readonly why: string;
}

/** The pods of a workload identity we render. */
export function pods(namespace: string, id: Identity): PodGroup {
  return { namespace, selector: selectorLabels(id), display: `${namespace}/${id.instance ?? id.name}-${id.component}` };
}

/** The pods behind a store endpoint. */
export function endpointPods(e: Endpoint): PodGroup {
  return pods(e.namespace, e.pods);
}

export function endpointPort(e: Endpoint): Port {
  return { port: e.port, name: e.portName };
}

/** Private address ranges (RFC 1918, link-local, CGNAT): never "the internet". */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'] as const;

export const INTERNET: AddressRange = { cidrs: ['0.0.0.0/0'], except: PRIVATE_RANGES, display: 'internet' };

export interface GraphOptions {
  /**
   * Whether the monitoring stack (kube-prometheus-stack: Prometheus and the rest of the monitoring namespace) is
   * installed. Where it is not, flows from or to pods of the monitoring namespace are dropped here, whichever
   * chart declares them, so no NetworkPolicy admits and no diagram draws a Prometheus that does not exist.
   * @default true
   */
  readonly monitoring?: boolean;
}

export class DependencyGraph {
  private readonly list: Flow[] = [];

  constructor(private readonly options: GraphOptions = {}) {}

  /** Declares that `from` opens connections to `to` on `ports` (dropped when one end is not installed). */
  connect(from: Peer, to: Peer, ports: readonly Port[], why: string): void {
    if (ports.length === 0) throw new Error(`flow "${why}" names no port`);
    if (this.options.monitoring === false && [from, to].some((p) => 'pods' in p && p.pods.namespace === MONITORING_NAMESPACE)) return;
    this.list.push({ from, to, ports, why });
  }

  /** Shorthand: pods use a store or service endpoint. */
  use(from: PodGroup, endpoint: Endpoint, why: string): void {
    const to: Peer = endpoint.external ? { addresses: endpoint.external } : { pods: endpointPods(endpoint) };
    this.connect({ pods: from }, to, [endpointPort(endpoint)], why);
  }

  get flows(): readonly Flow[] {
    return this.list;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Peers that are not ours but that our pods talk to or are reached by.
// ---------------------------------------------------------------------------------------------------------

/** Where kube-prometheus-stack runs (charts/gitops/addons-catalog.ts installs it there). */
const MONITORING_NAMESPACE = 'monitoring';

/** Prometheus of the monitoring stack (kube-prometheus-stack labels its pods app.kubernetes.io/name=prometheus). */
export const PROMETHEUS: PodGroup = {
  namespace: MONITORING_NAMESPACE, selector: { 'app.kubernetes.io/name': 'prometheus' }, display: 'monitoring/prometheus',
};

/** The ingress controller: Traefik bundled with k3s (kube-system), or ingress-nginx installed into `ingress`. */
export function ingressController(config: EnvironmentConfig): PodGroup {
  return config.cluster.flavour === 'k3s'
    ? { namespace: 'kube-system', selector: { 'app.kubernetes.io/name': 'traefik' }, display: 'kube-system/traefik' }
    : { namespace: 'ingress', selector: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }, display: 'ingress/ingress-nginx-controller' };
}

/**
 * Whether ingress-nginx serves the environment's own Ingresses: not on k3s (Traefik), nor where an Application Load
 * Balancer sends to the pods directly (`ingress.alb`). Its request metrics (charts/apps/request-metrics.ts) and its
 * canary weights (charts/apps/rollout.ts) exist only there.
 */
export function ingressNginxServes(config: EnvironmentConfig): boolean {
  return ingressController(config).selector['app.kubernetes.io/name'] === 'ingress-nginx' && !config.ingress.alb;
}

/**
 * What sends the outside world's requests to the exposed pods: the ingress controller's pods, or on EKS with
 * `ingress.alb` the Application Load Balancer (target type ip: its nodes in their subnets reach the pods directly).
 */
export function ingressPeer(config: EnvironmentConfig): Peer {
  const alb = config.ingress.alb;
  return alb ? { addresses: { cidrs: alb.subnetCidrs, display: 'application-load-balancer' } } : { pods: ingressController(config) };
}

/** The Kubernetes API server, by address (a pod selector cannot match it). Port 443 (Service) and 6443 (node). */
export function apiServer(config: EnvironmentConfig): AddressRange {
  return { cidrs: config.cluster.apiServerCidrs, display: 'kubernetes-api' };
}

/** The pods cert-manager starts in a namespace to answer ACME HTTP-01 challenges (created at run time). */
export function acmeSolver(namespace: string): PodGroup {
  return { namespace, selector: { 'acme.cert-manager.io/http01-solver': 'true' }, display: `${namespace}/acme-http01-solver` };
}

/** The cluster's nodes, by address: where host-network endpoints (kubelet, node exporter) listen. */
export function clusterNodes(config: EnvironmentConfig): AddressRange {
  return { cidrs: config.cluster.nodeCidrs, display: 'cluster-nodes' };
}

export const API_SERVER_PORTS: readonly Port[] = [{ port: 443, name: 'https' }, { port: 6443, name: 'https-node' }];
