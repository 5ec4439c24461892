/**
 * What the add-ons' pods need, by namespace, so that the namespace quotas (charts/namespaces.ts) admit them:
 * their pods are not rendered here (Argo CD renders the Helm charts), so the quota sizing would otherwise see
 * only the tier's floor and reject Prometheus or Argo CD at install time.
 *
 * Figures follow the values in addons-catalog.ts; containers without resources there (sidecars, hook jobs) get
 * the namespace's LimitRange defaults, exactly as the admission controller fills them in.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import { emptyDemand, type Demand } from '../lib/demand';
import { parseCpu, parseMemory } from '../lib/quantity';
import type { Addon } from './addons-catalog';

export interface AddonPods {
  readonly what: string;
  /** Pods at most, rolling-update surge included. */
  readonly count: number;
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
  /** Containers of the pod without resources in the values (LimitRange defaults apply). */
  readonly defaulted?: number;
  /** One claim per pod of this size. */
  readonly storage?: string;
}

const pods = (what: string, count: number, r: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } }, extra: Partial<AddonPods> = {}): AddonPods =>
  ({ what, count, requests: r.requests, limits: r.limits, ...extra });
const none = { requests: { cpu: '0', memory: '0Mi' }, limits: { cpu: '0', memory: '0Mi' } };
/** Deployment pods during a rolling update (maxSurge 25 %, rounded up). */
const surge = (n: number) => n + Math.ceil(n / 4);

type V = Record<string, any>;

/** The pods of an add-on with the values of the catalog. */
export function addonPods(c: EnvironmentConfig, a: Addon): AddonPods[] {
  const v = a.values as V;
  switch (a.name) {
    case 'argo-cd':
      return [
        pods('application controller', 1, v.controller.resources),
        pods('repo server', surge(1), v.repoServer.resources, { defaulted: 1 }),
        pods('server', surge(1), v.server.resources),
        pods('redis', surge(1), v.redis.resources),
        pods('applicationset controller', surge(1), v.applicationSet.resources),
      ];
    case 'cert-manager':
      return [
        pods('controller', surge(v.replicaCount), v.resources),
        pods('webhook', surge(v.webhook.replicaCount), v.webhook.resources),
        pods('cainjector', surge(1), v.cainjector.resources),
        pods('startupapicheck job', 1, none, { defaulted: 1 }),
      ];
    case 'ingress-nginx':
      return [
        pods('controller', surge(v.controller.replicaCount), v.controller.resources),
        pods('admission certificate jobs', 1, none, { defaulted: 1 }),
      ];
    case 'kube-prometheus-stack': {
      const p = v.prometheus.prometheusSpec;
      const am = v.alertmanager.alertmanagerSpec;
      return [
        pods('operator', surge(1), v.prometheusOperator.resources),
        pods('prometheus', p.replicas, p.resources, { defaulted: 1, storage: p.storageSpec.volumeClaimTemplate.spec.resources.requests.storage }),
        pods('alertmanager', am.replicas, am.resources, { defaulted: 1, storage: am.storage.volumeClaimTemplate.spec.resources.requests.storage }),
        pods('kube-state-metrics', surge(1), v['kube-state-metrics'].resources),
        pods('node exporter', c.cluster.nodes, v['prometheus-node-exporter'].resources),
        pods('grafana', surge(1), v.grafana.resources, { defaulted: 2 }),
        pods('admission certificate jobs', 1, none, { defaulted: 1 }),
      ];
    }
    case 'prometheus-adapter':
      return [pods('prometheus-adapter', surge(v.replicas), v.resources)];
    case 'metrics-server':
      return [pods('metrics-server', surge(v.replicas), v.resources)];
    case 'external-secrets':
      return [
        pods('controller', surge(v.replicaCount), v.resources),
        pods('webhook', surge(1), v.webhook.resources),
        pods('cert controller', surge(1), v.certController.resources),
      ];
    default:
      return [];
  }
}

/** Demand of every add-on, by namespace. */
export function addonDemand(c: EnvironmentConfig, addons: readonly Addon[]): Map<string, Demand> {
  const out = new Map<string, Demand>();
  for (const a of addons) {
    // kube-system (metrics-server) is the cluster's own: no quota of ours to size.
    if (!c.namespaces.some((n) => n.name === a.namespace)) continue;
    const d = out.get(a.namespace) ?? emptyDemand();
    const defaults = c.quota.limitRange[c.namespaces.find((n) => n.name === a.namespace)?.tier ?? 'system'];
    for (const p of addonPods(c, a)) {
      const k = p.defaulted ?? 0;
      d.pods += p.count;
      d.requestsCpu += p.count * (parseCpu(p.requests.cpu) + k * parseCpu(defaults.defaultRequest.cpu));
      d.requestsMemory += p.count * (parseMemory(p.requests.memory) + k * parseMemory(defaults.defaultRequest.memory));
      d.limitsCpu += p.count * (parseCpu(p.limits.cpu) + k * parseCpu(defaults.default.cpu));
      d.limitsMemory += p.count * (parseMemory(p.limits.memory) + k * parseMemory(defaults.default.memory));
      if (p.storage) { d.storage += p.count * parseMemory(p.storage); d.persistentVolumeClaims += p.count; }
    }
    out.set(a.namespace, d);
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
