/**
 * What the rendered workloads of each namespace need at most: pods at their maximum scale (HPA max, plus the
 * rolling-update surge), their requests and limits, and their storage. Namespace quotas are sized from this,
 * so a quota can never reject a workload the generator itself rendered.
 */
import { parseCpu, parseMemory } from './quantity';

export interface Demand {
  requestsCpu: number; // millicores
  limitsCpu: number;
  requestsMemory: number; // bytes
  limitsMemory: number;
  storage: number; // bytes
  pods: number;
  persistentVolumeClaims: number;
  /** Extended resources such as nvidia.com/gpu, by name: requested count. */
  extended: Record<string, number>;
}

export function emptyDemand(): Demand {
  return { requestsCpu: 0, limitsCpu: 0, requestsMemory: 0, limitsMemory: 0, storage: 0, pods: 0, persistentVolumeClaims: 0, extended: {} };
}

type Obj = Record<string, any>;

/** Sums the demand of every workload in the manifests, by namespace. */
export function demandByNamespace(manifests: readonly Obj[]): Map<string, Demand> {
  const hpaMax = new Map<string, number>();
  for (const m of manifests) {
    if (m.kind === 'HorizontalPodAutoscaler') {
      hpaMax.set(`${m.metadata.namespace}/${m.spec.scaleTargetRef.kind}/${m.spec.scaleTargetRef.name}`, m.spec.maxReplicas);
    }
  }
  // A canary's Rollout runs the pods of the Deployment it references (charts/apps/rollout.ts).
  const rollouts = new Map<string, Obj>();
  for (const m of manifests) {
    if (m.kind === 'Rollout' && m.spec.workloadRef?.kind === 'Deployment') rollouts.set(`${m.metadata.namespace}/${m.spec.workloadRef.name}`, m);
  }
  const out = new Map<string, Demand>();
  const at = (ns: string) => out.get(ns) ?? out.set(ns, emptyDemand()).get(ns)!;

  for (const m of manifests) {
    const ns: string | undefined = m.metadata?.namespace;
    if (!ns) continue;
    const d = at(ns);
    switch (m.kind) {
      case 'Deployment': {
        const r = rollouts.get(`${ns}/${m.metadata.name}`);
        if (r) {
          const max = hpaMax.get(`${ns}/Rollout/${r.metadata.name}`) ?? r.spec.replicas ?? 1;
          addPods(d, m.spec.template.spec, max + canarySurge(r.spec.strategy.canary, max));
          break;
        }
        const max = hpaMax.get(`${ns}/Deployment/${m.metadata.name}`) ?? m.spec.replicas ?? 1;
        addPods(d, m.spec.template.spec, max + surge(m.spec.strategy, max));
        break;
      }
      case 'StatefulSet': {
        const max = hpaMax.get(`${ns}/StatefulSet/${m.metadata.name}`) ?? m.spec.replicas ?? 1;
        addPods(d, m.spec.template.spec, max);
        for (const t of m.spec.volumeClaimTemplates ?? []) {
          d.storage += max * parseMemory(t.spec.resources.requests.storage);
          d.persistentVolumeClaims += max;
        }
        break;
      }
      case 'Job':
        addPods(d, m.spec.template.spec, m.spec.parallelism ?? 1);
        break;
      case 'CronJob': {
        const job = m.spec.jobTemplate.spec;
        // Forbid/Replace keep one run at a time; Allow may overlap with the previous run.
        const runs = (m.spec.concurrencyPolicy ?? 'Allow') === 'Allow' ? 2 : 1;
        addPods(d, job.template.spec, runs * (job.parallelism ?? 1));
        break;
      }
      // KEDA starts up to maxReplicaCount Jobs of this template at once (charts/apps/queue-worker.ts).
      case 'ScaledJob': {
        const job = m.spec.jobTargetRef;
        addPods(d, job.template.spec, (m.spec.maxReplicaCount ?? 100) * (job.parallelism ?? 1));
        break;
      }
      case 'PersistentVolumeClaim':
        d.storage += parseMemory(m.spec.resources.requests.storage);
        d.persistentVolumeClaims += 1;
        break;
      default:
    }
  }
  return out;
}

function surge(strategy: Obj | undefined, replicas: number): number {
  if (strategy?.type === 'Recreate') return 0;
  const s = strategy?.rollingUpdate?.maxSurge ?? '25%';
  return typeof s === 'number' ? s : Math.ceil((replicas * parseInt(s, 10)) / 100);
}

/**
 * Pods a canary adds beside the stable ones at most: traffic-routed, the canary ReplicaSet grows to the full count
 * before the old one scales down (dynamicStableScale off); replica-weighted, the rolling update's surge.
 */
function canarySurge(canary: Obj, replicas: number): number {
  if (canary.trafficRouting) return replicas;
  return surge({ rollingUpdate: { maxSurge: canary.maxSurge } }, replicas);
}

/** A pod needs the larger of its containers' sum and its largest init container (Kubernetes' effective request). */
function addPods(d: Demand, pod: Obj, count: number): void {
  const sum = (cs: Obj[], get: (c: Obj) => number) => cs.reduce((a, c) => a + get(c), 0);
  const max = (cs: Obj[], get: (c: Obj) => number) => cs.reduce((a, c) => Math.max(a, get(c)), 0);
  const containers: Obj[] = pod.containers ?? [];
  const inits: Obj[] = pod.initContainers ?? [];
  const eff = (get: (c: Obj) => number) => Math.max(sum(containers, get), max(inits, get));
  const q = (kind: 'requests' | 'limits', res: string, parse: (s: string) => number) =>
    (c: Obj) => { const v = c.resources?.[kind]?.[res] ?? c.resources?.limits?.[res]; return v === undefined ? 0 : parse(String(v)); };

  d.pods += count;
  d.requestsCpu += count * eff(q('requests', 'cpu', parseCpu));
  d.limitsCpu += count * eff(q('limits', 'cpu', parseCpu));
  d.requestsMemory += count * eff(q('requests', 'memory', parseMemory));
  d.limitsMemory += count * eff(q('limits', 'memory', parseMemory));
  for (const c of [...containers, ...inits]) {
    for (const [res, v] of Object.entries<any>({ ...c.resources?.limits, ...c.resources?.requests })) {
      if (['cpu', 'memory', 'ephemeral-storage'].includes(res)) continue;
      d.extended[res] = (d.extended[res] ?? 0) + count * Number(v);
    }
  }
}
