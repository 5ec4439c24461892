/**
 * What the add-ons' pods need, by namespace, so that the namespace quotas (charts/namespaces.ts) admit them:
 * their pods are not rendered here (Argo CD renders the Helm charts), so the quota sizing would otherwise see
 * only the tier's floor and reject Prometheus or Argo CD at install time.
 *
 * Derived from the fit check's record of the add-ons' pods (charts/capacity/addon-pods.ts, with its chart
 * citations, through addonWorkloads), so the quota and the fit check cannot disagree on which pods run and what
 * they request; only the counts differ: a quota must also admit the rolling-update surge, and a DaemonSet's
 * pods are counted on every declared node it tolerates, as the fit check places them.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import { eligible } from '../capacity/binpack';
import { nodesOf } from '../capacity/fit';
import { addonWorkloads, type Workload } from '../capacity/workloads';
import { emptyDemand, type Demand } from '../lib/demand';
import type { Addon } from './addons-catalog';

/** Deployment pods during a rolling update (the charts keep Kubernetes' maxSurge 25 %, rounded up). */
const surge = (n: number) => n + Math.ceil(n / 4);

export interface AddonQuotaPods {
  /** The fit check's workload (its requests and limits already carry the LimitRange defaults). */
  readonly workload: Workload;
  /** Pods the quota must admit at once. */
  readonly pods: number;
}

/** The add-ons' pods as the quota counts them: the fit check's workloads at their most pods at once. */
export function addonQuotaPods(c: EnvironmentConfig, addons: readonly Addon[]): AddonQuotaPods[] {
  const nodes = nodesOf(c);
  return addonWorkloads(c, addons).map((w) => ({
    workload: w,
    pods: w.daemonSet ? nodes.filter((n) => eligible(w, n)).length
      : w.kind === 'Deployment' ? surge(w.maxReplicas) : w.maxReplicas,
  }));
}

/** Demand of every add-on, by namespace. */
export function addonDemand(c: EnvironmentConfig, addons: readonly Addon[]): Map<string, Demand> {
  const out = new Map<string, Demand>();
  for (const { workload: w, pods: n } of addonQuotaPods(c, addons)) {
    // kube-system (metrics-server) is the cluster's own: no quota of ours to size.
    if (!c.namespaces.some((ns) => ns.name === w.namespace)) continue;
    const d = out.get(w.namespace) ?? emptyDemand();
    d.pods += n;
    d.requestsCpu += n * w.requests.cpu;
    d.requestsMemory += n * w.requests.memory;
    d.limitsCpu += n * w.limits.cpu;
    d.limitsMemory += n * w.limits.memory;
    if (w.storage) { d.storage += n * w.storage; d.persistentVolumeClaims += n; }
    out.set(w.namespace, d);
  }
  return out;
}

/** Adds demands namespace by namespace. */
export function addDemand(a: ReadonlyMap<string, Demand>, b: ReadonlyMap<string, Demand>): Map<string, Demand> {
  const out = new Map<string, Demand>();
  for (const [ns, d] of [...a, ...b]) {
    const s = out.get(ns) ?? emptyDemand();
    s.pods += d.pods; s.requestsCpu += d.requestsCpu; s.limitsCpu += d.limitsCpu; s.requestsMemory += d.requestsMemory;
    s.limitsMemory += d.limitsMemory; s.storage += d.storage; s.persistentVolumeClaims += d.persistentVolumeClaims;
    for (const [k, n] of Object.entries(d.extended)) s.extended[k] = (s.extended[k] ?? 0) + n;
    out.set(ns, s);
  }
  return out;
}
