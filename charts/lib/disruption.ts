/** PodDisruptionBudgets that protect quorum without ever blocking the drain of a single-replica install. */
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments/schema';
import { k8s } from '../../imports/k8s';
import { meta, selectorLabels, type Identity } from './labels';

export interface DisruptionBudgetProps {
  readonly config: EnvironmentConfig;
  readonly name: string;
  readonly namespace: string;
  readonly id: Identity;
  /** Replicas of the workload (for an HPA target: its minimum). */
  readonly replicas: number;
  /**
   * Pods that may be down at once when there is more than one replica.
   * @default 1, which keeps a majority of any odd-sized quorum
   */
  readonly maxUnavailable?: number;
}

export function disruptionBudget(scope: Construct, p: DisruptionBudgetProps): k8s.KubePodDisruptionBudget {
  const maxUnavailable = p.replicas <= 1 ? 1 : p.maxUnavailable ?? 1;
  if (p.replicas > 1 && (maxUnavailable < 1 || maxUnavailable >= p.replicas)) {
    throw new Error(`PodDisruptionBudget ${p.namespace}/${p.name}: maxUnavailable ${maxUnavailable} must be between 1 and ${p.replicas - 1} for ${p.replicas} replicas`);
  }
  return new k8s.KubePodDisruptionBudget(scope, `pdb-${p.name}`, {
    metadata: meta(p.config, { name: p.name, namespace: p.namespace, id: p.id }),
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable),
      selector: { matchLabels: selectorLabels(p.id) },
      // Evict pods that never became ready even when the budget is exhausted (k8s >= 1.27).
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}
