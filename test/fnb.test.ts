/**
 * The F&B platform (spec 000, environments/fnb/): every number the document gives, checked in what is rendered.
 * Sections cited as "§n.n" are spec 000's. The properties every platform must pass (schemas, references, Pod
 * Security, NetworkPolicies with the reachability proof, quotas, GitOps, the install simulator, image contracts)
 * run over renderEvery() in their own files.
 */
import * as fs from 'fs';
import { fieldSource, PLATFORMS } from '../environments';
import { catalogProblems, type CatalogEntry } from '../environments/catalog';
import type { Manifest, RenderedPlatform } from '../charts/platform';
import { INTERNET } from '../charts/lib/graph';
import { toFileTree } from '../charts/output/render';
import { manifestsOf, renderEvery } from './support/render';
import { SPEC_000_WEAVIATE } from './support/weaviate';
import { AGENT_CONFIG_DIR, MODELS, TOOLS } from '../environments/fnb/agents';

const fnb = renderEvery().filter((p) => p.config.platform.name === 'fnb');
const env = (name: string): RenderedPlatform => fnb.find((p) => p.config.name === name)!;
const find = (p: RenderedPlatform, kind: string, namespace: string, name: string): Manifest | undefined =>
  manifestsOf(p).find((m) => m.kind === kind && m.metadata.namespace === namespace && m.metadata.name === name);
const dataOf = (p: RenderedPlatform, namespace: string, name: string): Record<string, string> => find(p, 'ConfigMap', namespace, name)!.data;
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * The replicas a HorizontalPodAutoscaler asks for on an AverageValue External metric (Kubernetes'
 * pkg/controller/podautoscaler/replica_calculator.go, GetExternalPerPodMetricReplicas): ceil(value / target),
 * kept at the current count within the 10 % tolerance, then held between min and max.
 */
function hpaReplicas(hpa: Manifest, metricValue: number, current: number): number {
  const target = Number(hpa.spec.metrics.find((m: Manifest) => m.type === 'External').external.target.averageValue);
  const usageRatio = metricValue / (target * current);
  const wanted = Math.abs(1 - usageRatio) <= 0.1 ? current : Math.ceil(metricValue / target);
  return Math.min(hpa.spec.maxReplicas, Math.max(hpa.spec.minReplicas, wanted));
}

describe('§8: the environments', () => {
  test('local dev, staging and production, plus §7.1\'s hot standby, each rendered', () => {
    expect(Object.keys(PLATFORMS.fnb.environments)).toEqual(['dev', 'staging', 'production', 'standby']);
    expect(fnb.map((p) => p.config.name)).toEqual(['dev', 'staging', 'production', 'standby']);
  });

  test('§8.1: staging mirrors production\'s configuration (same services and stores, same shapes), production syncs only when approved', () => {
    const [staging, production] = [env('staging').config, env('production').config];
    expect(staging.platform.catalog).toBe(production.platform.catalog);
    expect(Object.keys(staging.stores)).toEqual(Object.keys(production.stores));
    for (const c of [staging, production]) {
      expect(c.ha).toBe(true);
      expect(c.stores.postgres!.replicas).toBe(3);
      expect(c.stores.weaviate!.replicas).toBe(3);
    }
    expect(staging.gitops).toMatchObject({ targetRevision: 'main', autoSync: true });
    expect(production.gitops).toMatchObject({ targetRevision: 'release', autoSync: false });
    expect(env('dev').config.cluster).toMatchObject({ flavour: 'k3s', nodes: 1 });
  });
});

describe('§2.2: the four services on their ports', () => {
  const PORTS = { api: 3000, admin: 3001, webhook: 3002, worker: 3003 };

  test.each(Object.entries(PORTS))('%s listens on %d, behind its Service on the same port, in every environment', (name, port) => {
    for (const p of fnb) {
      const svc = find(p, 'Service', 'app-core', name)!;
      expect(svc.spec.ports).toEqual([expect.objectContaining({ port, targetPort: 'http' })]);
      const deployment = find(p, 'Deployment', 'app-core', name)!;
      expect(deployment.spec.template.spec.containers[0].ports).toEqual([expect.objectContaining({ name: 'http', containerPort: port })]);
      expect(dataOf(p, 'app-core', `${name}-config`).PORT).toBe(String(port));
    }
  });

  test('§5.1: the internet reaches the api, admin and webhook services only through the ingress, with TLS (443); never the worker', () => {
    for (const p of fnb) {
      const ingresses = manifestsOf(p).filter((m) => m.kind === 'Ingress');
      const routes = ingresses.flatMap((i) => i.spec.rules.map((r: Manifest) => [r.host, r.http.paths[0].backend.service.name, r.http.paths[0].backend.service.port.number]));
      const domain = p.config.ingress.baseDomain;
      expect(routes.sort()).toEqual([[`admin.${domain}`, 'admin', 3001], [`api.${domain}`, 'api', 3000], [`hooks.${domain}`, 'webhook', 3002]]);
      for (const i of ingresses) expect(i.spec.tls).toEqual([{ hosts: [i.spec.rules[0].host], secretName: expect.any(String) }]);
    }
  });

  test('§2.2, §3.1: every service reads from the read replicas and writes through PgBouncer to the primary; with no replica (dev) reads go to PgBouncer too', () => {
    const prod = env('production');
    const replicas = prod.refs.postgres!.replicas;
    for (const name of Object.keys(PORTS)) {
      expect(dataOf(prod, 'app-core', `${name}-config`)).toMatchObject({
        DATABASE_HOST: prod.refs.postgres!.pooler.host, DATABASE_PORT: '6432',
        DATABASE_READ_HOST: replicas.host, DATABASE_READ_PORT: '5432',
      });
      expect(dataOf(env('dev'), 'app-core', `${name}-config`)).toMatchObject({ DATABASE_READ_HOST: env('dev').refs.postgres!.pooler.host, DATABASE_READ_PORT: '6432' });
    }
    // The replicas Service selects the streaming replicas (Patroni's role label), not the primary.
    const selector: Record<string, string> = find(prod, 'Service', 'db-postgres', replicas.service)!.spec.selector;
    expect(Object.entries(selector).filter(([k]) => k.endsWith('/role'))).toEqual([[expect.any(String), 'replica']]);
  });

  test('§5.1: PostgreSQL\'s 5432 is reached only from the services (and the cluster\'s own members and jobs); no pod of the agents reaches it directly', () => {
    for (const p of fnb) {
      const to5432 = p.graph.flows.filter((f) => 'pods' in f.to && f.to.pods.namespace === 'db-postgres' && f.ports.some((x) => x.port === 5432));
      const fromNamespaces = new Set(to5432.flatMap((f) => ('pods' in f.from ? [f.from.pods.namespace] : [])));
      expect([...fromNamespaces].sort()).toEqual(p.config.stores.postgres!.replicas > 1 ? ['app-core', 'db-postgres'] : ['db-postgres']);
    }
  });
});

describe('§4.1: the LangGraph agents', () => {
  const prod = env('production');
  const deployment = find(prod, 'Deployment', 'agents', 'langgraph-agent')!;

  test('a Deployment in the agents namespace, behind the load-balanced "agent mesh" Service', () => {
    expect(prod.config.namespaces.find((n) => n.name === 'agents')).toMatchObject({ tier: 'app', podSecurity: 'restricted' });
    const mesh = find(prod, 'Service', 'agents', 'agent-mesh')!;
    expect(mesh.spec.type).toBe('ClusterIP');
    expect(matches(mesh.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
    expect(find(prod, 'Service', 'agents', 'langgraph-agent')).toBeUndefined();
  });

  test('ConfigMaps of the model names (GPT-4, Claude) and of the tool definitions, mounted read-only into the agents', () => {
    const models = JSON.parse(dataOf(prod, 'agents', 'langgraph-agent-models')['models.json']);
    expect(models.primary).toEqual({ provider: 'openai', model: expect.stringMatching(/^gpt-4/) });
    expect(models.secondary).toEqual({ provider: 'anthropic', model: expect.stringMatching(/^claude-/) });
    expect(models).toEqual(JSON.parse(JSON.stringify(MODELS)));
    const tools = JSON.parse(dataOf(prod, 'agents', 'langgraph-agent-tools')['tools.json']);
    expect(tools.map((t: { name: string }) => t.name)).toEqual(TOOLS.map((t) => t.name));
    const spec = deployment.spec.template.spec;
    const mounts = spec.containers[0].volumeMounts;
    for (const [cm, dir] of [['langgraph-agent-models', 'models'], ['langgraph-agent-tools', 'tools']]) {
      expect(spec.volumes).toContainEqual({ name: cm, configMap: { name: cm } });
      expect(mounts).toContainEqual({ name: cm, mountPath: `${AGENT_CONFIG_DIR}/${dir}`, readOnly: true });
    }
    expect(dataOf(prod, 'agents', 'langgraph-agent-config')).toMatchObject({
      AGENT_MODELS_FILE: `${AGENT_CONFIG_DIR}/models/models.json`, AGENT_TOOLS_FILE: `${AGENT_CONFIG_DIR}/tools/tools.json`,
    });
  });

  test('tasks from the Bull queue in Redis, state graphs in PostgreSQL (the state store: docs/fnb.md)', () => {
    const settings = dataOf(prod, 'agents', 'langgraph-agent-config');
    expect(settings).toMatchObject({
      TASK_QUEUE: 'agent-tasks:langgraph-agent', REDIS_SENTINEL_HOST: prod.refs.redis!.sentinel.host,
      LANGGRAPH_CHECKPOINTER: 'postgres', DATABASE_HOST: prod.refs.postgres!.pooler.host,
    });
    // The state store is the platform's PostgreSQL (a StatefulSet with persistent volumes), not a second database.
    expect(manifestsOf(prod).filter((m) => m.kind === 'StatefulSet' && m.metadata.namespace === 'agents')).toEqual([]);
    expect(find(prod, 'StatefulSet', 'db-postgres', 'postgres-production')!.spec.volumeClaimTemplates.length).toBeGreaterThan(0);
  });

  test('the model providers\' keys come from a Secret the site creates in agents (never generated, never in Git)', () => {
    const env = deployment.spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'llm-api-keys', key: 'openai' } } },
      { name: 'ANTHROPIC_API_KEY', valueFrom: { secretKeyRef: { name: 'llm-api-keys', key: 'anthropic' } } },
    ]));
    expect(prod.secrets.filter((s) => s.name === 'llm-api-keys')).toEqual([{ name: 'llm-api-keys', namespace: 'agents', keys: ['openai', 'anthropic'], suppliedBy: 'site' }]);
    // The site checklist tells the site to create it.
    const checklist = toFileTree(prod, (f) => fieldSource('production', f, 'fnb')).get('site-checklist.md');
    expect(checklist).toContain('## Secrets the site creates\n');
    expect(checklist).toContain('- `agents/llm-api-keys` with keys `openai`, `anthropic`');
  });

  test('only the agents leave the cluster, to OpenAI and Anthropic on 443', () => {
    for (const p of fnb) {
      const out = p.graph.flows.filter((f) => 'addresses' in f.to && f.to.addresses === INTERNET && 'pods' in f.from
        && p.config.namespaces.some((n) => n.tier === 'app' && 'pods' in f.from && n.name === f.from.pods.namespace));
      expect(out.map((f) => `${'pods' in f.from ? f.from.pods.display : ''} ${f.ports.map((x) => x.port).join(',')}`)).toEqual(['agents/langgraph-agent-agent 443']);
    }
  });
});

describe('§4.2: queue-depth scaling between 2 and 5 agents', () => {
  const prod = env('production');
  const hpa = find(prod, 'HorizontalPodAutoscaler', 'agents', 'langgraph-agent')!;

  test('an HPA of 2 to 5 replicas on the External queue-depth metric, and no spec.replicas for Argo CD to fight over', () => {
    // Production rolls the agents out as a canary (§8.1): the HPA scales their Rollout (test/rollouts.test.ts).
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 5, scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'langgraph-agent' } });
    expect(find(prod, 'Rollout', 'agents', 'langgraph-agent')!.spec.replicas).toBeUndefined();
    expect(hpa.spec.metrics).toContainEqual({
      type: 'External',
      external: { metric: { name: 'agent_task_queue_depth', selector: { matchLabels: { queue: 'langgraph-agent' } } }, target: { type: 'AverageValue', averageValue: '100' } },
    });
    expect(find(prod, 'Deployment', 'agents', 'langgraph-agent')!.spec.replicas).toBeUndefined();
  });

  test('the document\'s thresholds: above 500 queued → 5 pods, below 100 → 2 pods; §4.1\'s 3 replicas in between', () => {
    for (const current of [2, 3, 5]) {
      expect(hpaReplicas(hpa, 501, current)).toBe(5);
      expect(hpaReplicas(hpa, 2000, current)).toBe(5);
      expect(hpaReplicas(hpa, 99, current)).toBe(2);
      expect(hpaReplicas(hpa, 0, current)).toBe(2);
    }
    // Linear in between: 3 pods from 201 to 300 queued tasks (the document's "maintain 3" band is 100-500), and
    // its example of 150 queued tasks gives 2 (docs/fnb.md says so).
    expect(hpaReplicas(hpa, 300, 2)).toBe(3);
    expect(hpaReplicas(hpa, 250, 5)).toBe(3);
    expect(hpaReplicas(hpa, 150, 3)).toBe(2);
  });

  test('the steps of §4.2: up by 2 pods at a time, down by 1', () => {
    expect(hpa.spec.behavior.scaleUp.policies).toEqual([{ type: 'Pods', value: 2, periodSeconds: 60 }]);
    expect(hpa.spec.behavior.scaleDown.policies).toEqual([{ type: 'Pods', value: 1, periodSeconds: 120 }]);
  });

  test('the metric is served the way the receivables agents\' is: a prometheus-adapter external rule by queue', () => {
    const adapter = manifestsOf(prod).find((m) => m.kind === 'Application' && m.spec.source?.chart === 'prometheus-adapter')!;
    expect(adapter.spec.source.helm.valuesObject.rules.external).toEqual([{
      seriesQuery: 'agent_task_queue_depth{queue!=""}',
      resources: { overrides: { namespace: { resource: 'namespace' } } },
      name: { as: 'agent_task_queue_depth' },
      metricsQuery: 'max(agent_task_queue_depth{<<.LabelMatchers>>}) by (queue)',
    }]);
    expect(dataOf(prod, 'agents', 'langgraph-agent-config')).toMatchObject({ QUEUE_METRIC: 'agent_task_queue_depth', QUEUE_METRIC_LABELS: 'queue=langgraph-agent' });
  });

  test('dev runs one agent and no HPA (autoscaling off, no metrics adapter)', () => {
    expect(find(env('dev'), 'Deployment', 'agents', 'langgraph-agent')!.spec.replicas).toBe(1);
    expect(manifestsOf(env('dev')).filter((m) => m.kind === 'HorizontalPodAutoscaler')).toEqual([]);
  });
});

describe('§3.2: Weaviate', () => {
  test('a 3-node cluster in staging and production, every shard on all three, with the three classes of 1536-dimension vectors', () => {
    for (const name of ['staging', 'production']) {
      const p = env(name);
      const sts = find(p, 'StatefulSet', 'db-weaviate', 'weaviate')!;
      expect(sts.spec.replicas).toBe(3);
      const envOf = (k: string) => sts.spec.template.spec.containers[0].env.find((e: Manifest) => e.name === k)?.value;
      expect(envOf('RAFT_BOOTSTRAP_EXPECT')).toBe('3');
      expect(envOf('REPLICATION_MINIMUM_FACTOR')).toBe('3');
      const w = p.config.stores.weaviate!;
      expect(w.classes.map((c) => [c.name, c.vectorDimensions, c.embeddingModel])).toEqual(SPEC_000_WEAVIATE.classes.map((c) => [c.name, 1536, 'text-embedding-ada-002']));
      const scripts = dataOf(p, 'db-weaviate', 'weaviate-scripts');
      for (const c of ['NormalizedSKU', 'SupplierCatalog', 'Policies']) expect(JSON.parse(scripts[`class-${c}.json`])).toMatchObject({ class: c, vectorizer: 'none', replicationConfig: { factor: 3 } });
    }
  });

  test('the api, the worker and the agents use it; the admin and webhook services do not', () => {
    const users = new Set(env('production').graph.flows.filter((f) => 'pods' in f.to && f.to.pods.namespace === 'db-weaviate' && 'pods' in f.from
      && ['app-core', 'agents'].includes(f.from.pods.namespace)).map((f) => ('pods' in f.from ? f.from.pods.display : '')));
    expect([...users].sort()).toEqual(['agents/langgraph-agent-agent', 'app-core/api-api', 'app-core/worker-api']);
  });
});

describe('§3.1, §7: PostgreSQL, backups and the hot standby', () => {
  test('§3.1: production has a primary and read replicas (3 members)', () => {
    expect(find(env('production'), 'StatefulSet', 'db-postgres', 'postgres-production')!.spec.replicas).toBe(3);
  });

  test('§7.2: a PostgreSQL snapshot every 6 hours, point-in-time recovery over 7 days', () => {
    for (const name of ['production', 'standby']) {
      expect(env(name).config.stores.postgres!.backup).toEqual({ intervalHours: 6, retentionDays: 7 });
      const sts = find(env(name), 'StatefulSet', 'db-postgres', `postgres-${name}`)!;
      const container = sts.spec.template.spec.containers.find((c: Manifest) => c.env?.some((e: Manifest) => e.name === 'BACKUP_INTERVAL_HOURS'))!;
      expect(container.env.find((e: Manifest) => e.name === 'BACKUP_INTERVAL_HOURS').value).toBe('6');
    }
  });

  test('§7.1: the standby region streams from production\'s primary and keeps the applications at zero until failover', () => {
    const standby = env('standby');
    expect(standby.config.stores.postgres!.standby).toMatchObject({ sourceEnvironment: 'production', host: 'postgres.fnb.example.com' });
    // Production admits the standby site's nodes on 5432 (the streaming replication of §7.1).
    expect(env('production').config.stores.postgres!.standbyClients!.cidrs).toEqual(standby.config.cluster.nodeCidrs);
    for (const d of manifestsOf(standby).filter((m) => m.kind === 'Deployment' && ['app-core', 'agents'].includes(m.metadata.namespace))) {
      expect({ d: d.metadata.name, replicas: d.spec.replicas }).toEqual({ d: d.metadata.name, replicas: 0 });
    }
    expect(manifestsOf(standby).filter((m) => m.kind === 'HorizontalPodAutoscaler')).toEqual([]);
  });
});

describe('the catalog fields the F&B platform added (environments/catalog.ts checks them)', () => {
  const agent = PLATFORMS.fnb.catalog.find((e) => e.name === 'langgraph-agent')!;
  const problems = (entries: readonly CatalogEntry[]) => catalogProblems(entries, ['app-core', 'agents'], ['postgres', 'redis', 'minio', 'weaviate'])
    .map((p) => `${p.path}: ${p.message}`);

  test('the F&B catalog itself has no problem', () => {
    expect(problems(PLATFORMS.fnb.catalog)).toEqual([]);
  });

  test('read replicas only on a postgres dependency; a Service name taken twice; a bad mount path and file name; bad site Secret references', () => {
    const bad: CatalogEntry = {
      ...agent, dependsOn: [{ target: 'redis', readReplicas: true }], serviceName: 'api',
      configFiles: [{ name: 'models', mountPath: 'etc/models', files: { 'a b.json': '{}' } }, { name: 'models', mountPath: '/', files: {} }],
      externalServices: [{ name: 'openai', secret: 'LLM', env: { 'openai-key': 'a b' } }, { name: 'anthropic', secret: 'llm-api-keys', env: {} }],
    };
    expect(problems([...PLATFORMS.fnb.catalog.filter((e) => e !== agent), bad])).toEqual([
      'catalog.langgraph-agent.configFiles[0].mountPath: "etc/models" must be an absolute directory other than /',
      'catalog.langgraph-agent.configFiles[0].files: "a b.json" is not a ConfigMap key (letters, digits, "-", "_", ".")',
      'catalog.langgraph-agent.configFiles[1].name: "models" is listed twice',
      'catalog.langgraph-agent.configFiles[1].mountPath: "/" must be an absolute directory other than /',
      'catalog.langgraph-agent.externalServices[0].secret: "LLM" must be a Secret name (a DNS label)',
      'catalog.langgraph-agent.externalServices[0].env.openai-key: must be an environment variable name such as ABLY_API_KEY',
      'catalog.langgraph-agent.externalServices[0].env.openai-key: "a b" is not a Secret key (letters, digits, "-", "_", ".")',
      'catalog.langgraph-agent.externalServices[1].env: anthropic must pass at least one credential (environment variable → Secret key)',
      'catalog.langgraph-agent.serviceName: "api" is already the Service of api',
      'catalog.langgraph-agent.dependsOn[0].readReplicas: only a postgres dependency has read replicas (got "redis")',
    ]);
  });
});

describe('docs/fnb.md states the document\'s numbers that no manifest can hold', () => {
  const doc = fs.readFileSync('docs/fnb.md', 'utf8').replace(/\*\*/g, '').replace(/\s+/g, ' ');
  test.each([
    ['§7.1 health check every 30 s', 'every 30 s'],
    ['§7.1 failover after 3 consecutive failures', 'after 3 consecutive failures'],
    ['§7.1 DNS update in 2-3 minutes', '2–3 minutes'],
    ['§7.2 1-year retention', '1-year retention'],
    ['§7.2 30-minute RTO', '30-minute RTO'],
    ['§8.1 gradual rollout 5 % → 25 % → 100 %', '5 % → 25 % → 100 %'],
    ['§6 3-year log retention', '3-year log retention'],
    ['§4.2 the example of 150 queued tasks', '150 queued tasks gives 2'],
  ])('%s', (_what, text) => {
    expect(doc).toContain(text);
  });
});
