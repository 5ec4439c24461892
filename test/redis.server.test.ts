/**
 * The rendered Redis + Sentinel configuration, run for real: Debian's redis-server and redis-sentinel on
 * 127.0.0.1 with the staging files of the redis-config ConfigMap (3 servers, 3 Sentinels, quorum 2), started
 * through the rendered start-up script. Every process is stopped by PID in afterAll, also after a failure.
 *
 * Steps: a full start elects one master; 1,000 keys written with WAIT 2; the master is killed with SIGKILL and
 * the Sentinels fail over (time printed); the killed node restarts through the script and rejoins as a replica;
 * a master cut off from its replicas refuses writes (min-replicas-to-write); a full restart of every process
 * ends with exactly one master that still holds every acknowledged key.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LocalRedis, makeTestCertificates, renderedRedisFiles, waitFor, type Member } from './support/redis-local';
import { loadEnvironment } from '../environments';

jest.setTimeout(120_000);

const ENV = 'staging';
const config = loadEnvironment(ENV).stores.redis;
const KEYS = 1000;
const key = (i: number) => `ack:${i}`;
const value = (i: number) => `value-${i}`;
const timings: Record<string, number> = {};

let cluster: LocalRedis;

const masters = () => cluster.masters();
const linkedTo = (r: Member, master: Member, roles?: string[]) => cluster.linkedTo(r, master, roles);

/** Every acknowledged key is on `m` with its value. */
function acknowledgedKeysOn(m: Member): number {
  const replies = cluster.pipeline(m, Array.from({ length: KEYS }, (_, i) => `GET ${key(i)}`));
  return replies.filter((r, i) => r === value(i)).length;
}

const stable = (ms: number) => cluster.stable(ms);

beforeAll(async () => {
  cluster = await LocalRedis.create(renderedRedisFiles(ENV));
  // Servers and Sentinels all at once: the full-start case (no Sentinel can answer yet).
  const t0 = Date.now();
  for (const m of cluster.members) cluster.start(m);
  try {
    await stable(60_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.tail()}`);
  }
  timings['full start to a stable group'] = Date.now() - t0;
});

afterAll(() => {
  cluster?.stopAll();
  // eslint-disable-next-line no-console
  console.log(`redis failover timings (ms): ${JSON.stringify(timings)}\nlogs: ${cluster?.root}`);
});

test('the test runs the rendered files, rewritten only in addresses and paths', () => {
  expect(cluster.servers).toHaveLength(3);
  expect(cluster.sentinels).toHaveLength(3);
  const changed = cluster.changedLines();
  for (const line of changed) {
    expect(line).toMatch(/^(redis\.conf|sentinel\.conf): (bind|tls-port|tls-cert-file|tls-key-file|tls-ca-cert-file|dir) |^topology\.env: (REDIS|SENTINEL)_NODES=/);
  }
  // The script itself is unchanged.
  expect(changed.filter((l) => l.startsWith('redis-ha.sh'))).toEqual([]);
  expect(cluster.rendered.files['sentinel.conf']).toMatch(/^sentinel monitor \S+ @MASTER_HOST@ @MASTER_PORT@ 2$/m);
  // TLS only: the plain port stays off in what runs.
  for (const m of cluster.members) {
    expect(fs.readFileSync(path.join(m.configDir, m.kind === 'redis' ? 'redis.conf' : 'sentinel.conf'), 'utf8')).toMatch(/^port 0$/m);
  }
});

test('a full start elects exactly one master (ordinal 0) and every Sentinel names it', () => {
  const ms = masters();
  expect(ms.map((m) => m.podName)).toEqual(['redis-0']);
  expect(cluster.sentinels.map((s) => cluster.sentinelMaster(s)?.podName)).toEqual(['redis-0', 'redis-0', 'redis-0']);
});

test('the probes pass on a healthy group: every server live and ready, every Sentinel live and ready', () => {
  for (const m of cluster.servers) {
    expect({ m: m.podName, live: cluster.run(m, 'redis-live').status, ready: cluster.run(m, 'redis-ready').status }).toEqual({ m: m.podName, live: 0, ready: 0 });
  }
  for (const s of cluster.sentinels) {
    expect({ s: s.podName, live: cluster.run(s, 'sentinel-live').status, ready: cluster.run(s, 'sentinel-ready').status }).toEqual({ s: s.podName, live: 0, ready: 0 });
  }
});

test('TLS only: a plain-text client gets nothing; a client with only the CA (as the apps) is served; a certificate from another CA is refused', () => {
  const [server] = cluster.servers;
  const [sentinel] = cluster.sentinels;
  const cli = (m: Member, args: string[]) => spawnSync('redis-cli', [...args, '--no-auth-warning', '--raw', '-h', '127.0.0.1', '-p', String(m.port), 'PING'], {
    env: { PATH: process.env.PATH, REDISCLI_AUTH: cluster.password }, encoding: 'utf8', timeout: 5000,
  });
  for (const m of [server, sentinel]) {
    expect(cli(m, []).stdout).not.toMatch(/PONG/);
    expect(cli(m, ['--tls', '--cacert', path.join(cluster.tlsDir, 'ca.crt')]).stdout.trim()).toBe('PONG');
    // The server's certificate is verified: a client that trusts another CA does not talk to it.
    const other = makeTestCertificates(path.join(cluster.root, `other-ca-${m.podName}`));
    expect(cli(m, ['--tls', '--cacert', path.join(other, 'ca.crt')]).stdout).not.toMatch(/PONG/);
    // A client certificate is optional, but one from another CA is refused.
    expect(cli(m, ['--tls', '--cacert', path.join(cluster.tlsDir, 'ca.crt'), '--cert', path.join(other, 'tls.crt'), '--key', path.join(other, 'tls.key')]).stdout).not.toMatch(/PONG/);
  }
  // Replication runs over TLS too: the replicas are linked although the plain port is off.
  expect(cluster.servers.filter((m) => cluster.info(m, 'replication').master_link_status === 'up')).toHaveLength(2);
});

test(`${KEYS} keys written with WAIT 2 are acknowledged by both replicas`, () => {
  const [master] = masters();
  const commands = Array.from({ length: KEYS }, (_, i) => [`SET ${key(i)} ${value(i)}`, 'WAIT 2 5000']).flat();
  const replies = cluster.pipeline(master, commands);
  expect(replies.filter((r, i) => i % 2 === 0 && r === 'OK')).toHaveLength(KEYS);
  expect(replies.filter((r, i) => i % 2 === 1 && r === '2')).toHaveLength(KEYS);
});

let killed: Member;
let newMaster: Member;

test('SIGKILL of the master: the Sentinels agree on a replica as new master, holding every acknowledged key', async () => {
  const [old] = masters();
  killed = old;
  const t0 = Date.now();
  cluster.signal(old, 'SIGKILL');
  // Replicas that lost their master are alive but not ready (readiness reflects the role).
  const orphans = cluster.servers.filter((m) => m !== old);
  await waitFor('the replicas to notice the lost master', 10_000, () => orphans.every((m) => cluster.run(m, 'redis-ready').status === 1), 100);
  expect(orphans.map((m) => cluster.run(m, 'redis-live').status)).toEqual([0, 0]);
  newMaster = await waitFor('the Sentinels to agree on a new master', config!.downAfterMilliseconds + 20_000, () => {
    const named = cluster.sentinels.map((s) => cluster.sentinelMaster(s));
    return named.every((m) => m && m === named[0] && m !== old) && cluster.role(named[0]!) === 'master' ? named[0] : undefined;
  });
  timings['SIGKILL of the master to every Sentinel naming the new master'] = Date.now() - t0;
  // Failover = down-after-milliseconds + election and promotion.
  expect(timings['SIGKILL of the master to every Sentinel naming the new master']).toBeLessThan(config!.downAfterMilliseconds + 10_000);
  expect(newMaster).not.toBe(old);
  expect(acknowledgedKeysOn(newMaster)).toBe(KEYS);
});

/** Restarts `m` through the script and waits until it is a synced replica of `master`; every role it reported. */
async function restartAsReplica(m: Member, master: Member, label: string): Promise<string[]> {
  const roles: string[] = [];
  const t0 = Date.now();
  cluster.start(m);
  await waitFor(`${m.podName} to sync as a replica`, 40_000, () => linkedTo(m, master, roles), 50);
  timings[label] = Date.now() - t0;
  return roles;
}

test('the killed node, restarted through the start-up script, rejoins as a replica of the new master', async () => {
  const roles = await restartAsReplica(killed, newMaster, 'restart of the old master to a synced replica');
  // It never served as master, not even briefly.
  expect(roles).toEqual(['slave']);
  expect(masters()).toEqual([newMaster]);
  expect(await stable(30_000)).toBe(newMaster);
  expect(acknowledgedKeysOn(killed)).toBe(KEYS);
});

test('a master restarted while the Sentinels fail over away from it waits for the failover and rejoins as a replica', async () => {
  const old = await stable(30_000);
  const t0 = Date.now();
  cluster.signal(old, 'SIGKILL');
  // Restart it the moment a Sentinel considers it down: the failover is starting or under way.
  await waitFor('a Sentinel to mark the master down', config!.downAfterMilliseconds + 5000,
    () => cluster.sentinels.some((s) => /s_down|o_down/.test(cluster.sentinelView(s).flags ?? '')), 50);
  const roles: string[] = [];
  cluster.start(old);
  const next = await waitFor('a new master that every Sentinel names', config!.downAfterMilliseconds + 20_000, () => {
    linkedTo(old, old, roles);
    const named = cluster.sentinels.map((s) => cluster.sentinelMaster(s));
    return named.every((m) => m && m === named[0] && m !== old) && cluster.role(named[0]!) === 'master' ? named[0] : undefined;
  }, 50);
  timings['SIGKILL of the master, restarted at once, to every Sentinel naming the new master'] = Date.now() - t0;
  await waitFor('the old master to sync as a replica', 40_000, () => linkedTo(old, next, roles), 50);
  expect(roles).toEqual(['slave']);
  expect(await stable(30_000)).toBe(next);
  for (const m of cluster.servers) expect(acknowledgedKeysOn(m)).toBe(KEYS);
});

test('a master cut off from its replicas refuses writes after min-replicas-max-lag, and WAIT reports the writes it took meanwhile as unreplicated', async () => {
  const master = (await stable(30_000));
  const replicas = cluster.servers.filter((m) => m !== master);
  const t0 = Date.now();
  try {
    for (const r of replicas) cluster.signal(r, 'SIGSTOP'); // the replicas stop answering, as behind a partition
    // Within the lag window the write is taken, but WAIT tells the client that no replica has it.
    expect(cluster.pipeline(master, ['SET during-partition 1', 'WAIT 1 1000'])).toEqual(['OK', '0']);
    const refused = await waitFor('the master to refuse writes', config!.minReplicasMaxLagSeconds * 1000 + 10_000,
      () => { const r = cluster.cli(master, 'SET', 'after-lag', '1')[0]; return r?.startsWith('NOREPLICAS') ? r : undefined; }, 250);
    timings['partition to NOREPLICAS'] = Date.now() - t0;
    expect(refused).toMatch(/^NOREPLICAS/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual((config!.minReplicasMaxLagSeconds - 1) * 1000);
  } finally {
    for (const r of replicas) cluster.signal(r, 'SIGCONT');
  }
  await waitFor('writes to be accepted again', 20_000, () => cluster.cli(master, 'SET', 'after-heal', '1')[0] === 'OK', 250);
});

test('preStop of a terminating master fails over away from it before it stops', async () => {
  const old = await stable(60_000);
  const t0 = Date.now();
  const r = cluster.run(old, 'pre-stop', 60_000);
  timings['preStop of the master to a new master'] = Date.now() - t0;
  expect(r.status).toBe(0);
  const to = /failed over to 127\.0\.0\.1:(\d+)/.exec(r.output);
  expect(to).not.toBeNull();
  const promoted = cluster.servers.find((m) => m.port === Number(to![1]))!;
  expect(promoted).not.toBe(old);
  // The preStop returns once the Sentinel with the newest epoch names the new master; the others learn it from
  // its hello messages within a few seconds (longer on a busy machine): wait for all of them, with a bound.
  await waitFor('every Sentinel to name the promoted server', 20_000, () => {
    const named = cluster.sentinels.map((s) => cluster.sentinelMaster(s));
    return named.every((m) => m === promoted);
  }, 100);
  expect(cluster.role(promoted)).toBe('master');
  // The preStop of a replica does nothing.
  const replica = cluster.servers.find((m) => m !== old && m !== promoted)!;
  expect(cluster.run(replica, 'pre-stop')).toEqual({ status: 0, output: '' });
});

test('a full restart of every server and Sentinel ends with exactly one master holding every acknowledged key', async () => {
  await stable(30_000);
  for (const m of cluster.members) cluster.signal(m, 'SIGKILL');
  const t0 = Date.now();
  for (const m of cluster.members) cluster.start(m);
  let master: Member;
  try {
    master = await stable(60_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.tail()}`);
  }
  timings['full restart to a stable group'] = Date.now() - t0;
  // Watch a little longer: no second master appears.
  for (let i = 0; i < 10; i++) {
    expect(masters()).toEqual([master]);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(acknowledgedKeysOn(master)).toBe(KEYS);
  for (const r of cluster.servers.filter((m) => m !== master)) expect(acknowledgedKeysOn(r)).toBe(KEYS);
});

test('a restart of every server at once while the Sentinels keep running ends with exactly one master holding every acknowledged key', async () => {
  const before = await stable(30_000);
  for (const m of cluster.servers) cluster.signal(m, 'SIGKILL');
  // Down long enough for the Sentinels to see the master down (a node pool upgrade, not a blip).
  await waitFor('a Sentinel to mark the master down', config!.downAfterMilliseconds + 5000,
    () => cluster.sentinels.some((s) => /s_down/.test(cluster.sentinelView(s).flags ?? '')), 100);
  const t0 = Date.now();
  for (const m of cluster.servers) cluster.start(m);
  const master = await stable(90_000);
  timings['restart of every server (Sentinels up) to a stable group'] = Date.now() - t0;
  for (let i = 0; i < 10; i++) {
    expect(masters()).toEqual([master]);
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const m of cluster.servers) expect(acknowledgedKeysOn(m)).toBe(KEYS);
  expect(cluster.servers).toContain(before);
});

test('a backup taken by the backup step (from a replica, checked), placed as restore.rdb on the master the Sentinels name, is the data set after a full restart', async () => {
  const master = await stable(30_000);
  expect(cluster.pipeline(master, ['SET before-backup 1', 'WAIT 2 5000'])).toEqual(['OK', '2']);
  const backupDir = fs.mkdtempSync(path.join(cluster.root, 'backup-'));
  // The CronJob's first step, as it runs there: no POD_NAME, only the topology and the password.
  const r = spawnSync('sh', [path.join(master.configDir, 'redis-ha.sh'), 'backup'], {
    env: { PATH: process.env.PATH, REDIS_CONFIG_DIR: master.configDir, REDIS_PASSWORD_FILE: path.join(cluster.root, 'password'), REDIS_TLS_DIR: cluster.tlsDir, BACKUP_DIR: backupDir },
    encoding: 'utf8', timeout: 60_000,
  });
  expect(r.status).toBe(0);
  const from = /wrote (\S+) from 127\.0\.0\.1:(\d+)/.exec(r.stderr);
  expect(from).not.toBeNull();
  // Taken from a replica, not from the master.
  expect(cluster.servers.find((m) => m.port === Number(from![2]))).not.toBe(master);
  expect(r.stderr).toMatch(/RDB looks OK!/);
  const backup = from![1];
  expect(path.dirname(backup)).toBe(backupDir);
  expect(path.basename(backup)).toMatch(/^redis-\d{8}T\d{6}Z\.rdb$/);
  expect(cluster.pipeline(master, ['SET after-backup 1', 'WAIT 2 5000'])).toEqual(['OK', '2']);

  // The documented restore: the file into the data volume of the master the Sentinels name, everything down,
  // everything up (the Sentinels resume their saved state and name it again).
  const first = cluster.sentinelMaster(cluster.sentinels[0])!;
  expect(first).toBe(master);
  for (const m of cluster.members) cluster.signal(m, 'SIGKILL');
  fs.copyFileSync(backup, path.join(first.dataDir, 'restore.rdb'));
  for (const m of cluster.members) cluster.start(m);
  const restored = await stable(60_000);
  expect(restored).toBe(first);
  for (const m of cluster.servers) {
    expect({ m: m.podName, before: cluster.cli(m, 'EXISTS', 'before-backup')[0], after: cluster.cli(m, 'EXISTS', 'after-backup')[0] })
      .toEqual({ m: m.podName, before: '1', after: '0' });
    expect(acknowledgedKeysOn(m)).toBe(KEYS);
  }
  expect(fs.existsSync(path.join(first.dataDir, 'restore.rdb'))).toBe(false);
  expect(fs.existsSync(path.join(first.dataDir, 'appendonlydir.before-restore'))).toBe(true);
});
