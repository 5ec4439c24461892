/**
 * The generated ClickHouse configuration loaded by a real ClickHouse engine (chDB, see support/chdb.ts): the
 * merged config.d and users.d of each pod, with that pod's environment produced by running its entry script,
 * must give the macros, cluster, users, grants, profile, backup disk and Kafka collection the platform relies
 * on. chDB is a newer ClickHouse (26.x) than the pods run (24.8): the configuration mechanisms checked here
 * (config.d/users.d merging, from_env, remove, remote_servers, macros, named collections, s3_plain disks,
 * password_sha256_hex, grants in users.xml) are the same in both.
 */
import type { Manifest, RenderedPlatform } from '../charts/platform';
import { CLICKHOUSE_ENV } from '../charts/data/clickhouse/server-config';
import { CLICKHOUSE_NAMES } from '../charts/data/clickhouse/chart';
import { LABELS } from '../charts/lib/labels';
import { chdbModule, runEngine, SESSION_USER_OVERLAY, tsv, type EngineRun } from './support/chdb';
import { cleanupTmp, find, one, parseEnv, renderVariant, runScript, stubExecutable, tmpDir } from './support/clickhouse-kafka';
import { renderAll } from './support/render';
import { KEYS } from './support/stores';

const NS = 'db-clickhouse';
const chdb = chdbModule();
afterAll(cleanupTmp);

// scripts/test-deps.sh (run by `npm test`) installs chDB; without it this suite fails rather than skips.
if (!chdb) throw new Error('chDB is not installed: run `bash scripts/test-deps.sh` (or set CHDB_MODULE)');

const servers = (p: RenderedPlatform) => find(p, 'StatefulSet', NS)
  .filter((s) => s.spec.template.metadata.labels[LABELS.component] === 'server')
  .sort((a, b) => Number(a.metadata.labels[KEYS.shard]) - Number(b.metadata.labels[KEYS.shard]));
const fqdn = (p: RenderedPlatform, sts: Manifest, i: number) => `${sts.metadata.name}-${i}.${sts.spec.serviceName}.${NS}.svc.${p.config.cluster.clusterDomain}`;

/** The environment clickhouse-server is exec'd with in pod `ordinal` of `sts`: its entry script, really run. */
function serverEnv(p: RenderedPlatform, sts: Manifest, ordinal: number, passwords = { admin: 'admin-pw', app: 'app-pw' }): Record<string, string> {
  const podEnv: Record<string, string> = {};
  for (const e of sts.spec.template.spec.containers[0].env) {
    if (e.valueFrom?.fieldRef) podEnv[e.name] = `${sts.metadata.name}-${ordinal}`;
    else if (e.valueFrom?.secretKeyRef) podEnv[e.name] = `value-of-${e.valueFrom.secretKeyRef.name}-${e.valueFrom.secretKeyRef.key}`;
    else podEnv[e.name] = String(e.value).replace(/\$\((\w+)\)/g, (_, v) => podEnv[v]);
  }
  podEnv[CLICKHOUSE_ENV.adminPassword] = passwords.admin;
  podEnv[CLICKHOUSE_ENV.appPassword] = passwords.app;
  const bin = stubExecutable(tmpDir(), 'clickhouse-server');
  const cm = one(p, 'ConfigMap', NS, CLICKHOUSE_NAMES.serverConfig);
  const r = runScript('sh', cm.data['entrypoint.sh'], { ...podEnv, CLICKHOUSE_SERVER_BIN: bin });
  if (r.status !== 0) throw new Error(`entrypoint.sh failed: ${r.stderr}`);
  const env = Object.fromEntries(parseEnv(r.stdout));
  delete env.PATH;
  return env;
}

function generated(p: RenderedPlatform, overlay = true) {
  const cm = one(p, 'ConfigMap', NS, CLICKHOUSE_NAMES.serverConfig);
  return {
    configD: { 'cluster.xml': cm.data['cluster.xml'] },
    usersD: { 'users.xml': cm.data['users.xml'], ...(overlay ? { 'zz-test-session-user.xml': SESSION_USER_OVERLAY } : {}) },
  };
}

const backupQuery = (p: RenderedPlatform) =>
  /--query "(BACKUP [^"]+)"/.exec(one(p, 'ConfigMap', NS, CLICKHOUSE_NAMES.serverConfig).data['backup.sh'])![1].replace('$name', '20261123T013000Z');

const QUERIES = {
  version: 'SELECT version()',
  macros: 'SELECT macro, substitution FROM system.macros ORDER BY macro',
  cluster: "SELECT shard_num, replica_num, host_name, port FROM system.clusters WHERE cluster = 'receivables' ORDER BY shard_num, replica_num",
  interserver: "SELECT value FROM system.server_settings WHERE name = 'interserver_http_host'",
  users: "SELECT name, arrayStringConcat(auth_type, ',') FROM system.users WHERE name != 'default' ORDER BY name",
  grants: 'SHOW GRANTS FOR app',
  profile: "SELECT setting_name, value, inherit_profile FROM system.settings_profile_elements WHERE profile_name = 'app' ORDER BY setting_name",
  disk: "SELECT type, object_storage_type, metadata_type, path FROM system.disks WHERE name = 'backups'",
  collection: "SELECT name, arrayStringConcat(arraySort(mapKeys(collection)), ',') FROM system.named_collections ORDER BY name",
  // Everything a Kafka table needs comes from the topic's collection.
  kafkaTable: 'CREATE TABLE kafka_probe (payload String) ENGINE = Kafka(kafka_invoice_events)',
  backupAst: '', // filled per platform: the backup job's own query
  restoreAst: "EXPLAIN AST RESTORE DATABASE receivables ON CLUSTER 'receivables' FROM Disk('backups', '20261123T013000Z')",
};

function ask(p: RenderedPlatform, sts: Manifest, ordinal: number): Map<string, string> {
  const queries = { ...QUERIES, backupAst: `EXPLAIN AST ${backupQuery(p)}` };
  const run = runEngine(chdb!, generated(p), serverEnv(p, sts, ordinal), Object.values(queries));
  expect({ started: run.started, error: run.error }).toEqual({ started: true, error: '' });
  const failed = run.results.filter((r) => !r.ok).map((r) => `${r.query}: ${r.out}`);
  expect(failed).toEqual([]);
  return new Map(Object.keys(queries).map((k, i) => [k, run.results[i].out]));
}

const platforms: [string, RenderedPlatform][] = [
  ['production (2x2)', renderAll().find((p) => p.config.name === 'production')!],
  ['dev (1x1)', renderAll().find((p) => p.config.name === 'dev')!],
  ['3x2 variant', renderVariant('production', { stores: { clickhouse: { shards: 3, replicas: 2, keepers: 5 } } })],
];

describe.each(platforms)('ClickHouse engine loads the generated configuration: %s', (_label, p) => {
  const sets = servers(p);
  // Every pod of the 2x2 cluster; the first and the last pod elsewhere (the engine takes ~1 s per start).
  const pods: [Manifest, number][] = p.config.name === 'production'
    ? sets.flatMap((s) => Array.from({ length: s.spec.replicas }, (_, i): [Manifest, number] => [s, i]))
    : [[sets[0], 0], [sets[sets.length - 1], sets[sets.length - 1].spec.replicas - 1]];

  test.each(pods.map(([s, i]) => [`${s.metadata.name}-${i}`, s, i]))('%s', (_name, sts, ordinal) => {
    const s = sts as Manifest;
    const i = ordinal as number;
    const out = ask(p, s, i);
    expect(out.get('version')!.trim()).toMatch(/^\d+\.\d+/);

    // Macros: shard from the StatefulSet, replica from the pod name, cluster from the refs.
    expect(tsv(out.get('macros')!)).toEqual([
      ['cluster', p.refs.clickhouse!.cluster], ['replica', `${s.metadata.name}-${i}`], ['shard', `shard${s.metadata.labels[KEYS.shard]}`],
    ]);
    // The cluster as the engine sees it: exactly the rendered pods, shard by shard, replica by replica.
    const expected = sets.flatMap((set, sh) => Array.from({ length: set.spec.replicas }, (_, r) => [String(sh + 1), String(r + 1), fqdn(p, set, r), '9000']));
    expect(tsv(out.get('cluster')!)).toEqual(expected);
    expect(out.get('interserver')!.trim()).toBe(fqdn(p, s, i));

    // Users: admin and app with SHA-256 passwords; app limited to its database; its profile inherits default.
    expect(tsv(out.get('users')!)).toEqual([['admin', 'sha256_password'], ['app', 'sha256_password']]);
    expect(out.get('grants')!.trim()).toMatch(new RegExp(`^GRANT .*SELECT, INSERT.* ON ${p.refs.clickhouse!.database}\\.\\* TO app$`));
    const profile = tsv(out.get('profile')!);
    expect(profile).toContainEqual(['\\N', '\\N', 'default']);
    expect(profile).toContainEqual(['max_execution_time', '300', '\\N']);

    // Backups: an S3 disk with plain metadata under this environment's prefix; the job's own query parses.
    expect(tsv(out.get('disk')!)).toEqual([['ObjectStorage', 'S3', 'Plain', `${p.config.name}/`]]);
    expect(out.get('backupAst')).toMatch(/^BackupQuery/);
    expect(out.get('restoreAst')).toMatch(/^RestoreQuery/);

    // Kafka: one named collection per declared topic that ClickHouse ingests, with broker list, topic, group and format.
    const ingested = p.config.stores.kafka!.topics.filter((t) => t.clickhouse).map((t) => `kafka_${t.name.replace(/[.-]/g, '_')}`).sort();
    expect(ingested.length).toBeGreaterThan(0);
    expect(tsv(out.get('collection')!)).toEqual(ingested.map((n) => [n, 'kafka_broker_list,kafka_format,kafka_group_name,kafka_handle_error_mode,kafka_topic_list']));
  });
});

describe('ClickHouse engine: what the configuration refuses', () => {
  const p = platforms[0][1];
  const sts = servers(p)[0];

  test('the image\'s passwordless default user is gone: without the test\'s session user the engine finds no `default`', () => {
    const run: EngineRun = runEngine(chdb!, generated(p, false), serverEnv(p, sts, 0), ['SELECT 1']);
    expect(run.started).toBe(false);
    expect(run.error).toMatch(/There is no user `default`/);
  });

  test('a password hash that is not SHA-256 is refused at load (the engine really checks what the entry script computes)', () => {
    for (const bad of ['abcd', 'not-hex']) {
      const env = { ...serverEnv(p, sts, 0), [CLICKHOUSE_ENV.adminPasswordSha256]: bad };
      const run = runEngine(chdb!, generated(p), env, ['SELECT 1']);
      expect(run.started).toBe(false);
      expect(run.error).toMatch(/password hash.*while parsing user 'admin'/i);
    }
  });

  test('a user with the admin\'s privileges can create a Kafka engine table from the named collection', () => {
    // (No DROP: dropping a Kafka table waits for its consumers, which keep looking for the brokers.)
    const run = runEngine(chdb!, generated(p), serverEnv(p, sts, 0), [QUERIES.kafkaTable, 'SELECT engine FROM system.tables WHERE name = \'kafka_probe\'']);
    expect(run.results.map((r) => [r.ok, r.ok ? r.out.trim() : r.out])).toEqual([[true, ''], [true, 'Kafka']]);
  });
});

describe('ClickHouse engine: replicated tables (issue 13, defect 11)', () => {
  test('default_replica_path is ClickHouse\'s own default with {uuid}: a dropped and re-created table gets a new Keeper path', () => {
    // A path of {database}/{table} is reused by a table re-created under the same name, whose old replica
    // metadata may still be in Keeper (REPLICA_ALREADY_EXISTS); {uuid} is new for every CREATE (Atomic databases).
    // Not proven here: Keeper itself (chDB runs without one); the value is what the engine resolves from our files.
    const p = platforms[0][1];
    const run = runEngine(chdb!, generated(p), serverEnv(p, servers(p)[0], 0),
      ["SELECT value, default FROM system.server_settings WHERE name = 'default_replica_path'"]);
    expect(run.started).toBe(true);
    const [[value, builtin]] = tsv(run.results[0].out);
    expect(value).toContain('{uuid}');
    expect(value).toContain('{shard}');
    expect(value).toBe(builtin);
  });
});
