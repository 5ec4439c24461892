/**
 * Bad configuration: one test per rule. Each asserts that the message names the environment, the field path,
 * the value received and what is allowed, and that every problem is reported at once.
 */
import { ENVIRONMENTS, formatProblem, loadEnvironment, loadEnvironments, validateEnvironment } from '../environments';
import { cidrNetwork, cronProblem } from '../environments/cron';
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

// The list of environments is derived, never written out: adding an environment must not break these tests.
const NAMES = Object.keys(ENVIRONMENTS);

test('every shipped environment is valid', () => {
  expect(NAMES.length).toBeGreaterThanOrEqual(4);
  for (const env of NAMES) expect(loadEnvironment(env).name).toBe(env);
});

test('an unknown environment is refused with the list of environments', () => {
  expect(() => loadEnvironment('prod')).toThrow(`"prod": is not an environment (allowed: ${NAMES.join(', ')})`);
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
    expectProblem('dev', cfg, 'cluster.flavour', '"minikube"', 'must be one of "k3s", "kubeadm", "eks"');
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

describe('values a cluster would reject (issue 15)', () => {
  test.each([
    ['99 xx * * *', 'minute "99"', 'allowed: 0-59'],
    ['0 24 * * *', 'hour "24"', 'allowed: 0-23'],
    ['0 2 0 * *', 'day of month "0"', 'allowed: 1-31'],
    ['0 2 * 13 *', 'month "13"', 'JAN-DEC'],
    ['0 2 * * MONDAY', 'day of week "MONDAY"', 'SUN-SAT'],
    ['*/0 * * * *', 'step "0"', 'a whole number of at least 1'],
    // robfig/cron (what Kubernetes parses with) bounds the day of week to 0-6: 7 is not a second Sunday there.
    ['0 3 * * 7', 'day of week "7"', 'allowed: 0-6'],
    ['0 3 * * 5-7', 'day of week "5-7": "7" is not allowed', 'allowed: 0-6'],
    ['@every 1 hour', 'is not a descriptor', '@every <duration>'],
    ['0 5-2 * * *', 'range "5-2" runs backwards', ''],
    ['0 2 * *', 'has 4 fields, not 5', ''],
    ['@fortnightly', 'is not a descriptor', '@daily'],
  ])('the cron schedule %j', (schedule, what, allowed) => {
    const cfg = input('staging');
    cfg.stores.redis.backup.schedule = schedule;
    expectProblem('staging', cfg, 'stores.redis.backup.schedule', JSON.stringify(schedule), what, allowed);
    const ch = input('dev');
    ch.stores.clickhouse.backup.schedule = schedule;
    expectProblem('dev', ch, 'stores.clickhouse.backup.schedule', what);
  });

  test('cron schedules Kubernetes accepts are accepted', () => {
    // robfig/cron accepts `?` in every field, steps beyond the field's range (one run) and `@every <Go duration>`.
    for (const s of ['17 */6 * * *', '30 1 * * *', '0 0 1,15 * MON-FRI', '5/15 0-23/2 ? JAN-jun 0,6', '@hourly', '0 3 * * sun',
      '? * * * *', '*/90 * * * *', '@every 1h30m', '@every 90s']) {
      expect({ s, problem: cronProblem(s) }).toEqual({ s, problem: undefined });
    }
  });

  test.each(['0Gi', '0Ti', '10GB', '-1Gi'])('a volume size of %j (never called a memory quantity)', (size) => {
    const cfg = input('production');
    cfg.stores.kafka.volume.size = size;
    const problems = problemsOf('production', cfg).filter((p) => p.path === 'stores.kafka.volume.size');
    expect(problems).toHaveLength(1);
    expect(formatProblem(problems[0])).toContain(`environment "production": stores.kafka.volume.size = ${JSON.stringify(size)}: must be a volume size`);
    expect(formatProblem(problems[0])).not.toMatch(/memory/);
  });

  test('a CIDR with host bits set names its network', () => {
    const cfg = input('staging');
    cfg.cluster.nodeCidrs = ['10.20.0.5/24'];
    expectProblem('staging', cfg, 'cluster.nodeCidrs[0]', '"10.20.0.5/24"', 'host bits', 'its network is 10.20.0.0/24');
    expect(cidrNetwork('10.43.0.1/32')).toBe('10.43.0.1/32');
    expect(cidrNetwork('192.168.7.9/16')).toBe('192.168.0.0/16');
    expect(cidrNetwork('255.255.255.255/0')).toBe('0.0.0.0/0');
  });

  test('two environments on the same base domain (a copied environment keeping the other\'s hostnames)', () => {
    const copy = structuredClone(ENVIRONMENTS.production);
    ENVIRONMENTS.copied = copy;
    try {
      const err = (() => { try { loadEnvironments(['copied']); } catch (e) { return e as Error; } return undefined; })();
      expect(err?.message).toContain('environment "copied": ingress.baseDomain = "receivables.example.com": is also the base domain of environment "production"');
      copy.ingress = { ...copy.ingress, baseDomain: 'copied.receivables.example.com' };
      expect(loadEnvironments(['copied'])[0].ingress.baseDomain).toBe('copied.receivables.example.com');
    } finally {
      delete ENVIRONMENTS.copied;
    }
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
    expect(validateEnvironment('dev', cfg).stores.redis!.replicas).toBe(1);
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
