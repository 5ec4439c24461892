/**
 * Redis, Kafka and Elasticsearch as managed services (issue 17, for the EKS platform of issue 21): a platform
 * described here, registered only for this file, whose every store is external, as spec 004 runs them
 * ("Component Specifications", "Storage Architecture"): ElastiCache Redis in cluster mode (3 shards, 1 replica per
 * shard), MSK and Amazon OpenSearch. Nothing is deployed for them; the consumers get cluster-mode Redis settings
 * (not Sentinel's), SASL_SSL/SCRAM-SHA-512 to the bootstrap brokers on 9096, OpenSearch's HTTPS URL, credentials from
 * Secrets the site creates, and egress to each service's address ranges on its port only (the reachability proof).
 */
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { STORE_KINDS } from '../charts/data';
import { NAMESPACES } from '../charts/data/refs';
import { ConfigError, formatProblem, loadTargets, PLATFORMS, type PlatformDescription } from '../environments';
import type { CatalogEntry } from '../environments/catalog';
import { deepMerge } from '../environments/merge';
import { receivables } from '../environments/receivables';
import { modelErrors, unknownFields } from './support/k8s-schema';
import { difference, reachability } from './support/network';
import { manifestsOf } from './support/render';

// Each service in its own subnets, so that a flow's range names its service (they may share them in a real VPC).
const CACHE_CIDRS = ['10.0.110.0/24', '10.0.111.0/24'];
const MSK_CIDRS = ['10.0.120.0/24'];
const SEARCH_CIDRS = ['10.0.130.0/24'];

const REDIS = {
  host: 'clustercfg.ai-cache.abc123.usw2.cache.amazonaws.com', credentialsSecret: 'cache-auth', cidrs: CACHE_CIDRS,
  // spec 004 "Database Specifications", ElastiCache Redis: "Cluster mode, 3 shards, 1 replica per shard".
  mode: 'cluster' as const, shards: 3, replicasPerShard: 1,
};
const BROKERS = ['b-1.ai-events.x1y2z3.c2.kafka.us-west-2.amazonaws.com', 'b-2.ai-events.x1y2z3.c2.kafka.us-west-2.amazonaws.com', 'b-3.ai-events.x1y2z3.c2.kafka.us-west-2.amazonaws.com'];
const KAFKA = { brokers: BROKERS, credentialsSecret: 'msk-scram', cidrs: MSK_CIDRS };
const SEARCH = {
  host: 'vpc-ai-search-q1w2e3.us-west-2.es.amazonaws.com', credentialsSecret: 'search-user', cidrs: SEARCH_CIDRS,
  engine: 'opensearch' as const, indexPrefix: 'ai-',
};

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
// spec 004's flows ("Application Architecture"): Express → ElastiCache, MSK; document processors → OpenSearch.
const API: CatalogEntry = {
  name: 'express-api', namespace: 'apps', kind: 'node-api', description: 'Express: sessions in Redis, events to MSK',
  image: 'registry.managed.internal/apps/express-api:1.4.0', port: 3000,
  dependsOn: [{ target: 'redis' }, { target: 'kafka' }],
  scaling: { type: 'horizontal', minReplicas: 2, maxReplicas: 4, cpuPercent: 70 }, resources,
};
const INDEXER: CatalogEntry = {
  name: 'doc-processor', namespace: 'workers', kind: 'python-agent', description: 'Document processor: consumes MSK, indexes into OpenSearch',
  image: 'registry.managed.internal/workers/doc-processor:1.4.0', port: 8000,
  dependsOn: [{ target: 'kafka' }, { target: 'elasticsearch' }, { target: 'redis' }],
  scaling: { type: 'horizontal', minReplicas: 1, maxReplicas: 2, cpuPercent: 80 }, resources,
};

// Receivables' dev as the starting point for the cluster, quotas and add-ons; the platform's own parts replace it.
const dev = deepMerge(receivables.base, receivables.environments.dev) as Record<string, any>;
const base = {
  ...dev,
  namespaces: [...dev.namespaces.filter((n: { tier: string }) => n.tier === 'system'), { name: 'apps', tier: 'app' }, { name: 'workers', tier: 'app' }],
  ingress: { ...dev.ingress, baseDomain: 'managed.example.test' },
  gitops: { ...dev.gitops, repoURL: 'https://git.example.com/managed/deploy.git' },
  tenants: [], tenantPlans: {},
  stores: {},
  external: { redis: REDIS, kafka: KAFKA, elasticsearch: SEARCH },
  apps: { autoscaling: true, services: {} },
};

const managed: PlatformDescription = {
  name: 'managed', displayName: 'managed', labelDomain: 'managed.example.test', partOf: 'managed', folder: 'test/external-stores.test.ts',
  stores: ['redis', 'kafka', 'elasticsearch'], catalog: [API, INDEXER],
  appFolders: [{ folder: '22-apps' }, { folder: '23-workers' }],
  base: {}, environments: { dev: base },
};

let rendered: RenderedPlatform;
beforeAll(() => {
  PLATFORMS.managed = managed;
  rendered = renderPlatform(loadTargets([{ platform: 'managed', env: 'dev' }])[0]);
});
afterAll(() => { delete PLATFORMS.managed; });

const objects = () => manifestsOf(rendered);
const settingsOf = (ns: string): Record<string, string> => {
  const cms = objects().filter((m) => m.kind === 'ConfigMap' && m.metadata.namespace === ns && m.data && Object.keys(m.data).some((k) => /^(REDIS|KAFKA|ELASTICSEARCH)_/.test(k)));
  expect(cms).toHaveLength(1);
  return cms[0].data;
};
const podOf = (ns: string): Manifest => {
  const ws = objects().filter((m) => m.kind === 'Deployment' && m.metadata.namespace === ns);
  expect(ws).toHaveLength(1);
  return ws[0].spec.template.spec;
};
/** `NAME ← secret/key` of a container's Secret-backed variables. */
const secretVars = (pod: Manifest): string[] => pod.containers[0].env
  .filter((e: Manifest) => e.valueFrom?.secretKeyRef)
  .map((e: Manifest) => `${e.name} ← ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`).sort();

test('every object is valid Kubernetes, and nothing is deployed for the managed stores', () => {
  const core = (m: Manifest) => !/(argoproj\.io|cert-manager\.io|monitoring\.coreos\.com|external-secrets\.io)\//.test(m.apiVersion);
  const bad = objects().map((m) => [`${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`, modelErrors(m), core(m) ? unknownFields(m) : []] as const)
    .filter(([, e, u]) => e !== undefined || u.length > 0);
  expect(bad).toEqual([]);
  expect(objects().filter((m) => m.kind === 'StatefulSet')).toEqual([]);
  const storeFolders = Object.values(STORE_KINDS).map((k) => k.folder as string);
  expect(rendered.charts.filter((c) => c.manifests.length && storeFolders.includes(c.folder))).toEqual([]);
  for (const kind of ['redis', 'kafka', 'elasticsearch'] as const) {
    expect(objects().filter((m) => m.metadata?.namespace === NAMESPACES[kind])).toEqual([]);
  }
});

describe('Redis: ElastiCache in cluster mode (spec 004: 3 shards, 1 replica per shard)', () => {
  test.each(['apps', 'workers'])('%s: cluster-mode settings over TLS, not Sentinel\'s', (ns) => {
    const s = settingsOf(ns);
    expect(s).toMatchObject({
      REDIS_CLUSTER_MODE: 'true',
      // The configuration endpoint is the one startup node: clients discover the 3 shards from it.
      REDIS_CLUSTER_NODES: `${REDIS.host}:6379`,
      REDIS_URL: `rediss://${REDIS.host}:6379`,
      REDIS_TLS: 'true',
    });
    expect(Object.keys(s).filter((k) => /^REDIS_(SENTINEL|MASTER)/.test(k))).toEqual([]);
    // A public certificate: no internal-CA file to trust, no password in the URL.
    expect(s.REDIS_TLS_CA_FILE).toBeUndefined();
    expect(s.REDIS_URL).not.toContain('@');
  });

  test('the AUTH token comes from the site\'s Secret; no internal certificate, no CA volume', () => {
    expect(secretVars(podOf('apps'))).toEqual(['KAFKA_PASSWORD ← msk-scram/password', 'KAFKA_USERNAME ← msk-scram/username', 'REDIS_PASSWORD ← cache-auth/password']);
    expect((podOf('apps').volumes ?? []).filter((v: Manifest) => v.secret)).toEqual([]);
    expect(objects().filter((m) => m.kind === 'Certificate' && m.metadata.namespace === 'apps')).toEqual([]);
  });
});

describe('Kafka: MSK with SASL/SCRAM over TLS', () => {
  test.each(['apps', 'workers'])('%s: every bootstrap broker on 9096, SASL_SSL, SCRAM-SHA-512', (ns) => {
    const s = settingsOf(ns);
    expect(s.KAFKA_BOOTSTRAP_SERVERS.split(',')).toEqual(BROKERS.map((b) => `${b}:9096`));
    expect(s).toMatchObject({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' });
  });
});

describe('Elasticsearch: Amazon OpenSearch over HTTPS 443', () => {
  test('the URL without a port, the index prefix, which engine answers, basic auth from the site\'s Secret, no CA file', () => {
    const s = settingsOf('workers');
    expect(s).toMatchObject({ ELASTICSEARCH_URL: `https://${SEARCH.host}`, ELASTICSEARCH_INDEX_PREFIX: 'ai-', ELASTICSEARCH_ENGINE: 'opensearch' });
    expect(s.ELASTICSEARCH_CA_FILE).toBeUndefined();
    const pod = podOf('workers');
    expect(secretVars(pod)).toEqual(expect.arrayContaining(['ELASTICSEARCH_PASSWORD ← search-user/password', 'ELASTICSEARCH_USERNAME ← search-user/username']));
    // No CA to mount: no Secret volume at all (the pod's only volume is its scratch space).
    expect((pod.volumes ?? []).filter((v: Manifest) => v.secret)).toEqual([]);
    expect(objects().filter((m) => m.kind === 'Certificate' && m.metadata.namespace === 'workers')).toEqual([]);
  });
});

test('the credentials are site-supplied Secrets in each consuming namespace, never generated nor copied', () => {
  const site = rendered.secrets.filter((s) => s.suppliedBy === 'site').map((s) => `${s.namespace}/${s.name} [${s.keys.join(',')}]`).sort();
  expect(site).toEqual([
    'apps/cache-auth [password]', 'apps/msk-scram [username,password]',
    'workers/cache-auth [password]', 'workers/msk-scram [username,password]', 'workers/search-user [username,password]',
  ]);
  for (const s of rendered.secrets.filter((x) => x.suppliedBy === 'site')) {
    expect(s.copyOf).toBeUndefined();
    expect(s.fixed).toBeUndefined();
  }
  // Nothing declared in, or copied from, the stores' namespaces.
  const storeNs = new Set<string>(Object.values(NAMESPACES));
  expect(rendered.secrets.filter((s) => storeNs.has(s.namespace) || (s.copyOf && storeNs.has(s.copyOf.namespace)))).toEqual([]);
});

test('egress: each consumer to each service\'s ranges on its port only (Redis 6379 as spec 004\'s Redis security group), and the policies are exactly that', () => {
  const external = rendered.graph.flows.filter((f) => 'addresses' in f.to && 'pods' in f.from && ['apps', 'workers'].includes(f.from.pods.namespace));
  const rows = external.map((f) => `${'pods' in f.from && f.from.pods.namespace} → ${'addresses' in f.to && f.to.addresses.cidrs.join('+')} ${f.ports.map((p) => p.port).join(',')}`).sort();
  expect(rows).toEqual([
    `apps → ${CACHE_CIDRS.join('+')} 6379`, `apps → ${MSK_CIDRS.join('+')} 9096`,
    `workers → ${CACHE_CIDRS.join('+')} 6379`, `workers → ${MSK_CIDRS.join('+')} 9096`, `workers → ${SEARCH_CIDRS.join('+')} 443`,
  ]);
  // The reachability table names the cluster's topology beside its ranges.
  expect(external.map((f) => 'addresses' in f.to && f.to.addresses.display)).toContain(`external redis (${REDIS.host}), cluster mode: 3 shards x 2 nodes`);
  const r = reachability({ config: rendered.config, graph: rendered.graph, manifests: objects() });
  expect(difference(r.expected, r.actual)).toEqual([]);
  expect(difference(r.actual, r.expected)).toEqual([]);
  // What the rendered policies let through into each range: only its consumers, only on its port.
  const into = (prefix: string) => [...r.actual].filter((t) => t.includes(` → `) && t.split(' → ')[1].includes(prefix));
  const cache = into('10.0.11');
  const msk = into('10.0.120.');
  const search = into('10.0.130.');
  for (const set of [cache, msk, search]) expect(set.length).toBeGreaterThan(0);
  expect(cache.every((t) => /^(apps\/Deployment\/express-api|workers\/Deployment\/doc-processor) → .* 6379\/TCP$/.test(t))).toBe(true);
  expect(msk.every((t) => /^(apps\/Deployment\/express-api|workers\/Deployment\/doc-processor) → .* 9096\/TCP$/.test(t))).toBe(true);
  expect(search.every((t) => /^workers\/Deployment\/doc-processor → .* 443\/TCP$/.test(t))).toBe(true);
});

describe('a wrong managed-store section, or one an in-cluster store relies on, is refused with its reason', () => {
  const problems = (platform: PlatformDescription, env: Record<string, unknown>): string[] => {
    PLATFORMS[platform.name] = { ...platform, environments: { dev: env } };
    try {
      loadTargets([{ platform: platform.name, env: 'dev' }]);
      return [];
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return e.problems.map(formatProblem);
    } finally {
      delete PLATFORMS[platform.name];
    }
  };
  const wrong = (external: Record<string, unknown>) => problems(managed, { ...base, external: { ...base.external, ...external } }).join('\n');

  test('Redis must be in cluster mode, with shards', () => {
    expect(wrong({ redis: { ...REDIS, mode: 'sentinel' } })).toMatch(/external\.redis\.mode = "sentinel": .*cluster/);
    expect(wrong({ redis: { ...REDIS, shards: 0 } })).toContain('external.redis.shards = 0: must be at least 1');
  });

  test('Kafka needs its brokers, not a host', () => {
    expect(wrong({ kafka: { ...KAFKA, brokers: [] } })).toContain('external.kafka.brokers = []: must list at least one broker (MSK: one per availability zone)');
    expect(wrong({ kafka: { ...KAFKA, host: BROKERS[0] } })).toMatch(/external\.kafka\.host = .*: is not a known field/);
  });

  test('OpenSearch needs an engine and an index prefix that is a valid index name', () => {
    expect(wrong({ elasticsearch: { ...SEARCH, indexPrefix: 'AI_' } })).toMatch(/external\.elasticsearch\.indexPrefix = "AI_": must be lower case letters/);
    const { engine, ...noEngine } = SEARCH;
    expect(engine).toBe('opensearch');
    expect(wrong({ elasticsearch: noEngine })).toMatch(/external\.elasticsearch\.engine = \(missing\)/);
  });

  test('an in-cluster ClickHouse cannot use a managed Kafka (its Kafka engine reads the in-cluster brokers)', () => {
    const withClickhouse: PlatformDescription = { ...managed, name: 'managedch', stores: ['kafka', 'clickhouse', 'minio'], catalog: [{ ...API, dependsOn: [{ target: 'kafka' }] }] };
    const env = {
      ...base, ingress: { ...base.ingress, baseDomain: 'managedch.example.test' },
      namespaces: [...base.namespaces, { name: NAMESPACES.clickhouse, tier: 'data' }, { name: NAMESPACES.minio, tier: 'data' }],
      stores: { clickhouse: dev.stores.clickhouse, minio: dev.stores.minio }, external: { kafka: KAFKA },
    };
    const out = problems(withClickhouse, env);
    // The one problem, at the field to change, naming the store that relies on it.
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^platform "managedch", environment "dev": external\.kafka = \{"brokers":.*: cannot be external while stores\.clickhouse runs in the cluster: clickhouse uses the in-cluster kafka$/);
  });
});
