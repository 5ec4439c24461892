/**
 * One namespace per tenant (spec 002 §10.1.1), sized by the tenant's plan (§10.3.1), whose workloads reach DNS
 * and the platform endpoints of their plan (`tenantPlans.<plan>.network`), declared in the graph so the network
 * chart opens exactly those flows: never a store, another tenant, or anything else.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { planServices } from './apps/plan';
import type { PlatformContext } from './context';
import { endpointPods, endpointPort, type PodGroup } from './lib/graph';

import { PlatformNamespace } from './lib/namespace';
import { tenantNamespace } from './lib/naming';
import { platformKeys } from './lib/labels';

export class TenantsChart extends Chart {
  constructor(scope: Construct, id: string, p: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = p;
    const services = planServices(config);
    for (const t of config.tenants) {
      const plan = config.tenantPlans[t.plan];
      new PlatformNamespace(this, t.id, {
        config,
        name: tenantNamespace(t.id),
        podSecurity: 'restricted',
        runsPods: true,
        quota: plan,
        limitRange: plan.limitRange,
        extraLabels: { [platformKeys(config).tenant]: t.id, [platformKeys(config).plan]: t.plan, [platformKeys(config).tier]: 'tenant' },
      });
      for (const target of plan.network.platformEndpoints) {
        // Validated against the catalog (tenantPlanProblems): an enabled gateway with a Service.
        const ep = services.find((s) => s.entry.name === target)!.endpoint!;
        p.graph.connect({ pods: tenantWorkloads(t.id) }, { pods: endpointPods(ep) }, [endpointPort(ep)], `tenant ${t.id} (plan ${t.plan}) calls ${target}`);
      }
    }
  }
}

/** Every pod of a tenant's namespace (we do not render them: the tenant deploys its own). */
export function tenantWorkloads(tenant: string): PodGroup {
  const namespace = tenantNamespace(tenant);
  return { namespace, selector: {}, display: `${namespace}/workloads` };
}
