/** One namespace per tenant (spec 002 §10.1.1), sized by the tenant's plan (§10.3.1). */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { PlatformContext } from './lib/context';
import { LABELS } from './lib/labels';
import { PlatformNamespace } from './lib/namespace';
import { tenantNamespace } from './lib/naming';

export class TenantsChart extends Chart {
  constructor(scope: Construct, id: string, p: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = p;
    for (const t of config.tenants) {
      const plan = config.tenantPlans[t.plan];
      new PlatformNamespace(this, t.id, {
        config,
        name: tenantNamespace(t.id),
        podSecurity: 'restricted',
        runsPods: true,
        quota: plan,
        limitRange: plan.limitRange,
        extraLabels: { [LABELS.tenant]: t.id, [LABELS.plan]: t.plan, [LABELS.tier]: 'tenant' },
      });
    }
  }
}
