/**
 * The logging option (addons.logging): Fluent Bit with Loki, or with the platform's Elasticsearch and Kibana.
 * Each is turned on over an environment of pcf-builder (seed 001 "Monitoring": "Elasticsearch + Kibana for logs"
 * as an option) and rendered in memory; the values, objects and their cross-references are checked.
 */
import { renderPlatform, type RenderedPlatform } from '../charts/platform';
import { environmentInput, validateEnvironment, ConfigError } from '../environments';
import { deepMerge } from '../environments/merge';
import { LOGGING_NAMESPACES } from '../environments/shared';
import { addonResources } from '../charts/gitops/addons-resources';
import { addonPodsOf } from '../charts/capacity/addon-pods';
import { ADDON_WAVES, addons } from '../charts/gitops/addons-catalog';
import { FLUENT_BIT_RESOURCES } from '../charts/gitops/addons/fluent-bit';
import { ES_VERSION } from '../charts/data/elasticsearch/chart';
import { manifestsOf } from './support/render';
import { modelErrors } from './support/k8s-schema';
import { simulate, type Path } from '../scripts/lib/simulator';
import { execFileSync } from 'child_process';
import type { Manifest } from '../charts/platform';
import { parse } from 'yaml';

const PLATFORM = 'pcf-builder';

/** Staging with Loki instead of Elasticsearch + Kibana (its input, edited: a merge cannot remove a store). */
function lokiStaging(loki: Record<string, unknown> | null = { replicas: 3, retention: '744h', volume: { size: '10Gi' } }): any {
  const i = structuredClone(environmentInput('staging', PLATFORM)) as any;
  delete i.stores.elasticsearch;
  i.namespaces = i.namespaces.filter((n: any) => n.name !== 'db-elasticsearch');
  i.addons.logging = { backend: 'loki', ...(loki ? { loki } : {}) };
  return i;
}

function load(env: string, override: unknown) {
  return validateEnvironment(env, deepMerge(environmentInput(env, PLATFORM), override as any));
}
function problemsOf(env: string, input: unknown): string[] {
  try { validateEnvironment(env, input); } catch (e) { if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`); throw e; }
  return [];
}
const problems = (env: string, override: unknown) => problemsOf(env, deepMerge(environmentInput(env, PLATFORM), override as any));

const find = (p: RenderedPlatform, kind: string, ns: string, name: string): Manifest => {
  const m = manifestsOf(p).find((x) => x.kind === kind && x.metadata?.namespace === ns && x.metadata?.name === name);
  if (!m) throw new Error(`${kind} ${ns}/${name} not rendered`);
  return m;
};
const app = (p: RenderedPlatform, chart: string): Manifest => {
  const m = manifestsOf(p).find((x) => x.kind === 'Application' && x.spec.source.chart === chart);
  if (!m) throw new Error(`no Application for chart ${chart}`);
  return m;
};
const values = (p: RenderedPlatform, chart: string): any => app(p, chart).spec.source.helm.valuesObject;
const flows = (p: RenderedPlatform, from: string, to: string) =>
  p.graph.flows.filter((f) => 'pods' in f.from && f.from.pods.display.startsWith(from) && 'pods' in f.to && f.to.pods.display.startsWith(to));

function commonChecks(p: () => RenderedPlatform): void {
  test('every object is valid against the Kubernetes and Argo CD schemas', () => {
    const bad = manifestsOf(p()).map((m) => [`${m.kind} ${m.metadata?.namespace}/${m.metadata?.name}`, modelErrors(m)]).filter(([, e]) => e);
    expect(bad).toEqual([]);
  });

  test('the install simulator completes every step through Argo CD and through the installer', () => {
    for (const path of ['argocd', 'installer'] as Path[]) {
      const sim = simulate({ config: p().config, charts: p().charts, secrets: p().secrets }, path);
      expect({ path, failed: sim.failed }).toEqual({ path, failed: undefined });
    }
  });

  test('Fluent Bit: spec 004 "Resource Allocation Guidelines" sizes (100m/128Mi – 200m/256Mi), pinned image, on every node', () => {
    const v = values(p(), 'fluent-bit');
    expect(v.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } });
    expect(FLUENT_BIT_RESOURCES).toEqual(v.resources);
    expect(v.kind).toBe('DaemonSet');
    expect(`${v.image.repository}:${v.image.tag}`).toBe('cr.fluentbit.io/fluent/fluent-bit:3.1.9');
    expect(app(p(), 'fluent-bit').spec.source.targetRevision).toBe('0.47.10');
    // The chart's own test pod is busybox:latest: never rendered.
    expect(v.testFramework.enabled).toBe(false);
    expect(v.tolerations).toEqual([{ operator: 'Exists', effect: 'NoSchedule' }]);
    // Reads the nodes' logs read-only; capabilities all dropped, root file system read-only.
    expect(v.daemonSetVolumeMounts).toContainEqual({ name: 'varlog', mountPath: '/var/log', readOnly: true });
    expect(v.daemonSetVolumes.map((x: any) => x.hostPath.path)).toEqual(['/var/log', '/var/lib/fluent-bit']);
    expect(v.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(v.config.inputs).toMatch(/Path \/var\/log\/containers\/\*\.log/);
    const pods = addonPodsOf(p().config, addons(p().config).find((a) => a.name === 'fluent-bit')!);
    expect(pods).toEqual([expect.objectContaining({ daemonSet: { toleratesAll: true }, containers: [v.resources] })]);
  });

  test('Fluent Bit\'s namespace is privileged (hostPath, which baseline forbids) and says why; the logging namespace stays restricted', () => {
    const agent = find(p(), 'Namespace', undefined as any, 'logging-agent');
    expect(agent.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(Object.values(agent.metadata.annotations ?? {}).join(' ')).toMatch(/hostPath/);
    expect(find(p(), 'Namespace', undefined as any, 'logging').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const res = addonResources(p().config, addons(p().config).find((a) => a.name === 'fluent-bit')!);
    expect(res.namespaced[0].kinds).toContainEqual({ group: 'apps', kind: 'DaemonSet' });
  });

  test('Fluent Bit syncs after what it needs (the internal CA, its backend, 40-logging): its Application is in 41-logging-addons', () => {
    const folderOf = (name: string) => p().charts.find((c) => c.manifests.some((m) => m.kind === 'Application' && m.metadata.name === name))?.folder;
    expect(folderOf(`pcf-builder-staging-fluent-bit`) ?? folderOf(`pcf-builder-development-fluent-bit`)).toBe('41-logging-addons');
    const sim = simulate({ config: p().config, charts: p().charts, secrets: p().secrets }, 'argocd');
    const ids = sim.steps.map((x) => x.step);
    for (const before of ['03-pki', '40-logging', ...(p().config.addons.logging!.backend === 'loki' ? ['10-minio', 'addon loki'] : ['15-elasticsearch'])]) {
      expect(ids.indexOf(before)).toBeGreaterThanOrEqual(0);
      expect(ids.indexOf(before)).toBeLessThan(ids.indexOf('addon fluent-bit'));
    }
  });

  test('Fluent Bit reaches the API server (kubernetes filter) and is scraped by Prometheus on 2020', () => {
    expect(p().graph.flows.some((f) => 'pods' in f.from && f.from.pods.display === 'logging-agent/fluent-bit' && 'addresses' in f.to && f.ports.some((x) => x.port === 6443))).toBe(true);
    expect(flows(p(), 'monitoring/prometheus', 'logging-agent/fluent-bit').flatMap((f) => f.ports.map((x) => x.port))).toEqual([2020]);
  });
}

describe('logging with Elasticsearch + Kibana (seed 001 "Monitoring": "Elasticsearch + Kibana for logs as an option"; pcf-builder staging)', () => {
  let p: RenderedPlatform;
  beforeAll(() => { p = renderPlatform(load('staging', {})); });
  commonChecks(() => p);

  test('an option: on in staging only, where it renders 15-elasticsearch and 40-logging; off in development and production', () => {
    for (const env of ['development', 'production']) {
      expect(load(env, {}).addons.logging).toBeUndefined();
      expect(load(env, {}).stores.elasticsearch).toBeUndefined();
    }
    expect(p.config.addons.logging?.backend).toBe('elasticsearch');
    expect(p.charts.map((c) => c.folder)).toEqual(expect.arrayContaining(['15-elasticsearch', '40-logging']));
    expect(addons(p.config).map((a) => a.name)).toContain('fluent-bit');
    expect(addons(p.config).map((a) => a.name)).not.toContain('loki');
  });

  test('Kibana: the same version as Elasticsearch, non-root as the image\'s USER 1000, read-only root, probes on /api/status', () => {
    const d = find(p, 'Deployment', 'logging', 'kibana');
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe(`docker.elastic.co/kibana/kibana:${ES_VERSION}`);
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/api/status', port: 'http' });
    expect(c.startupProbe.httpGet).toMatchObject({ path: '/api/status', port: 'http' });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(c.ports).toEqual([{ name: 'http', containerPort: 5601 }]);
    expect(d.spec.replicas).toBe(2);
    // Two replicas: a budget that keeps one through a drain.
    expect(find(p, 'PodDisruptionBudget', 'logging', 'kibana').spec.maxUnavailable).toBe(1);
    // path.data is writable (an emptyDir) though the root file system is not.
    expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/usr/share/kibana/data' });
  });

  test('Kibana authenticates as kibana_system from a generated Secret (copied from beside Elasticsearch) and verifies TLS with the internal CA', () => {
    const c = find(p, 'Deployment', 'logging', 'kibana').spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom.secretKeyRef]));
    expect(env.ELASTICSEARCH_HOSTS).toBe(p.refs.elasticsearch!.url);
    expect(p.refs.elasticsearch!.url).toMatch(/^https:\/\//);
    expect(env.ELASTICSEARCH_USERNAME).toEqual({ name: 'kibana-system', key: 'username' });
    expect(env.ELASTICSEARCH_PASSWORD).toEqual({ name: 'kibana-system', key: 'password' });
    expect(env.ELASTICSEARCH_SSL_VERIFICATIONMODE).toBe('full');
    const original = p.secrets.find((s) => s.namespace === 'db-elasticsearch' && s.name === 'kibana-system')!;
    expect(original.fixed).toEqual({ username: 'kibana_system' });
    expect(p.secrets).toContainEqual(expect.objectContaining({ namespace: 'logging', name: 'kibana-system', copyOf: { namespace: 'db-elasticsearch', name: 'kibana-system' } }));
    // The CA file comes from a Certificate of the internal CA in Kibana's namespace.
    const vol = find(p, 'Deployment', 'logging', 'kibana').spec.template.spec.volumes.find((v: any) => v.name === 'elasticsearch-ca');
    const cert = find(p, 'Certificate', 'logging', vol.secret.secretName);
    expect(cert.spec.issuerRef).toMatchObject({ name: 'platform-internal-ca', kind: 'ClusterIssuer' });
    expect(c.volumeMounts.find((m: any) => m.name === 'elasticsearch-ca').mountPath).toBe(env.ELASTICSEARCH_SSL_CERTIFICATEAUTHORITIES.replace(/\/ca\.crt$/, ''));
    // Encryption keys: generated, 40 characters (Kibana needs at least 32).
    expect(p.secrets).toContainEqual(expect.objectContaining({ namespace: 'logging', name: 'kibana-encryption-keys' }));
  });

  test('Kibana is exposed at kibana.<baseDomain> through the ingress controller only', () => {
    const ing = find(p, 'Ingress', 'logging', 'kibana');
    expect(ing.spec.rules[0].host).toBe(`kibana.${p.config.ingress.baseDomain}`);
    expect(ing.spec.ingressClassName).toBe('nginx');
    const into = p.graph.flows.filter((f) => 'pods' in f.to && f.to.pods.display === 'logging/kibana-ui');
    expect(into.map((f) => ('pods' in f.from ? f.from.pods.namespace : 'addresses'))).toEqual(['ingress']);
    const np = find(p, 'NetworkPolicy', 'logging', 'kibana-ui-ingress');
    const peers = np.spec.ingress.flatMap((r: any) => r.from);
    expect(peers.length).toBeGreaterThan(0);
    for (const peer of peers) expect(peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('ingress');
    expect(np.spec.ingress.flatMap((r: any) => r.ports.map((x: any) => x.port))).toEqual([5601]);
  });

  test('NetworkPolicies: Kibana and Fluent Bit reach Elasticsearch on 9200 only', () => {
    const es = p.refs.elasticsearch!.http;
    for (const from of ['logging/kibana-ui', 'logging-agent/fluent-bit']) {
      const f = flows(p, from, 'db-elasticsearch/');
      expect(f.flatMap((x) => x.ports.map((y) => y.port))).toEqual([9200]);
      expect(es.port).toBe(9200);
    }
    const egress = find(p, 'NetworkPolicy', 'logging', 'kibana-ui-egress');
    expect(JSON.stringify(egress.spec.egress)).toContain('db-elasticsearch');
  });

  test('Fluent Bit writes the logs data stream over TLS as its own user, whose Secret is generated and copied to its namespace', () => {
    const v = values(p, 'fluent-bit');
    expect(v.config.outputs).toMatch(/Name es/);
    expect(v.config.outputs).toMatch(new RegExp(`Host ${p.refs.elasticsearch!.http.host.replace(/\./g, '\\.')}`));
    expect(v.config.outputs).toMatch(/tls\.verify On/);
    expect(v.config.outputs).toMatch(/Index logs-kubernetes-staging/);
    expect(v.config.outputs).toMatch(/Write_Operation create/);
    expect(v.env.map((e: any) => e.valueFrom.secretKeyRef.name)).toEqual(['elasticsearch-fluent-bit', 'elasticsearch-fluent-bit']);
    expect(p.secrets).toContainEqual(expect.objectContaining({ namespace: 'logging-agent', name: 'elasticsearch-fluent-bit', copyOf: { namespace: 'db-elasticsearch', name: 'elasticsearch-fluent-bit' } }));
    const ca = v.extraVolumes.find((x: any) => x.name === 'es-ca');
    expect(find(p, 'Certificate', 'logging-agent', ca.secret.secretName).spec.issuerRef.name).toBe('platform-internal-ca');
  });

  test('the setup Job: Fluent Bit may only append to logs-kubernetes-*, logs are deleted after retentionDays (14), the script parses', () => {
    const cm = find(p, 'ConfigMap', 'db-elasticsearch', 'logging-setup');
    expect(JSON.parse(cm.data['fluent-bit-role.json']).indices).toEqual([{ names: ['logs-kubernetes-*'], privileges: ['create_doc', 'auto_configure'] }]);
    expect(JSON.parse(cm.data['ilm-policy.json']).policy.phases.delete.min_age).toBe('14d');
    const tpl = JSON.parse(cm.data['index-template.json']);
    expect(tpl.index_patterns).toEqual(['logs-kubernetes-*']);
    expect(tpl.priority).toBeGreaterThan(100);
    execFileSync('bash', ['-n'], { input: cm.data['setup.sh'] });
    const job = manifestsOf(p).find((m) => m.kind === 'Job' && m.metadata.namespace === 'db-elasticsearch' && m.metadata.name.startsWith('logging-setup-'))!;
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
  });

  test('an Elasticsearch backend without the store, or with a managed OpenSearch, is refused naming the field', () => {
    const noStore = structuredClone(environmentInput('staging', PLATFORM)) as any;
    delete noStore.stores.elasticsearch;
    expect(problemsOf('staging', noStore)).toContainEqual(expect.stringMatching(/^addons\.logging\.backend: "elasticsearch" needs stores\.elasticsearch/));
    const noKibana = structuredClone(environmentInput('staging', PLATFORM)) as any;
    delete noKibana.addons.logging.kibana;
    expect(problemsOf('staging', noKibana)).toContainEqual(expect.stringMatching(/^addons\.logging\.kibana: is required/));
  });
});

describe('logging with Loki (pcf-builder staging)', () => {
  let p: RenderedPlatform;
  beforeAll(() => { p = renderPlatform(validateEnvironment('staging', lokiStaging())); });
  commonChecks(() => p);

  test('Loki: SingleBinary, 3 replicas at replication factor 3, pinned chart and image, retention by the compactor', () => {
    const v = values(p, 'loki');
    expect(app(p, 'loki').spec.source.targetRevision).toBe('6.16.0');
    expect(app(p, 'loki').spec.source.repoURL).toBe('https://grafana.github.io/helm-charts');
    expect(v.deploymentMode).toBe('SingleBinary');
    expect(v.singleBinary.replicas).toBe(3);
    expect(v.loki.commonConfig.replication_factor).toBe(3);
    expect(`${v.loki.image.registry}/${v.loki.image.repository}:${v.loki.image.tag}`).toBe('docker.io/grafana/loki:3.1.1');
    expect(app(p, 'loki').metadata.annotations['pcf-builder.io/images']).toBe('docker.io/grafana/loki:3.1.1');
    expect(v.loki.limits_config.retention_period).toBe('744h');
    expect(v.loki.compactor).toMatchObject({ retention_enabled: true, delete_request_store: 's3' });
    expect(v.loki.schemaConfig.configs[0]).toMatchObject({ store: 'tsdb', object_store: 's3', schema: 'v13' });
    // Nothing else the chart would start by default (an nginx gateway, 8 GiB memcached, the canary, the rules sidecar).
    for (const off of [v.gateway, v.chunksCache, v.resultsCache, v.lokiCanary, v.test, v.sidecar.rules]) expect(off.enabled).toBe(false);
    expect(v.singleBinary.persistence).toEqual({ enabled: true, size: '10Gi', storageClass: 'ceph-rbd' });
  });

  test('Loki keeps chunks in MinIO\'s logs bucket with the logs client\'s keys, copied into its namespace and read from the environment', () => {
    const v = values(p, 'loki');
    const m = p.refs.minio!;
    expect(v.loki.storage.s3.endpoint).toBe(`http://${m.s3.host}:${m.s3.port}`);
    expect(v.loki.storage.bucketNames.chunks).toBe(m.buckets.logs);
    expect(v.loki.storage.s3.s3ForcePathStyle).toBe(true);
    expect(v.loki.storage.s3.accessKeyId).toBe('${S3_ACCESS_KEY_ID}');
    expect(v.singleBinary.extraArgs).toContain('-config.expand-env=true');
    expect(v.singleBinary.extraEnv.map((e: any) => e.valueFrom.secretKeyRef)).toEqual([{ name: 'minio-logs', key: 'accessKey' }, { name: 'minio-logs', key: 'secretKey' }]);
    expect(p.secrets).toContainEqual(expect.objectContaining({ namespace: 'logging', name: 'minio-logs', copyOf: { namespace: 'storage-minio', name: 'minio-logs' } }));
    expect(flows(p, 'logging/loki', 'storage-minio/').flatMap((f) => f.ports.map((x) => x.port))).toEqual([9000]);
  });

  test('Fluent Bit pushes to Loki\'s Service; Loki installs in an earlier add-on wave', () => {
    const v = values(p, 'fluent-bit');
    expect(v.config.outputs).toMatch(/Name loki/);
    expect(v.config.outputs).toMatch(/Host loki\.logging\.svc\.cluster\.local/);
    expect(v.config.outputs).toMatch(/Port 3100/);
    expect(flows(p, 'logging-agent/fluent-bit', 'logging/loki').flatMap((f) => f.ports.map((x) => x.port))).toEqual([3100]);
    expect(ADDON_WAVES.loki).toBeLessThan(ADDON_WAVES['fluent-bit']);
    // Loki needs MinIO's bucket: its Application syncs after 10-minio, not in 90-addons.
    const sim = simulate({ config: p.config, charts: p.charts, secrets: p.secrets }, 'argocd').steps.map((x) => x.step);
    expect(sim.indexOf('10-minio')).toBeLessThan(sim.indexOf('addon loki'));
    expect(p.charts.find((c) => c.folder === '41-logging-addons')!.manifests.map((m) => m.spec.source.chart).sort()).toEqual(['fluent-bit', 'loki']);
  });

  test('Grafana gets a Loki datasource (kube-prometheus-stack\'s datasource sidecar label) and may query it', () => {
    const cm = find(p, 'ConfigMap', 'monitoring', 'grafana-datasource-loki');
    expect(cm.metadata.labels.grafana_datasource).toBe('1');
    const ds = parse(cm.data['loki.yaml']).datasources[0];
    expect(ds).toMatchObject({ type: 'loki', url: 'http://loki.logging.svc.cluster.local:3100' });
    expect(flows(p, 'monitoring/grafana', 'logging/loki').length).toBe(1);
  });

  test('without the Prometheus stack (development) there is no datasource', () => {
    const dev = renderPlatform(load('development', {
      namespaces: [...(environmentInput('development', PLATFORM).namespaces as any[]), ...LOGGING_NAMESPACES],
      addons: { logging: { backend: 'loki', loki: { replicas: 1, retention: '168h', volume: { size: '2Gi' } } } },
    }));
    expect(manifestsOf(dev).filter((m) => m.kind === 'ConfigMap' && m.metadata?.namespace === 'monitoring')).toEqual([]);
    expect(values(dev, 'loki').loki.commonConfig.replication_factor).toBe(1);
    expect(values(dev, 'loki').monitoring.serviceMonitor.enabled).toBe(false);
  });
});

describe('addons.logging errors name the field', () => {
  test('a Loki backend without its section, or with 2 replicas', () => {
    expect(problemsOf('staging', lokiStaging(null))).toContainEqual(expect.stringMatching(/^addons\.logging\.loki: is required when backend is "loki"/));
    expect(problemsOf('staging', lokiStaging({ replicas: 2, retention: '744h', volume: { size: '10Gi' } }))).toContainEqual(expect.stringMatching(/^addons\.logging\.loki\.replicas: must be 1 or at least 3/));
  });

  test('Fluent Bit\'s namespace at baseline is refused (baseline forbids hostPath); a missing one too', () => {
    const baseline = lokiStaging();
    const at = baseline.namespaces.findIndex((n: any) => n.name === 'logging-agent');
    baseline.namespaces[at] = { ...baseline.namespaces[at], podSecurity: 'baseline' };
    expect(problemsOf('staging', baseline)).toContainEqual(expect.stringMatching(new RegExp(`^namespaces\\[${at}\\]\\.podSecurity: must be "privileged" \\(got "baseline"\\).*hostPath`)));
    const missing = lokiStaging();
    missing.namespaces = missing.namespaces.filter((n: any) => n.name !== 'logging-agent');
    expect(problemsOf('staging', missing)).toContainEqual(expect.stringMatching(/^namespaces: must declare namespace "logging-agent"/));
  });

  test('a misspelt field is named', () => {
    expect(problems('staging', { addons: { logging: { fluentbit: {} } } }).join('\n')).toMatch(/addons\.logging.*fluentbit/);
  });
});
