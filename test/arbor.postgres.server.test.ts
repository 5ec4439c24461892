/**
 * Spec 003 "Neon PostgreSQL Configuration", proven with Debian's PostgreSQL 15 (scripts/test-deps.sh):
 *
 * 1. The rendered patroni.yml of every production region carries `max_connections = 200`,
 *    `shared_buffers = '4GB'`, `effective_cache_size = '12GB'` and `work_mem = '32MB'`, and the server reads
 *    them as those sizes (`postgres -C`, in its own units: 8 kB pages for the first two, kB for work_mem).
 * 2. A live server started with those four parameters (4 GB of shared buffers really allocated) runs the rendered
 *    post-bootstrap script: it creates the application role and database, the schemas `arbor`, `kumori` and
 *    `shared` owned by the application's role, and the extensions `uuid-ossp` and `pg_trgm`, which then work.
 * 3. `vector` (pgvector): the document's `"pgvector"` is the project's name, not the extension's (pgvector/pgvector
 *    vector.control); Debian 12 packages none for PostgreSQL 15, so scripts/test-deps.sh builds pgvector 0.8.0
 *    (Debian's source) into it, and the script's `CREATE EXTENSION "vector"` runs for real. Patroni and the
 *    Kubernetes DCS are proven for the receivables platform (test/postgres.server.test.ts): the script is run here
 *    as Patroni runs it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { renderPlatform, type Manifest } from '../charts/platform';
import { postBootstrapSh } from '../charts/data/postgres/server-config';
import { loadEnvironment } from '../environments';
import type { PostgresConfig } from '../charts/data/postgres/context';
import { chownForService, freePorts, PG_BIN, Processes, psql, runAs, serviceUser, waitFor } from './support/postgres-live';

const REGIONS = ['production-us-east-1', 'production-eu-west-1', 'production-ap-southeast-1'];
const BASE_PATH = `${PG_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
const work = fs.mkdtempSync('/tmp/arbor-postgres-');
const procs = new Processes(work);

const patroniOf = (env: string) => {
  const p = renderPlatform(loadEnvironment(env, 'arbor'));
  const cm = p.charts.flatMap((c) => c.manifests).find((m: Manifest) => m.kind === 'ConfigMap' && m.metadata.name === 'postgres-patroni')!;
  const yml = parse(cm.data['patroni.yml'], { version: '1.1' });
  return { p, files: cm.data as Record<string, string>, params: { ...yml.bootstrap.dcs.postgresql.parameters, ...yml.postgresql.parameters } as Record<string, unknown> };
};
const primary = patroniOf('production-us-east-1');
/** The exporter's role, as the Secret `postgres-exporter` names it. */
const EXPORTER = 'postgres_exporter';
let port = 0;

afterAll(async () => {
  await procs.stopAll();
  fs.rmSync(work, { recursive: true, force: true });
}, 60000);

const scratch = path.join(work, 'data');
beforeAll(() => {
  fs.mkdirSync(scratch);
  chownForService(work);
  // Local test server only: trust on the socket and loopback.
  const init = runAs(`${PG_BIN}/initdb`, ['-D', scratch, '-A', 'trust', '-U', 'postgres'], { PATH: BASE_PATH, LC_ALL: 'C.UTF-8' }, undefined, 60000);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
}, 90000);

describe('spec 003 "Neon PostgreSQL Configuration": the four ALTER SYSTEM settings', () => {
  test.each(REGIONS)('%s renders max_connections 200, shared_buffers 4GB, effective_cache_size 12GB, work_mem 32MB', (env) => {
    const { params } = patroniOf(env);
    expect({ max_connections: params.max_connections, shared_buffers: params.shared_buffers, effective_cache_size: params.effective_cache_size, work_mem: params.work_mem })
      .toEqual({ max_connections: 200, shared_buffers: '4GB', effective_cache_size: '12GB', work_mem: '32MB' });
  });

  test('PostgreSQL 15 reads them as those sizes (postgres -C)', () => {
    const show = (name: string) => {
      const r = runAs(`${PG_BIN}/postgres`, ['-D', scratch, '-C', name, '-c', `${name}=${String(primary.params[name])}`], { PATH: BASE_PATH });
      expect({ name, status: r.status, stderr: r.stderr }).toEqual({ name, status: 0, stderr: '' });
      return Number(r.stdout.trim());
    };
    expect(show('max_connections')).toBe(200);
    // 8 kB pages: 4 GiB and 12 GiB.
    expect(show('shared_buffers')).toBe((4 * 2 ** 30) / 8192);
    expect(show('effective_cache_size')).toBe((12 * 2 ** 30) / 8192);
    // kB: 32 MiB.
    expect(show('work_mem')).toBe(32 * 1024);
  });
});

describe('spec 003: schemas arbor, kumori, shared and extensions uuid-ossp, pgvector, pg_trgm', () => {
  test('the rendered post-bootstrap script asks for exactly those, pgvector by its extension name `vector`', () => {
    const script = primary.files['post-bootstrap.sh'];
    expect(script).toBe(postBootstrapSh(primary.p.config as PostgresConfig));
    expect(script.match(/CREATE EXTENSION IF NOT EXISTS "[^"]+"/g)).toEqual(['uuid-ossp', 'vector', 'pg_trgm'].map((e) => `CREATE EXTENSION IF NOT EXISTS "${e}"`));
    expect(script.match(/CREATE SCHEMA IF NOT EXISTS "[^"]+"/g)).toEqual(['arbor', 'kumori', 'shared'].map((s) => `CREATE SCHEMA IF NOT EXISTS "${s}"`));
  });

  test('a live PostgreSQL 15 with the four settings runs the script: role, database, schemas and extensions', async () => {
    [port] = await freePorts(1);
    const settings = ['max_connections', 'shared_buffers', 'effective_cache_size', 'work_mem'].flatMap((k) => ['-c', `${k}=${String(primary.params[k])}`]);
    procs.start('postgres', `${PG_BIN}/postgres`, ['-D', scratch, '-p', String(port), '-k', work, '-c', 'listen_addresses=127.0.0.1', ...settings], { PATH: BASE_PATH });
    const su = { port, user: 'postgres', password: '', database: 'postgres' };
    await waitFor('postgres to accept connections', 30000, async () => ((await psql(su, 'select 1')).trim() === '1' ? true : undefined));
    expect((await psql(su, 'show shared_buffers')).trim()).toBe('4GB');
    expect((await psql(su, 'show effective_cache_size')).trim()).toBe('12GB');
    expect((await psql(su, 'show work_mem')).trim()).toBe('32MB');
    expect((await psql(su, 'show max_connections')).trim()).toBe('200');

    // As Patroni runs it: `post-bootstrap.sh <superuser connection URL>` with the pod's environment.
    const database = primary.p.refs.postgres!.database;
    const run = (script: string) => {
      const file = path.join(work, `post-bootstrap-${Math.random().toString(36).slice(2)}.sh`);
      fs.writeFileSync(file, script, { mode: 0o755 });
      const u = serviceUser();
      return spawnSync('sh', [file, `postgresql://postgres@127.0.0.1:${port}/postgres`], {
        encoding: 'utf8', timeout: 30000, ...(u ? { uid: u.uid, gid: u.gid } : {}),
        env: { PATH: BASE_PATH, APP_USER: 'arbor_app', APP_PASSWORD: 'Tapp-password-1', APP_DATABASE: database, SUPERUSER_PASSWORD: '', EXPORTER_USER: EXPORTER, EXPORTER_PASSWORD: 'Texporter-password-1' },
      });
    };
    // The rendered script as it is (pgvector 0.8.0 is built into this PostgreSQL 15 by scripts/test-deps.sh),
    // twice: every statement runs; the second time "already exists, skipping" is the only thing said.
    const notices = (stderr: string) => stderr.split('\n').filter((l) => l && !/^NOTICE: .* already exists, skipping$/.test(l)).join('\n');
    for (const attempt of [1, 2]) {
      const r = run(primary.files['post-bootstrap.sh']);
      expect({ attempt, status: r.status, stderr: notices(r.stderr) }).toEqual({ attempt, status: 0, stderr: '' });
    }
    const db = { ...su, database };
    expect((await psql(db, "select string_agg(nspname || ':' || pg_get_userbyid(nspowner), ',' order by nspname) from pg_namespace where nspname in ('arbor','kumori','shared')")).trim())
      .toBe('arbor:arbor_app,kumori:arbor_app,shared:arbor_app');
    expect((await psql(db, "select string_agg(extname, ',' order by extname) from pg_extension where extname <> 'plpgsql'")).trim()).toBe('pg_trgm,uuid-ossp,vector');
    // And they work: a version-4 UUID, a trigram similarity.
    expect((await psql(db, 'select uuid_generate_v4()::text')).trim()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number((await psql(db, "select similarity('arbor', 'arbour')")).trim())).toBeGreaterThan(0.3);
    // pgvector: a Euclidean distance between two vectors (3-4-5).
    expect((await psql(db, "select '[0,0]'::vector <-> '[3,4]'::vector")).trim()).toBe('5');
    // The document's own spelling names no extension at all.
    await expect(psql(db, 'CREATE EXTENSION IF NOT EXISTS "pgvector"')).rejects.toThrow(/pgvector/);
  }, 120000);
});

/**
 * Spec 003 "Infrastructure Monitoring" (exporters: postgres_exporter): the role the rendered post-bootstrap script
 * created above (run twice) on the live server. What the exporter's default collectors read is listed from its
 * source at v0.20.1 (prometheus-community/postgres_exporter collector/*.go, those registered defaultEnabled:
 * database, locks, replication, replication_slots, roles, settings, stat_activity, stat_archiver, stat_bgwriter,
 * stat_database, stat_progress_vacuum, stat_replication, stat_user_tables, statio_user_tables, wal); the queries
 * below touch the same views and functions, written here, not copied. Not proven: the exporter binary itself
 * (not installed here) and TLS on loopback (this server trusts local connections; the pods' pg_hba is proven in
 * test/postgres.server.test.ts).
 */
describe('spec 003 "Infrastructure Monitoring": postgres_exporter\'s role reads the statistics and nothing else', () => {
  test('the role: login, pg_monitor, at most 3 connections, no other power, its password the Secret\'s', async () => {
    const su = { port, user: 'postgres', password: '', database: 'postgres' };
    expect(primary.files['post-bootstrap.sh']).toContain('GRANT pg_monitor TO %I');
    expect(await psql(su, `select rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolconnlimit from pg_roles where rolname = '${EXPORTER}'`)).toBe('t|f|f|f|f|f|3');
    expect(await psql(su, `select string_agg(b.rolname, ',' order by b.rolname) from pg_auth_members m join pg_roles b on b.oid = m.roleid join pg_roles r on r.oid = m.member where r.rolname = '${EXPORTER}'`)).toBe('pg_monitor');
    expect(await psql(su, `select rolpassword like 'SCRAM-SHA-256$%' from pg_authid where rolname = '${EXPORTER}'`)).toBe('t');
  });

  test('it reads what the default collectors read', async () => {
    const database = primary.p.refs.postgres!.database;
    const app = { port, user: 'arbor_app', password: '', database };
    const exp = { port, user: EXPORTER, password: '', database };
    await psql(app, 'create table arbor.items (id serial primary key, name text); insert into arbor.items (name) values (\'secret\'); analyze arbor.items');
    // Another role's running statement: its text is what pg_read_all_stats (part of pg_monitor) reveals.
    const busy = psql(app, 'select pg_sleep(3) /* arbor-busy */');
    await waitFor('the busy session', 5000, async () => ((await psql(exp, "select count(*) from pg_stat_activity where query like '%arbor-busy%' and usename = 'arbor_app'")) === '1' ? true : undefined));
    const reads: Record<string, string> = {
      database: 'select count(*) > 0 from pg_database where pg_database_size(datname) > 0',
      locks: 'select count(*) >= 0 from pg_locks l join pg_database d on d.oid = l.database',
      replication: 'select pg_is_in_recovery() is not null and pg_last_xact_replay_timestamp() is null',
      replication_slots: 'select count(*) >= 0 from pg_replication_slots',
      roles: 'select count(*) > 0 from pg_roles where rolconnlimit is not null',
      settings: "select count(*) > 0 from pg_settings where name = 'data_directory' and setting <> ''",
      stat_archiver: 'select archived_count >= 0 from pg_stat_archiver',
      stat_bgwriter: 'select buffers_clean >= 0 from pg_stat_bgwriter',
      stat_database: `select xact_commit > 0 from pg_stat_database where datname = '${database}'`,
      stat_progress_vacuum: "select count(*) >= 0 from pg_stat_get_progress_info('VACUUM')",
      stat_replication: 'select count(*) >= 0 from pg_stat_replication',
      stat_user_tables: "select pg_table_size(relid) > 0 and pg_indexes_size(relid) > 0 and n_live_tup = 1 from pg_stat_user_tables where schemaname = 'arbor' and relname = 'items'",
      statio_user_tables: "select count(*) = 1 from pg_statio_user_tables where schemaname = 'arbor'",
      wal: 'select count(*) > 0 and pg_current_wal_lsn() is not null from pg_ls_waldir()',
    };
    for (const [collector, sql] of Object.entries(reads)) expect({ collector, value: await psql(exp, sql) }).toEqual({ collector, value: 't' });
    expect(await psql(exp, "select query from pg_stat_activity where query like '%arbor-busy%' and usename = 'arbor_app'")).toContain('pg_sleep(3)');
    await busy;
  }, 30000);

  test('it cannot read, change or create data, read files or become another role', async () => {
    const exp = { port, user: EXPORTER, password: '', database: primary.p.refs.postgres!.database };
    await expect(psql(exp, 'select * from arbor.items')).rejects.toThrow(/permission denied for schema arbor/);
    await expect(psql(exp, 'create table public.x (i int)')).rejects.toThrow(/permission denied for schema public/);
    await expect(psql(exp, "select pg_read_file('PG_VERSION')")).rejects.toThrow(/permission denied for function pg_read_file/);
    await expect(psql(exp, 'set role arbor_app')).rejects.toThrow(/permission denied to set role "arbor_app"/);
    // Another role's session cannot be ended (pg_signal_backend is not part of pg_monitor).
    const app = { port, user: 'arbor_app', password: '', database: exp.database };
    const busy = psql(app, 'select pg_sleep(2) /* arbor-busy-2 */').catch(() => 'ended');
    const pid = await waitFor('the busy session', 5000, async () => (await psql(exp, "select pid from pg_stat_activity where query like '%arbor-busy-2%' and usename = 'arbor_app'")) || undefined);
    await expect(psql(exp, `select pg_terminate_backend(${pid})`)).rejects.toThrow(/permission denied to terminate process|must be a member of the role whose process is being terminated/);
    expect(await busy).toBe('');
    // Even with the table's schema granted, the rows stay out of reach.
    await psql({ port, user: 'arbor_app', password: '', database: exp.database }, `grant usage on schema arbor to ${EXPORTER}`);
    await expect(psql(exp, 'select * from arbor.items')).rejects.toThrow(/permission denied for table items/);
    await procs.stop('postgres', 10000);
  }, 30000);
});
