/**
 * What a tenant's workloads may reach (tenantPlans.<plan>.network): exactly the platform endpoints of its plan
 * plus DNS, proven with the NetworkPolicy evaluator on the rendered policies of every environment; never a store,
 * another tenant or anything else, and nothing outside the tenant reaches in. Bad grants fail validation by field.
 */
import { CATALOG } from '../environments/receivables/catalog';
import { environmentInput, validateEnvironment } from '../environments';
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { tenantNamespace } from '../charts/lib/naming';
import { KUBE_DNS, reachability, type Environment } from './support/network';
import { manifestsOf, renderAll } from './support/render';
import { input, messagesOf } from './support/config';

const envOf = (p: RenderedPlatform): Environment => ({ config: p.config, graph: p.graph, manifests: manifestsOf(p) });

describe('tenant reachability by plan', () => {
  const platforms = renderAll();
  let granted = 0;
  let bare = 0;

  test.each(platforms.map((p) => [p.config.name, p] as const))('%s: each tenant reaches exactly its plan\'s endpoints and DNS; nothing outside reaches in', (_e, p) => {
    const r = reachability(envOf(p));
    expect(p.config.tenants.length).toBeGreaterThan(0);
    for (const t of p.config.tenants) {
      const ns = tenantNamespace(t.id);
      const plan = p.config.tenantPlans[t.plan];
      // Any pod the tenant deploys: the evaluator's "stranger" carries none of our labels.
      const src = r.endpoints.find((e) => e.id === `${ns}/stranger`)!;
      const out = [...r.actual].filter((x) => x.startsWith(`${src.id} → `)).map((x) => x.split(' → ')[1])
        .filter((x) => !x.startsWith(`${ns}/`) && !x.startsWith(`${KUBE_DNS.id} `));
      const expected = plan.network.platformEndpoints.map((name) => {
        const e = CATALOG.find((c) => c.name === name)!;
        return `${e.namespace}/Deployment/${e.name} ${e.port}/TCP`;
      });
      expect({ tenant: t.id, plan: t.plan, reaches: out.sort() }).toEqual({ tenant: t.id, plan: t.plan, reaches: expected.sort() });
      expect(r.actual.has(`${src.id} → ${KUBE_DNS.id} 53/UDP`)).toBe(true);
      const inbound = [...r.actual].filter((x) => x.split(' → ')[1].startsWith(`${ns}/`) && !x.startsWith(`${ns}/`));
      expect({ tenant: t.id, inbound }).toEqual({ tenant: t.id, inbound: [] });
      if (expected.length) granted++; else bare++;
    }
  });

  test('the environments cover a plan with a grant and a plan without', () => {
    expect(granted).toBeGreaterThan(0);
    expect(bare).toBeGreaterThan(0);
  });
});

describe('tenant plans in the base environment', () => {
  test('business and enterprise reach the API gateway; starter only DNS', () => {
    const plans = validateEnvironment('production', input('production')).tenantPlans;
    expect(plans.starter.network.platformEndpoints).toEqual([]);
    expect(plans.business.network.platformEndpoints).toEqual(['api-gateway']);
    expect(plans.enterprise.network.platformEndpoints).toEqual(['api-gateway']);
  });

  test('adding a business tenant opens its egress and the gateway\'s ingress, and no other policy', () => {
    const policies = (p: RenderedPlatform) => p.charts.find((c) => c.folder === '02-network')!.manifests;
    const key = (m: Manifest) => `${m.metadata.namespace}/${m.metadata.name}`;
    const before = policies(renderPlatform(validateEnvironment('staging', environmentInput('staging'))));
    const cfg = input('staging');
    cfg.tenants.push({ id: 'newco', plan: 'business' });
    const after = policies(renderPlatform(validateEnvironment('staging', cfg)));
    const beforeKeys = new Set(before.map(key));
    expect(after.filter((m) => !beforeKeys.has(key(m))).map(key)).toEqual(['tenant-newco/workloads-egress']);
    const changed = before.filter((m) => JSON.stringify(after.find((a) => key(a) === key(m))) !== JSON.stringify(m)).map(key);
    expect(changed).toEqual(['app-core/api-gateway-gateway-ingress']);
    const egress = after.find((m) => key(m) === 'tenant-newco/workloads-egress')!;
    expect(egress.spec.podSelector).toEqual({ matchLabels: {} });
    expect(egress.spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'app-core' } }, podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'api-gateway' }) } }],
      ports: [{ protocol: 'TCP', port: 8000 }],
    }]);
  });
});

describe('bad grants', () => {
  test.each([
    ['postgres', '"postgres" is a store: tenants may reach only the gateway (allowed: api-gateway)'],
    ['invoice-service', '"invoice-service" is not a gateway'],
    ['nope', '"nope" is not in the catalog'],
  ])('%s is refused with the field path', (target, message) => {
    const cfg = input('staging');
    cfg.tenantPlans.business.network.platformEndpoints = ['api-gateway', target];
    expect(messagesOf('staging', cfg)).toEqual([expect.stringContaining(`tenantPlans.business.network.platformEndpoints[1] = "${target}": ${message}`)]);
  });

  test('a duplicate, and a gateway this environment disables', () => {
    const cfg = input('staging');
    cfg.tenantPlans.enterprise.network.platformEndpoints = ['api-gateway', 'api-gateway'];
    expect(messagesOf('staging', cfg)).toEqual([expect.stringContaining('tenantPlans.enterprise.network.platformEndpoints[1] = "api-gateway": duplicates "api-gateway"')]);
    const off = input('staging');
    off.apps.services['api-gateway'] = { enabled: false };
    expect(messagesOf('staging', off)).toEqual(expect.arrayContaining([
      expect.stringContaining('tenantPlans.business.network.platformEndpoints[0] = "api-gateway": "api-gateway" is disabled in this environment'),
    ]));
  });
});
