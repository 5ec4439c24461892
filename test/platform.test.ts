/**
 * A platform is a description (issue 17): a second platform, described here and registered only for this file,
 * renders with the same generator. It has a subset of the store kinds (Redis and MinIO in the cluster), one
 * external store (a managed PostgreSQL), no tenancy and no gateway (one web app behind its own Ingress), and
 * must validate, get exactly the NetworkPolicies its graph implies (egress to the managed database's addresses
 * only), and render under its own name beside receivables.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { toFileTree, writeDist } from '../charts/output/render';
import { STORE_KINDS } from '../charts/data';
import { NAMESPACES } from '../charts/data/refs';
import { ConfigError, fieldSource, formatProblem, loadTargets, PLATFORMS, type PlatformDescription } from '../environments';
import { siteChecklist } from '../charts/output/checklist';
import type { CatalogEntry } from '../environments/catalog';
import { deepMerge } from '../environments/merge';
import { receivables } from '../environments/receivables';
import { modelErrors, unknownFields } from './support/k8s-schema';
import { difference, reachability } from './support/network';
import { manifestsOf } from './support/render';

const DB_CIDR = '10.20.30.0/24';
/** A managed S3 (its own addresses, virtual-host addressing, a region). */
const S3 = { host: 's3.eu-west-1.amazonaws.com', credentialsSecret: 'shop-s3', cidrs: ['52.218.0.0/17'], region: 'eu-west-1', pathStyle: false, buckets: { documents: 'shop-documents', logs: 'shop-logs' } };

const SHOP: CatalogEntry = {
  name: 'shop', namespace: 'shop', kind: 'node-api', description: 'The shop: one web app',
  image: 'registry.shop.internal/shop/shop:2.1.0', port: 3000,
  dependsOn: [{ target: 'postgres' }, { target: 'redis' }], ingressHost: 'www',
  scaling: { type: 'horizontal', minReplicas: 2, maxReplicas: 4, cpuPercent: 70 },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
};

// Receivables' dev as the starting point for the cluster, quotas and add-ons; the platform's own parts replace it.
const dev = deepMerge(receivables.base, receivables.environments.dev) as Record<string, any>;
const base = {
  ...dev,
  namespaces: [
    ...dev.namespaces.filter((n: { tier: string }) => n.tier === 'system'),
    { name: 'shop', tier: 'app' }, { name: 'db-redis', tier: 'data' }, { name: 'storage-minio', tier: 'data' },
  ],
  ingress: { ...dev.ingress, baseDomain: 'shop.example.test' },
  gitops: { ...dev.gitops, repoURL: 'https://git.example.com/shop/deploy.git' },
  tenants: [], tenantPlans: {},
  stores: { redis: dev.stores.redis, minio: dev.stores.minio },
  external: { postgres: { host: 'shop.abc123.eu-west-1.rds.amazonaws.com', database: 'shop', sslMode: 'verify-full' as const, credentialsSecret: 'shop-db', cidrs: [DB_CIDR] } },
  apps: { autoscaling: true, services: {} },
};

const shopPlatform: PlatformDescription = {
  name: 'shop', displayName: 'shop', labelDomain: 'shop.example.test', partOf: 'shop', folder: 'test/platform.test.ts', stores: ['postgres', 'redis', 'minio'], catalog: [SHOP],
  appFolders: [{ folder: '22-shop' }],
  base: {}, environments: { dev: base },
};

let rendered: RenderedPlatform;
beforeAll(() => {
  PLATFORMS.shop = shopPlatform;
  rendered = renderPlatform(loadTargets([{ platform: 'shop', env: 'dev' }])[0]);
});
afterAll(() => { delete PLATFORMS.shop; });

const objects = () => manifestsOf(rendered);
const folders = () => rendered.charts.filter((c) => c.manifests.length).map((c) => c.folder);

test('every object is valid Kubernetes (kubernetes-models, no unknown fields)', () => {
  // Custom resources (cert-manager, Argo CD, the Prometheus operator) have no 1.27 type to hold unknown fields against.
  const core = (m: Manifest) => !/(argoproj\.io|cert-manager\.io|monitoring\.coreos\.com|external-secrets\.io)\//.test(m.apiVersion);
  const bad = objects().map((m) => [`${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`, modelErrors(m), core(m) ? unknownFields(m) : []] as const)
    .filter(([, e, u]) => e !== undefined || u.length > 0);
  expect(bad).toEqual([]);
  expect(objects().length).toBeGreaterThan(30);
});

test('only its own stores run: Redis and MinIO in the cluster, nothing for the external PostgreSQL nor the kinds it lacks', () => {
  const storeFolders = Object.values(STORE_KINDS).map((k) => k.folder);
  expect(folders().filter((f) => storeFolders.includes(f as never)).sort()).toEqual([STORE_KINDS.minio.folder, STORE_KINDS.redis.folder].sort());
  expect(objects().filter((m) => m.metadata?.namespace === NAMESPACES.postgres)).toEqual([]);
  expect(objects().some((m) => m.kind === 'StatefulSet' && m.metadata.namespace === NAMESPACES.redis)).toBe(true);
  // MinIO provisions users and buckets for its kinds only (Redis's backups, the application buckets).
  const clients = objects().find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'minio-provisioning')!.data['clients.txt'];
  expect(clients.trim().split('\n').map((l: string) => l.split(' ')[0]).sort()).toEqual(['documents', 'logs', 'redis']);
});

test('no tenancy and no gateway: no tenant objects, one Ingress to the app at www.<domain>', () => {
  expect(objects().filter((m) => m.metadata?.namespace?.startsWith('tenant-'))).toEqual([]);
  expect(objects().filter((m) => m.kind === 'Deployment').map((m) => m.metadata.name)).toEqual(['shop']);
  const ingresses = objects().filter((m) => m.kind === 'Ingress');
  expect(ingresses.map((i) => [i.metadata.namespace, i.spec.rules.map((r: Manifest) => r.host), i.spec.rules[0].http.paths[0].backend.service]))
    .toEqual([['shop', ['www.shop.example.test'], { name: 'shop', port: { number: 3000 } }]]);
  expect(ingresses[0].spec.tls[0].hosts).toEqual(['www.shop.example.test']);
});

test('the app is wired to the managed PostgreSQL: its host, database and TLS mode, credentials from a site-supplied Secret', () => {
  const cm = objects().find((m) => m.kind === 'ConfigMap' && m.metadata.namespace === 'shop' && m.data?.DATABASE_HOST)!;
  expect(cm.data).toMatchObject({ DATABASE_HOST: 'shop.abc123.eu-west-1.rds.amazonaws.com', DATABASE_PORT: '5432', DATABASE_NAME: 'shop', PGSSLMODE: 'verify-full' });
  const env = objects().find((m) => m.kind === 'Deployment')!.spec.template.spec.containers[0].env;
  expect(env.filter((e: Manifest) => e.valueFrom?.secretKeyRef?.name === 'shop-db').map((e: Manifest) => e.valueFrom.secretKeyRef.key).sort()).toEqual(['password', 'username']);
  // Declared for the installer's check, never generated, and never copied from a store namespace.
  expect(rendered.secrets.filter((s) => s.name === 'shop-db')).toEqual([{ name: 'shop-db', keys: ['username', 'password'], namespace: 'shop', suppliedBy: 'site' }]);
});

test('the app reaches Redis over TLS with the internal CA mounted under the platform\'s own name', () => {
  const cm = objects().find((m) => m.kind === 'ConfigMap' && m.metadata.namespace === 'shop' && m.data?.REDIS_TLS_CA_FILE)!;
  expect(cm.data.REDIS_TLS_CA_FILE).toBe('/etc/shop/redis-ca/ca.crt');
  const container = objects().find((m) => m.kind === 'Deployment')!.spec.template.spec.containers[0];
  expect(container.volumeMounts).toContainEqual({ name: 'redis-ca', mountPath: '/etc/shop/redis-ca', readOnly: true });
});

test('NetworkPolicies are exactly what the graph implies; the app reaches the database\'s addresses on 5432 only', () => {
  const r = reachability({ config: rendered.config, graph: rendered.graph, manifests: objects() });
  expect(difference(r.expected, r.actual)).toEqual([]);
  expect(difference(r.actual, r.expected)).toEqual([]);
  const toDb = [...r.actual].filter((t) => t.includes('10.20.30.'));
  expect(toDb.length).toBeGreaterThan(0);
  expect(toDb.every((t) => t.startsWith('shop/Deployment/shop → ') && t.endsWith(' 5432/TCP'))).toBe(true);
  // Nothing else of ours reaches the database.
  expect(rendered.graph.flows.filter((f) => 'addresses' in f.to && f.to.addresses.cidrs.includes(DB_CIDR)).map((f) => f.why)).toEqual(['shop uses postgres (a managed service)']);
});

test('renders into dist/shop/dev/ with Argo CD names of its own, beside receivables', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-'));
  try {
    const recv = renderPlatform(loadTargets([{ platform: 'receivables', env: 'dev' }])[0]);
    writeDist(out, new Map([['shop/dev', toFileTree(rendered)], ['receivables/dev', toFileTree(recv)]]), true);
    expect(fs.readdirSync(out).sort()).toEqual(['.synth-output', 'receivables', 'shop']);
    const apps = objects().filter((m) => m.kind === 'Application');
    expect(apps.length).toBeGreaterThan(5);
    for (const a of apps) expect(a.metadata.name).toMatch(/^shop-dev-/);
    for (const a of apps.filter((x) => x.spec.source.path)) {
      expect(a.spec.source.path).toMatch(/^dist\/shop\/dev\//);
      expect(fs.existsSync(path.join(out, a.spec.source.path.slice('dist/'.length)))).toBe(true);
    }
    const names = new Set(manifestsOf(recv).filter((m) => m.kind === 'Application' || m.kind === 'AppProject').map((m) => m.metadata.name));
    expect(apps.filter((a) => names.has(a.metadata.name))).toEqual([]);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

describe('a wrong description or environment names the field and the platform', () => {
  const problems = (env: Record<string, unknown>): string[] => {
    PLATFORMS.shop = { ...shopPlatform, environments: { dev: env } };
    try {
      loadTargets([{ platform: 'shop', env: 'dev' }]);
      return [];
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return e.problems.map(formatProblem);
    } finally {
      PLATFORMS.shop = shopPlatform;
    }
  };

  test('a store of the platform missing from the environment', () => {
    expect(problems({ ...base, external: {} })).toContain(
      'platform "shop", environment "dev": stores.postgres = (missing): is required: platform "shop" has the store postgres (set stores.postgres, or external.postgres for a managed service)');
  });

  test('a store kind the platform does not have', () => {
    expect(problems({ ...base, stores: { ...base.stores, kafka: receivables.environments.dev.stores!.kafka } }).join('\n'))
      .toContain('stores.kafka = {');
    expect(problems({ ...base, stores: { ...base.stores, kafka: receivables.environments.dev.stores!.kafka } }).join('\n'))
      .toMatch(/stores\.kafka = .*: is not a store of platform "shop" \(its stores: postgres, redis, minio\)/);
  });

  test('a store both in the cluster and external', () => {
    expect(problems({ ...base, stores: { ...base.stores, postgres: receivables.environments.dev.stores!.postgres } }).join('\n'))
      .toMatch(/external\.postgres = .*: is set and so is stores\.postgres: a store runs in the cluster or is external, not both/);
  });

  test('an external MinIO while Redis runs in the cluster and backs up to it', () => {
    const { minio, ...stores } = base.stores;
    expect(minio).toBeDefined();
    const out = problems({ ...base, stores, external: { ...base.external, minio: S3 } });
    expect(out.join('\n')).toMatch(/external\.minio = .*: cannot be external while stores\.redis runs in the cluster: redis uses the in-cluster minio/);
  });

  test('an external store of a kind that can only run in the cluster', () => {
    expect(problems({ ...base, external: { ...base.external, clickhouse: { host: 'olap.example.test', port: 9440, credentialsSecret: 'x', cidrs: ['10.1.0.0/16'] } } }).join('\n'))
      .toMatch(/external\.clickhouse = .*: is not a known field \(allowed here: [a-z, ]*postgres/);
  });

  test('an external store without its addresses', () => {
    expect(problems({ ...base, external: { postgres: { ...base.external.postgres, cidrs: [] } } }))
      .toContain('platform "shop", environment "dev": external.postgres.cidrs = []: must list at least one CIDR (the service\'s subnets)');
  });
});

test('every store external: nothing deployed for the stores, the app wired to the managed PostgreSQL and S3', () => {
  const onlyManaged: PlatformDescription = {
    ...shopPlatform, name: 'shopx', stores: ['postgres', 'minio'],
    catalog: [{ ...SHOP, dependsOn: [{ target: 'postgres' }, { target: 'minio' }] }],
    environments: {
      dev: {
        ...base, ingress: { ...base.ingress, baseDomain: 'shopx.example.test' }, stores: {}, external: { ...base.external, minio: S3 },
        namespaces: base.namespaces.filter((n: { tier: string }) => n.tier !== 'data'),
      },
    },
  };
  PLATFORMS.shopx = onlyManaged;
  try {
    const p = renderPlatform(loadTargets([{ platform: 'shopx', env: 'dev' }])[0]);
    const ms = manifestsOf(p);
    expect(ms.filter((m) => m.kind === 'StatefulSet')).toEqual([]);
    const cm = ms.find((m) => m.kind === 'ConfigMap' && m.metadata.namespace === 'shop' && m.data?.S3_ENDPOINT)!;
    expect(cm.data).toMatchObject({ S3_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com', S3_BUCKET: 'shop-documents', S3_FORCE_PATH_STYLE: 'false', S3_REGION: 'eu-west-1' });
    expect(p.secrets.filter((s) => s.suppliedBy === 'site').map((s) => `${s.namespace}/${s.name}`).sort()).toEqual(['shop/shop-db', 'shop/shop-s3']);
    // The app's egress: the database's range on 5432, S3's on 443, and nothing else outside the cluster.
    const out = p.graph.flows.filter((f) => 'addresses' in f.to && 'pods' in f.from && f.from.pods.namespace === 'shop');
    expect(out.map((f) => [('addresses' in f.to) && f.to.addresses.cidrs, f.ports.map((x) => x.port)])).toEqual([[[DB_CIDR], [5432]], [S3.cidrs, [443]]]);
    const r = reachability({ config: p.config, graph: p.graph, manifests: ms });
    expect(difference(r.expected, r.actual)).toEqual([]);
    expect(difference(r.actual, r.expected)).toEqual([]);
  } finally {
    delete PLATFORMS.shopx;
  }
});

test('a service depending on a store kind its platform lacks is refused, naming the platform\'s kinds', () => {
  PLATFORMS.shopk = { ...shopPlatform, name: 'shopk', catalog: [{ ...SHOP, dependsOn: [{ target: 'postgres' }, { target: 'kafka' }] }],
    environments: { dev: { ...base, ingress: { ...base.ingress, baseDomain: 'shopk.example.test' } } } };
  try {
    expect(() => renderPlatform(loadTargets([{ platform: 'shopk', env: 'dev' }])[0]))
      .toThrow('catalog.shop.dependsOn[1]: "kafka" is neither a store of the platform (postgres, redis, minio) nor a service of the catalog');
  } finally {
    delete PLATFORMS.shopk;
  }
});

test('the site checklist names the managed database, its addresses and the Secret the site creates', () => {
  const md = siteChecklist(rendered, (f) => fieldSource('dev', f, 'shop'));
  expect(md).toContain('| `external.postgres.host` | the managed postgres | `shop.abc123.eu-west-1.rds.amazonaws.com` |');
  expect(md).toContain(`| \`external.postgres.cidrs\` | its addresses (NetworkPolicy egress of its consumers) | \`${DB_CIDR}\` |`);
  expect(md).toMatch(/## Secrets the site creates\n[\s\S]*- `shop\/shop-db` with keys `username`, `password`/);
  // Receivables runs every store in the cluster: no such section there.
  const recv = renderPlatform(loadTargets([{ platform: 'receivables', env: 'dev' }])[0]);
  expect(siteChecklist(recv, (f) => fieldSource('dev', f))).not.toContain('Secrets the site creates');
});
