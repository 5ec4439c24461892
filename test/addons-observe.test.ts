/**
 * The optional observability add-ons (charts/gitops/addons/): the Datadog agent of spec 000 §6, and spec 004's
 * OpenTelemetry collector → Jaeger, Falco and the VPA in recommendation mode. Off in every environment by default;
 * here turned on in test configurations (fnb's production and dev with the add-ons' switches and namespaces) and
 * rendered: schema-valid objects, the chart values they promise, Pod Security levels, Secrets, network flows with
 * the reachability proof, the install simulator on both paths, and the configuration errors naming their fields.
 *
 * What this does not prove: that the charts render what addons-resources.ts says (helm is not run here; the
 * entries cite the templates read at the pinned versions), nor that the agents start on a real kernel.
 */
import { environmentInput, formatProblem, loadTargets, allTargets, validateEnvironment, ConfigError } from '../environments';
import { deepMerge } from '../environments/merge';
import { DATADOG_NAMESPACE, FALCO_NAMESPACE, TRACING_NAMESPACE, VPA_NAMESPACE } from '../environments/shared';
import type { EnvironmentConfig } from '../environments/schema';
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { addons, ADDON_WAVES, type Addon } from '../charts/gitops/addons-catalog';
import { addonResources } from '../charts/gitops/addons-resources';
import { addonQuotaPods } from '../charts/gitops/addons-demand';
import { vpaTargets } from '../charts/gitops/addons/vpa-objects';
import { contractFor } from '../charts/lib/image-contracts';
import { installerSecrets } from '../scripts/install';
import { simulate, type Path } from '../scripts/lib/simulator';
import { modelErrors, unknownFields } from './support/k8s-schema';
import { difference, reachability } from './support/network';
import { manifestsOf } from './support/render';

const OBSERVE = ['datadog', 'otel-collector', 'jaeger', 'falco', 'vpa'] as const;
const MIRROR = 'registry.fnb.internal/mirror';
const ES = { type: 'elasticsearch', url: 'https://search-fnb-traces.eu-west-1.es.amazonaws.com:443', username: 'jaeger', cidrs: ['10.0.40.0/24'], retentionDays: 14 };

/** fnb's environment input with `patch` merged in (arrays replaced), validated. */
function configOf(env: string, patch: Record<string, unknown>): EnvironmentConfig {
  return validateEnvironment(env, deepMerge(structuredClone(environmentInput(env, 'fnb')) as Record<string, unknown>, patch));
}
/** The problems validation reports for fnb's `env` with `patch`. */
function problemsOf(env: string, patch: Record<string, unknown>): string[] {
  try {
    configOf(env, patch);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map(formatProblem);
  }
}
const withNamespaces = (env: string, ...extra: readonly object[]) => [...(environmentInput(env, 'fnb').namespaces as object[]), ...extra];

/** Every optional add-on on, Jaeger on an external OpenSearch, images from a mirror. */
function allOn(env = 'production', extra: Record<string, unknown> = {}): EnvironmentConfig {
  return configOf(env, {
    images: { registry: MIRROR },
    namespaces: withNamespaces(env, DATADOG_NAMESPACE, TRACING_NAMESPACE, FALCO_NAMESPACE, VPA_NAMESPACE),
    addons: { datadog: { enabled: true, site: 'datadoghq.eu' }, tracing: { enabled: true, storage: ES }, falco: { enabled: true }, vpa: { enabled: true } },
    ...extra,
  });
}

const app = (p: RenderedPlatform, name: string): Manifest => {
  const a = manifestsOf(p).find((m) => m.kind === 'Application' && m.spec?.source?.chart && m.spec.source.helm?.releaseName === name);
  if (!a) throw new Error(`no Application for ${name}`);
  return a;
};
const values = (p: RenderedPlatform, name: string): Record<string, any> => app(p, name).spec.source.helm.valuesObject;
const ns = (p: RenderedPlatform, name: string) => manifestsOf(p).find((m) => m.kind === 'Namespace' && m.metadata.name === name);

describe('off by default', () => {
  test('only spec 004\'s AWS environments run tracing, Falco and the VPA; Datadog runs nowhere (spec 000 §6: only where there is an account)', () => {
    // Spec 004 "Observability Stack" (OpenTelemetry → Jaeger, Falco) and "Scaling Policies" (VPA): its EKS environments.
    const spec004 = ['jaeger', 'otel-collector', 'falco', 'vpa'].sort();
    for (const c of loadTargets(allTargets())) {
      const expected = c.platform.name === 'eks-platform' && c.cluster.flavour === 'eks' ? spec004 : [];
      expect({ env: `${c.platform.name}/${c.name}`, on: addons(c).map((a) => a.name).filter((n) => (OBSERVE as readonly string[]).includes(n)).sort() })
        .toEqual({ env: `${c.platform.name}/${c.name}`, on: expected });
      expect(c.addons.datadog.enabled).toBe(false);
    }
  });
});

describe('configuration errors name the field', () => {
  test('an enabled add-on without its namespace', () => {
    expect(problemsOf('production', { addons: { datadog: { enabled: true, site: 'datadoghq.com' } } })).toEqual([
      expect.stringMatching(/^environment "production": addons\.datadog\.enabled = .*needs the namespace "datadog" in namespaces \(with podSecurity "privileged"/),
    ]);
    expect(problemsOf('production', { addons: { vpa: { enabled: true } } })).toEqual([expect.stringMatching(/addons\.vpa\.enabled = .*needs the namespace "vpa"/)]);
  });

  test('a namespace below the Pod Security level its pods need (hostPID and hostPath for Datadog, the eBPF probe for Falco)', () => {
    const namespaces = withNamespaces('production', { ...DATADOG_NAMESPACE, podSecurity: 'baseline' }, { name: 'falco', tier: 'system' });
    const i = namespaces.length - 2;
    expect(problemsOf('production', { namespaces, addons: { datadog: { enabled: true, site: 'datadoghq.com' }, falco: { enabled: true } } })).toEqual([
      expect.stringMatching(new RegExp(`namespaces\\[${i}\\]\\.podSecurity = "baseline": must be "privileged" while addons\\.datadog is enabled \\(the Datadog node agent reads the host through hostPID and hostPath`)),
      // No podSecurity given: the default, restricted.
      expect.stringMatching(new RegExp(`namespaces\\[${i + 1}\\]\\.podSecurity = \\(missing\\): must be "privileged" while addons\\.falco is enabled .*; got "restricted"$`)),
    ]);
  });

  test('Datadog without its site; Jaeger on Elasticsearch without its address; memory storage in an HA environment; a misspelt key', () => {
    const namespaces = withNamespaces('production', DATADOG_NAMESPACE, TRACING_NAMESPACE);
    expect(problemsOf('production', { namespaces, addons: { datadog: { enabled: true }, tracing: { enabled: true, storage: { type: 'elasticsearch', username: 'jaeger' } } } }).sort()).toEqual([
      expect.stringMatching(/addons\.datadog\.site = \(missing\): is required when addons\.datadog\.enabled is true/),
      expect.stringMatching(/addons\.tracing\.storage\.cidrs = \(missing\): is required when addons\.tracing\.storage\.type is "elasticsearch"/),
      expect.stringMatching(/addons\.tracing\.storage\.url = \(missing\): is required when addons\.tracing\.storage\.type is "elasticsearch"/),
    ].sort((a, b) => String(a).localeCompare(String(b))));
    expect(problemsOf('production', { namespaces, addons: { tracing: { enabled: true, storage: { type: 'memory' } } } })).toEqual([
      expect.stringMatching(/addons\.tracing\.storage\.type = "memory": must be "elasticsearch" when ha is true/),
    ]);
    expect(problemsOf('production', { addons: { falco: { enabled: false, driver: 'kmod' } } })).toEqual([expect.stringMatching(/addons\.falco/)]);
    expect(problemsOf('production', { namespaces, addons: { datadog: { enabled: true, site: 'datadog.example' } } })).toEqual([expect.stringMatching(/addons\.datadog\.site = "datadog\.example"/)]);
  });
});

describe('fnb production with every optional add-on on', () => {
  let p: RenderedPlatform;
  beforeAll(() => { p = renderPlatform(allOn()); });

  test('one pinned Application per add-on, in its sync wave, every image from the mirror (registry rewrite)', () => {
    for (const name of OBSERVE) {
      const a = app(p, name);
      expect(a.spec.source.targetRevision).toMatch(/^[0-9]+\.[0-9]+\.[0-9]+$/);
      expect(Number(a.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBe(ADDON_WAVES[name]);
      const images = String(Object.entries(a.metadata.annotations).find(([k]) => k.endsWith('/images'))?.[1]).split(',');
      expect(images.length).toBeGreaterThan(0);
      for (const i of images) expect(i).toMatch(new RegExp(`^${MIRROR}/[a-z0-9./-]+:[A-Za-z0-9.-]+$`));
    }
    // Each image has its contract (user, volumes, entry point read from its Dockerfile), found through the mirror.
    for (const a of addons(p.config).filter((x) => (OBSERVE as readonly string[]).includes(x.name))) {
      for (const i of a.images) expect({ i, contract: contractFor(i, MIRROR)?.origin }).toEqual({ i, contract: 'addon' });
    }
    // Jaeger before the collector that exports to it; everything after the Prometheus stack (their monitors).
    expect(ADDON_WAVES.jaeger).toBeLessThan(ADDON_WAVES['otel-collector']);
    for (const name of OBSERVE) expect(ADDON_WAVES[name]).toBeGreaterThan(ADDON_WAVES['kube-prometheus-stack']);
  });

  test('every object is schema-valid (kubernetes-models, Argo CD, the VPA CRD) with no unknown field', () => {
    // Unknown fields against the 1.27 API for core objects (and the VPA CRD); custom resources by their packages.
    const core = (m: Manifest) => !/(argoproj\.io|cert-manager\.io|monitoring\.coreos\.com|external-secrets\.io)\//.test(m.apiVersion);
    const bad = manifestsOf(p).map((m) => [`${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`, modelErrors(m), core(m) ? unknownFields(m) : []] as const)
      .filter(([, e, u]) => e !== undefined || u.length > 0);
    expect(bad).toEqual([]);
  });

  test('Pod Security: datadog and falco privileged with their reasons, tracing and vpa restricted, all pinned to one version', () => {
    for (const [name, level] of [['datadog', 'privileged'], ['falco', 'privileged'], ['tracing', 'restricted'], ['vpa', 'restricted']] as const) {
      const n = ns(p, name)!;
      expect(n.metadata.labels['pod-security.kubernetes.io/enforce']).toBe(level);
      expect(n.metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe(p.config.podSecurity.version);
    }
    expect(JSON.stringify(ns(p, 'datadog')!.metadata.annotations)).toMatch(/hostPID and hostPath/);
    expect(JSON.stringify(ns(p, 'falco')!.metadata.annotations)).toMatch(/eBPF probe/);
  });

  test('Datadog (spec 000 §6.1): API key from the site\'s Secret, generated cluster-agent token, the site, logs and APM traces', () => {
    const v = values(p, 'datadog');
    expect(v.datadog).toMatchObject({
      apiKeyExistingSecret: 'datadog-api-key', site: 'datadoghq.eu', clusterName: 'fnb-production',
      // §6.1 "Application Logs" and "Datadog APM (Traces)", over the socket rather than a hostPort.
      logs: { enabled: true, containerCollectAll: true }, apm: { socketEnabled: true, portEnabled: false },
    });
    expect(v.clusterAgent).toMatchObject({ enabled: true, replicas: 2, createPodDisruptionBudget: true, tokenExistingSecret: 'datadog-cluster-agent-token', admissionController: { enabled: false } });
    expect(v.datadog.apiKey).toBeUndefined();
    expect(v.clusterAgent.token).toBeUndefined();
    const secrets = p.secrets.filter((s) => s.namespace === 'datadog');
    expect(secrets).toEqual(expect.arrayContaining([
      { name: 'datadog-api-key', namespace: 'datadog', keys: ['api-key'], suppliedBy: 'site' },
      { name: 'datadog-cluster-agent-token', namespace: 'datadog', keys: ['token'] },
    ]));
    // The installer checks the key exists and generates the token, with secrets generated or from Vault alike.
    const s = installerSecrets(p.config, p.secrets);
    expect(s.supplied).toContain('datadog/datadog-api-key');
    expect(s.generate.map((x) => `${x.namespace}/${x.name}`)).toContain('datadog/datadog-cluster-agent-token');
    expect(s.generate.map((x) => x.name)).not.toContain('datadog-api-key');
    // The node agent on every node, tainted ones included (a DaemonSet per node in the quota).
    const agent = addonQuotaPods(p.config, addons(p.config)).find((x) => x.workload.id === 'datadog/datadog-agent')!;
    expect(agent.pods).toBe(5);
  });

  test('tracing (spec 004 "Tracing Pipeline": Applications → OpenTelemetry Collector → Jaeger → Grafana)', () => {
    const otel = values(p, 'otel-collector');
    expect(otel.mode).toBe('deployment');
    expect(otel.command).toEqual({ name: 'otelcol-k8s' });
    expect(otel.config.exporters['otlp/jaeger'].endpoint).toBe('jaeger-collector.tracing.svc.cluster.local:4317');
    expect(otel.config.service.pipelines.traces).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/jaeger'] });
    for (const port of ['jaeger-compact', 'jaeger-thrift', 'jaeger-grpc', 'zipkin']) expect(otel.ports[port].enabled).toBe(false);
    expect(otel.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false });
    const j = values(p, 'jaeger');
    expect(j.provisionDataStore).toEqual({ cassandra: false, elasticsearch: false, kafka: false });
    expect(j.storage).toEqual({ type: 'elasticsearch', elasticsearch: expect.objectContaining({ scheme: 'https', host: 'search-fnb-traces.eu-west-1.es.amazonaws.com', port: 443, user: 'jaeger', existingSecret: 'jaeger-elasticsearch' }) });
    expect(j.esIndexCleaner).toMatchObject({ enabled: true, numberOfDays: 14 });
    expect(j.agent).toEqual({ enabled: false });
    expect(j.collector.service.otlp.grpc.port).toBe(4317);
    expect(p.secrets).toContainEqual({ name: 'jaeger-elasticsearch', namespace: 'tracing', keys: ['password'], suppliedBy: 'site' });
    // Jaeger → Grafana.
    expect(values(p, 'kube-prometheus-stack').grafana.additionalDataSources).toEqual([{ name: 'Jaeger', type: 'jaeger', access: 'proxy', url: 'http://jaeger-query.tracing.svc.cluster.local:16686' }]);
  });

  test('Falco: modern eBPF driver with capabilities instead of privileged, rules from the pinned image, every node', () => {
    const v = values(p, 'falco');
    expect(v.driver).toEqual({ enabled: true, kind: 'modern_ebpf', modernEbpf: { leastPrivileged: true } });
    expect(v.falcoctl).toEqual({ artifact: { install: { enabled: false }, follow: { enabled: false } } });
    expect(v.collectors.containerd).toEqual({ enabled: true, socket: '/run/containerd/containerd.sock' });
    expect(v.tolerations).toEqual([{ effect: 'NoSchedule', operator: 'Exists' }]);
  });

  test('VPA (spec 004 "Scaling Policies": recommendation mode for the workloads without an HPA)', () => {
    const v = values(p, 'vpa');
    expect(v.recommender.enabled).toBe(true);
    expect(v.updater).toEqual({ enabled: false });
    expect(v.admissionController).toEqual({ enabled: false });
    const ms = manifestsOf(p);
    const vpas = ms.filter((m) => m.kind === 'VerticalPodAutoscaler');
    const hpaTargets = new Set(ms.filter((m) => m.kind === 'HorizontalPodAutoscaler').map((m) => `${m.metadata.namespace}/${m.spec.scaleTargetRef.kind}/${m.spec.scaleTargetRef.name}`));
    // A canary's Rollout runs its Deployment's pods (charts/apps/rollout.ts): the Rollout stands for the Deployment.
    const rollouts = new Map(ms.filter((m) => m.kind === 'Rollout').map((m) => [`${m.metadata.namespace}/Deployment/${m.spec.workloadRef.name}`, `${m.metadata.namespace}/Rollout/${m.metadata.name}`]));
    const workloads = ms.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet').map((m) => `${m.metadata.namespace}/${m.kind}/${m.metadata.name}`)
      .map((w) => rollouts.get(w) ?? w);
    expect(hpaTargets.size).toBeGreaterThan(0);
    expect(vpas.map((m) => `${m.metadata.namespace}/${m.spec.targetRef.kind}/${m.spec.targetRef.name}`).sort()).toEqual(workloads.filter((w) => !hpaTargets.has(w)).sort());
    for (const m of vpas) expect(m.spec.updatePolicy).toEqual({ updateMode: 'Off' });
    expect(vpaTargets(ms).length).toBe(vpas.length);
    // In a folder of their own, applied after the add-on that serves their CRD.
    expect(p.charts.find((c) => c.manifests.some((m) => m.kind === 'VerticalPodAutoscaler'))!.folder).toBe('55-vpa');
    expect(addonResources(p.config, addons(p.config).find((a) => a.name === 'vpa') as Addon).crdGroups).toEqual(['autoscaling.k8s.io']);
  });

  test('network: the services reach the collector on OTLP 4317/4318, and the policies allow exactly the graph', () => {
    const toCollector = p.graph.flows.filter((f) => 'pods' in f.to && f.to.pods.display === 'tracing/otel-collector' && f.why.includes('sends traces'));
    expect(toCollector.length).toBeGreaterThanOrEqual(4);
    for (const f of toCollector) expect(f.ports.map((x) => x.port)).toEqual([4317, 4318]);
    expect(p.graph.flows.some((f) => 'pods' in f.from && f.from.pods.display === 'datadog/datadog-agent' && 'addresses' in f.to && f.to.addresses.display === 'internet')).toBe(true);
    // §6.1 APM: the services reach their node's agent on the trace port and DogStatsD (restricted pods cannot mount its socket).
    const toAgent = p.graph.flows.filter((f) => 'pods' in f.to && f.to.pods.display === 'datadog/datadog-agent');
    expect(toAgent.length).toBe(toCollector.length);
    for (const f of toAgent) expect(f.ports).toEqual([{ port: 8126, name: 'traceport' }, { port: 8125, name: 'dogstatsdport', protocol: 'UDP' }]);
    const r = reachability({ config: p.config, graph: p.graph, manifests: manifestsOf(p) });
    expect(difference(r.expected, r.actual)).toEqual([]);
    expect(difference(r.actual, r.expected)).toEqual([]);
  });

  test('an add-on with RBAC of its own talks to the API server (Datadog, VPA); one without does not (tracing, Falco)', () => {
    const toApi = (ns: string) => p.graph.flows.some((f) => 'pods' in f.from && f.from.pods.namespace === ns && 'addresses' in f.to && f.to.addresses.display === 'kubernetes-api');
    for (const a of addons(p.config).filter((x) => (OBSERVE as readonly string[]).includes(x.name))) {
      const res = addonResources(p.config, a);
      const rbac = [...res.cluster, ...res.namespaced.flatMap((n) => n.kinds)].some((k) => k.group === 'rbac.authorization.k8s.io');
      expect({ addon: a.name, toApi: toApi(a.namespace) }).toEqual({ addon: a.name, toApi: rbac });
    }
  });

  test('without tracing, no flow to a collector', () => {
    const plain = renderPlatform(configOf('production', {}));
    expect(plain.graph.flows.filter((f) => JSON.stringify(f).includes('otel-collector'))).toEqual([]);
  });

  test.each(['argocd', 'installer'] as Path[])('the install simulator completes every step through %s', (path) => {
    const sim = simulate({ config: p.config, charts: p.charts, secrets: p.secrets }, path);
    expect(sim.failed).toBeUndefined();
    for (const name of OBSERVE) expect(sim.steps.map((s) => s.step)).toContain(`addon ${name}`);
  });
});

describe('fnb production with secrets from Vault', () => {
  test('the add-ons\' Secrets are checked or generated in the cluster, never read through 05-external-secrets (which syncs after the add-ons)', () => {
    const c = allOn('production', {
      addons: { datadog: { enabled: true, site: 'datadoghq.eu' }, tracing: { enabled: true, storage: ES }, falco: { enabled: true }, vpa: { enabled: true }, externalSecrets: { enabled: true } },
      namespaces: withNamespaces('production', DATADOG_NAMESPACE, TRACING_NAMESPACE, FALCO_NAMESPACE, VPA_NAMESPACE),
      secrets: { source: 'vault', vault: { server: 'https://vault.fnb.internal:8200', cidrs: ['10.9.0.0/24'], mount: 'secret', pathPrefix: 'fnb/production', authMount: 'kubernetes', rolePrefix: 'fnb-' } },
    });
    const p = renderPlatform(c);
    const s = installerSecrets(c, p.secrets);
    expect(s.supplied).toEqual(expect.arrayContaining(['datadog/datadog-api-key', 'tracing/jaeger-elasticsearch']));
    expect(s.generate.map((x) => `${x.namespace}/${x.name}`)).toContain('datadog/datadog-cluster-agent-token');
    const external = manifestsOf(p).filter((m) => m.kind === 'ExternalSecret').map((m) => `${m.metadata.namespace}/${m.metadata.name}`);
    expect(external.filter((x) => x.startsWith('datadog/') || x.startsWith('tracing/'))).toEqual([]);
    for (const path of ['argocd', 'installer'] as Path[]) expect(simulate({ config: c, charts: p.charts, secrets: p.secrets }, path).failed).toBeUndefined();
  });
});

describe('fnb dev (k3s, one node) with tracing in memory', () => {
  test('Jaeger all-in-one, the collector exporting to it, k3s\'s containerd socket for Falco and Datadog', () => {
    const c = configOf('dev', {
      namespaces: withNamespaces('dev', DATADOG_NAMESPACE, TRACING_NAMESPACE, FALCO_NAMESPACE),
      addons: { datadog: { enabled: true, site: 'datadoghq.com' }, tracing: { enabled: true, storage: { type: 'memory' } }, falco: { enabled: true } },
    });
    const p = renderPlatform(c);
    const j = values(p, 'jaeger');
    expect(j.allInOne.enabled).toBe(true);
    expect(j.collector).toEqual({ enabled: false });
    expect(j.storage).toEqual({ type: 'memory' });
    expect(addons(c).find((a) => a.name === 'jaeger')!.images).toEqual(['docker.io/jaegertracing/all-in-one:1.53.0']);
    expect(values(p, 'falco').collectors.containerd.socket).toBe('/run/k3s/containerd/containerd.sock');
    expect(values(p, 'datadog').datadog.criSocketPath).toBe('/run/k3s/containerd/containerd.sock');
    expect(values(p, 'datadog').clusterAgent.replicas).toBe(1);
    expect(p.secrets.some((s) => s.name === 'jaeger-elasticsearch')).toBe(false);
    const r = reachability({ config: p.config, graph: p.graph, manifests: manifestsOf(p) });
    expect(difference(r.expected, r.actual)).toEqual([]);
    expect(difference(r.actual, r.expected)).toEqual([]);
    for (const path of ['argocd', 'installer'] as Path[]) expect(simulate({ config: c, charts: p.charts, secrets: p.secrets }, path).failed).toBeUndefined();
  });
});
