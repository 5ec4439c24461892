/**
 * The rendered PostgreSQL configuration, proven with the real programs from Debian (postgresql-15, patroni,
 * pgbouncer, etcd-server; scripts/test-deps.sh installs them), on 127.0.0.1 only:
 *
 * 1. patroni.yml as a pod reads it (with the pod's PATRONI_* environment) passes `patroni --validate-config`,
 *    and its PostgreSQL parameters pass `postgres -C` (the validator does not check parameters).
 * 2. A live three-member cluster started from that file elects a leader, streams to both replicas and records a
 *    synchronous standby; `kill -9` of the leader's Patroni and postmaster yields a new writable leader holding
 *    every acknowledged row.
 * 3. The rendered pgbouncer.ini accepts SCRAM clients and, after the failover, a new connection writes to the
 *    new leader.
 * 4. Every environment's rendered patroni.yml runs: production and dr above; dev and staging with their own
 *    member count and synchronous mode. The superuser is refused over TCP and used through the socket only.
 *
 * What differs from a pod, and why:
 * - The DCS: Patroni's `kubernetes` section (and the PATRONI_KUBERNETES_* variables) are replaced by a local
 *   etcd, because there is no API server here. Everything Patroni decides (leader race, synchronous standby,
 *   failover) is DCS-independent; the Kubernetes-specific settings are asserted in test/postgres.test.ts.
 * - Addresses, ports and file locations: three members share one loopback address, so each gets its own
 *   ports, data directory and pgpass file through the same PATRONI_* variables the pod sets; the scripts live
 *   in a temporary folder instead of /etc/patroni.
 * - Versions: Debian 12's Patroni 3.0.2 and PostgreSQL 15.18, where the image (spilo-17:4.0-p3) has Patroni 4.0.4
 *   and PGDG's PostgreSQL 15 (docs/postgres.md lists what that leaves unproven).
 * - Lease timing: ttl 10 / loop_wait 2 / retry_timeout 3 instead of 30 / 10 / 10, so that the failover takes
 *   seconds, not a minute (docs/postgres.md gives both).
 * - WAL-G is not packaged by Debian: a stub with the same command line keeps "S3" in a folder, which proves the
 *   archive_command and the WALG_S3_PREFIX wiring (not WAL-G itself).
 * - The primary Service: a small TCP proxy routes each new connection to the member whose Patroni answers 200
 *   on /primary, as Kubernetes routes the Service to the address Patroni writes into its Endpoints.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { toFileTree, writeDist } from '../charts/output/render';
import { renderPlatform, type Manifest } from '../charts/platform';
import { postgresParameters, SOCKET_DIR } from '../charts/data/postgres/server-config';
import { environmentInput, loadEnvironments, validateEnvironment } from '../environments';
import { receivablesConfig } from './support/stores';
import {
  chownForService, freePorts, httpGet, isAlive, PG_BIN, PGBOUNCER_BIN, pgbench, postmasterPid, PrimaryServiceProxy, Processes, psql,
  runAs, serviceUser, waitFor, type PsqlTarget,
} from './support/postgres-live';

const ENV = 'production';
const CHART = '11-postgres';
const work = fs.mkdtempSync('/tmp/postgres-live-');
const procs = new Processes(work);
let proxy: PrimaryServiceProxy | undefined;

// --- The rendered files, read back from a dist/ written by the same code as `npm run synth`.
const [platform, drPlatform, ...otherPlatforms] = loadEnvironments([ENV, 'dr', 'dev', 'staging']).map(renderPlatform);
const dist = path.join(work, 'dist');
writeDist(dist, new Map([platform, drPlatform, ...otherPlatforms].map((p) => [p.config.name, toFileTree(p)])), false);
const readManifest = (file: string, env = ENV): Manifest => parse(fs.readFileSync(path.join(dist, env, CHART, file), 'utf8'));
const patroniCm = readManifest('configmap.db-postgres.postgres-patroni.yaml');
const pgbouncerCm = readManifest('configmap.db-postgres.pgbouncer.yaml');
const sts = readManifest(`statefulset.db-postgres.postgres-${ENV}.yaml`);
const pgContainer = sts.spec.template.spec.containers.find((c: Manifest) => c.name === 'postgres');

// --- Secret values as the installer would generate them, for exactly the declared Secrets.
const secretValues = new Map<string, Record<string, string>>();
// dr's extra ones (production's archive keys) too: the DR member runs with the same map.
for (const s of [platform, drPlatform, ...otherPlatforms].flatMap((p) => p.secrets).filter((x) => x.namespace === 'db-postgres' && !secretValues.has(x.name))) {
  const values: Record<string, string> = {};
  for (const k of s.keys) values[k] = s.fixed?.[k] ?? `T${Math.random().toString(36).slice(2, 12)}x${s.name.length}`;
  secretValues.set(s.name, values);
}
const secret = (name: string, key: string) => {
  const v = secretValues.get(name)?.[key];
  if (v === undefined) throw new Error(`Secret ${name} key ${key} is referenced but not declared`);
  return v;
};

/** The container's environment as the kubelet resolves it for one pod. */
function podEnv(container: Manifest, pod: { name: string; ip: string }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value).replace(/\$\(([A-Z0-9_]+)\)/g, (m, n) => env[n] ?? m);
    else if (e.valueFrom?.fieldRef) {
      env[e.name] = ({ 'metadata.name': pod.name, 'metadata.namespace': sts.metadata.namespace, 'status.podIP': pod.ip } as Record<string, string>)[e.valueFrom.fieldRef.fieldPath];
    } else if (e.valueFrom?.secretKeyRef) env[e.name] = secret(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
  }
  return env;
}

const BASE_PATH = `${PG_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
const superuser = { user: secret('postgres-superuser', 'username'), password: secret('postgres-superuser', 'password') };
const app = { user: secret('postgres-app', 'username'), password: secret('postgres-app', 'password') };

afterAll(async () => {
  await procs.stopAll();
  await proxy?.close();
  if (!process.env.KEEP_POSTGRES_LIVE) fs.rmSync(work, { recursive: true, force: true });
}, 60000);

describe('rendered configuration, checked by the programs themselves', () => {
  test('patroni --validate-config accepts patroni.yml with the pod\'s environment', async () => {
    const [apiPort] = await freePorts(1);
    const file = path.join(work, 'validate-patroni.yml');
    fs.writeFileSync(file, patroniCm.data['patroni.yml']);
    // A pod address (the validator rejects loopback connect addresses); the REST port moved off 8008 because
    // the validator fails when its port is taken.
    const env = { ...podEnv(pgContainer, { name: `${sts.metadata.name}-0`, ip: '10.42.0.15' }), PATRONI_RESTAPI_LISTEN: `127.0.0.1:${apiPort}`, PATH: BASE_PATH };
    const ok = spawnSync('patroni', ['--validate-config', file], { env, encoding: 'utf8' });
    expect({ status: ok.status, out: ok.stdout + ok.stderr }).toEqual({ status: 0, out: '' });

    // And it does reject a broken file: the check above could fail.
    fs.writeFileSync(file, patroniCm.data['patroni.yml'].replace('loop_wait: 10', 'loop_wait: often'));
    const bad = spawnSync('patroni', ['--validate-config', file], { env, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/loop_wait/);
  });

  /** `postgres -C` over an initdb'd scratch directory: every -c value is parsed and checked by the server. */
  const scratch = path.join(work, 'scratch');
  const checkParameters = (params: Record<string, unknown>) => runAs(`${PG_BIN}/postgres`,
    ['-D', scratch, '-C', 'server_version_num', ...Object.entries(params).flatMap(([k, v]) => ['-c', `${k}=${v === true ? 'on' : v === false ? 'off' : String(v)}`])],
    { PATH: BASE_PATH });

  test('the PostgreSQL parameters of every environment pass postgres -C', () => {
    fs.mkdirSync(scratch);
    chownForService(work);
    // Never started (postgres -C only reads the configuration), so trust is harmless here.
    const init = runAs(`${PG_BIN}/initdb`, ['-D', scratch, '-A', 'trust', '-U', 'postgres'], { PATH: BASE_PATH, LC_ALL: 'C.UTF-8' }, undefined, 60000);
    expect({ status: init.status, stderr: init.stderr }).toEqual({ status: 0, stderr: '' });
    const yml = parse(patroniCm.data['patroni.yml'], { version: '1.1' });
    // Straight from the rendered file (the DCS-wide and the per-member parameters).
    const rendered = { ...yml.bootstrap.dcs.postgresql.parameters, ...yml.postgresql.parameters };
    expect(Object.keys(rendered)).toEqual(expect.arrayContaining(['shared_buffers', 'archive_command', 'max_connections', 'wal_level']));
    const r = checkParameters(rendered);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(Number(r.stdout.trim())).toBeGreaterThanOrEqual(150000);

    for (const config of loadEnvironments()) {
      const { dcs, local } = postgresParameters(receivablesConfig(config));
      const each = checkParameters({ ...dcs, ...local });
      expect({ env: config.name, status: each.status, stderr: each.stderr }).toEqual({ env: config.name, status: 0, stderr: '' });
    }
  });

  test('a broken parameter in an environment fails with a message naming it', () => {
    const input = structuredClone(environmentInput(ENV)) as Record<string, any>;
    input.stores.postgres.parameters = { work_mem: '64MB', shared_buffers: '12XB' };
    const config = validateEnvironment(ENV, input);
    const { dcs, local } = postgresParameters(receivablesConfig(config));
    expect(local.shared_buffers).toBe('12XB');
    const r = checkParameters({ ...dcs, ...local });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/invalid value for parameter "shared_buffers": "12XB"/);
  });
});

describe('a live three-member cluster from the rendered files', () => {
  interface Member { name: string; pgPort: number; apiPort: number; dataDir: string; env: NodeJS.ProcessEnv }
  const members: Member[] = [];
  let configFile = '';
  let pgbouncerPort = 0;
  let leader: Member;
  const acked: number[] = [];
  // The superuser only ever connects through the socket (pg_hba rejects it over TCP), as Patroni and the sidecar do.
  const asSuper = (m: Member, database = 'postgres'): PsqlTarget => ({ host: SOCKET_DIR, port: m.pgPort, ...superuser, database });
  const viaPooler = (): PsqlTarget => ({ port: pgbouncerPort, ...app, database: 'receivables' });

  async function clusterState(m: Member): Promise<{ name: string; role: string; state: string }[] | undefined> {
    const r = await httpGet(m.apiPort, '/cluster').catch(() => undefined);
    return r?.status === 200 ? JSON.parse(r.body).members : undefined;
  }

  let etcdPort = 0;
  const startPatroni = (m: Member, file = configFile) => procs.start(`patroni-${m.name}`, 'patroni', [file], m.env, work);

  /** patroni.yml exactly as rendered but for the DCS, the lease timing and the script location. */
  function localPatroniYml(cm: Manifest, file: string, edit: (yml: Record<string, any>) => void = () => undefined): string {
    const yml = parse(cm.data['patroni.yml'], { version: '1.1' });
    expect(yml.kubernetes.use_endpoints).toBe(true);
    delete yml.kubernetes;
    yml.etcd3 = { hosts: [`127.0.0.1:${etcdPort}`] };
    Object.assign(yml.bootstrap.dcs, { ttl: 10, loop_wait: 2, retry_timeout: 3 });
    yml.bootstrap.post_bootstrap = path.join(work, 'scripts', 'post-bootstrap.sh');
    for (const f of ['ssl_cert_file', 'ssl_key_file']) yml.postgresql.parameters[f] = path.join(work, 'tls', path.basename(yml.postgresql.parameters[f]));
    edit(yml);
    const out = path.join(work, file);
    fs.writeFileSync(out, stringify(yml, { version: '1.1', lineWidth: 0 }));
    chownForService(work);
    return out;
  }

  /** A member's environment: the pod's, resolved, without the Kubernetes DCS, on its own ports and folders. */
  function memberEnv(container: Manifest, name: string, pgPort: number, apiPort: number): NodeJS.ProcessEnv {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(podEnv(container, { name, ip: '127.0.0.1' }))
      .filter(([k]) => !k.startsWith('PATRONI_KUBERNETES_')));
    return Object.assign(env, {
      PATRONI_POSTGRESQL_LISTEN: `127.0.0.1:${pgPort}`,
      PATRONI_POSTGRESQL_CONNECT_ADDRESS: `127.0.0.1:${pgPort}`,
      PATRONI_RESTAPI_LISTEN: `127.0.0.1:${apiPort}`,
      PATRONI_RESTAPI_CONNECT_ADDRESS: `127.0.0.1:${apiPort}`,
      PATRONI_POSTGRESQL_DATA_DIR: path.join(dir, 'data'),
      PATRONI_POSTGRESQL_PGPASS: path.join(dir, 'pgpass'),
      PATH: `${path.join(work, 'bin')}:${BASE_PATH}`,
      HOME: dir,
      WALG_STUB_ROOT: path.join(work, 's3'),
      LC_ALL: 'C.UTF-8',
    });
  }

  test('a leader is elected, both replicas stream, and a synchronous standby is recorded', async () => {
    const [etcdClient, etcdPeer, ...ports] = await freePorts(8);
    const etcdDir = path.join(work, 'etcd');
    fs.mkdirSync(etcdDir);

    // The stand-in for WAL-G (see the header) and the scripts of the ConfigMap.
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'wal-g'), [
      '#!/bin/sh',
      'set -eu',
      'root="$WALG_STUB_ROOT/${WALG_S3_PREFIX#s3://}"',
      'dir="$root/wal_005"',
      'case "$1" in',
      '  wal-push) mkdir -p "$dir"; f=$(basename "$2"); cp "$2" "$dir/.$f"; mv "$dir/.$f" "$dir/$f" ;;',
      '  wal-fetch) test -f "$dir/$2" && cp "$dir/$2" "$3" ;;',
      // Base backups: recorded with who asked (the member's Patroni port) instead of copied.
      '  backup-push) mkdir -p "$root/basebackups_005"; echo "$2 $PATRONI_PORT" > "$root/basebackups_005/base_$(date +%s%N)" ;;',
      '  backup-list) ls "$root/basebackups_005" 2>/dev/null | grep base_ || echo "No backups found" ;;',
      '  delete) echo "$*" >> "$root/deletes" ;;',
      '  *) echo "wal-g stub: $1 is not implemented" >&2; exit 1 ;;',
      'esac',
      '',
    ].join('\n'), { mode: 0o755 });
    const scripts = path.join(work, 'scripts');
    fs.mkdirSync(scripts);
    for (const f of ['post-bootstrap.sh', 'restore.sh', 'backup-loop.sh', 'tls-init.sh']) fs.writeFileSync(path.join(scripts, f), patroniCm.data[f], { mode: 0o755 });
    // The init container's script makes the key and certificate (one pair serves every process here).
    fs.mkdirSync(path.join(work, 'tls'));
    chownForService(work);
    const tls = runAs('/bin/sh', [path.join(scripts, 'tls-init.sh')], { PATH: BASE_PATH, TLS_DIR: path.join(work, 'tls'), POD_NAME: 'postgres-production-0' });
    expect({ status: tls.status, stderr: tls.stderr }).toEqual({ status: 0, stderr: '' });
    expect(fs.statSync(path.join(work, 'tls', 'server.key')).mode & 0o777).toBe(0o600);

    etcdPort = etcdClient;
    configFile = localPatroniYml(patroniCm, 'patroni.yml');

    for (let i = 0; i < 3; i++) {
      const name = `${sts.metadata.name}-${i}`;
      const [pgPort, apiPort] = [ports[2 * i], ports[2 * i + 1]];
      members.push({ name, pgPort, apiPort, dataDir: path.join(work, name, 'data'), env: memberEnv(pgContainer, name, pgPort, apiPort) });
    }
    chownForService(work);

    procs.start('etcd', 'etcd', [
      '--name', 'test', '--data-dir', etcdDir,
      '--listen-client-urls', `http://127.0.0.1:${etcdClient}`, '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster', `test=http://127.0.0.1:${etcdPeer}`,
    ], { PATH: BASE_PATH, HOME: work });
    await waitFor('etcd', 20000, async () => ((await httpGet(etcdClient, '/health')).status === 200 ? true : undefined));

    const started = Date.now();
    for (const m of members) startPatroni(m);

    leader = await waitFor('a leader', 90000, async () => {
      for (const m of members) if ((await httpGet(m.apiPort, '/primary').catch(() => undefined))?.status === 200) return m;
      return undefined;
    }, 500);
    const replication = await waitFor('two streaming replicas, one synchronous', 90000, async () => {
      const rows = await psql(asSuper(leader), "select application_name || ':' || state || ':' || sync_state from pg_stat_replication order by 1");
      const list = rows.split('\n').filter(Boolean);
      return list.length === 2 && list.every((r) => r.includes(':streaming:')) && list.some((r) => r.endsWith(':sync')) ? list : undefined;
    }, 500);
    const state = await waitFor('the synchronous standby in the DCS', 30000, async () => {
      const ms = await clusterState(leader);
      return ms?.some((m) => m.role === 'sync_standby') ? ms : undefined;
    });
    console.log(`postgres live: cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s, leader ${leader.name}; ${replication.join(', ')}`);

    expect(state.filter((m) => m.role === 'leader').map((m) => m.name)).toEqual([leader.name]);
    expect(state.filter((m) => m.role === 'sync_standby')).toHaveLength(1);
    // What the rendered config asks for is what runs: checksums, rewind prerequisites, synchronous names.
    expect(await psql(asSuper(leader), 'show data_checksums')).toBe('on');
    // Encryption in transit: replication runs over TLS and a plain connection is refused.
    expect(await psql(asSuper(leader), 'select count(*) from pg_stat_replication r join pg_stat_ssl s using (pid) where s.ssl')).toBe('2');
    await expect(psql({ port: leader.pgPort, ...app, database: 'receivables', sslmode: 'disable' }, 'select 1')).rejects.toThrow(/no pg_hba.conf entry .* no encryption/);
    // The superuser is refused over TCP, with or without TLS (issue 13, defect 10); the socket lets it in.
    for (const sslmode of ['require', 'disable']) {
      await expect(psql({ port: leader.pgPort, ...superuser, database: 'postgres', sslmode }, 'select 1')).rejects.toThrow(/pg_hba.conf rejects connection for host "127.0.0.1", user "postgres"/);
    }
    expect(await psql(asSuper(leader), 'select inet_server_addr() is null')).toBe('t');
    expect(await psql(asSuper(leader), 'show wal_log_hints')).toBe('on');
    expect(await psql(asSuper(leader), 'show synchronous_standby_names')).not.toBe('');
    // post-bootstrap.sh created the application's role and database.
    expect(await psql(asSuper(leader), `select datname || ':' || pg_get_userbyid(datdba) from pg_database where datname = 'receivables'`)).toBe(`receivables:${app.user}`);
  }, 180000);

  test('WAL is archived through archive_command under the environment\'s backup prefix', async () => {
    await psql(asSuper(leader), 'select pg_switch_wal()');
    const archived = path.join(work, 's3', 'backups-postgres', ENV, 'postgres', 'wal_005');
    const files = await waitFor('an archived WAL segment', 30000, () => {
      const f = fs.existsSync(archived) ? fs.readdirSync(archived).filter((x) => /^[0-9A-F]{24}$/.test(x)) : [];
      return f.length > 0 ? f : undefined;
    });
    expect(files[0]).toMatch(/^0000000100000000000000[0-9A-F]{2}$/);
  }, 60000);

  test('the backup container of every member runs, and only the primary pushes a base backup', async () => {
    const backup = sts.spec.template.spec.containers.find((c: Manifest) => c.name === 'backup');
    const script = path.join(work, 'scripts', 'backup-loop.sh');
    expect(backup.command).toEqual(['/bin/sh', '/etc/patroni/scripts/backup-loop.sh']);
    for (const m of members) {
      const env = { ...podEnv(backup, { name: m.name, ip: '127.0.0.1' }), PATRONI_PORT: String(m.apiPort), PATH: `${path.join(work, 'bin')}:${BASE_PATH}`, HOME: work, WALG_STUB_ROOT: path.join(work, 's3') };
      procs.start(`backup-${m.name}`, '/bin/sh', [script], env, work);
    }
    const root = path.join(work, 's3', 'backups-postgres', ENV, 'postgres');
    const pushed = await waitFor('a base backup', 30000, () => {
      const dir = path.join(root, 'basebackups_005');
      const f = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
      return f.length > 0 && fs.existsSync(path.join(root, 'deletes')) ? f.map((x) => fs.readFileSync(path.join(dir, x), 'utf8').trim()) : undefined;
    }, 300);
    await new Promise((r) => setTimeout(r, 2000)); // replicas would have pushed by now if they were going to
    const all = fs.readdirSync(path.join(root, 'basebackups_005')).map((x) => fs.readFileSync(path.join(root, 'basebackups_005', x), 'utf8').trim());
    expect(all).toEqual([`/home/postgres/pgdata/pgroot/data ${leader.apiPort}`]);
    expect(pushed).toHaveLength(1);
    const retain = backup.env.find((e: Manifest) => e.name === 'BACKUP_RETAIN_FULL').value;
    expect(fs.readFileSync(path.join(root, 'deletes'), 'utf8').trim()).toBe(`delete retain FULL ${retain} --confirm`);
    // SIGTERM ends the loop at once (in the pod it is PID 1, which ignores SIGTERM without its trap).
    for (const m of members) expect(await procs.stop(`backup-${m.name}`, 3000)).toBe(true);
  }, 60000);

  test('the rendered PgBouncer accepts a SCRAM client and refuses a wrong password', async () => {
    proxy = new PrimaryServiceProxy(members);
    const proxyPort = await proxy.listen();
    [pgbouncerPort] = await freePorts(1);
    const dir = path.join(work, 'pgbouncer');
    fs.mkdirSync(dir);
    // The rendered ini, pointed at the stand-in primary Service and moved to a free loopback port.
    const ini = String(pgbouncerCm.data['pgbouncer.ini'])
      .replace(/host=\S+ port=\d+/, `host=127.0.0.1 port=${proxyPort}`)
      .replace(/^listen_addr = .*$/m, 'listen_addr = 127.0.0.1')
      .replace(/^listen_port = .*$/m, `listen_port = ${pgbouncerPort}`)
      .replace(/^auth_file = .*$/m, `auth_file = ${path.join(dir, 'userlist.txt')}`)
      .replace(/^client_tls_(key|cert)_file = \/run\/tls\//gm, `client_tls_$1_file = ${path.join(work, 'tls')}/`);
    expect(ini).toMatch(new RegExp(`^client_tls_key_file = ${path.join(work, 'tls')}/server.key$`, 'm'));
    expect(ini).toMatch(/^auth_type = scram-sha-256$/m);
    fs.writeFileSync(path.join(dir, 'pgbouncer.ini'), ini);
    fs.writeFileSync(path.join(dir, 'start.sh'), pgbouncerCm.data['start.sh'], { mode: 0o755 });
    chownForService(work);

    const deployment = readManifest('deployment.db-postgres.pgbouncer.yaml');
    const container = deployment.spec.template.spec.containers.find((c: Manifest) => c.name === 'pgbouncer');
    const env = { ...podEnv(container, { name: 'pgbouncer-0', ip: '127.0.0.1' }), PGBOUNCER_AUTH_FILE: path.join(dir, 'userlist.txt'), PATH: `${PGBOUNCER_BIN}:${BASE_PATH}`, HOME: dir };
    // The container's own start script writes the auth file from the Secrets and execs PgBouncer.
    procs.start('pgbouncer', '/bin/sh', [path.join(dir, 'start.sh'), path.join(dir, 'pgbouncer.ini')], env, dir);

    const port = await waitFor('pgbouncer answering', 20000, async () => (await psql(viaPooler(), 'select 1')) === '1' ? pgbouncerPort : undefined, 300);
    expect(port).toBe(pgbouncerPort);
    expect(await psql(viaPooler(), 'select current_user')).toBe(app.user);
    expect(await psql(viaPooler(), 'select inet_server_port()')).toBe(String(leader.pgPort));
    // TLS on both legs: PgBouncer refuses a plain client and talks TLS to PostgreSQL.
    await expect(psql({ ...viaPooler(), sslmode: 'disable' }, 'select 1')).rejects.toThrow(/SSL required/);
    expect(await psql(viaPooler(), 'select ssl from pg_stat_ssl where pid = pg_backend_pid()')).toBe('t');
    await expect(psql({ ...viaPooler(), password: 'wrong-password' }, 'select 1')).rejects.toThrow(/password authentication failed|SASL authentication failed/);
    await psql(viaPooler(), 'create table acked (id bigint primary key, at timestamptz not null default now())');
  }, 60000);

  test('protocol-level prepared statements work through the rendered PgBouncer in transaction mode; without max_prepared_statements they fail', async () => {
    // pgbench -M prepared: each client Parses its statement once (named) and then only Binds/Executes it, as
    // asyncpg and node-postgres do. More clients than the pool's server connections, so servers change hands.
    const dir = path.join(work, 'pgbouncer');
    const script = path.join(dir, 'prepared.sql');
    fs.writeFileSync(script, '\\set id random(1, 100000)\nselect :id::bigint + 1, count(*) from acked where id = :id;\n', { mode: 0o644 });
    const poolSize = Number(/^default_pool_size = (\d+)$/m.exec(fs.readFileSync(path.join(dir, 'pgbouncer.ini'), 'utf8'))![1]);
    const clients = ['-M', 'prepared', '-c', String(poolSize + 10), '-j', '2', '-t', '40'];
    const ok = await pgbench({ ...viaPooler(), sslmode: 'require' }, script, clients);
    expect({ code: ok.code, failed: /number of failed transactions: 0 /.test(ok.out) }).toEqual({ code: 0, failed: true });
    expect(ok.out).toMatch(new RegExp(`number of transactions actually processed: ${(poolSize + 10) * 40}/`));

    // The same ini with the setting off, on another port: the statements a client prepared are missing on the
    // server it is handed next, which is what the setting prevents. One server connection and no reserve, so
    // every client is handed the same server (the second Parse of P_0 meets the first): certain, not timing.
    const [offPort] = await freePorts(1);
    const off = path.join(dir, 'pgbouncer-off.ini');
    fs.writeFileSync(off, fs.readFileSync(path.join(dir, 'pgbouncer.ini'), 'utf8')
      .replace(/^listen_port = .*$/m, `listen_port = ${offPort}`).replace(/^max_prepared_statements = .*$/m, 'max_prepared_statements = 0')
      .replace(/^default_pool_size = .*$/m, 'default_pool_size = 1').replace(/^reserve_pool_size = .*$/m, 'reserve_pool_size = 0'), { mode: 0o644 });
    procs.start('pgbouncer-off', `${PGBOUNCER_BIN}/pgbouncer`, [off], { PATH: BASE_PATH, HOME: dir }, dir);
    await waitFor('the second pgbouncer answering', 20000, async () => (await psql({ ...viaPooler(), port: offPort }, 'select 1').catch(() => '')) === '1' ? true : undefined, 300);
    const broken = await pgbench({ ...viaPooler(), port: offPort, sslmode: 'require' }, script, clients);
    // Every client after the first is handed the server on which P_0 already exists: its Parse fails. (pgbench
    // reports the failed Parse and goes on, since all its clients prepare the same text; an application's driver
    // fails the query instead.)
    expect(broken.out).toMatch(/prepared statement "?P_0"? already exists/);
    expect(await procs.stop('pgbouncer-off', 5000)).toBe(true);
  }, 120000);

  test('kill -9 of the leader\'s Patroni and postmaster: a synchronous standby takes over with every acknowledged row', async () => {
    const oldLeader = leader;
    const patroniPid = procs.pidOf(`patroni-${oldLeader.name}`)!;
    const postmaster = postmasterPid(oldLeader.dataDir)!;
    expect(isAlive(patroniPid) && isAlive(postmaster)).toBe(true);
    procs.track(postmaster);

    // A writer committing one row per statement straight to the leader; psql prints an id only once the
    // commit is acknowledged (after the synchronous standby confirmed it).
    const statements = Array.from({ length: 20000 }, (_, i) => `insert into acked (id) values (${i + 1}) returning id;`).join('\n');
    const u = serviceUser();
    const writer = spawn('stdbuf', ['-oL', `${PG_BIN}/psql`, '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(oldLeader.pgPort), '-U', app.user, '-d', 'receivables'],
      { env: { PATH: BASE_PATH, PGPASSWORD: app.password }, stdio: ['pipe', 'pipe', 'pipe'], ...(u ? { uid: u.uid, gid: u.gid } : {}) });
    let buffer = '';
    writer.stdout.on('data', (d) => {
      buffer += d;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const l of lines) if (/^[0-9]+$/.test(l.trim())) acked.push(Number(l.trim()));
    });
    writer.stdin.on('error', () => { /* psql exits when its server dies */ });
    writer.stdin.end(statements);
    const writerDone = new Promise<void>((resolve) => writer.on('close', () => resolve()));

    await waitFor('200 acknowledged rows', 60000, () => (acked.length >= 200 ? true : undefined), 50);
    const killedAt = Date.now();
    process.kill(patroniPid, 'SIGKILL');
    process.kill(postmaster, 'SIGKILL');
    await writerDone;
    if (writer.pid && isAlive(writer.pid)) writer.kill('SIGKILL');

    const survivors = members.filter((m) => m !== oldLeader);
    leader = await waitFor('a new leader', 60000, async () => {
      for (const m of survivors) if ((await httpGet(m.apiPort, '/primary').catch(() => undefined))?.status === 200) return m;
      return undefined;
    }, 200);
    const failoverSeconds = (Date.now() - killedAt) / 1000;
    // Strict synchronous mode: the new leader accepts writes once the other replica is its synchronous standby.
    await waitFor('the new leader accepting a write', 60000, async () => (await psql(asSuper(leader, 'receivables'), 'insert into acked (id) values (-1) returning id')) === '-1' ? true : undefined, 300);
    const writableSeconds = (Date.now() - killedAt) / 1000;
    console.log(`postgres live: ${acked.length} rows acknowledged before kill -9 of ${oldLeader.name}; `
      + `${leader.name} leader after ${failoverSeconds.toFixed(1)} s, writable after ${writableSeconds.toFixed(1)} s (ttl 10, loop_wait 2)`);

    expect(leader).not.toBe(oldLeader);
    expect(failoverSeconds).toBeLessThan(30);
    expect(await psql(asSuper(leader), 'select pg_is_in_recovery()')).toBe('f');
    const present = new Set((await psql(asSuper(leader, 'receivables'), 'select id from acked')).split('\n').map(Number));
    const lost = acked.filter((id) => !present.has(id));
    expect({ acknowledged: acked.length, lost }).toEqual({ acknowledged: acked.length, lost: [] });
  }, 180000);

  test('after the failover a new connection through PgBouncer writes to the new leader', async () => {
    const port = await waitFor('a write through pgbouncer', 45000,
      () => psql(viaPooler(), 'insert into acked (id) values (-2); select inet_server_port()'), 500);
    expect(port).toBe(String(leader.pgPort));
    expect(await psql(asSuper(leader, 'receivables'), 'select count(*) from acked where id = -2')).toBe('1');
  }, 60000);

  test('the killed member comes back as a replica of the new leader', async () => {
    const old = members.find((m) => m !== leader && !isAlive(procs.pidOf(`patroni-${m.name}`) ?? -1))!;
    expect(old).toBeDefined();
    startPatroni(old);
    const rows = await waitFor('the old leader streaming again', 90000, async () => {
      const list = (await psql(asSuper(leader), 'select application_name from pg_stat_replication where state = \'streaming\'')).split('\n').filter(Boolean);
      return list.includes(old.name) ? list : undefined;
    }, 1000);
    expect(rows).toHaveLength(2);
    expect(await psql(asSuper(old), 'select pg_is_in_recovery()')).toBe('t');
  }, 120000);

  test('dr: the rendered standby cluster follows the primary and is promoted by removing standby_cluster', async () => {
    const drCm = readManifest('configmap.db-postgres.postgres-patroni.yaml', 'dr');
    const drSts = readManifest('statefulset.db-postgres.postgres-dr.yaml', 'dr');
    const drContainer = drSts.spec.template.spec.containers.find((c: Manifest) => c.name === 'postgres');
    const standby = drPlatform.config.stores.postgres!.standby!;
    // The DR site has its own DCS (here: its own etcd namespace); production's primary is reached at a stable
    // address (here: the stand-in primary Service).
    const file = localPatroniYml(drCm, 'patroni-dr.yml', (yml) => {
      expect([yml.bootstrap.dcs.standby_cluster.host, yml.bootstrap.dcs.standby_cluster.port]).toEqual([standby.host, standby.port]);
      yml.namespace = '/dr-site/';
      Object.assign(yml.bootstrap.dcs.standby_cluster, { host: '127.0.0.1', port: proxy!.port });
    });
    const [pgPort, apiPort] = await freePorts(2);
    const name = `${drSts.metadata.name}-0`;
    // The DR Secrets hold production's values (the standby is a physical copy): the same map serves both.
    const m: Member = { name, pgPort, apiPort, dataDir: path.join(work, name, 'data'), env: memberEnv(drContainer, name, pgPort, apiPort) };
    chownForService(work);
    startPatroni(m, file);

    await waitFor('the DR standby leader', 90000, async () => ((await httpGet(apiPort, '/standby-leader').catch(() => undefined))?.status === 200 ? true : undefined), 500);
    await psql(asSuper(leader, 'receivables'), 'insert into acked (id) values (-3)');
    await waitFor('the row streamed to DR', 30000, async () => ((await psql(asSuper(m, 'receivables'), 'select count(*) from acked where id = -3')) === '1' ? true : undefined), 300);
    expect(await psql(asSuper(m), 'select pg_is_in_recovery()')).toBe('t');
    // Production does not mistake the DR standby for one of its own synchronous standbys.
    const names = (await psql(asSuper(leader), 'select application_name from pg_stat_replication')).split('\n');
    expect(names).toContain(name);
    expect(await psql(asSuper(leader), 'show synchronous_standby_names')).not.toContain(name);

    // The documented promotion: drop standby_cluster from the DR cluster's dynamic configuration.
    const promote = runAs('patronictl', ['-c', file, 'edit-config', '--force', '-s', 'standby_cluster=null'], { ...m.env });
    expect({ status: promote.status, stderr: promote.status === 0 ? '' : promote.stderr }).toEqual({ status: 0, stderr: '' });
    const promotedAt = Date.now();
    await waitFor('DR promoted', 60000, async () => ((await httpGet(apiPort, '/primary').catch(() => undefined))?.status === 200
      && (await psql(asSuper(m), 'select pg_is_in_recovery()')) === 'f' ? true : undefined), 500);
    console.log(`postgres live: DR standby promoted ${((Date.now() - promotedAt) / 1000).toFixed(1)} s after patronictl edit-config`);
    // Strict synchronous mode now applies to DR too, and this test runs one DR member: commit locally.
    expect(await psql(asSuper(m, 'receivables'), 'begin; set local synchronous_commit = local; insert into acked (id) values (-4) returning id; commit')).toBe('-4');
    const acknowledged = new Set((await psql(asSuper(m, 'receivables'), 'select id from acked')).split('\n').map(Number));
    expect(acked.filter((id) => !acknowledged.has(id))).toEqual([]);
  }, 180000);
  // production and dr run above; the other environments' rendered patroni.yml, each with its own member count and
  // synchronous mode, in their own DCS namespace of the same etcd, then stopped again.
  test.each(otherPlatforms.map((p) => [p.config.name, p] as const))('%s: the rendered patroni.yml bootstraps its members with its synchronous mode', async (envName, p) => {
    const cm = readManifest('configmap.db-postgres.postgres-patroni.yaml', envName);
    const envSts = readManifest(`statefulset.db-postgres.postgres-${envName}.yaml`, envName);
    const envContainer = envSts.spec.template.spec.containers.find((c: Manifest) => c.name === 'postgres');
    const file = localPatroniYml(cm, `patroni-${envName}.yml`, (yml) => { yml.namespace = `/${envName}-site/`; });
    const count: number = p.config.stores.postgres!.replicas;
    const ports = await freePorts(2 * count);
    const envMembers: Member[] = Array.from({ length: count }, (_, i) => {
      const name = `${envSts.metadata.name}-${i}`;
      return { name, pgPort: ports[2 * i], apiPort: ports[2 * i + 1], dataDir: path.join(work, name, 'data'), env: memberEnv(envContainer, name, ports[2 * i], ports[2 * i + 1]) };
    });
    chownForService(work);
    for (const m of envMembers) startPatroni(m, file);
    try {
      const envLeader = await waitFor(`the ${envName} leader`, 90000, async () => {
        for (const m of envMembers) if ((await httpGet(m.apiPort, '/primary').catch(() => undefined))?.status === 200) return m;
        return undefined;
      }, 500);
      const sync = p.config.stores.postgres!.synchronousMode !== 'off';
      const rows = await waitFor(`${count - 1} streaming replicas`, 90000, async () => {
        const list = (await psql(asSuper(envLeader), "select sync_state from pg_stat_replication where state = 'streaming'")).split('\n').filter(Boolean);
        return list.length === count - 1 && (!sync || count === 1 || list.includes('sync')) ? list : undefined;
      }, 500);
      expect(rows.filter((r) => r === 'sync')).toHaveLength(sync && count > 1 ? 1 : 0);
      expect(await psql(asSuper(envLeader), 'show data_checksums')).toBe('on');
      expect(await psql(asSuper(envLeader), `select count(*) from pg_database where datname = '${p.refs.postgres!.database}'`)).toBe('1');
      await expect(psql({ port: envLeader.pgPort, ...superuser, database: 'postgres', sslmode: 'require' }, 'select 1')).rejects.toThrow(/pg_hba.conf rejects/);
      console.log(`postgres live: ${envName} with ${count} member(s) up, leader ${envLeader.name}, replicas ${rows.join(',') || 'none'}`);
    } finally {
      for (const m of envMembers) {
        const pm = postmasterPid(m.dataDir);
        if (pm) procs.track(pm);
        await procs.stop(`patroni-${m.name}`, 20000);
      }
    }
  }, 200000);
});

