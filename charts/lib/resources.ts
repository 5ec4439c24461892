/** Compute resources from the configuration, as L1 quantities (a plain string renders as null in L1 objects). */
import type { ComputeResources } from '../../environments/schema';
import { k8s } from '../../imports/k8s';

export function quantities(values: Record<string, string | undefined>): Record<string, k8s.Quantity> {
  const out: Record<string, k8s.Quantity> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = k8s.Quantity.fromString(v);
  return out;
}

export function resources(r: ComputeResources, extraLimits: Record<string, string> = {}): k8s.ResourceRequirements {
  return {
    requests: quantities({ cpu: r.requests.cpu, memory: r.requests.memory }),
    limits: quantities({ cpu: r.limits.cpu, memory: r.limits.memory, ...extraLimits }),
  };
}
