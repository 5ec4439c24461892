/**
 * The application tier as rendered in every environment: every catalog service, its connection settings
 * against the store references, Secrets, HPAs, PDBs, pod security, the model server's placement and the
 * declared network flows.
 */
import { isStore, type StoreName } from '../environments/catalog';
import { CATALOG } from '../environments/receivables/catalog';
import { INTERNAL_CA_ISSUER, NAMESPACES, type Endpoint, type StoreRefs } from '../charts/data/refs';
import { PLATFORM_REGISTRY } from '../environments/receivables/catalog';
import { ingressController, PROMETHEUS, type Flow } from '../charts/lib/graph';
import { selectorLabels } from '../charts/lib/labels';
import { parseCpu, parseMemory } from '../charts/lib/quantity';
import { containerEnv, matches, podOf, rendered, type Rendered } from './support/apps';
import type { Manifest } from '../charts/platform';
import { externalMetricRules } from '../charts/apps/metrics';
import { manifestsOf, podTemplates } from './support/render';
import { renderPlatform } from '../charts/platform';
import { environmentInput, validateEnvironment } from '../environments';

const envs = rendered();
const byEnv = (name: string) => envs.find((r) => r.env === name)!;
const eachEnv = envs.map((r) => [r.env, r] as const);

/** What a dependency on a store must put into the ConfigMap, computed from the references alone. */
function expectedSettings(refs: StoreRefs, store: StoreName): Record<string, string> {
  switch (store) {
    case 'postgres': return { DATABASE_HOST: refs.postgres!.pooler.host, DATABASE_PORT: String(refs.postgres!.pooler.port), DATABASE_NAME: refs.postgres!.database, DATABASE_SSLMODE: 'require', PGSSLMODE: 'require' };
    case 'redis': return {
      REDIS_SENTINEL_HOST: refs.redis!.sentinel.host, REDIS_SENTINEL_PORT: String(refs.redis!.sentinel.port),
      REDIS_SENTINELS: `${refs.redis!.sentinel.host}:${refs.redis!.sentinel.port}`, REDIS_MASTER_NAME: refs.redis!.masterSet,
    };
    case 'kafka': return { KAFKA_BOOTSTRAP_SERVERS: refs.kafka!.bootstrapServers, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN' };
    case 'clickhouse': return {
      CLICKHOUSE_HOST: refs.clickhouse!.http.host, CLICKHOUSE_PORT: String(refs.clickhouse!.http.port),
      CLICKHOUSE_URL: `http://${refs.clickhouse!.http.host}:${refs.clickhouse!.http.port}`, CLICKHOUSE_CLUSTER: refs.clickhouse!.cluster,
    };
    case 'elasticsearch': return { ELASTICSEARCH_URL: refs.elasticsearch!.url, ELASTICSEARCH_INDEX_PREFIX: refs.elasticsearch!.appIndexPrefix };
    case 'minio': return { S3_ENDPOINT: refs.minio!.url, S3_BUCKET: refs.minio!.buckets.documents, S3_FORCE_PATH_STYLE: 'true' };
    case 'weaviate': return {
      WEAVIATE_URL: refs.weaviate!.url, WEAVIATE_HOST: refs.weaviate!.http.host, WEAVIATE_PORT: String(refs.weaviate!.http.port), WEAVIATE_SCHEME: 'http',
      WEAVIATE_GRPC_HOST: refs.weaviate!.grpc.host, WEAVIATE_GRPC_PORT: String(refs.weaviate!.grpc.port),
    };
  }
}

/** The secret references a store dependency needs: env var → [Secret, key, the store namespace holding the original]. */
function expectedSecrets(refs: StoreRefs, store: StoreName): Record<string, [string, string, string]> {
  const pg = refs.postgres?.secrets.app.name ?? '';
  const s3 = refs.minio?.credentials('documents').name ?? '';
  switch (store) {
    case 'postgres': return { DATABASE_USER: [pg, 'username', NAMESPACES.postgres], DATABASE_PASSWORD: [pg, 'password', NAMESPACES.postgres] };
    case 'redis': return { REDIS_PASSWORD: [refs.redis!.secret.name, 'password', NAMESPACES.redis] };
    case 'kafka': return { KAFKA_USERNAME: [refs.kafka!.secret.name, 'username', NAMESPACES.kafka], KAFKA_PASSWORD: [refs.kafka!.secret.name, 'password', NAMESPACES.kafka] };
    case 'clickhouse': return { CLICKHOUSE_USER: [refs.clickhouse!.secret.name, 'username', NAMESPACES.clickhouse], CLICKHOUSE_PASSWORD: [refs.clickhouse!.secret.name, 'password', NAMESPACES.clickhouse] };
    case 'elasticsearch': return {
      ELASTICSEARCH_USERNAME: [refs.elasticsearch!.appSecret.name, 'username', NAMESPACES.elasticsearch],
      ELASTICSEARCH_PASSWORD: [refs.elasticsearch!.appSecret.name, 'password', NAMESPACES.elasticsearch],
    };
    case 'minio': return { S3_ACCESS_KEY_ID: [s3, 'accessKey', NAMESPACES.minio], S3_SECRET_ACCESS_KEY: [s3, 'secretKey', NAMESPACES.minio] };
    case 'weaviate': return { WEAVIATE_API_KEY: [refs.weaviate!.clientKey.name, 'apiKey', NAMESPACES.weaviate] };
  }
}

/** The endpoints a store dependency must open flows to. */
function storeEndpoints(refs: StoreRefs, store: StoreName): Endpoint[] {
  switch (store) {
    case 'postgres': return [refs.postgres!.pooler];
    case 'redis': return [refs.redis!.sentinel, refs.redis!.server];
    case 'kafka': return [refs.kafka!.bootstrap];
    case 'clickhouse': return [refs.clickhouse!.http];
    case 'elasticsearch': return [refs.elasticsearch!.http];
    case 'minio': return [refs.minio!.s3];
    case 'weaviate': return [refs.weaviate!.http];
  }
}

const flowMatches = (f: Flow, fromNs: string, fromSel: Record<string, string>, toNs: string, toSel: Record<string, string>, port: number) =>
  'pods' in f.from && 'pods' in f.to
  && f.from.pods.namespace === fromNs && JSON.stringify(f.from.pods.selector) === JSON.stringify(fromSel)
  && f.to.pods.namespace === toNs && JSON.stringify(f.to.pods.selector) === JSON.stringify(toSel)
  && f.ports.some((p) => p.port === port);

describe('catalog coverage', () => {
  test.each(eachEnv)('%s: every enabled catalog service renders its workload, ServiceAccount and ConfigMap in its namespace', (_e, r) => {
    for (const plan of r.plans) {
      const e = plan.entry;
      const kind = e.kind === 'batch-job' ? 'CronJob' : 'Deployment';
      const w = r.find(kind, e.namespace, e.name);
      expect({ svc: e.name, rendered: !!w }).toEqual({ svc: e.name, rendered: plan.enabled });
      if (!plan.enabled) continue;
      expect(r.find('ServiceAccount', e.namespace, e.name)?.automountServiceAccountToken).toBe(false);
      expect(r.find('ConfigMap', e.namespace, `${e.name}-config`)).toBeDefined();
      if (kind === 'Deployment') {
        const svc = r.find('Service', e.namespace, e.name);
        expect(svc?.spec.ports.find((p: Manifest) => p.name === 'http')?.port).toBe(e.port);
      }
    }
  });

  test('folders: core, agents, model serving, frontend, integration, batch, gateway, ingress', () => {
    const r = byEnv('production');
    const folder = (kind: string, ns: string, name: string) => r.folderOf(r.find(kind, ns, name)!);
    expect(folder('Deployment', 'app-core', 'invoice-service')).toBe('22-core');
    expect(folder('Deployment', 'app-agents', 'collections-agent')).toBe('23-agents');
    expect(folder('Deployment', 'app-agents', 'model-server')).toBe('20-model-serving');
    expect(folder('Deployment', 'app-frontend', 'web-frontend')).toBe('24-frontend');
    expect(folder('Deployment', 'app-integration', 'integration-service')).toBe('21-integration');
    expect(folder('CronJob', 'app-batch', 'ageing-report')).toBe('25-batch');
    expect(folder('Deployment', 'app-core', 'api-gateway')).toBe('29-gateway');
    expect(folder('Ingress', 'app-core', 'api')).toBe('30-ingress');
  });

  test('spec 002 §8: the services it names, in their namespaces, with their dependencies', () => {
    const deps = (name: string) => CATALOG.find((e) => e.name === name)!.dependsOn.map((d) => d.target);
    expect(deps('auth-service')).toEqual(expect.arrayContaining(['postgres', 'redis']));
    expect(deps('user-service')).toEqual(expect.arrayContaining(['postgres']));
    expect(deps('invoice-service')).toEqual(expect.arrayContaining(['postgres', 'minio']));
    expect(deps('orchestrator-agent')).toEqual(expect.arrayContaining(['postgres', 'redis', 'kafka']));
    for (const a of ['collections-agent', 'credit-risk-agent', 'dispute-agent']) expect(deps(a)).toEqual(expect.arrayContaining(['postgres', 'redis', 'model-server']));
    expect(deps('analytics-service')).toContain('clickhouse');
    expect(deps('search-service')).toContain('elasticsearch');
    const ns = Object.fromEntries(CATALOG.map((e) => [e.name, e.namespace]));
    expect(ns).toMatchObject({ 'api-gateway': 'app-core', 'orchestrator-agent': 'app-agents', 'web-frontend': 'app-frontend', 'mobile-backend': 'app-frontend', 'integration-service': 'app-integration' });
    expect(CATALOG.filter((e) => e.kind === 'batch-job').every((e) => e.namespace === 'app-batch')).toBe(true);
  });
});

describe('connections', () => {
  test.each(eachEnv)('%s: every store setting in a ConfigMap equals the store reference; secrets are declared copies', (_e, r) => {
    const refs = r.p.refs;
    let checked = 0;
    for (const plan of r.plans.filter((p) => p.enabled)) {
      const e = plan.entry;
      const pod = podOf(r, plan)!;
      const { settings, secrets } = containerEnv(r, e.namespace, pod.spec.containers[0]);
      for (const d of e.dependsOn.filter((x) => isStore(x.target))) {
        const store = d.target as StoreName;
        expect({ svc: e.name, store, settings: pickKeys(settings, expectedSettings(refs, store)) }).toEqual({ svc: e.name, store, settings: expectedSettings(refs, store) });
        for (const [envVar, [secret, key, storeNs]] of Object.entries(expectedSecrets(refs, store))) {
          expect({ svc: e.name, envVar, ref: secrets[envVar] }).toEqual({ svc: e.name, envVar, ref: { name: secret, key } });
          const declared = r.p.secrets.find((s) => s.namespace === e.namespace && s.name === secret);
          expect({ svc: e.name, secret, copyOf: declared?.copyOf, hasKey: declared?.keys.includes(key) })
            .toEqual({ svc: e.name, secret, copyOf: { namespace: storeNs, name: secret }, hasKey: true });
          checked++;
        }
      }
      // A service that does not use a store gets none of its settings.
      for (const store of ['postgres', 'redis', 'kafka', 'clickhouse', 'elasticsearch', 'minio'] as StoreName[]) {
        if (e.dependsOn.some((d) => d.target === store)) continue;
        for (const k of Object.keys(expectedSettings(refs, store))) expect({ svc: e.name, k, v: settings[k] }).toEqual({ svc: e.name, k, v: undefined });
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  test.each(eachEnv)('%s: every service dependency is a URL of a rendered Service on its port', (_e, r) => {
    for (const plan of r.plans.filter((p) => p.enabled)) {
      const { settings } = containerEnv(r, plan.entry.namespace, podOf(r, plan)!.spec.containers[0]);
      for (const d of plan.entry.dependsOn.filter((x) => !isStore(x.target))) {
        const target = r.plans.find((p) => p.entry.name === d.target)!;
        const key = `${d.target.toUpperCase().replace(/-/g, '_')}_URL`;
        if (!target.enabled) {
          expect({ svc: plan.entry.name, key, v: settings[key] }).toEqual({ svc: plan.entry.name, key, v: undefined });
          continue;
        }
        const url = new URL(settings[key]);
        const [svcName, svcNs] = url.hostname.split('.');
        const svc = r.find('Service', svcNs, svcName);
        expect({ svc: plan.entry.name, key, host: url.hostname, port: svc?.spec.ports.some((p: Manifest) => p.port === Number(url.port)) })
          .toEqual({ svc: plan.entry.name, key, host: `${svcName}.${svcNs}.svc.${r.p.config.cluster.clusterDomain}`, port: true });
        // The Service selects the target's pods.
        const pod = podOf(r, target)!;
        expect(matches(svc!.spec.selector, pod.metadata.labels)).toBe(true);
      }
    }
  });

  test.each(eachEnv)('%s: store Services named by the references exist with that port wherever the store is rendered', (_e, r) => {
    const refs = r.p.refs;
    const endpoints = (['postgres', 'redis', 'kafka', 'clickhouse', 'elasticsearch', 'minio'] as StoreName[]).flatMap((s) => storeEndpoints(refs, s));
    for (const ep of endpoints) {
      const storeRendered = r.ms.some((m) => m.kind === 'StatefulSet' && m.metadata.namespace === ep.namespace);
      if (!storeRendered) continue; // the store's own chart (another issue) renders it
      const svc = r.find('Service', ep.namespace, ep.service);
      expect({ ep: `${ep.namespace}/${ep.service}`, port: svc?.spec.ports.some((p: Manifest) => p.port === ep.port) }).toEqual({ ep: `${ep.namespace}/${ep.service}`, port: true });
    }
  });

  test.each(eachEnv)('%s: every dependency is a declared flow from the service pods to the store or service pods on its port', (_e, r) => {
    const flows = r.p.graph.flows;
    for (const plan of r.plans.filter((p) => p.enabled)) {
      const from = selectorLabels(plan.id);
      for (const d of plan.entry.dependsOn) {
        const eps = isStore(d.target) ? storeEndpoints(r.p.refs, d.target) : [r.plans.find((p) => p.entry.name === d.target)].filter((p) => p?.enabled).map((p) => p!.endpoint!);
        for (const ep of eps) {
          const ok = flows.some((f) => flowMatches(f, plan.entry.namespace, from, ep.namespace, selectorLabels(ep.pods), ep.port));
          expect({ svc: plan.entry.name, to: `${ep.namespace}/${ep.service}:${ep.port}`, ok }).toEqual({ svc: plan.entry.name, to: `${ep.namespace}/${ep.service}:${ep.port}`, ok: true });
        }
      }
      // Prometheus scrapes every long-running service that serves metrics (NGINX of the static frontend does not).
      if (plan.entry.kind !== 'batch-job' && plan.entry.kind !== 'static-frontend') {
        const port = plan.entry.metricsPort ?? plan.entry.port;
        // Only where Prometheus is installed (the graph drops the flow otherwise).
        expect(flows.some((f) => flowMatches(f, PROMETHEUS.namespace, PROMETHEUS.selector, plan.entry.namespace, from, port))).toBe(r.p.config.addons.monitoring.enabled);
      }
    }
  });

  test.each(eachEnv)('%s: Elasticsearch clients get a Certificate from the internal CA and mount its ca.crt where the settings say', (_e, r) => {
    const users = r.plans.filter((p) => p.enabled && p.entry.dependsOn.some((d) => d.target === 'elasticsearch'));
    expect(users.length).toBeGreaterThan(0);
    for (const plan of users) {
      const ns = plan.entry.namespace;
      const pod = podOf(r, plan)!;
      const c = pod.spec.containers[0];
      const { settings } = containerEnv(r, ns, c);
      const vol = pod.spec.volumes.find((v: Manifest) => v.secret && v.secret.items?.some((i: Manifest) => i.key === 'ca.crt'));
      const cert = r.ms.find((m) => m.kind === 'Certificate' && m.metadata.namespace === ns && m.spec.secretName === vol?.secret.secretName);
      expect(cert?.spec.issuerRef).toEqual({ name: INTERNAL_CA_ISSUER, kind: 'ClusterIssuer', group: 'cert-manager.io' });
      const mount = c.volumeMounts.find((m: Manifest) => m.name === vol.name);
      expect(settings.ELASTICSEARCH_CA_FILE).toBe(`${mount.mountPath}/ca.crt`);
      // Named after the platform (receivables here).
      expect(mount.mountPath).toBe('/etc/receivables/elasticsearch-ca');
      expect(settings.ELASTICSEARCH_URL.startsWith('https://')).toBe(true);
    }
  });
});

describe('scaling', () => {
  const hpas = (r: Rendered) => r.ms.filter((m) => m.kind === 'HorizontalPodAutoscaler');

  test('dev: one replica of everything and no HPA', () => {
    const r = byEnv('dev');
    expect(hpas(r)).toEqual([]);
    for (const d of r.ms.filter((m) => m.kind === 'Deployment' && m.metadata.namespace.startsWith('app-'))) expect({ d: d.metadata.name, replicas: d.spec.replicas }).toEqual({ d: d.metadata.name, replicas: 1 });
    expect(r.ms.filter((m) => m.kind === 'PodDisruptionBudget' && m.metadata.namespace.startsWith('app-'))).toEqual([]);
  });

  test('dr is a standby: every Deployment at 0 replicas, no HPA, no PDB, every CronJob suspended; production is not', () => {
    const dr = byEnv('dr');
    expect(dr.p.config.apps.standby).toBe(true);
    const apps = (r: Rendered, kind: string) => r.ms.filter((m) => m.kind === kind && m.metadata.namespace.startsWith('app-'));
    expect(apps(dr, 'Deployment').length).toBe(dr.plans.filter((p) => p.enabled && p.entry.kind !== 'batch-job').length);
    for (const d of apps(dr, 'Deployment')) expect({ d: d.metadata.name, replicas: d.spec.replicas }).toEqual({ d: d.metadata.name, replicas: 0 });
    expect(apps(dr, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(apps(dr, 'PodDisruptionBudget')).toEqual([]);
    for (const c of apps(dr, 'CronJob')) expect(c.spec.suspend).toBe(true);
    const prod = byEnv('production');
    expect(prod.p.config.apps.standby).toBe(false);
    for (const c of apps(prod, 'CronJob')) expect(c.spec.suspend).toBe(false);
    // Activating dr is one field: the same services as production then render with production's ranges.
    const input = structuredClone(environmentInput('dr')) as Record<string, any>;
    input.apps.standby = false;
    const active = manifestsOf(renderPlatform(validateEnvironment('dr', input)));
    const hpa = (ms: Manifest[]) => ms.filter((m) => m.kind === 'HorizontalPodAutoscaler').map((m) => `${m.metadata.name}:${m.spec.minReplicas}-${m.spec.maxReplicas}`).sort();
    expect(hpa(active)).toEqual(hpa(prod.ms));
  });

  test.each(['staging', 'production'])('%s: every horizontally scaled service has an HPA on its Deployment, which has no replicas', (env) => {
    const r = byEnv(env);
    for (const plan of r.plans.filter((p) => p.enabled && p.entry.scaling.type === 'horizontal')) {
      const e = plan.entry;
      const hpa = r.find('HorizontalPodAutoscaler', e.namespace, e.name);
      expect({ svc: e.name, apiVersion: hpa?.apiVersion, ref: hpa?.spec.scaleTargetRef }).toEqual({ svc: e.name, apiVersion: 'autoscaling/v2', ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: e.name } });
      const d = r.find('Deployment', e.namespace, e.name)!;
      expect(d.spec.replicas).toBeUndefined();
      expect(hpa!.spec.minReplicas).toBeLessThanOrEqual(hpa!.spec.maxReplicas);
      // Utilization targets need requests on every container.
      for (const metric of hpa!.spec.metrics.filter((m: Manifest) => m.type === 'Resource')) {
        for (const c of d.spec.template.spec.containers) expect(c.resources.requests[metric.resource.name]).toBeDefined();
      }
    }
  });

  test('production ranges follow the seeds: APIs 3-15 at CPU 70 % / memory 80 %, the gateway 3-20, agents 2-10 on CPU 80 % and queue depth', () => {
    const r = byEnv('production');
    const hpa = (ns: string, n: string) => r.find('HorizontalPodAutoscaler', ns, n)!.spec;
    const targets = (s: Manifest) => Object.fromEntries(s.metrics.map((m: Manifest) => m.type === 'Resource'
      ? [m.resource.name, m.resource.target.averageUtilization] : [m.external.metric.name, m.external.target.averageValue]));
    expect(hpa('app-core', 'invoice-service')).toMatchObject({ minReplicas: 3, maxReplicas: 15 });
    expect(targets(hpa('app-core', 'invoice-service'))).toEqual({ cpu: 70, memory: 80 });
    expect(hpa('app-core', 'api-gateway')).toMatchObject({ minReplicas: 3, maxReplicas: 20 });
    const agent = hpa('app-agents', 'collections-agent');
    expect(agent).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    // Seed 000 §4.2: 500 queued tasks call for 5 pods, fewer than 100 for the minimum: 100 tasks per pod.
    expect(targets(agent)).toEqual({ cpu: 80, agent_task_queue_depth: '100' });
    const ext = agent.metrics.find((m: Manifest) => m.type === 'External').external;
    expect(ext.metric.selector.matchLabels).toEqual({ queue: 'collections-agent' });
    expect(Math.ceil(500 / Number(ext.target.averageValue))).toBe(5);
    expect(agent.behavior.scaleUp.policies).toEqual([{ type: 'Pods', value: 2, periodSeconds: 60 }]);
    expect(agent.behavior.scaleDown.policies).toEqual([{ type: 'Pods', value: 1, periodSeconds: 120 }]);
    // Vertically scaled: fixed replicas, no HPA.
    expect(r.find('HorizontalPodAutoscaler', 'app-agents', 'orchestrator-agent')).toBeUndefined();
    expect(r.find('Deployment', 'app-agents', 'orchestrator-agent')!.spec.replicas).toBe(2);
  });

  test('staging runs the same shapes capped by its replicaCap', () => {
    const r = byEnv('staging');
    const cap = r.p.config.apps.replicaCap!;
    for (const h of hpas(r)) {
      expect(h.spec.minReplicas).toBeLessThanOrEqual(cap.minReplicas);
      expect(h.spec.maxReplicas).toBeLessThanOrEqual(cap.maxReplicas);
    }
    expect(r.find('HorizontalPodAutoscaler', 'app-core', 'api-gateway')!.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
  });

  test.each(eachEnv)('%s: PDBs exist for workloads with more than one replica, select them, and never demand more than there are', (_e, r) => {
    for (const plan of r.plans.filter((p) => p.enabled && p.entry.kind !== 'batch-job')) {
      const e = plan.entry;
      const d = r.find('Deployment', e.namespace, e.name)!;
      const min = r.find('HorizontalPodAutoscaler', e.namespace, e.name)?.spec.minReplicas ?? d.spec.replicas;
      const pdb = r.find('PodDisruptionBudget', e.namespace, e.name);
      expect({ svc: e.name, pdb: !!pdb }).toEqual({ svc: e.name, pdb: min > 1 });
      if (!pdb) continue;
      expect(matches(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
      const unavailable = pdb.spec.maxUnavailable;
      expect(unavailable).toBeGreaterThanOrEqual(1);
      expect(min - unavailable).toBeGreaterThanOrEqual(1);
      expect(pdb.spec.minAvailable).toBeUndefined();
    }
  });
});

describe('pods', () => {
  test.each(eachEnv)('%s: restricted, read-only root, non-root user, probes, requests within limits, pinned images, rolling updates without unavailability', (_e, r) => {
    for (const plan of r.plans.filter((p) => p.enabled)) {
      const e = plan.entry;
      const pod = podOf(r, plan)!;
      for (const c of pod.spec.containers) {
        const where = `${e.name}/${c.name}`;
        expect({ where, ro: c.securityContext.readOnlyRootFilesystem, nonRoot: pod.spec.securityContext.runAsNonRoot, uid: pod.spec.securityContext.runAsUser > 0 })
          .toEqual({ where, ro: true, nonRoot: true, uid: true });
        expect(parseCpu(c.resources.requests.cpu)).toBeLessThanOrEqual(parseCpu(c.resources.limits.cpu));
        expect(parseMemory(c.resources.requests.memory)).toBeLessThanOrEqual(parseMemory(c.resources.limits.memory));
        // Every writable path is an emptyDir or a mounted volume: /tmp at least.
        expect(c.volumeMounts.some((m: Manifest) => m.mountPath === '/tmp')).toBe(true);
        const registry = r.p.config.images.registry;
        expect(c.image).toMatch(/:[A-Za-z0-9._-]+$/);
        if (registry) expect(c.image.startsWith(`${registry}/`)).toBe(true);
        else if (e.kind !== 'gateway') expect(c.image.startsWith(`${PLATFORM_REGISTRY}/`)).toBe(true);
        if (e.kind !== 'batch-job') {
          expect({ where, live: !!c.livenessProbe, ready: !!c.readinessProbe, preStop: !!c.lifecycle?.preStop }).toEqual({ where, live: true, ready: true, preStop: true });
        }
        if (['python-agent', 'model-server'].includes(e.kind)) expect({ where, startup: !!c.startupProbe }).toEqual({ where, startup: true });
      }
      if (e.kind !== 'batch-job') {
        const d = r.find('Deployment', e.namespace, e.name)!;
        // The GPU model server is the documented exception (test/apps.model-server.test.ts).
        const gpuServer = e.kind === 'model-server' && r.p.config.apps.modelServer.mode === 'gpu';
        expect(d.spec.strategy.rollingUpdate).toEqual(gpuServer ? { maxUnavailable: 1, maxSurge: 0 } : { maxUnavailable: 0, maxSurge: 1 });
        expect(d.spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
        expect(d.spec.template.spec.automountServiceAccountToken).toBe(false);
      }
    }
  });

  test('batch jobs: Forbid overlap, 30-minute deadline, seed 003 worker sizes in production', () => {
    const r = byEnv('production');
    for (const e of CATALOG.filter((x) => x.kind === 'batch-job')) {
      const cj = r.find('CronJob', 'app-batch', e.name)!;
      expect(cj.spec).toMatchObject({ schedule: e.schedule, concurrencyPolicy: 'Forbid', timeZone: 'Etc/UTC' });
      expect(cj.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(1800);
      expect(cj.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
      expect(cj.spec.jobTemplate.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    }
  });

  test('dev shrinks every service to the apps.resources default unless the service has its own', () => {
    const r = byEnv('dev');
    const d = r.find('Deployment', 'app-core', 'auth-service')!;
    expect(d.spec.template.spec.containers[0].resources).toEqual(r.p.config.apps.resources);
    // dev runs no model server (it would not fit the 4-core / 8 GiB node: docs/capacity.md).
    expect(r.find('Deployment', 'app-agents', 'model-server')).toBeUndefined();
  });

  test('the Node.js heap fits the memory limit', () => {
    const r = byEnv('production');
    const { settings } = containerEnv(r, 'app-core', r.find('Deployment', 'app-core', 'invoice-service')!.spec.template.spec.containers[0]);
    const heap = Number(/--max-old-space-size=(\d+)/.exec(settings.NODE_OPTIONS)![1]);
    expect(heap * 2 ** 20).toBeLessThan(parseMemory('768Mi'));
    expect(heap).toBeGreaterThan(256);
  });
});

describe('external metrics', () => {
  test.each(eachEnv)('%s: every External metric an HPA scales on has a prometheus-adapter rule', (_e, r) => {
    const rules = new Map(externalMetricRules(CATALOG).map((x) => [x.name.as, x]));
    for (const h of r.ms.filter((m) => m.kind === 'HorizontalPodAutoscaler')) {
      for (const m of h.spec.metrics.filter((x: Manifest) => x.type === 'External')) {
        const rule = rules.get(m.external.metric.name);
        expect({ hpa: h.metadata.name, rule: !!rule }).toEqual({ hpa: h.metadata.name, rule: true });
        // The HPA selects by the label the rule groups by.
        expect(Object.keys(m.external.metric.selector.matchLabels)).toEqual(['queue']);
        expect(rule!.metricsQuery).toContain('by (queue)');
      }
    }
  });
});

describe('declared flows', () => {
  test.each(eachEnv)('%s: every flow from or to an application namespace selects rendered pods (except cert-manager\'s ACME solvers)', (_e, r) => {
    const templates = podTemplates(r.ms);
    const selects = (ns: string, sel: Record<string, string>) => templates.some(({ owner, template }) => owner.metadata.namespace === ns && matches(sel, template.metadata.labels));
    for (const f of r.p.graph.flows) {
      for (const peer of [f.from, f.to]) {
        if (!('pods' in peer) || !peer.pods.namespace.startsWith('app-')) continue;
        if (peer.pods.selector['acme.cert-manager.io/http01-solver']) continue;
        expect({ why: f.why, peer: peer.pods.display, rendered: selects(peer.pods.namespace, peer.pods.selector) })
          .toEqual({ why: f.why, peer: peer.pods.display, rendered: true });
      }
    }
  });
});

describe('model server', () => {
  test.each(['production', 'staging', 'dr'])('%s: GPU limits, the GPU node selector and tolerations from the environment', (env) => {
    const r = byEnv(env);
    const ms = r.p.config.apps.modelServer;
    const pod = r.find('Deployment', 'app-agents', 'model-server')!.spec.template.spec;
    expect(ms.mode).toBe('gpu');
    expect(pod.containers[0].resources.limits[ms.gpuResource]).toBe(String(ms.gpusPerReplica));
    expect(pod.nodeSelector).toEqual(ms.nodeSelector);
    expect(pod.tolerations).toEqual(ms.tolerations);
    expect(Object.keys(pod.nodeSelector).length).toBeGreaterThan(0);
    // The quota of app-agents admits the GPUs the workload can ever hold (HPA-less: replicas + surge).
    const quota = r.find('ResourceQuota', 'app-agents', 'quota')!;
    const d = r.find('Deployment', 'app-agents', 'model-server')!;
    const surge = d.spec.strategy.rollingUpdate.maxSurge;
    expect(Number(quota.spec.hard[`requests.${ms.gpuResource}`])).toBeGreaterThanOrEqual((d.spec.replicas + surge) * ms.gpusPerReplica);
  });

  test('onprem: the CPU build, no GPU, no GPU placement', () => {
    const r = byEnv('onprem');
    const pod = r.find('Deployment', 'app-agents', 'model-server')!.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toMatch(/model-server:[\w.]+-cpu$/);
    expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory']);
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.tolerations).toBeUndefined();
  });

  test('agents reach the model server through its Service when it is enabled', () => {
    const r = byEnv('production');
    const { settings } = containerEnv(r, 'app-agents', r.find('Deployment', 'app-agents', 'dispute-agent')!.spec.template.spec.containers[0]);
    const ep = r.plans.find((p) => p.entry.name === 'model-server')!.endpoint!;
    expect(settings.MODEL_SERVER_URL).toBe(`http://${ep.host}:${ep.port}/v1`);
  });

  test.each(eachEnv.filter(([e]) => e !== 'dev'))('%s: agents ask for the model the model server loads', (_e, r) => {
    const server = r.find('Deployment', 'app-agents', 'model-server')!;
    const served = containerEnv(r, 'app-agents', server.spec.template.spec.containers[0]).settings.MODEL_NAME;
    expect(served).toMatch(/DeepSeek-R1/);
    for (const a of ['collections-agent', 'credit-risk-agent', 'dispute-agent']) {
      const { settings } = containerEnv(r, 'app-agents', r.find('Deployment', 'app-agents', a)!.spec.template.spec.containers[0]);
      expect({ a, model: settings.MODEL_NAME }).toEqual({ a, model: served });
    }
  });
});

describe('ingress', () => {
  test.each(eachEnv)('%s: Ingresses use the environment class and domain, no annotations, TLS from a Certificate of the chosen issuer', (_e, r) => {
    const { ingress } = r.p.config;
    const issuer = { acme: 'letsencrypt', selfSigned: 'platform-selfsigned', ca: INTERNAL_CA_ISSUER }[ingress.tlsIssuer];
    const ings = r.ms.filter((m) => m.kind === 'Ingress');
    expect(ings.map((i) => `${i.metadata.namespace}/${i.metadata.name}`).sort()).toEqual(['app-core/api', 'app-frontend/web']);
    for (const ing of ings) {
      expect(ing.spec.ingressClassName).toBe(ingress.className);
      expect(ing.metadata.annotations).toBeUndefined();
      for (const rule of ing.spec.rules) {
        expect(rule.host.endsWith(`.${ingress.baseDomain}`)).toBe(true);
        const backend = rule.http.paths[0].backend.service;
        const svc = r.find('Service', ing.metadata.namespace, backend.name);
        expect(svc?.spec.ports.some((p: Manifest) => p.port === backend.port.number)).toBe(true);
      }
      const tls = ing.spec.tls[0];
      const cert = r.ms.find((m) => m.kind === 'Certificate' && m.metadata.namespace === ing.metadata.namespace && m.spec.secretName === tls.secretName)!;
      expect(cert.spec.issuerRef.name).toBe(issuer);
      expect([...cert.spec.dnsNames].sort()).toEqual([...ing.spec.rules.map((x: Manifest) => x.host)].sort());
      expect(r.ms.some((m) => m.kind === 'ClusterIssuer' && m.metadata.name === issuer)).toBe(true);
    }
    // Every tenant has its API host.
    const api = r.find('Ingress', 'app-core', 'api')!;
    for (const t of r.p.config.tenants) expect(api.spec.rules.map((x: Manifest) => x.host)).toContain(`${t.id}.api.${ingress.baseDomain}`);
  });

  test.each(eachEnv)('%s: the internal CA chain is rendered: a self-signed root Certificate in cert-manager, CA ClusterIssuer over its Secret (the site\'s own Secret where there is a site CA)', (_e, r) => {
    const ca = r.find('ClusterIssuer', undefined, INTERNAL_CA_ISSUER)!;
    if (r.p.config.cluster.siteCa) {
      // Issue 14 (5): no root Certificate cert-manager could re-issue over the site's Secret.
      expect(ca.spec.ca.secretName).toBe(r.p.config.cluster.siteCa.secretName);
      expect(r.ms.filter((m) => m.kind === 'Certificate' && m.spec.secretName === ca.spec.ca.secretName)).toEqual([]);
      return;
    }
    const root = r.ms.find((m) => m.kind === 'Certificate' && m.metadata.namespace === 'cert-manager' && m.spec.secretName === ca.spec.ca.secretName)!;
    expect(root.spec.isCA).toBe(true);
    const rootIssuer = r.find('ClusterIssuer', undefined, root.spec.issuerRef.name)!;
    expect(rootIssuer.spec).toEqual({ selfSigned: {} });
  });

  test('acme environments get a Let\'s Encrypt issuer with HTTP-01 through their ingress class; others none', () => {
    for (const r of envs) {
      const acme = r.find('ClusterIssuer', undefined, 'letsencrypt');
      if (r.p.config.ingress.tlsIssuer !== 'acme') { expect(acme).toBeUndefined(); continue; }
      expect(acme!.spec.acme.email).toBe(r.p.config.ingress.acmeEmail);
      expect(acme!.spec.acme.solvers[0].http01.ingress.ingressClassName).toBe(r.p.config.ingress.className);
    }
  });

  test.each(eachEnv)('%s: cert-manager may reach the API server, the API server its webhook, and the internet only for ACME', (_e, r) => {
    const cm = (name: string) => (p: Flow['from']) => 'pods' in p && p.pods.namespace === 'cert-manager' && p.pods.selector['app.kubernetes.io/name'] === name;
    const flows = r.p.graph.flows;
    for (const c of ['cert-manager', 'cainjector', 'webhook']) {
      expect(flows.some((f) => cm(c)(f.from) && 'addresses' in f.to && f.to.addresses.cidrs.join() === r.p.config.cluster.apiServerCidrs.join())).toBe(true);
    }
    expect(flows.some((f) => 'addresses' in f.from && cm('webhook')(f.to) && f.ports.some((p) => p.port === 10250))).toBe(true);
    const internet = flows.some((f) => cm('cert-manager')(f.from) && 'addresses' in f.to && f.to.addresses.display === 'internet');
    expect(internet).toBe(r.p.config.ingress.tlsIssuer === 'acme');
  });

  test.each(eachEnv)('%s: the ingress controller may reach the gateway and the frontend, and nothing else of the apps', (_e, r) => {
    const ic = ingressController(r.p.config);
    const flows = r.p.graph.flows.filter((f) => 'pods' in f.from && JSON.stringify(f.from.pods.selector) === JSON.stringify(ic.selector) && f.from.pods.namespace === ic.namespace);
    const targets = flows.filter((f) => 'pods' in f.to && f.to.pods.selector['app.kubernetes.io/name']).map((f) => 'pods' in f.to ? f.to.pods.selector['app.kubernetes.io/name'] : '');
    expect(targets.sort()).toEqual(['api-gateway', 'web-frontend']);
  });
});

function pickKeys(o: Record<string, string>, like: Record<string, string>): Record<string, string | undefined> {
  return Object.fromEntries(Object.keys(like).map((k) => [k, o[k]]));
}
