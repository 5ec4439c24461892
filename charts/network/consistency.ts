/**
 * Cross-checks between the dependency graph and the rendered workloads: a flow that allows a port no container
 * of the destination listens on is a policy that lets nothing through (typically a Service port declared where
 * the container port differs), and the real traffic is then blocked.
 */
import type { DependencyGraph, PodGroup } from '../lib/graph';
import { LABELS } from '../lib/labels';
import { protocolOf } from './policies';

type Obj = Record<string, any>;

interface Workload { readonly owner: Obj; readonly namespace: string; readonly labels: Record<string, string>; readonly ports: Obj[] }

function workloads(manifests: readonly Obj[]): Workload[] {
  const out: Workload[] = [];
  for (const m of manifests) {
    const template = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(m.kind) ? m.spec?.template
      : m.kind === 'CronJob' ? m.spec?.jobTemplate?.spec?.template
        : m.kind === 'ScaledJob' ? m.spec?.jobTargetRef?.template : undefined;
    if (!template) continue;
    out.push({
      owner: m,
      namespace: m.metadata.namespace,
      labels: template.metadata?.labels ?? {},
      ports: (template.spec?.containers ?? []).flatMap((c: Obj) => c.ports ?? []),
    });
  }
  return out;
}

/** Whether a group selects a workload's pods. The role label (`<label domain>/role`) is set at run time
 *  (Patroni's leader, the Redis master), never in a template, so it is ignored: such a group is a subset of the
 *  workload's pods. */
const selects = (g: PodGroup, w: Workload) => w.namespace === g.namespace
  && Object.entries(g.selector).every(([k, v]) => k.endsWith('/role') || w.labels[k] === v);

export interface PortReport {
  /** Flows whose destination pods are rendered but do not listen on a port the flow allows. */
  readonly mismatches: string[];
  /** Pod groups of flows that select no rendered workload (peers we do not render, or a wrong selector). */
  readonly unrendered: string[];
  /** Unrendered groups naming an application that is rendered in their namespace: most likely a wrong selector. */
  readonly suspicious: string[];
}

/** The stable identity labels of a workload, for messages. */
const pick = (l: Record<string, string>) => Object.fromEntries([LABELS.name, LABELS.instance, LABELS.component].filter((k) => k in l).map((k) => [k, l[k]]));

const sameGroup = (a: PodGroup, b: PodGroup) => a.namespace === b.namespace && JSON.stringify(Object.entries(a.selector).sort()) === JSON.stringify(Object.entries(b.selector).sort());

/**
 * @param external peers that are known not to be rendered by us (Prometheus, the ingress controller, CoreDNS):
 *   never reported as unrendered.
 */
export function checkFlowPorts(graph: DependencyGraph, manifests: readonly Obj[], external: readonly PodGroup[] = []): PortReport {
  const all = workloads(manifests);
  const mismatches = new Set<string>();
  const unrendered = new Set<string>();
  const suspicious = new Set<string>();
  for (const f of graph.flows) {
    for (const peer of [f.from, f.to]) {
      if (!('pods' in peer) || all.some((w) => selects(peer.pods, w)) || external.some((g) => sameGroup(g, peer.pods))) continue;
      const what = `${peer.pods.display} ${JSON.stringify(peer.pods.selector)}`;
      unrendered.add(what);
      // Same application, no workload: most likely a wrong component or instance. (Pods that controllers create at
      // run time, such as cert-manager's ACME solvers, carry labels of their own and are not flagged.)
      const app = peer.pods.selector[LABELS.name];
      const sameApp = all.filter((w) => w.namespace === peer.pods.namespace && app !== undefined && w.labels[LABELS.name] === app);
      if (sameApp.length) {
        suspicious.add(`flow "${f.why}": ${what} selects none of the workloads of application "${app}" in ${peer.pods.namespace} `
          + `(${sameApp.map((w) => `${w.owner.kind} ${w.owner.metadata.name} ${JSON.stringify(pick(w.labels))}`).join(', ')})`);
      }
    }
    if (!('pods' in f.to)) continue;
    const group = f.to.pods;
    const targets = all.filter((w) => selects(group, w));
    if (targets.length === 0) continue;
    const exposed = targets.flatMap((w) => w.ports.map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}${p.name ? ` ${p.name}` : ''}`));
    for (const port of f.ports) {
      const served = targets.some((w) => w.ports.some((p) => p.containerPort === port.port && (p.protocol ?? 'TCP') === protocolOf(port)));
      if (!served) {
        mismatches.add(`flow "${f.why}" allows ${port.port}/${protocolOf(port)} (${port.name}) into ${group.display}, whose containers `
          + `(${targets.map((w) => `${w.owner.kind} ${w.owner.metadata.name}`).join(', ')}) listen on ${[...new Set(exposed)].sort().join(', ') || 'no declared port'}`);
      }
    }
  }
  return { mismatches: [...mismatches].sort(), unrendered: [...unrendered].sort(), suspicious: [...suspicious].sort() };
}
