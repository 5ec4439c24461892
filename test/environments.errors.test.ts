/**
 * Bad configuration: one test per rule. Each asserts that the message names the environment, the field path,
 * the value received and what is allowed, and that every problem is reported at once.
 */
import { formatProblem, loadEnvironment, validateEnvironment } from '../environments';
import { input, problemsOf, type Input } from './support/config';

/** Asserts exactly one problem at `path`, whose formatted message contains every fragment. */
function expectProblem(env: string, cfg: Input, path: string, ...fragments: string[]): void {
  const problems = problemsOf(env, cfg);
  const at = problems.filter((p) => p.path === path);
  expect({ path, found: at.length, all: problems.map(formatProblem) }).toEqual({ path, found: 1, all: expect.anything() });
  const text = formatProblem(at[0]);
  expect(text).toContain(`environment "${env}"`);
  expect(text).toContain(path);
  for (const f of fragments) expect(text).toContain(f);
}

test('every shipped environment is valid', () => {
  for (const env of ['dev', 'staging', 'production', 'dr']) expect(loadEnvironment(env).name).toBe(env);
});

test('an unknown environment is refused with the list of environments', () => {
  expect(() => loadEnvironment('prod')).toThrow(/"prod".*is not an environment \(allowed: dev, staging, production, dr, onprem\)/);
});

describe('field rules', () => {
  test('a tenant id that is not a DNS label', () => {
    const cfg = input('dev');
    cfg.tenants[0].id = 'Acme_Corp';
    expectProblem('dev', cfg, 'tenants[0].id', '"Acme_Corp"', 'must be a DNS label');
  });

  test('a replica count of 0', () => {
    const cfg = input('dev');
    cfg.stores.redis.replicas = 0;
    expectProblem('dev', cfg, 'stores.redis.replicas', '= 0', 'must be at least 1');
  });

  test('a fractional replica count', () => {
    const cfg = input('dev');
    cfg.stores.postgres.replicas = 1.5;
    expectProblem('dev', cfg, 'stores.postgres.replicas', '1.5', 'whole number');
  });

  test('a missing value that must be set per environment (no silent default)', () => {
    const cfg = input('staging');
    delete cfg.storageClass;
    expectProblem('staging', cfg, 'storageClass', '(missing)', 'is required');
  });

  test('a misspelt field is refused and the allowed fields are listed', () => {
    const cfg = input('staging');
    cfg.ingress.clasName = 'nginx';
    expectProblem('staging', cfg, 'ingress.clasName', '"nginx"', 'is not a known field', 'className');
  });

  test('an invalid CIDR for the API server', () => {
    const cfg = input('production');
    cfg.cluster.apiServerCidrs = ['10.96.0.1/33'];
    expectProblem('production', cfg, 'cluster.apiServerCidrs[0]', '"10.96.0.1/33"', 'IPv4 CIDR');
  });

  test('an unknown cluster flavour', () => {
    const cfg = input('dev');
    cfg.cluster.flavour = 'minikube';
    expectProblem('dev', cfg, 'cluster.flavour', '"minikube"', 'must be one of "k3s", "kubeadm"');
  });

  test('a malformed memory quantity', () => {
    const cfg = input('dev');
    cfg.stores.kafka.resources.limits.memory = '1GB';
    expectProblem('dev', cfg, 'stores.kafka.resources.limits.memory', '"1GB"', 'memory quantity');
  });

  test('an image registry that is not a host', () => {
    const cfg = input('dr');
    cfg.images.registry = 'https://registry.local';
    expectProblem('dr', cfg, 'images.registry', '"https://registry.local"', 'registry host');
  });

  test('a Pod Security version that is not a Kubernetes minor version', () => {
    const cfg = input('dev');
    cfg.podSecurity.version = 'latest';
    expectProblem('dev', cfg, 'podSecurity.version', '"latest"', 'v1.27');
  });
});

describe('cross-field rules', () => {
  test('duplicate tenants', () => {
    const cfg = input('production');
    cfg.tenants.push({ id: 'globex', plan: 'starter' });
    expectProblem('production', cfg, 'tenants[3].id', '"globex"', 'duplicates tenants[1].id');
  });

  test('a tenant on a plan that does not exist', () => {
    const cfg = input('dev');
    cfg.tenants[0].plan = 'gold';
    expectProblem('dev', cfg, 'tenants[0].plan', '"gold"', 'allowed: business, enterprise, starter');
  });

  test('a tenant whose namespace collides with a platform namespace', () => {
    const cfg = input('dev');
    cfg.namespaces.push({ name: 'tenant-demo', tier: 'app' });
    expectProblem('dev', cfg, 'tenants[0].id', 'collides with the platform namespace "tenant-demo"');
  });

  test('a replica count below what HA requires', () => {
    const cfg = input('staging');
    cfg.stores.redis.replicas = 1;
    expectProblem('staging', cfg, 'stores.redis.replicas', '= 1', 'at least 3 when ha is true', 'quorum');
  });

  test('the same replica count is fine where HA is not required', () => {
    const cfg = input('dev');
    cfg.stores.redis.replicas = 1;
    expect(validateEnvironment('dev', cfg).stores.redis.replicas).toBe(1);
  });

  test('a namespace looser than restricted without a stated reason', () => {
    const cfg = input('dev');
    cfg.namespaces.push({ name: 'debug', tier: 'app', podSecurity: 'privileged' });
    expectProblem('dev', cfg, `namespaces[${cfg.namespaces.length - 1}].podSecurityReason`, 'is required because podSecurity is "privileged"');
  });

  test('a duplicate namespace', () => {
    const cfg = input('dev');
    cfg.namespaces.push({ name: 'app-core', tier: 'app' });
    expectProblem('dev', cfg, `namespaces[${cfg.namespaces.length - 1}].name`, 'duplicates namespace "app-core"');
  });

  test('ACME without a contact address', () => {
    const cfg = input('staging');
    delete cfg.ingress.acmeEmail;
    expectProblem('staging', cfg, 'ingress.acmeEmail', 'is required when tlsIssuer is "acme"');
  });

  test('requests above limits', () => {
    const cfg = input('production');
    cfg.stores.postgres.resources.requests.cpu = '3';
    expectProblem('production', cfg, 'stores.postgres.resources.requests.cpu', '"3"', 'must not exceed the CPU limit 2');
    const plan = input('dev');
    plan.tenantPlans.starter.requestsMemory = '16Gi';
    expectProblem('dev', plan, 'tenantPlans.starter.requestsMemory', 'must not exceed the memory limit 8Gi');
  });
});

test('every problem is reported at once, field and cross-field alike', () => {
  const cfg = input('staging');
  cfg.tenants[0].id = 'Bad!';
  cfg.tenants.push({ id: 'globex-test', plan: 'platinum' });
  cfg.stores.redis.replicas = 1;
  delete cfg.storageClass;
  const paths = problemsOf('staging', cfg).map((p) => p.path).sort();
  expect(paths).toEqual(['storageClass', 'stores.redis.replicas', 'tenants[0].id', 'tenants[2].id', 'tenants[2].plan'].sort());
});

test('the error message lists each problem on its own line', () => {
  const cfg = input('dev');
  cfg.tenants[0].id = 'X';
  cfg.stores.redis.replicas = 0;
  const err = (() => { try { validateEnvironment('dev', cfg); } catch (e) { return e as Error; } return undefined; })();
  expect(err?.message.split('\n')).toEqual([
    'invalid configuration (2 problems):',
    expect.stringMatching(/^ {2}- environment "dev": /),
    expect.stringMatching(/^ {2}- environment "dev": /),
  ]);
});
