/**
 * Tiered retention of the PostgreSQL base backups (`stores.postgres.backup.retention`, backup-retention.sh),
 * for spec 003 "Disaster Recovery §1 Backup Strategy": frequency hourly, retention hourly 24, daily 7, weekly 4,
 * monthly 12.
 *
 * The rendered script runs under dash (the Spilo image is ubuntu:22.04, whose /bin/sh is dash) with jq 1.6
 * (Ubuntu 22.04's, as Debian 12's here) against backup lists shaped as WAL-G v3.0.5's `backup-list --detail --json`
 * prints them (backup_name, time, start_time, is_permanent…: internal/databases/postgres/backup_detail.go). The
 * expected tiers are worked out below from the calendar, not from the script's output. The `wal-g` on PATH in the
 * "applies" tests is a stand-in that records its arguments: it proves the order and the arguments of the calls,
 * not what WAL-G then deletes (that is read from WAL-G's source, cited in charts/data/postgres/server-config.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderPlatform, type Manifest } from '../charts/platform';
import { loadEnvironment } from '../environments';
import { manifestsOf } from './support/render';
import { input, messagesOf } from './support/config';

const PRIMARY = 'production-us-east-1';
const objects = manifestsOf(renderPlatform(loadEnvironment(PRIMARY, 'arbor')));
const configMap = objects.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'postgres-patroni')!;
const sts = objects.find((m) => m.kind === 'StatefulSet' && m.metadata.namespace === 'db-postgres')!;
const backupContainer = sts.spec.template.spec.containers.find((c: Manifest) => c.name === 'backup');
const containerEnv: Record<string, string> = Object.fromEntries(backupContainer.env.filter((e: Manifest) => 'value' in e).map((e: Manifest) => [e.name, e.value]));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-retention-'));
const script = path.join(work, 'backup-retention.sh');
fs.writeFileSync(script, configMap.data['backup-retention.sh']);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const HOUR = 3600_000;
/** A backup as WAL-G lists it; `start` is when it began. */
interface Listed { backup_name: string; time: string; wal_file_name: string; storage_name: string; start_time: string; finish_time: string; is_permanent: boolean }
const hourKey = (d: Date) => d.toISOString().slice(0, 13);

/** One backup per hour from `from` to `to` (UTC), named like WAL-G's (timeline 1, a growing segment number). */
function hourly(from: Date, to: Date, skip: (d: Date) => boolean = () => false): Listed[] {
  const out: Listed[] = [];
  for (let t = from.getTime(), seg = 0x10; t <= to.getTime(); t += HOUR, seg += 3) {
    const d = new Date(t);
    if (skip(d)) continue;
    const wal = `00000001${seg.toString(16).toUpperCase().padStart(16, '0')}`;
    // Started a few seconds past the hour (microseconds, as WAL-G writes them); stored minutes later.
    const start = `${d.toISOString().slice(0, 19)}.000123Z`;
    out.push({
      backup_name: `base_${wal}`, time: new Date(t + 7 * 60_000).toISOString(), wal_file_name: wal, storage_name: 'default',
      start_time: start.replace(/:00\.000123Z$/, ':03.000123Z'), finish_time: new Date(t + 6 * 60_000).toISOString(), is_permanent: false,
    });
  }
  return out;
}

interface Plan { keep: Map<string, string[]>; mark: string[]; unmark: string[]; delete: string[]; expire: string[]; before: string[] }

function plan(list: readonly Listed[], env: Record<string, string> = containerEnv): Plan {
  const out = execFileSync('dash', [script, 'plan'], { input: JSON.stringify(list), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH, ...env } });
  const p: Plan = { keep: new Map(), mark: [], unmark: [], delete: [], expire: [], before: [] };
  for (const line of out.trim().split('\n')) {
    const [action, name, tiers] = line.split(' ');
    if (action === 'keep') p.keep.set(name, tiers.split(','));
    else p[action as Exclude<keyof Plan, 'keep'>].push(name);
  }
  return p;
}

/** The hours (YYYY-MM-DDTHH) of the backups a tier kept. */
function tierHours(p: Plan, list: readonly Listed[], tier: string): string[] {
  const hourOf = new Map(list.map((b) => [b.backup_name, b.start_time.slice(0, 13)]));
  return [...p.keep].filter(([, t]) => t.includes(tier)).map(([n]) => hourOf.get(n)!).sort();
}

/** The last hour (UTC) of a month (`month0` counts from 0). */
const lastHourOfMonth = (year: number, month0: number) => hourKey(new Date(Date.UTC(year, month0 + 1, 0, 23)));

describe('spec 003 "Disaster Recovery §1 Backup Strategy": hourly, 24 hourly / 7 daily / 4 weekly / 12 monthly', () => {
  test('arbor backs up every hour and renders the four tiers for the retention script', () => {
    expect(containerEnv.BACKUP_INTERVAL_HOURS).toBe('1');
    expect([containerEnv.BACKUP_KEEP_HOURLY, containerEnv.BACKUP_KEEP_DAILY, containerEnv.BACKUP_KEEP_WEEKLY, containerEnv.BACKUP_KEEP_MONTHLY]).toEqual(['24', '7', '4', '12']);
    // No window pruning beside the tiers: `delete retain` would throw the weekly and monthly backups away.
    expect(containerEnv.BACKUP_RETAIN_FULL).toBeUndefined();
    expect(configMap.data['backup-loop.sh']).not.toContain('delete retain');
    expect(configMap.data['backup-loop.sh']).toContain('/bin/sh /etc/patroni/scripts/backup-retention.sh &');
    const items = sts.spec.template.spec.volumes.find((v: Manifest) => v.name === 'config').configMap.items;
    expect(items).toContainEqual({ key: 'backup-retention.sh', path: 'scripts/backup-retention.sh', mode: 0o555 });
    execFileSync('dash', ['-n', script]);
    execFileSync('dash', ['-n', '-c', configMap.data['backup-loop.sh']]);
  });

  // Saturday 5 December 2026, 10:00 UTC; hourly backups since 1 June 2025 (18 months, 13 235 backups).
  const now = new Date(Date.UTC(2026, 11, 5, 10));
  const list = hourly(new Date(Date.UTC(2025, 5, 1)), now);
  // WAL-G lists oldest first; the script must not rely on any order.
  const p = plan([...list].reverse());

  test('a year and a half of hourly backups: hourly keeps the last 24 hours', () => {
    expect(list.length).toBeGreaterThan(365 * 24);
    const expected = Array.from({ length: 24 }, (_, i) => hourKey(new Date(now.getTime() - i * HOUR))).sort();
    expect(tierHours(p, list, 'hourly')).toEqual(expected);
    expect(expected[0]).toBe('2026-12-04T11');
  });

  test('daily keeps the newest backup of each of the last 7 days', () => {
    // Today's newest is this hour's; every earlier day's is its 23:00 backup.
    expect(tierHours(p, list, 'daily')).toEqual(['2026-11-29T23', '2026-11-30T23', '2026-12-01T23', '2026-12-02T23', '2026-12-03T23', '2026-12-04T23', '2026-12-05T10']);
  });

  test('weekly keeps the newest of each of the last 4 ISO weeks (Monday to Sunday)', () => {
    // 5 December 2026 is in ISO week 49 (30 Nov - 6 Dec); weeks 48, 47, 46 end on Sundays 29, 22 and 15 November.
    expect(new Date(Date.UTC(2026, 10, 29)).getUTCDay()).toBe(0);
    expect(tierHours(p, list, 'weekly')).toEqual(['2026-11-15T23', '2026-11-22T23', '2026-11-29T23', '2026-12-05T10']);
  });

  test('monthly keeps the newest of each of the last 12 calendar months', () => {
    const expected = ['2026-12-05T10', ...Array.from({ length: 11 }, (_, i) => lastHourOfMonth(2026, 10 - i))].sort();
    expect(expected[0]).toBe('2026-01-31T23');
    expect(tierHours(p, list, 'monthly')).toEqual(expected);
  });

  test('exactly the union of the tiers is kept; everything else is deleted', () => {
    const union = new Set([...['hourly', 'daily', 'weekly', 'monthly'].flatMap((t) => tierHours(p, list, t))]);
    // 24 hourly; 5 more days (4 Dec 23:00 is an hourly one); 2 more weeks (29 Nov is a daily one); 10 more
    // months (30 Nov is a daily one).
    expect(union.size).toBe(24 + 5 + 2 + 10);
    expect(p.keep.size).toBe(union.size);
    expect(p.keep.size + p.delete.length + p.expire.length).toBe(list.length);
    expect(new Set([...p.keep.keys(), ...p.delete, ...p.expire]).size).toBe(list.length);
  });

  test('older than the oldest daily backup, kept backups are made permanent and the rest is swept by "delete before"', () => {
    const hourOf = new Map(list.map((b) => [b.backup_name, b.start_time.slice(0, 13)]));
    // The floor: the oldest backup of the hourly and daily tiers. Point-in-time recovery reaches back to it.
    expect(p.before.map((n) => hourOf.get(n))).toEqual(['2026-11-29T23']);
    // Permanent: the weekly and monthly backups older than it (WAL-G then keeps only their own WAL).
    expect(p.mark.map((n) => hourOf.get(n)).sort()).toEqual(['2026-11-15T23', '2026-11-22T23', ...Array.from({ length: 10 }, (_, i) => lastHourOfMonth(2026, 9 - i))].sort());
    // Newer than the floor, not kept: deleted one by one (delete before would take the kept ones' WAL too).
    expect(p.delete.every((n) => hourOf.get(n)! > '2026-11-29T23')).toBe(true);
    expect(p.expire.every((n) => hourOf.get(n)! < '2026-11-29T23')).toBe(true);
    // Newer than the floor: 131 backups, of which the 24 hourly and the 23:00 ones of 30 Nov - 3 Dec are kept.
    const newer = list.filter((b) => b.start_time.slice(0, 13) > '2026-11-29T23');
    expect(newer).toHaveLength(24 + 4 * 24 + 11);
    expect(p.delete).toHaveLength(newer.length - 24 - 4);
    expect(p.unmark).toEqual([]);
  });

  test('a previously permanent backup that no tier keeps any more is unmarked, so that the sweep can delete it', () => {
    const marked = list.map((b) => ({ ...b, is_permanent: ['2025-12-31T23', '2026-01-31T23'].includes(b.start_time.slice(0, 13)) }));
    const q = plan(marked);
    const hourOf = new Map(list.map((b) => [b.backup_name, b.start_time.slice(0, 13)]));
    // December 2025 is the 13th month back: unmarked and expired; January 2026 is the 12th and stays permanent.
    expect(q.unmark.map((n) => hourOf.get(n))).toEqual(['2025-12-31T23']);
    expect(q.expire.map((n) => hourOf.get(n))).toContain('2025-12-31T23');
    expect(q.mark.map((n) => hourOf.get(n))).not.toContain('2026-01-31T23');
    expect(q.mark).toHaveLength(p.mark.length - 1);
    expect(q.keep.get(marked.find((b) => b.start_time.startsWith('2026-01-31T23'))!.backup_name)).toEqual(['monthly']);
  });

  test('ISO weeks straddle the new year; months do not', () => {
    // Friday 2 January 2026: ISO week 1 of 2026 began on Monday 29 December 2025.
    const jan = new Date(Date.UTC(2026, 0, 2, 5));
    const l = hourly(new Date(Date.UTC(2025, 10, 1)), jan);
    const q = plan(l);
    expect(tierHours(q, l, 'weekly')).toEqual(['2025-12-14T23', '2025-12-21T23', '2025-12-28T23', '2026-01-02T05']);
    expect(tierHours(q, l, 'monthly')).toEqual(['2025-11-30T23', '2025-12-31T23', '2026-01-02T05']);
  });

  test('hours without a backup do not count: the hourly tier keeps 24 backups across a gap', () => {
    // Six hours of failed backups this morning.
    const l = hourly(new Date(Date.UTC(2026, 10, 1)), now, (d) => d.getTime() >= now.getTime() - 8 * HOUR && d.getTime() < now.getTime() - 2 * HOUR);
    const h = tierHours(plan(l), l, 'hourly');
    expect(h).toHaveLength(24);
    expect(h[0]).toBe(hourKey(new Date(now.getTime() - 29 * HOUR)));
  });

  test('times are read in UTC, whatever zone or fraction they are written with; no metadata falls back to the storage time', () => {
    const b = (name: string, start: string, time = '2026-03-10T00:00:00Z'): Listed => ({ ...hourly(now, now)[0], backup_name: name, start_time: start, time });
    const l = [
      // 01:30 at +02:00 is 23:30 UTC on the last day of February: February's newest.
      b('base_000000010000000000000003', '2026-03-01T01:30:00+02:00'),
      b('base_000000010000000000000002', '2026-02-28T20:00:00.5Z'),
      // The Go zero time: a backup without metadata; its storage time (March) counts.
      b('base_000000010000000000000004', '0001-01-01T00:00:00Z', '2026-03-02T00:00:00Z'),
    ];
    const q = plan(l, { BACKUP_KEEP_MONTHLY: '12' });
    expect([...q.keep.keys()].sort()).toEqual(['base_000000010000000000000003', 'base_000000010000000000000004']);
    expect(q.expire).toEqual(['base_000000010000000000000002']);
    expect(() => plan([b('base_000000010000000000000005', 'yesterday')])).toThrow(/unreadable time/);
  });
});

describe('backup-retention.sh applies its plan with wal-g, marks before deletes', () => {
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  // A stand-in wal-g: serves the list, records every call, fails where WALG_STUB_FAIL matches the arguments.
  fs.writeFileSync(path.join(bin, 'wal-g'), [
    '#!/bin/sh',
    'echo "$*" >> "$WALG_STUB_LOG"',
    'case "$*" in "backup-list --detail --json") cat "$WALG_STUB_LIST"; exit 0 ;; esac',
    '[ -n "${WALG_STUB_FAIL:-}" ] && [ "$*" = "$WALG_STUB_FAIL" ] && exit 1',
    'exit 0',
    '',
  ].join('\n'), { mode: 0o755 });
  const now = new Date(Date.UTC(2026, 11, 5, 10));
  const list = hourly(new Date(Date.UTC(2025, 8, 1)), now).map((b) => ({ ...b, is_permanent: b.start_time.startsWith('2025-11-30T23') }));
  fs.writeFileSync(path.join(work, 'list.json'), JSON.stringify(list));

  function run(fail?: string): { status: number | null; calls: string[] } {
    const log = path.join(work, `calls-${fail ? 'fail' : 'ok'}.log`);
    fs.rmSync(log, { force: true });
    const r = spawnSync('dash', [script], {
      encoding: 'utf8',
      env: { ...containerEnv, PATH: `${bin}:${process.env.PATH}`, WALG_STUB_LOG: log, WALG_STUB_LIST: path.join(work, 'list.json'), ...(fail ? { WALG_STUB_FAIL: fail } : {}) },
    });
    return { status: r.status, calls: fs.readFileSync(log, 'utf8').trim().split('\n') };
  }

  test('unmark, mark, delete target, then one delete before the floor', () => {
    const { status, calls } = run();
    expect(status).toBe(0);
    const p = plan(list);
    const kinds = calls.map((c) => c.split(' ').slice(0, 2).join(' '));
    const firstOf = (k: string) => kinds.indexOf(k);
    const lastOf = (k: string) => kinds.lastIndexOf(k);
    expect(calls[0]).toBe('backup-list --detail --json');
    expect(calls.filter((c) => c.startsWith('backup-mark --impermanent'))).toEqual(p.unmark.map((n) => `backup-mark --impermanent ${n}`));
    expect(p.unmark).toHaveLength(1);
    expect(calls.filter((c) => /^backup-mark base_/.test(c))).toEqual(p.mark.map((n) => `backup-mark ${n}`));
    expect(calls.filter((c) => c.startsWith('delete target'))).toEqual(p.delete.map((n) => `delete target ${n} --confirm`));
    expect(calls[calls.length - 1]).toBe(`delete before ${p.before[0]} --confirm`);
    expect(lastOf('backup-mark --impermanent')).toBeLessThan(calls.indexOf(`backup-mark ${p.mark[0]}`));
    expect(calls.indexOf(`backup-mark ${p.mark[p.mark.length - 1]}`)).toBeLessThan(firstOf('delete target'));
    expect(lastOf('delete target')).toBeLessThan(firstOf('delete before'));
  });

  test('a failed mark stops the script before anything is deleted', () => {
    const p = plan(list);
    const { status, calls } = run(`backup-mark ${p.mark[0]}`);
    expect(status).not.toBe(0);
    expect(calls.some((c) => c.startsWith('delete'))).toBe(false);
  });
});

describe('backup settings: a recovery window or tiers', () => {
  test('receivables keeps its window and its loop prunes with delete retain', () => {
    const r = manifestsOf(renderPlatform(loadEnvironment('production', 'receivables')));
    const cm = r.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'postgres-patroni')!;
    expect(cm.data['backup-retention.sh']).toBeUndefined();
    expect(cm.data['backup-loop.sh']).toContain('wal-g delete retain FULL "$BACKUP_RETAIN_FULL" --confirm');
  });

  test('errors name the field', () => {
    const both = input('production');
    both.stores.postgres.backup = { intervalHours: 6, retentionDays: 7, retention: { daily: 7 } };
    expect(messagesOf('production', both)).toEqual([expect.stringContaining('stores.postgres.backup.retention')]);
    expect(messagesOf('production', both)[0]).toContain('cannot be combined with retentionDays (7)');
    const none = input('production');
    none.stores.postgres.backup = { intervalHours: 6 };
    expect(messagesOf('production', none)).toEqual([expect.stringContaining('stores.postgres.backup')]);
    expect(messagesOf('production', none)[0]).toContain('needs retentionDays (a recovery window) or retention');
    const zero = input('production');
    zero.stores.postgres.backup = { intervalHours: 6, retention: { hourly: 0 } };
    expect(messagesOf('production', zero)[0]).toContain('must keep at least one tier');
    const negative = input('production');
    negative.stores.postgres.backup = { intervalHours: 6, retention: { weekly: -1 } };
    expect(messagesOf('production', negative)[0]).toContain('stores.postgres.backup.retention.weekly');
  });
});
