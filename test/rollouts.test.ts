/**
 * Canary rollouts (charts/apps/rollout.ts) and the Argo Rollouts add-on (charts/gitops/addons/argo-rollouts.ts):
 * the documents' steps (spec 000 §8.1, spec 003 "Deployment Strategy"), the catalog's checks, and, over every
 * environment of every platform, that each Rollout's references hold (its Deployment, HPA, Services, Ingress,
 * PDB) and that the add-on is installed exactly where a Rollout is rendered.
 */
import type { Manifest, RenderedPlatform } from '../charts/platform';
import { addons } from '../charts/gitops/addons-catalog';
import { addonResources } from '../charts/gitops/addons-resources';
import { argoRollouts, ARGO_ROLLOUTS_NAMESPACE } from '../charts/gitops/addons/argo-rollouts';
import { addonPodsOf } from '../charts/capacity/addon-pods';
import { IMAGE_CONTRACTS } from '../charts/lib/image-contracts';
import { imagesOf } from '../charts/output/render';
import { demandByNamespace } from '../charts/lib/demand';
import { ingressController } from '../charts/lib/graph';
import { catalogProblems, type CatalogEntry } from '../environments/catalog';
import { CATALOG as FNB } from '../environments/fnb/catalog';
import { CATALOG as ARBOR } from '../environments/arbor/catalog';
import { simulate, type Path } from '../scripts/lib/simulator';
import { vpaTargets } from '../charts/gitops/addons/vpa-objects';
import { plan } from '../scripts/install';
import * as fs from 'fs';
import { modelErrors } from './support/k8s-schema';
import { promtool } from './support/monitoring';
import { canaryQueries, canaryTraffic } from '../charts/apps/rollout';
import { messagesWith } from './support/config';
import { manifestsOf, nameOf, renderEvery } from './support/render';

const every = renderEvery();
const env = (platform: string, name: string): RenderedPlatform => {
  const p = every.find((x) => x.config.platform.name === platform && x.config.name === name);
  if (!p) throw new Error(`no environment ${platform}/${name}`);
  return p;
};
const of = (p: RenderedPlatform, kind: string) => manifestsOf(p).filter((m) => m.kind === kind);
const rollout = (p: RenderedPlatform, name: string) => of(p, 'Rollout').find((m) => m.metadata.name === name);
/** The steps as [weight, pause] pairs: pause '' = until promoted, undefined = none. */
const steps = (r: Manifest): [number, string | undefined][] => {
  const out: [number, string | undefined][] = [];
  for (const s of r.spec.strategy.canary.steps) {
    if (s.setWeight !== undefined) out.push([s.setWeight, undefined]);
    else if (s.pause) out[out.length - 1][1] = s.pause.duration ?? '';
  }
  return out;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe('spec 000 §8.1 (fnb): production rolls out gradually, 5 % → 25 % → 100 %', () => {
  const prod = env('fnb', 'production');
  const longRunning = FNB.filter((e) => !['batch-job', 'queue-worker'].includes(e.kind)).map((e) => e.name);

  test('every service and the agents of production are Rollouts of 5, 25 and 100 %, each step held until a person promotes it', () => {
    expect(longRunning).toEqual(['api', 'admin', 'webhook', 'worker', 'langgraph-agent']);
    for (const name of longRunning) {
      const r = rollout(prod, name);
      expect({ name, steps: r && steps(r) }).toEqual({ name, steps: [[5, ''], [25, ''], [100, undefined]] });
    }
  });

  test('the services with their own Ingress (api, admin, webhook) weight the traffic through ingress-nginx; the worker and the agents by pods', () => {
    for (const name of ['api', 'admin', 'webhook']) {
      expect(rollout(prod, name)!.spec.strategy.canary.trafficRouting).toEqual({ nginx: { stableIngress: name } });
    }
    for (const name of ['worker', 'langgraph-agent']) {
      const c = rollout(prod, name)!.spec.strategy.canary;
      expect(c.trafficRouting).toBeUndefined();
      // The rolling update's rule (spec 002 §6.2.1, charts/apps/workload.ts): a new pod before an old one goes.
      expect({ maxSurge: c.maxSurge, maxUnavailable: c.maxUnavailable }).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    }
    // The agents' Service is §4.1's agent mesh: the Rollout changes nothing about it.
    expect(of(prod, 'Service').some((s) => s.metadata.name === 'agent-mesh')).toBe(true);
  });

  test('dev, staging and the standby roll Deployments as before, and run no Argo Rollouts', () => {
    for (const name of ['dev', 'staging', 'standby']) {
      const p = env('fnb', name);
      expect({ name, rollouts: of(p, 'Rollout').length, addon: addons(p.config).some((a) => a.name === 'argo-rollouts') }).toEqual({ name, rollouts: 0, addon: false });
    }
  });
});

describe('spec 003 "Deployment Strategy" (arbor): canary 5 % for 30 minutes, then 10/25/50/100 % at 15 minutes each', () => {
  test('staging (features: canary_releases) and every production region roll both APIs so', () => {
    for (const name of ['staging', 'production-us-east-1', 'production-eu-west-1', 'production-ap-southeast-1']) {
      for (const api of ['arbor-api', 'kumori-api']) {
        const r = rollout(env('arbor', name), api);
        expect({ name, api, steps: r && steps(r) }).toEqual({ name, api, steps: [[5, '30m'], [10, '15m'], [25, '15m'], [50, '15m'], [100, undefined]] });
        // Both APIs have their own Ingress (arbor.<domain>, kumori.<domain>) behind ingress-nginx.
        expect(r!.spec.strategy.canary).toMatchObject({ stableService: api, canaryService: `${api}-canary`, trafficRouting: { nginx: { stableIngress: api } } });
      }
    }
  });

  test('development (one instance) rolls Deployments; the queue and GPU workers are never Rollouts', () => {
    expect(of(env('arbor', 'development'), 'Rollout')).toEqual([]);
    for (const p of every.filter((x) => x.config.platform.name === 'arbor')) {
      for (const r of of(p, 'Rollout')) expect(['arbor-api', 'kumori-api']).toContain(r.metadata.name);
    }
    expect(ARBOR.filter((e) => e.rollout).map((e) => e.name)).toEqual(['arbor-api', 'kumori-api']);
  });
});

describe('every Rollout of every platform: its references hold', () => {
  const rows = every.flatMap((p) => of(p, 'Rollout').map((r) => [`${nameOf(p)} ${r.metadata.namespace}/${r.metadata.name}`, p, r] as const));

  test('some environments render Rollouts (the checks below are not vacuous)', () => {
    expect(rows.length).toBeGreaterThanOrEqual(5 + 2 * 4);
  });

  test.each(rows)('%s', (_, p, r) => {
    const ns = r.metadata.namespace;
    const inNs = (kind: string) => of(p, kind).filter((m) => m.metadata.namespace === ns);
    // Valid against the pinned CRD's fields (test/support/k8s-schema.ts).
    expect(modelErrors(r)).toBeUndefined();

    // The Deployment it references: same namespace, pods matching the Rollout's selector, no replicas of its own.
    expect(r.spec.workloadRef).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', scaleDown: 'progressively' });
    const d = inNs('Deployment').find((m) => m.metadata.name === r.spec.workloadRef.name)!;
    expect(d).toBeDefined();
    expect(d.spec.replicas).toBeUndefined();
    expect(d.spec.selector.matchLabels).toEqual(r.spec.selector.matchLabels);
    const podLabels = d.spec.template.metadata.labels;
    expect(matches(r.spec.selector.matchLabels, podLabels)).toBe(true);

    // The HPA scales the Rollout, never the Deployment it took over; a Rollout without an HPA states its replicas.
    const hpas = inNs('HorizontalPodAutoscaler');
    expect(hpas.filter((h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === d.metadata.name)).toEqual([]);
    const hpa = hpas.find((h) => h.spec.scaleTargetRef.kind === 'Rollout' && h.spec.scaleTargetRef.name === r.metadata.name);
    if (hpa) {
      expect(hpa.spec.scaleTargetRef.apiVersion).toBe('argoproj.io/v1alpha1');
      expect(r.spec.replicas).toBeUndefined();
    } else expect(r.spec.replicas).toBeGreaterThanOrEqual(1);

    // Its pods are selected by a Service, and by a PDB where more than one runs.
    const services = inNs('Service').filter((s) => s.spec.selector && matches(s.spec.selector, podLabels));
    expect(services.length).toBeGreaterThanOrEqual(1);
    const min = hpa?.spec.minReplicas ?? r.spec.replicas;
    if (min > 1) expect(inNs('PodDisruptionBudget').some((b) => matches(b.spec.selector.matchLabels, podLabels))).toBe(true);
    // An ingress NetworkPolicy admits traffic to its pods (the same pods as the Deployment's).
    expect(inNs('NetworkPolicy').some((np) => np.spec.policyTypes?.includes('Ingress') && np.spec.ingress?.length && matches(np.spec.podSelector.matchLabels ?? {}, podLabels))).toBe(true);

    const c = r.spec.strategy.canary;
    const ingress = inNs('Ingress').find((i) => i.metadata.name === c.trafficRouting?.nginx?.stableIngress);
    const nginx = ingressController(p.config).selector['app.kubernetes.io/name'] === 'ingress-nginx';
    if (c.trafficRouting) {
      // Traffic-routed: ingress-nginx, an Ingress whose backend is the stable Service, and a canary Service over the same pods and ports.
      expect(nginx).toBe(true);
      expect(ingress).toBeDefined();
      expect(ingress!.spec.rules.every((rule: any) => rule.http.paths.every((x: any) => x.backend.service.name === c.stableService))).toBe(true);
      const stable = inNs('Service').find((s) => s.metadata.name === c.stableService)!;
      const canary = inNs('Service').find((s) => s.metadata.name === c.canaryService)!;
      expect(canary.spec.selector).toEqual(stable.spec.selector);
      expect(canary.spec.ports).toEqual(stable.spec.ports);
      expect(matches(stable.spec.selector, podLabels)).toBe(true);
    } else {
      // Replica-weighted: there is no Ingress of its own behind ingress-nginx to weight.
      const own = p.config.platform.catalog.find((e) => e.name === r.metadata.name)!;
      expect(nginx && own.ingressHost).toBeFalsy();
    }
  });

  test.each(every.map((p) => [nameOf(p), p] as const))('%s: Argo Rollouts is installed exactly where a Rollout is rendered', (_, p) => {
    const app = of(p, 'Application').find((a) => a.spec.source?.chart === 'argo-rollouts');
    expect(!!app).toBe(of(p, 'Rollout').length > 0);
    if (app) {
      expect(p.config.namespaces.some((n) => n.name === ARGO_ROLLOUTS_NAMESPACE)).toBe(true);
      expect(imagesOf(manifestsOf(p), p.config)).toContain('quay.io/argoproj/argo-rollouts:v1.7.2');
    }
  });
});

describe('the Argo Rollouts add-on (argo-helm argo-rollouts-2.37.7)', () => {
  const prod = env('fnb', 'production').config;
  const noHa = { ...prod, ha: false };
  const noMonitoring = { ...prod, addons: { ...prod.addons, monitoring: { ...prod.addons.monitoring, enabled: false } } };

  test('pinned chart and image, CRDs installed, no dashboard and no mesh RBAC', () => {
    const a = argoRollouts(prod);
    expect({ repoURL: a.repoURL, chart: a.chart, version: a.version, images: a.images }).toEqual({
      repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-rollouts', version: '2.37.7', images: ['quay.io/argoproj/argo-rollouts:v1.7.2'],
    });
    expect(a.values).toMatchObject({ installCRDs: true, providerRBAC: { enabled: false }, dashboard: { enabled: false } });
  });

  test('replicas and the PDB follow c.ha (the chart adds --leader-elect above one replica)', () => {
    expect((argoRollouts(prod).values as any).controller).toMatchObject({ replicas: 2, pdb: { enabled: true, maxUnavailable: 1 } });
    expect((argoRollouts(noHa).values as any).controller).toMatchObject({ replicas: 1, pdb: { enabled: false } });
    expect(addonResources(prod, argoRollouts(prod)).namespaced[0].kinds).toContainEqual({ group: 'policy', kind: 'PodDisruptionBudget' });
    expect(addonResources(noHa, argoRollouts(noHa)).namespaced[0].kinds).not.toContainEqual({ group: 'policy', kind: 'PodDisruptionBudget' });
  });

  test('metrics Service and ServiceMonitor only with monitoring', () => {
    expect((argoRollouts(prod).values as any).controller.metrics).toEqual({ enabled: true, serviceMonitor: { enabled: true } });
    expect((argoRollouts(noMonitoring).values as any).controller.metrics).toEqual({ enabled: false, serviceMonitor: { enabled: false } });
    const sm = { group: 'monitoring.coreos.com', kind: 'ServiceMonitor' };
    expect(addonResources(prod, argoRollouts(prod)).namespaced[0].kinds).toContainEqual(sm);
    expect(addonResources(noMonitoring, argoRollouts(noMonitoring)).namespaced[0].kinds).not.toContainEqual(sm);
    expect(addonResources(noMonitoring, argoRollouts(noMonitoring)).usesGroups).toEqual([]);
  });

  test('the install simulator knows its CRD kinds, the fit check its pods, the image contract its user', () => {
    expect(addonResources(prod, argoRollouts(prod)).crdKinds).toContainEqual({ group: 'argoproj.io', kind: 'Rollout' });
    expect(addonPodsOf(prod, argoRollouts(prod))).toEqual([expect.objectContaining({ name: 'argo-rollouts', replicas: 2 })]);
    // argoproj/argo-rollouts v1.7.2 Dockerfile: USER 999, ENTRYPOINT [ "/bin/rollouts-controller" ].
    const contract = IMAGE_CONTRACTS['quay.io/argoproj/argo-rollouts:v1.7.2'];
    expect(contract.user.value.uid).toBe(999);
    expect(contract.entrypoint.value).toEqual(['/bin/rollouts-controller']);
  });

  test('the controller may reach the API server and be scraped, and nothing else', () => {
    const flows = env('fnb', 'production').graph.flows.filter((f) => f.why.includes('argo-rollouts'));
    expect(flows.map((f) => f.why).sort()).toEqual([`Prometheus scrapes ${ARGO_ROLLOUTS_NAMESPACE}/argo-rollouts-rollouts-controller`, `${ARGO_ROLLOUTS_NAMESPACE}/argo-rollouts-rollouts-controller talks to the Kubernetes API`].sort());
  });
});

test('the install simulator refuses a Rollout applied before Argo Rollouts installs its CRD (argoproj.io alone is served by Argo CD)', () => {
  const p = env('fnb', 'production');
  const charts = p.charts.map((c) => ({ ...c, manifests: [...c.manifests] }));
  const core = charts.find((c) => c.manifests.some((m) => m.kind === 'Rollout'))!;
  const [r] = core.manifests.splice(core.manifests.findIndex((m) => m.kind === 'Rollout'), 1);
  charts.find((c) => c.folder === '02-network')!.manifests.push(r);
  for (const path of ['argocd', 'installer'] as Path[]) {
    const sim = simulate({ config: p.config, charts, secrets: p.secrets }, path);
    expect({ path, step: sim.failed?.step }).toEqual({ path, step: '02-network' });
    expect(sim.failed!.problems.join('\n')).toContain(`Rollout ${r.metadata.namespace}/${r.metadata.name}: the cluster does not serve argoproj.io/Rollout until argo-rollouts installs its CRD`);
  }
});

test('the installer waits for the Rollout CRD (naming Argo Rollouts) before the folder and for each Rollout after it', () => {
  const p = env('fnb', 'production');
  const folders = p.charts.map((c) => ({ name: c.folder, dir: `/dist/${c.folder}`, files: c.manifests.map((_, i) => `/dist/${c.folder}/${i}.yaml`), objects: c.manifests }));
  const steps = plan(folders, { withoutArgoCd: false, timeout: '10m', config: p.config, secrets: p.secrets, bootstrap: 'helm' });
  const core = steps.find((s) => s.folder === '22-core')!;
  const args = core.commands.map((c) => c.args.join(' '));
  const crd = args.findIndex((a) => a === 'wait --for condition=established --timeout 10m customresourcedefinition/rollouts.argoproj.io');
  const apply = args.findIndex((a) => a.startsWith('apply '));
  expect(crd).toBeGreaterThanOrEqual(0);
  expect(crd).toBeLessThan(apply);
  expect(core.commands[crd].hint).toContain('(argo-rollouts)');
  expect(args.indexOf('wait --namespace app-core rollout.argoproj.io/api --for condition=Available --timeout 10m')).toBeGreaterThan(apply);
});

test('docs/arbor.md states spec 003\'s steps and rollback thresholds: error rate 0.05, p99 latency 1000 ms', () => {
  const doc = fs.readFileSync('docs/arbor.md', 'utf8').replace(/\*\*/g, '').replace(/\s+/g, ' ');
  expect(doc).toContain('rolled back by itself above an error rate of 0.05 or a p99 latency of 1000 ms');
  expect(doc).toContain('5 % for 30 minutes, then 10, 25, 50 and 100 % at 15 minutes each');
});

describe('spec 003 automatic rollback (arbor): the canary is aborted above an error rate of 0.05 or a p99 latency of 1000 ms', () => {
  const canaries = ['staging', 'production-us-east-1', 'production-eu-west-1', 'production-ap-southeast-1'];
  const rows = canaries.flatMap((e) => ['arbor-api', 'kumori-api'].map((s) => [`arbor/${e} ${s}`, env('arbor', e), s] as const));
  // kube-prometheus-stack-62.7.0 templates/prometheus/service.yaml: `<fullname>-prometheus`, port 9090; the fullname is
  // the release name when it contains the chart's (_helpers.tpl), and the release is kube-prometheus-stack.
  const prometheusAt = (p: RenderedPlatform) => `http://kube-prometheus-stack-prometheus.monitoring.svc.${p.config.cluster.clusterDomain}:9090`;

  test.each(rows)('%s: the Rollout runs its AnalysisTemplate through every step; the template measures the canary\'s requests in Prometheus', (_, p, name) => {
    const r = rollout(p, name)!;
    const ns = r.metadata.namespace;
    const c = r.spec.strategy.canary;
    // Background analysis (no step of its own), from the first step on.
    expect(c.analysis.templates).toHaveLength(1);
    expect(c.analysis.startingStep).toBeUndefined();
    expect(c.steps.some((s: Manifest) => s.analysis)).toBe(false);
    const t = of(p, 'AnalysisTemplate').find((m) => m.metadata.namespace === ns && m.metadata.name === c.analysis.templates[0].templateName)!;
    expect(t).toBeDefined();
    expect(modelErrors(t)).toBeUndefined();
    // The series of the requests ingress-nginx sends to the canary: the stable Ingress, and the canary upstream
    // named `<namespace>-<canary Service>-<the Ingress backend's port>`.
    const ingress = of(p, 'Ingress').find((i) => i.metadata.namespace === ns && i.metadata.name === c.trafficRouting.nginx.stableIngress)!;
    const port = ingress.spec.rules[0].http.paths[0].backend.service.port.number;
    expect(of(p, 'Service').find((s) => s.metadata.namespace === ns && s.metadata.name === c.canaryService)!.spec.ports.map((x: Manifest) => x.port)).toContain(port);
    const selector = `{namespace="${ns}",ingress="${ingress.metadata.name}",canary="${ns}-${c.canaryService}-${port}"`;
    expect(t.spec.metrics.map((x: Manifest) => ({ name: x.name, interval: x.interval, count: x.count, failureLimit: x.failureLimit, condition: x.successCondition, failure: x.failureCondition, address: x.provider.prometheus.address }))).toEqual([
      { name: 'error-rate', interval: '1m', count: undefined, failureLimit: 2, condition: 'len(result) == 0 || isNaN(result[0]) || result[0] <= 0.05', failure: undefined, address: prometheusAt(p) },
      { name: 'latency-p99', interval: '1m', count: undefined, failureLimit: 2, condition: 'len(result) == 0 || isNaN(result[0]) || result[0] <= 1', failure: undefined, address: prometheusAt(p) },
    ]);
    for (const x of t.spec.metrics) expect(x.provider.prometheus.query).toContain(selector);
    // The Service it names is kube-prometheus-stack's Prometheus, which scrapes ingress-nginx (its ServiceMonitor).
    const stack = of(p, 'Application').find((a) => a.spec.source?.chart === 'kube-prometheus-stack');
    expect(stack?.spec.destination.namespace).toBe('monitoring');
    const nginx = of(p, 'Application').find((a) => a.spec.source?.chart === 'ingress-nginx')!;
    // Scraped with the metrics' own labels (honorLabels), so `namespace` is the Ingress's as the queries select; without
    // it Prometheus keeps the target's namespace (ingress) and renames the metric's to exported_namespace.
    expect(nginx.spec.source.helm.valuesObject.controller.metrics).toEqual({ enabled: true, serviceMonitor: { enabled: true, honorLabels: true } });
  });

  test('the controller reaches Prometheus on 9090 where it measures canaries, and only there', () => {
    const why = 'Argo Rollouts measures the canaries in Prometheus';
    for (const p of every) {
      const measured = of(p, 'AnalysisTemplate').length > 0;
      const flow = p.graph.flows.find((f) => f.why === why);
      expect({ env: nameOf(p), flow: !!flow }).toEqual({ env: nameOf(p), flow: measured });
      if (flow) expect(flow.to).toMatchObject({ pods: { namespace: 'monitoring' } });
    }
    expect(every.filter((p) => of(p, 'AnalysisTemplate').length).length).toBe(canaries.length);
  });

  test('fnb\'s canaries (promoted by a person) and arbor\'s development measure nothing', () => {
    expect(of(env('fnb', 'production'), 'Rollout').length).toBeGreaterThan(0);
    expect(of(env('fnb', 'production'), 'Rollout').every((r) => r.spec.strategy.canary.analysis === undefined)).toBe(true);
    expect(of(env('fnb', 'production'), 'AnalysisTemplate')).toEqual([]);
    expect(of(env('arbor', 'development'), 'AnalysisTemplate')).toEqual([]);
  });

  test('the queries, run by Prometheus\'s own engine (promtool), count only the canary\'s requests', () => {
    const [errors, latency] = canaryQueries('app-core', 'arbor-api', 'app-core-arbor-api-canary-3000', { maxErrorRate: 0.05, maxP99LatencyMs: 1000 });
    const requests = (canary: string, status: string, perMinute: number) =>
      ({ series: `nginx_ingress_controller_requests{namespace="app-core",ingress="arbor-api",service="arbor-api",canary="${canary}",status="${status}",method="GET",path="/"}`, values: `0+${perMinute}x20` });
    const bucket = (canary: string, le: string, perMinute: number) =>
      ({ series: `nginx_ingress_controller_request_duration_seconds_bucket{namespace="app-core",ingress="arbor-api",service="arbor-api",canary="${canary}",status="200",method="GET",path="/",le="${le}"}`, values: `0+${perMinute}x20` });
    const CANARY = 'app-core-arbor-api-canary-3000';
    // The stable pods fail and are slow: none of it may count against the canary. So may another service's canary.
    const noise = [requests('', '500', 50), requests('', '200', 50), requests('app-core-kumori-api-canary-3000', '503', 10),
      bucket('', '1', 0), bucket('', '+Inf', 100)];
    const test = (series: object[], expr: string, value: number | undefined) => ({
      interval: '1m', input_series: [...noise, ...series],
      // Rounded to a thousandth: promtool compares samples exactly, and 0.06 is 0.05999… after the division.
      promql_expr_test: [{ expr: `round(${expr}, 0.001)`, eval_time: '10m', exp_samples: value === undefined ? [] : [{ labels: '{}', value }] }],
    });
    const tests = {
      rule_files: ['rules.yaml'], evaluation_interval: '1m',
      tests: [
        // 6 of 100 requests a minute answered 5xx: 0.06, above 0.05.
        test([requests(CANARY, '200', 94), requests(CANARY, '500', 4), requests(CANARY, '502', 2)], errors.query, 0.06),
        // No 5xx at all: 0, not an empty result.
        test([requests(CANARY, '200', 100)], errors.query, 0),
        // No request reached the canary yet: empty (the condition passes it).
        test([], errors.query, undefined),
        // 96 of 100 within 0.5 s, all within 1 s: the 99th percentile is 0.875 s.
        test([bucket(CANARY, '0.5', 96), bucket(CANARY, '1', 100), bucket(CANARY, '+Inf', 100)], latency.query, 0.875),
        // 98 within 1 s, all within 2.5 s: 1.75 s, above 1 s.
        test([bucket(CANARY, '0.5', 90), bucket(CANARY, '1', 98), bucket(CANARY, '2.5', 100), bucket(CANARY, '+Inf', 100)], latency.query, 1.75),
        test([], latency.query, undefined),
      ],
    };
    expect(promtool(['test', 'rules', 'tests.yaml'], { 'rules.yaml': { groups: [] }, 'tests.yaml': tests })).toMatch(/SUCCESS/);
    expect([errors.max, latency.max]).toEqual([0.05, 1]);
  });

  test('an aborted rollout raises a critical alert, a stalled one a warning (promtool test rules on the rendered rule)', () => {
    const rule = of(env('arbor', 'production-us-east-1'), 'PrometheusRule').find((m) => m.metadata.name === 'platform-delivery')!;
    const groups = rule.spec.groups.map((g: Manifest) => ({ ...g, rules: g.rules.filter((r: Manifest) => r.alert.startsWith('Rollout')).map(({ annotations: _a, ...r }: Manifest) => r) }));
    // As Prometheus stores the controller's series: the target's namespace is argo-rollouts, the Rollout's is exported_namespace.
    const info = (name: string, phase: string, values: string) =>
      ({ series: `rollout_info{namespace="argo-rollouts",exported_namespace="app-core",name="${name}",phase="${phase}",strategy="canary",traffic_router="Nginx"}`, values });
    const tests = {
      rule_files: ['rules.yaml'], evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          info('arbor-api', 'Paused', '1x5'), info('arbor-api', 'Abort', '_x5 1x10'),
          info('kumori-api', 'Progressing', '1x5'), info('kumori-api', 'Timeout', '_x5 1x10'),
        ],
        alert_rule_test: [
          { eval_time: '3m', alertname: 'RolloutAborted', exp_alerts: [] },
          { eval_time: '8m', alertname: 'RolloutAborted', exp_alerts: [{ exp_labels: { severity: 'critical', namespace: 'monitoring', exported_namespace: 'app-core', name: 'arbor-api' } }] },
          { eval_time: '8m', alertname: 'RolloutTimedOut', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'monitoring', exported_namespace: 'app-core', name: 'kumori-api' } }] },
        ],
      }],
    };
    expect(promtool(['test', 'rules', 'tests.yaml'], { 'rules.yaml': { groups }, 'tests.yaml': tests })).toMatch(/SUCCESS/);
    // Wherever Argo Rollouts runs with the Prometheus stack, and nowhere else.
    for (const p of every) {
      const has = of(p, 'PrometheusRule').some((m) => m.spec.groups.some((g: Manifest) => g.rules.some((r: Manifest) => r.alert === 'RolloutAborted')));
      expect({ env: nameOf(p), has }).toEqual({ env: nameOf(p), has: of(p, 'Rollout').length > 0 && p.config.addons.monitoring.enabled });
    }
  });

  describe('where the canary cannot be measured, the environment is refused, naming the field', () => {
    const problemsOf = (name: string, patch: Record<string, unknown>) => messagesWith('arbor', name, patch);
    test('without Prometheus', () => {
      expect(problemsOf('staging', { addons: { monitoring: { enabled: false } } }).join('\n'))
        .toMatch(/addons\.monitoring\.enabled = false: must be true where canaries apply \(apps\.canaryRollouts\): arbor-api and kumori-api roll back by themselves on ingress-nginx's request metrics, read from Prometheus/);
    });
    test('on k3s (Traefik), and without Prometheus there either', () => {
      const problems = problemsOf('development', { apps: { canaryRollouts: true } }).join('\n');
      expect(problems).toMatch(/apps\.canaryRollouts = true: needs ingress-nginx: arbor-api and kumori-api roll back by themselves on ingress-nginx's request metrics, and k3s routes with Traefik/);
      expect(problems).toMatch(/addons\.monitoring\.enabled = false: must be true where canaries apply/);
    });
    test('with the canaries off, nothing is asked', () => {
      // (staging's alert routing is refused without the stack, by its own rule: test/alerting.test.ts.)
      const problems = problemsOf('staging', { apps: { canaryRollouts: false }, addons: { monitoring: { enabled: false } } });
      expect(problems.length).toBe(1);
      expect(problems.filter((p) => /canar|roll back/.test(p))).toEqual([]);
    });
  });
});

test('VPA recommendations (where the VPA add-on runs) target a canary\'s Rollout, and none where an HPA scales it', () => {
  const ms = manifestsOf(env('fnb', 'production'));
  const targets = vpaTargets(ms);
  // Every Rollout of fnb production has an HPA (the catalog's ranges): none is a target, nor its Deployment.
  for (const r of ms.filter((m) => m.kind === 'Rollout')) {
    expect(targets.filter((t) => t.namespace === r.metadata.namespace && t.name === r.metadata.name)).toEqual([]);
  }
  const r = ms.find((m) => m.kind === 'Rollout')!;
  const unscaled = ms.filter((m) => !(m.kind === 'HorizontalPodAutoscaler' && m.spec.scaleTargetRef.name === r.metadata.name));
  expect(vpaTargets(unscaled)).toContainEqual({ namespace: r.metadata.namespace, kind: 'Rollout', name: r.metadata.name });
});

describe('quota: a canary\'s pods beside the stable ones', () => {
  const pod = { containers: [{ name: 'c', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }] };
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'ns' }, spec: { template: { spec: pod } } };
  const hpa = { kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: 'ns' }, spec: { scaleTargetRef: { kind: 'Rollout', name: 'api' }, maxReplicas: 10 } };
  const rolloutOf = (canary: object) => ({ kind: 'Rollout', metadata: { name: 'api', namespace: 'ns' }, spec: { workloadRef: { kind: 'Deployment', name: 'api' }, strategy: { canary } } });

  test('traffic-routed: the canary grows to the full count before the stable scales down (10 + 10 pods)', () => {
    expect(demandByNamespace([deployment, hpa, rolloutOf({ trafficRouting: { nginx: {} } })]).get('ns')!.pods).toBe(20);
  });
  test('replica-weighted: the surge only (10 + 1 pods)', () => {
    expect(demandByNamespace([deployment, hpa, rolloutOf({ maxSurge: 1, maxUnavailable: 0 })]).get('ns')!.pods).toBe(11);
  });
});

describe('catalog rollout checks: each problem names the field', () => {
  const api = FNB[0];
  const problems = (rollout: unknown, e: Partial<CatalogEntry> = {}) =>
    catalogProblems([{ ...api, ...e, rollout } as CatalogEntry], ['app-core', 'agents']).filter((p) => p.path.includes('rollout'));

  test('the documents\' steps pass', () => {
    expect(problems(FNB[0].rollout)).toEqual([]);
    expect(problems(ARBOR[0].rollout)).toEqual([]);
  });
  test('weights strictly increasing, whole percents 1..100; pauses whole minutes >= 0; at least one step', () => {
    expect(problems({ canary: { steps: [{ weight: 25 }, { weight: 25 }, { weight: 0 }, { weight: 101 }, { weight: 2.5 }, { weight: 50, pauseMinutes: -1 }] } })).toEqual([
      { path: 'catalog.api.rollout.canary.steps[1].weight', message: '25 must be above the previous step\'s 25 (weights strictly increase)' },
      { path: 'catalog.api.rollout.canary.steps[2].weight', message: '0 must be a whole percent between 1 and 100' },
      { path: 'catalog.api.rollout.canary.steps[3].weight', message: '101 must be a whole percent between 1 and 100' },
      { path: 'catalog.api.rollout.canary.steps[4].weight', message: '2.5 must be a whole percent between 1 and 100' },
      { path: 'catalog.api.rollout.canary.steps[5].pauseMinutes', message: '-1 must be a whole number of minutes of at least 0' },
    ]);
    expect(problems({ canary: { steps: [] } })).toEqual([{ path: 'catalog.api.rollout.canary.steps', message: 'must list at least one step' }]);
  });
  test('an analysis sets a threshold, a share below 1 and whole milliseconds, on a service with its own Ingress', () => {
    const steps = [{ weight: 100 }];
    expect(problems({ canary: { steps, analysis: { maxErrorRate: 0.05, maxP99LatencyMs: 1000 } } })).toEqual([]);
    expect(problems({ canary: { steps, analysis: {} } })).toEqual([{ path: 'catalog.api.rollout.canary.analysis', message: 'must set maxErrorRate, maxP99LatencyMs or both' }]);
    expect(problems({ canary: { steps, analysis: { maxErrorRate: 5, maxP99LatencyMs: 0.5 } } })).toEqual([
      { path: 'catalog.api.rollout.canary.analysis.maxErrorRate', message: '5 must be a share between 0 and 1, such as 0.05' },
      { path: 'catalog.api.rollout.canary.analysis.maxP99LatencyMs', message: '0.5 must be a whole number of milliseconds above 0' },
    ]);
    expect(problems({ canary: { steps, analysis: { maxErrorRate: 0.05 } } }, { ingressHost: undefined })).toEqual([
      { path: 'catalog.api.rollout.canary.analysis', message: 'measures the requests of the service\'s own Ingress, and the service has no ingressHost' },
    ]);
  });
  test('traffic is weighted through ingress-nginx only where it serves the entry\'s own Ingress (not behind an ALB, not on k3s)', () => {
    const entry = { ...ARBOR[0], ingressHost: 'api' };
    const traffic = (config: RenderedPlatform['config'], e: CatalogEntry) => canaryTraffic({ config } as Parameters<typeof canaryTraffic>[0], { entry: e } as Parameters<typeof canaryTraffic>[1]);
    expect(traffic(env('arbor', 'staging').config, entry)).toBe('nginx');
    expect(traffic(env('arbor', 'staging').config, { ...entry, ingressHost: undefined })).toBe('replicas');
    expect(env('eks-platform', 'production').config.ingress.alb).toBeDefined();
    expect(traffic(env('eks-platform', 'production').config, entry)).toBe('replicas');
    expect(traffic(env('arbor', 'development').config, entry)).toBe('replicas');
  });
  test('Jobs are not rolled out', () => {
    expect(problems({ canary: { steps: [{ weight: 100 }] } }, { kind: 'batch-job', schedule: '0 * * * *' })).toContainEqual({ path: 'catalog.api.rollout', message: 'a batch-job runs Jobs, not a rolled-out Deployment' });
  });
  test('the Rollout shape check catches a bad field, a missing selector and an unknown scaleDown', () => {
    const r = rollout(env('fnb', 'production'), 'api')!;
    expect(modelErrors({ ...r, spec: { ...r.spec, selector: undefined, workloadRef: { ...r.spec.workloadRef, scaleDown: 'later' } } }))
      .toMatch(/spec\.selector: is required.*scaleDown: "later"/);
    expect(modelErrors({ ...r, spec: { ...r.spec, strategy: { canary: { ...r.spec.strategy.canary, steps: [{ setWeight: '5' }] } } } }))
      .toMatch(/spec\.strategy\.canary\.steps\[0\]\.setWeight: must be an integer/);
  });
});
