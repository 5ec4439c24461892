/**
 * What runs on the nodes, as the scheduler sees it: per workload, the requests of one pod (Kubernetes' effective
 * request: the larger of its containers' sum and its largest init container), how many pods at the HPA minimum
 * and at the maximum, and the constraints that decide which nodes may take them (node selector, tolerations,
 * required pod anti-affinity). Read from the rendered manifests plus the add-ons' pods (./addon-pods.ts).
 */
import type { EnvironmentConfig } from '../../environments/schema';
import type { Addon } from '../gitops/addons-catalog';
import { parseCpu, parseMemory } from '../lib/quantity';
import type { Manifest } from '../lib/manifest';
import { addonPodsOf, type ContainerResources } from './addon-pods';

export interface Resources {
  /** millicores */
  readonly cpu: number;
  /** bytes */
  readonly memory: number;
  readonly gpus: number;
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
}

/** A required anti-affinity term on kubernetes.io/hostname: no two matching pods on one node. */
export interface AntiAffinity {
  readonly namespaces: readonly string[];
  readonly matchLabels: Readonly<Record<string, string>>;
}

export interface Workload {
  /** `<namespace>/<name>` */
  readonly id: string;
  readonly namespace: string;
  readonly kind: string;
  /** The dist/ folder or `add-on <name>`. */
  readonly source: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Runs one pod on every node it tolerates (minReplicas/maxReplicas unused). */
  readonly daemonSet: boolean;
  /** Runs to completion (Jobs, CronJobs, hook Jobs): counted at the maximum only. */
  readonly batch: boolean;
  readonly requests: Resources;
  readonly limits: Resources;
  /** Persistent storage per pod, bytes. */
  readonly storage: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  readonly antiAffinity: readonly AntiAffinity[];
}

type Obj = Record<string, any>;
const HOSTNAME = 'kubernetes.io/hostname';

const cpuOf = (v: unknown) => (v === undefined ? 0 : parseCpu(String(v)));
const memOf = (v: unknown) => (v === undefined ? 0 : parseMemory(String(v)));

/** Effective requests and limits of a pod spec (a container without a request gets its limit, as the API server does). */
export function podResources(pod: Obj): { requests: Resources; limits: Resources } {
  const containers: Obj[] = pod.containers ?? [];
  const inits: Obj[] = pod.initContainers ?? [];
  const get = (kind: 'requests' | 'limits', res: string, parse: (v: unknown) => number) => (c: Obj) =>
    parse(c.resources?.[kind]?.[res] ?? c.resources?.limits?.[res]);
  const eff = (f: (c: Obj) => number) => Math.max(containers.reduce((a, c) => a + f(c), 0), inits.reduce((a, c) => Math.max(a, f(c)), 0));
  // Any extended resource named …/gpu (nvidia.com/gpu, amd.com/gpu): node pools count GPUs per node.
  const gpu = (kind: 'requests' | 'limits') => eff((c: Obj) => Object.entries<any>({ ...c.resources?.limits, ...c.resources?.[kind] })
    .filter(([k]) => /\/gpu$/.test(k)).reduce((n, [, v]) => n + Number(v), 0));
  return {
    requests: { cpu: eff(get('requests', 'cpu', cpuOf)), memory: eff(get('requests', 'memory', memOf)), gpus: gpu('requests') },
    limits: { cpu: eff(get('limits', 'cpu', cpuOf)), memory: eff(get('limits', 'memory', memOf)), gpus: gpu('limits') },
  };
}

function antiAffinityOf(pod: Obj, namespace: string): AntiAffinity[] {
  const terms: Obj[] = pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  return terms.filter((t) => t.topologyKey === HOSTNAME).map((t) => ({
    namespaces: t.namespaces?.length ? t.namespaces : [namespace],
    matchLabels: t.labelSelector?.matchLabels ?? {},
  }));
}

/** The workloads of the rendered manifests. */
export function renderedWorkloads(charts: readonly { folder: string; manifests: readonly Manifest[] }[]): Workload[] {
  const hpa = new Map<string, { min: number; max: number }>();
  for (const m of charts.flatMap((c) => c.manifests)) {
    if (m.kind !== 'HorizontalPodAutoscaler') continue;
    const t = m.spec.scaleTargetRef;
    hpa.set(`${m.metadata.namespace}/${t.kind}/${t.name}`, { min: m.spec.minReplicas ?? 1, max: m.spec.maxReplicas });
  }
  // A canary's Rollout (charts/apps/rollout.ts) runs the pods of the Deployment it references: its HPA or
  // replicas count for that Deployment, which itself is scaled down to none.
  const rollouts = new Map<string, Obj>();
  for (const m of charts.flatMap((c) => c.manifests)) {
    if (m.kind === 'Rollout' && m.spec.workloadRef?.kind === 'Deployment') rollouts.set(`${m.metadata.namespace}/Deployment/${m.spec.workloadRef.name}`, m);
  }
  const out: Workload[] = [];
  for (const chart of charts) {
    for (const m of chart.manifests) {
      const ns: string | undefined = m.metadata?.namespace;
      if (!ns) continue;
      let template: Obj | undefined;
      let min = 1;
      let max = 1;
      let batch = false;
      let storage = 0;
      switch (m.kind) {
        case 'Deployment':
        case 'StatefulSet': {
          template = m.spec.template;
          const r = rollouts.get(`${ns}/${m.kind}/${m.metadata.name}`);
          const h = hpa.get(`${ns}/${m.kind}/${m.metadata.name}`) ?? (r && hpa.get(`${ns}/Rollout/${r.metadata.name}`));
          const replicas = r ? r.spec.replicas : m.spec.replicas;
          min = h?.min ?? replicas ?? 1;
          max = h?.max ?? replicas ?? 1;
          for (const t of m.spec.volumeClaimTemplates ?? []) storage += memOf(t.spec.resources.requests.storage);
          break;
        }
        case 'DaemonSet':
          template = m.spec.template;
          break;
        case 'Job':
          template = m.spec.template; batch = true; max = m.spec.parallelism ?? 1;
          break;
        case 'CronJob':
          template = m.spec.jobTemplate.spec.template; batch = true; max = m.spec.jobTemplate.spec.parallelism ?? 1;
          break;
        // KEDA's queue-driven Jobs: at most maxReplicaCount at once.
        case 'ScaledJob':
          template = m.spec.jobTargetRef.template; batch = true; max = (m.spec.maxReplicaCount ?? 100) * (m.spec.jobTargetRef.parallelism ?? 1);
          break;
        default:
      }
      if (!template) continue;
      const pod = template.spec;
      out.push({
        id: `${ns}/${m.metadata.name}`, namespace: ns, kind: m.kind, source: chart.folder,
        minReplicas: batch ? 0 : min, maxReplicas: max, daemonSet: m.kind === 'DaemonSet', batch,
        ...podResources(pod), storage,
        labels: template.metadata?.labels ?? {}, nodeSelector: pod.nodeSelector ?? {}, tolerations: pod.tolerations ?? [],
        antiAffinity: antiAffinityOf(pod, ns),
      });
    }
  }
  return out;
}

/** The add-ons' pods, with LimitRange defaults for containers the chart leaves without resources. */
export function addonWorkloads(c: EnvironmentConfig, addons: readonly Addon[]): Workload[] {
  return addons.flatMap((a) => {
    const tier = c.namespaces.find((n) => n.name === a.namespace)?.tier ?? 'system';
    const defaults = c.quota.limitRange[tier];
    const res = (r: ContainerResources) => (r === 'limitRange'
      ? { requests: defaults.defaultRequest, limits: defaults.default } : r);
    return addonPodsOf(c, a).map((p): Workload => {
      const rs = p.containers.map(res);
      const sum = (f: (x: typeof rs[number]) => string, parse: (v: string) => number) => rs.reduce((n, x) => n + parse(f(x)), 0);
      return {
        id: `${a.namespace}/${p.name}`, namespace: a.namespace, kind: p.daemonSet ? 'DaemonSet' : p.job ? 'Job' : p.kind ?? 'Deployment',
        source: `add-on ${a.name}`, minReplicas: p.job ? 0 : p.replicas, maxReplicas: p.replicas,
        daemonSet: !!p.daemonSet, batch: !!p.job,
        requests: { cpu: sum((x) => x.requests.cpu, parseCpu), memory: sum((x) => x.requests.memory, parseMemory), gpus: 0 },
        limits: { cpu: sum((x) => x.limits.cpu, parseCpu), memory: sum((x) => x.limits.memory, parseMemory), gpus: 0 },
        storage: p.storage ? parseMemory(p.storage) : 0,
        labels: {}, nodeSelector: {},
        tolerations: p.daemonSet?.toleratesAll ? [{ operator: 'Exists', effect: 'NoSchedule' }] : [],
        antiAffinity: [],
      };
    });
  });
}
