/**
 * Bad catalog entries and bad `apps` sections: each fails with a message naming the entry (or the environment
 * field path) and what is wrong; every problem is reported at once.
 */
import { catalogProblems, type CatalogEntry } from '../environments/catalog';
import { CATALOG } from '../environments/receivables/catalog';
import { receivables } from '../environments/receivables';

/** The receivables platform's application namespaces (spec 002 §5.1.2): where its catalog may place services. */
const APP_NAMESPACES = ['app-core', 'app-agents', 'app-frontend', 'app-integration', 'app-batch'];
import { CatalogError, planServices } from '../charts/apps/plan';
import { renderPlatform } from '../charts/platform';
import { environmentInput, loadEnvironment, validateEnvironment } from '../environments';
import { input, messagesOf } from './support/config';
import { manifestsOf } from './support/render';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? any : T[K] };

/** A deep copy of the catalog with one entry changed. */
function withEntry(name: string, change: (e: Mutable<CatalogEntry>) => void): CatalogEntry[] {
  const copy = structuredClone(CATALOG) as Mutable<CatalogEntry>[];
  const e = copy.find((x) => x.name === name);
  if (!e) throw new Error(`no catalog entry ${name}`);
  change(e);
  return copy as CatalogEntry[];
}

function expectCatalogProblem(catalog: CatalogEntry[], path: string, ...fragments: string[]): void {
  const problems = catalogProblems(catalog, APP_NAMESPACES);
  const at = problems.filter((p) => p.path === path);
  expect({ path, found: at.length, all: problems }).toEqual({ path, found: 1, all: expect.anything() });
  for (const f of fragments) expect(at[0].message).toContain(f);
  // Rendering refuses the same catalog, naming the entry and field.
  expect(() => planServices(loadEnvironment('production'), catalog)).toThrow(CatalogError);
  expect(() => planServices(loadEnvironment('production'), catalog)).toThrow(path);
}

test('the shipped catalog has no problem', () => {
  expect(catalogProblems(CATALOG, APP_NAMESPACES)).toEqual([]);
});

describe('catalog entries', () => {
  test('a dependency on an unknown store', () => {
    const c = withEntry('invoice-service', (e) => { e.dependsOn = [...e.dependsOn, { target: 'mongodb' }]; });
    expectCatalogProblem(c, `catalog.invoice-service.dependsOn[${c.find((e) => e.name === 'invoice-service')!.dependsOn.length - 1}]`, '"mongodb"', 'neither a store');
  });

  test('a duplicate port in one pod', () => {
    expectCatalogProblem(withEntry('api-gateway', (e) => { e.metricsPort = e.port; }), 'catalog.api-gateway.metricsPort', 'duplicates port 8000');
  });

  test('a minimum above the maximum', () => {
    expectCatalogProblem(withEntry('auth-service', (e) => { e.scaling = { ...e.scaling, minReplicas: 12, maxReplicas: 4 }; }),
      'catalog.auth-service.scaling.minReplicas', '12 is above maxReplicas 4');
  });

  test('an unpinned image', () => {
    expectCatalogProblem(withEntry('payment-service', (e) => { e.image = 'registry.receivables.internal/platform/payment-service:latest'; }),
      'catalog.payment-service.image', 'must be fully qualified and pinned');
    expectCatalogProblem(withEntry('payment-service', (e) => { e.image = 'payment-service:1.0'; }), 'catalog.payment-service.image', 'registry/path:tag');
  });

  test('a privileged port', () => {
    expectCatalogProblem(withEntry('web-frontend', (e) => { e.port = 80; }), 'catalog.web-frontend.port', 'between 1024 and 65535');
  });

  test('a duplicate name', () => {
    expectCatalogProblem(withEntry('user-service', (e) => { e.name = 'auth-service'; }), 'catalog.auth-service.name', 'duplicates catalog entry');
  });

  test('two public paths that overlap', () => {
    expectCatalogProblem(withEntry('user-service', (e) => { e.publicPath = '/api/v1/auth/users'; }), 'catalog.user-service.publicPath', 'overlaps "/api/v1/auth" of auth-service');
  });

  test('requests above limits', () => {
    expectCatalogProblem(withEntry('dispute-agent', (e) => { e.resources = { requests: { cpu: '8', memory: '2Gi' }, limits: { cpu: '4', memory: '8Gi' } }; }),
      'catalog.dispute-agent.resources.requests.cpu', 'must not exceed the CPU limit 4');
  });

  test('a dependency on an unknown service and on itself, reported together', () => {
    const c = withEntry('payment-service', (e) => { e.dependsOn = [{ target: 'ledger-service' }, { target: 'payment-service' }]; });
    const problems = catalogProblems(c, APP_NAMESPACES, receivables.stores).map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual([
      'catalog.payment-service.dependsOn[0]: "ledger-service" is neither a store of the platform (postgres, redis, minio, elasticsearch, clickhouse, kafka) nor a service of the catalog',
      'catalog.payment-service.dependsOn[1]: a service cannot depend on itself',
    ]);
  });

  test('a batch job schedule is parsed as Kubernetes parses it, not only counted', () => {
    expectCatalogProblem(withEntry('ageing-report', (e) => { e.schedule = '0 25 * * *'; }), 'catalog.ageing-report.schedule',
      '"0 25 * * *"', 'hour "25"', 'allowed: 0-23', 'five fields');
    expectCatalogProblem(withEntry('ageing-report', (e) => { e.schedule = '0 2 * *'; }), 'catalog.ageing-report.schedule', 'has 4 fields, not 5');
  });

  test('a batch job without a schedule, and one that is public', () => {
    const c = withEntry('ageing-report', (e) => { delete e.schedule; e.publicPath = '/api/v1/reports'; });
    const paths = catalogProblems(c, APP_NAMESPACES).map((p) => p.path).sort();
    expect(paths).toEqual(['catalog.ageing-report.publicPath', 'catalog.ageing-report.schedule']);
  });
});

describe('environment apps section', () => {
  const problems = messagesOf;

  test('an override of a service that is not in the catalog', () => {
    const cfg = input('staging');
    (cfg.apps.services ??= {})['invoice-servce'] = { minReplicas: 2 };
    expect(problems('staging', cfg)).toEqual([expect.stringMatching(/environment "staging": apps\.services\.invoice-servce = .*is not a service of the catalog \(allowed: .*invoice-service/)]);
  });

  test('an override whose minimum is above its maximum', () => {
    const cfg = input('production');
    (cfg.apps.services ??= {})['auth-service'] = { minReplicas: 8, maxReplicas: 5 };
    expect(problems('production', cfg)).toEqual([expect.stringContaining('apps.services.auth-service.minReplicas = 8: 8 is above maxReplicas 5')]);
  });

  test('fixed replicas on a horizontally scaled service while autoscaling is on', () => {
    const cfg = input('production');
    (cfg.apps.services ??= {})['user-service'] = { replicas: 4 };
    expect(problems('production', cfg)).toEqual([expect.stringContaining('apps.services.user-service.replicas = 4: does not apply while autoscaling is on')]);
  });

  test('a range on a fixed-replica service', () => {
    const cfg = input('production');
    (cfg.apps.services ??= {})['orchestrator-agent'] = { maxReplicas: 4 };
    expect(problems('production', cfg)).toEqual([expect.stringContaining('apps.services.orchestrator-agent.maxReplicas = 4: does not apply: orchestrator-agent has fixed replicas')]);
  });

  test('requests above limits in an override, and a cap whose minimum is above its maximum, reported together', () => {
    const cfg = input('staging');
    (cfg.apps.services ??= {})['search-service'] = { minReplicas: 2, resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '500m', memory: '1Gi' } } };
    cfg.apps.replicaCap = { minReplicas: 5, maxReplicas: 3 };
    const p = problems('staging', cfg);
    expect(p).toEqual(expect.arrayContaining([
      expect.stringContaining('apps.services.search-service.resources.requests.cpu = "1": must not exceed the CPU limit 500m'),
      expect.stringContaining('apps.services.search-service.resources.requests.memory = "2Gi": must not exceed the memory limit 1Gi'),
      expect.stringContaining('apps.replicaCap.minReplicas = 5: must not be above replicaCap.maxReplicas 3'),
    ]));
  });

  test('an unknown model-server mode', () => {
    const cfg = input('dev');
    cfg.apps.modelServer.mode = 'tpu';
    expect(problems('dev', cfg)).toEqual([expect.stringContaining('apps.modelServer.mode = "tpu": must be one of "gpu", "cpu", "disabled"')]);
  });

  test('disabling a service another one needs fails naming the dependent entry', () => {
    const cfg = input('production');
    (cfg.apps.services ??= {})['auth-service'] = { enabled: false };
    const config = validateEnvironment('production', cfg);
    expect(() => renderPlatform(config)).toThrow(/catalog\.mobile-backend\.dependsOn\[1\]: "auth-service" is disabled in environment "production" but mobile-backend needs it/);
  });
});

describe('optional dependencies', () => {
  test('with the model server disabled, agents render without it and without a flow to it', () => {
    const cfg = structuredClone(environmentInput('dev')) as Record<string, any>;
    cfg.apps.modelServer.mode = 'disabled';
    const p = renderPlatform(validateEnvironment('dev', cfg));
    const ms = manifestsOf(p);
    expect(ms.some((m) => m.metadata.name === 'model-server')).toBe(false);
    expect(p.charts.map((c) => c.folder)).not.toContain('20-model-serving');
    const cm = ms.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'collections-agent-config')!;
    expect(cm.data.MODEL_SERVER_URL).toBeUndefined();
    expect(cm.data.DATABASE_HOST).toBe(p.refs.postgres!.pooler.host);
    expect(p.graph.flows.some((f) => f.why.includes('model-server'))).toBe(false);
  });
});
