/** Spreading replicas across nodes. */
import type { EnvironmentConfig } from '../../environments/schema';
import type { k8s } from '../../imports/k8s';
import type { Labels } from './labels';

const HOSTNAME = 'kubernetes.io/hostname';

/**
 * Anti-affinity for the members of a replicated store: required (two members never share a node) when the
 * environment is HA and has enough nodes, otherwise preferred, so a single-node dev cluster still schedules.
 */
export function storeAntiAffinity(config: EnvironmentConfig, selector: Labels, replicas: number): k8s.Affinity {
  const term = { labelSelector: { matchLabels: selector }, topologyKey: HOSTNAME };
  if (config.ha && replicas <= config.cluster.nodes) {
    return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
  }
  return { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
}

/** Even spread of stateless replicas over nodes; never blocks scheduling (the HPA may outgrow the node count). */
export function spreadOverNodes(selector: Labels): k8s.TopologySpreadConstraint[] {
  return [{ maxSkew: 1, topologyKey: HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } }];
}

/**
 * Where a namespace's application pods run (cluster.placement): the node selector of their pool's labels and
 * tolerations of its taints. Nothing where the namespace has no pool of its own (the untainted pools).
 */
export function placement(config: EnvironmentConfig, namespace: string): { nodeSelector?: Record<string, string>; tolerations?: k8s.Toleration[] } {
  const pool = config.cluster.nodePools.find((p) => p.name === config.cluster.placement[namespace]);
  if (!pool) return {};
  return {
    nodeSelector: { ...pool.labels },
    ...(pool.taints.length ? { tolerations: pool.taints.map((t) => ({ key: t.key, operator: t.value === undefined ? 'Exists' : 'Equal', ...(t.value === undefined ? {} : { value: t.value }), effect: t.effect })) } : {}),
  };
}
