/** Bad PostgreSQL configuration: each rule names the environment, the field path and what is allowed. */
import { input, messagesOf, type Input } from './support/config';


function expectOnly(env: string, cfg: Input, ...fragments: string[]): void {
  const all = messagesOf(env, cfg);
  expect(all).toHaveLength(1);
  for (const f of [`environment "${env}"`, ...fragments]) expect(all[0]).toContain(f);
}

test('synchronous replication needs standbys: "on" at least 2 members, "strict" at least 3', () => {
  const dev = input('dev');
  dev.stores.postgres.synchronousMode = 'on';
  expectOnly('dev', dev, 'stores.postgres.synchronousMode = "on"', 'needs at least 2 replicas', 'is 1');
  const staging = input('staging');
  staging.stores.postgres.synchronousMode = 'strict';
  staging.stores.postgres.replicas = 2;
  expect(messagesOf('staging', staging).join('\n')).toContain('stores.postgres.synchronousMode = "strict": "strict" needs at least 3 replicas');
  const typo = input('production');
  typo.stores.postgres.synchronousMode = 'always';
  expectOnly('production', typo, 'stores.postgres.synchronousMode = "always"', 'off', 'strict');
});

test('parameters the generator owns cannot be overridden; names must be parameter names', () => {
  const c = input('production');
  c.stores.postgres.parameters = { archive_command: '/bin/true' };
  expectOnly('production', c, 'stores.postgres.parameters.archive_command = "/bin/true"', 'is set by the generator');
  const bad = input('production');
  bad.stores.postgres.parameters = { 'Work-Mem': '4MB' };
  expectOnly('production', bad, 'stores.postgres.parameters', 'must be a PostgreSQL parameter name');
});

test('the pooler is not a single point of failure in HA environments', () => {
  const c = input('staging');
  c.stores.postgres.pooler.replicas = 1;
  expectOnly('staging', c, 'stores.postgres.pooler.replicas = 1', 'must be at least 2 when ha is true');
});

test('standby and restore: exclusive, never the environment itself, well-formed', () => {
  const both = input('dr');
  both.stores.postgres.restore = { sourceEnvironment: 'production' };
  expectOnly('dr', both, 'stores.postgres.restore', 'cannot be combined with standby');
  const self = input('dr');
  self.stores.postgres.standby.sourceEnvironment = 'dr';
  expectOnly('dr', self, 'stores.postgres.standby.sourceEnvironment = "dr"', 'must name another environment');
  const when = input('staging');
  when.stores.postgres.restore = { sourceEnvironment: 'production', targetTime: 'yesterday' };
  expectOnly('staging', when, 'stores.postgres.restore.targetTime = "yesterday"', 'ISO 8601');
  const noCidr = input('dr');
  noCidr.stores.postgres.standby.cidrs = [];
  expectOnly('dr', noCidr, 'stores.postgres.standby.cidrs', 'at least one CIDR');
});

test('backup interval and retention are bounded', () => {
  const c = input('production');
  c.stores.postgres.backup = { intervalHours: 0, retentionDays: 7 };
  expectOnly('production', c, 'stores.postgres.backup.intervalHours = 0', 'at least 1');
});

test('standbyClients: addresses are CIDRs, a NodePort needs its fixed port and only NodePort takes one', () => {
  const np = input('production');
  np.stores.postgres.standbyClients = { cidrs: ['10.30.0.0/24'], service: 'NodePort' };
  expectOnly('production', np, 'stores.postgres.standbyClients.nodePort', 'is required with service NodePort');
  const lb = input('production');
  lb.stores.postgres.standbyClients = { cidrs: ['10.30.0.0/24'], nodePort: 30432 };
  expectOnly('production', lb, 'stores.postgres.standbyClients.nodePort', 'only applies to service NodePort');
  const range = input('production');
  range.stores.postgres.standbyClients = { cidrs: ['10.30.0.0/24'], service: 'NodePort', nodePort: 5432 };
  expectOnly('production', range, 'stores.postgres.standbyClients.nodePort', 'node port range');
  const bad = input('production');
  bad.stores.postgres.standbyClients = { cidrs: ['10.30.0.0'] };
  expectOnly('production', bad, 'stores.postgres.standbyClients.cidrs', 'must be an IPv4 CIDR');
  const kind = input('production');
  kind.stores.postgres.standbyClients = { cidrs: ['10.30.0.0/24'], service: 'ClusterIP' };
  expectOnly('production', kind, 'stores.postgres.standbyClients.service', 'LoadBalancer');
});

test('a standby names the source site\'s archive endpoint (an http(s) URL) and its addresses', () => {
  const missing = input('dr');
  delete missing.stores.postgres.standby.archive;
  expectOnly('dr', missing, 'stores.postgres.standby.archive');
  const url = input('dr');
  url.stores.postgres.standby.archive.endpoint = 'minio:9000';
  expectOnly('dr', url, 'stores.postgres.standby.archive.endpoint', 'must be an http(s) URL');
  const cidrs = input('dr');
  cidrs.stores.postgres.standby.archive.cidrs = [];
  expectOnly('dr', cidrs, 'stores.postgres.standby.archive.cidrs', 'at least one CIDR');
});
