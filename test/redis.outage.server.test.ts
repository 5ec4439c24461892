/**
 * Outages with the real programs: Debian's redis-server and redis-sentinel on 127.0.0.1 with the staging files
 * of the redis-config ConfigMap, every process started through the rendered script (see support/redis-local.ts
 * for what is rewritten: addresses and paths only). Each scenario runs its own group and stops it by PID.
 *
 *  (a) a full restart of the servers after a failover, with writes acknowledged by WAIT on the new master's
 *      replica while the old master is down, the Sentinels running: nothing acknowledged is lost;
 *  (b) a cold start without ordinal 0 (redis-0 never starts): one master is elected among the others;
 *  (c) the same full restart as (a) with the Sentinels restarted too: they resume their saved state.
 *
 * What a loopback test cannot show: a pod whose DNS name does not resolve (here every name is 127.0.0.1 with
 * a port nobody listens on, so "absent" means "does not answer"); the Kubernetes side of a restart (volumes,
 * scheduling) is the PersistentVolumeClaims rendered for both StatefulSets, asserted in redis.test.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LocalRedis, renderedRedisFiles, waitFor, type Member } from './support/redis-local';
import { loadEnvironment } from '../environments';

jest.setTimeout(240_000);

const ENV = 'staging';
const config = loadEnvironment(ENV).stores.redis;
const rendered = renderedRedisFiles(ENV);
const KEYS = 300;

/** Writes KEYS keys `<prefix>:<i>` on `master`, each followed by WAIT `replicas`; how many were acknowledged. */
function writeAcknowledged(c: LocalRedis, master: Member, prefix: string, replicas: number): number {
  const commands = Array.from({ length: KEYS }, (_, i) => [`SET ${prefix}:${i} v${i}`, `WAIT ${replicas} 5000`]).flat();
  const replies = c.pipeline(master, commands);
  return replies.filter((r, i) => i % 2 === 1 && Number(r) >= replicas && replies[i - 1] === 'OK').length;
}

/** How many of the KEYS keys `<prefix>:<i>` are on `m` with their value. */
function keysOn(c: LocalRedis, m: Member, prefix: string): number {
  const replies = c.pipeline(m, Array.from({ length: KEYS }, (_, i) => `GET ${prefix}:${i}`));
  return replies.filter((r, i) => r === `v${i}`).length;
}

/** Polls the masters every 50 ms until `done` resolves; the largest number seen at once. */
async function watchMasters<T>(c: LocalRedis, done: Promise<T>): Promise<{ result: T; maxMasters: number }> {
  let maxMasters = 0;
  let finished = false;
  const watcher = (async () => {
    while (!finished) {
      maxMasters = Math.max(maxMasters, c.masters().length);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    return { result: await done, maxMasters };
  } finally {
    finished = true;
    await watcher;
  }
}

async function withTail<T>(c: LocalRedis, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${c.tail(40)}`);
  }
}

/**
 * A started group (redis-0 master), a failover away from redis-0 while it stays down, and KEYS writes that
 * the new master's one remaining replica acknowledged (WAIT 1). Returns the new master.
 */
async function failoverWithAcknowledgedWrites(c: LocalRedis): Promise<Member> {
  for (const m of c.members) c.start(m);
  const first = await withTail(c, c.stable(90_000));
  expect(first.podName).toBe('redis-0');
  expect(writeAcknowledged(c, first, 'before', 2)).toBe(KEYS);
  c.signal(first, 'SIGKILL');
  const next = await waitFor('the Sentinels to fail over away from redis-0', config!.downAfterMilliseconds + 30_000, () => {
    const named = c.sentinels.map((s) => c.sentinelMaster(s));
    return named.every((m) => m && m === named[0] && m !== first) && c.role(named[0]!) === 'master' ? named[0] : undefined;
  }, 100);
  const replica = c.servers.find((m) => m !== first && m !== next)!;
  await waitFor('the other replica to follow the new master', 30_000, () => c.linkedTo(replica, next), 100);
  // redis-0 is down: these writes are on the new master and its one replica only.
  expect(writeAcknowledged(c, next, 'after', 1)).toBe(KEYS);
  return next;
}

describe('(a) full restart of the servers after a failover, Sentinels running', () => {
  let c: LocalRedis;
  beforeAll(async () => { c = await LocalRedis.create(rendered); });
  afterAll(() => c?.stopAll());

  test('no acknowledged write is lost, and the stale old master rejoins as a replica', async () => {
    const next = await failoverWithAcknowledgedWrites(c);
    for (const m of c.servers) c.signal(m, 'SIGKILL');
    // Down long enough for the Sentinels to see the master down, as in a real outage.
    await waitFor('a Sentinel to mark the master down', config!.downAfterMilliseconds + 10_000,
      () => c.sentinels.some((s) => /s_down/.test(c.sentinelView(s).flags ?? '')), 100);
    for (const m of c.servers) c.start(m);
    const { result: master, maxMasters } = await watchMasters(c, withTail(c, c.stable(120_000)));
    expect(maxMasters).toBe(1);
    expect(master).toBe(next);
    for (const m of c.servers) expect({ m: m.podName, before: keysOn(c, m, 'before'), after: keysOn(c, m, 'after') }).toEqual({ m: m.podName, before: KEYS, after: KEYS });
  });
});

describe('(c) full restart of the servers and the Sentinels after a failover', () => {
  let c: LocalRedis;
  beforeAll(async () => { c = await LocalRedis.create(rendered); });
  afterAll(() => c?.stopAll());

  test('the Sentinels resume their saved state: the last master is master again, no acknowledged write is lost', async () => {
    const next = await failoverWithAcknowledgedWrites(c);
    for (const m of c.members) c.signal(m, 'SIGKILL');
    const saved = c.sentinels.map((s) => path.join(s.dataDir, 'sentinel-state.conf')).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8'));
    for (const m of c.members) c.start(m);
    const { result: master, maxMasters } = await watchMasters(c, withTail(c, c.stable(120_000)));
    expect(maxMasters).toBe(1);
    for (const m of c.servers) expect({ m: m.podName, before: keysOn(c, m, 'before'), after: keysOn(c, m, 'after') }).toEqual({ m: m.podName, before: KEYS, after: KEYS });
    expect(master).toBe(next);
    // What made it so: every Sentinel had saved the last master, and no saved state holds a password.
    expect(saved).toHaveLength(c.sentinels.length);
    for (const state of saved) {
      expect(state).toMatch(new RegExp(`^sentinel monitor ${c.masterSet} 127\\.0\\.0\\.1 ${next.port} 2$`, 'm'));
      expect(state).not.toContain(c.password);
    }
  });
});

describe('(b) cold start without ordinal 0', () => {
  let c: LocalRedis;
  beforeAll(async () => { c = await LocalRedis.create(rendered); });
  afterAll(() => c?.stopAll());

  test('redis-1 and redis-2 elect one master among themselves; the Sentinels name it; writes are replicated', async () => {
    const [absent, ...present] = c.servers;
    expect(absent.podName).toBe('redis-0');
    for (const m of [...present, ...c.sentinels]) c.start(m);
    const { result: master, maxMasters } = await watchMasters(c, withTail(c, c.stable(120_000)));
    expect(maxMasters).toBe(1);
    expect(present).toContain(master);
    expect(writeAcknowledged(c, master, 'cold', 1)).toBe(KEYS);
    // redis-0 arriving later joins as a replica of the elected master.
    c.start(absent);
    await waitFor('redis-0 to sync as a replica', 60_000, () => c.linkedTo(absent, master), 100);
    expect(c.masters()).toEqual([master]);
    expect(keysOn(c, absent, 'cold')).toBe(KEYS);
  });
});

describe('cold start with the servers arriving one by one', () => {
  let c: LocalRedis;
  beforeAll(async () => { c = await LocalRedis.create(rendered); });
  afterAll(() => c?.stopAll());

  test('never two masters, whatever the order and the gaps', async () => {
    for (const s of c.sentinels) c.start(s);
    const [r0, r1, r2] = c.servers;
    const starts = (async () => {
      c.start(r2);
      await new Promise((r) => setTimeout(r, 4000));
      c.start(r1);
      await new Promise((r) => setTimeout(r, 9000));
      c.start(r0);
      return c.stable(120_000);
    })();
    const { result: master, maxMasters } = await watchMasters(c, withTail(c, starts));
    expect(maxMasters).toBe(1);
    expect(c.masters()).toEqual([master]);
  });
});
