/**
 * Running the real PostgreSQL tier on 127.0.0.1 for the tests: Debian's etcd, Patroni, PostgreSQL 15 and
 * PgBouncer, started from the rendered configuration. Every process is started here and stopped here by PID.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** The unprivileged user the servers run as (PostgreSQL and PgBouncer refuse root). */
export function serviceUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined; // already unprivileged: run as ourselves
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g'), name: 'postgres' };
}

export function chownForService(dir: string): void {
  const u = serviceUser();
  if (u) spawnSync('chown', ['-R', `${u.uid}:${u.gid}`, dir]);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(everyMs);
  }
}

export function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
}

/** Processes started by a test, each stopped by its PID (and the postmasters they leave, by theirs). */
export class Processes {
  private readonly started: Started[] = [];
  private readonly extraPids = new Set<number>();

  constructor(private readonly logDir: string) {}

  start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
    const logFile = path.join(this.logDir, `${name}.log`);
    const out = fs.openSync(logFile, 'a');
    const u = serviceUser();
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', out, out], ...(u ? { uid: u.uid, gid: u.gid } : {}) });
    fs.closeSync(out);
    child.on('error', (e) => fs.appendFileSync(logFile, `spawn error: ${e.message}\n`));
    this.started.push({ name, child, logFile });
    return child;
  }

  /** A PID we did not spawn directly but must not leave behind (a postmaster forked by Patroni). */
  track(pid: number): void {
    this.extraPids.add(pid);
  }

  pidOf(name: string): number | undefined {
    return [...this.started].reverse().find((s) => s.name === name)?.child.pid;
  }

  log(name: string): string {
    const s = [...this.started].reverse().find((x) => x.name === name);
    return s && fs.existsSync(s.logFile) ? fs.readFileSync(s.logFile, 'utf8') : '';
  }

  /** SIGTERM to one started process by its PID, SIGKILL if it outlives `graceMs`; whether SIGTERM sufficed. */
  async stop(name: string, graceMs = 5000): Promise<boolean> {
    const pid = this.pidOf(name);
    if (!pid || !isAlive(pid)) return true;
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    const until = Date.now() + graceMs;
    while (Date.now() < until && isAlive(pid)) await sleep(100);
    if (!isAlive(pid)) return true;
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    return false;
  }

  /** SIGTERM to every process by PID, newest first, then SIGKILL to whatever is still alive after `graceMs`. */
  async stopAll(graceMs = 15000): Promise<void> {
    const pids = [...this.started].reverse().map((s) => s.child.pid).filter((p): p is number => !!p && isAlive(p));
    for (const pid of pids) try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    const until = Date.now() + graceMs;
    while (Date.now() < until && [...pids, ...this.extraPids].some(isAlive)) await sleep(200);
    for (const pid of [...pids, ...this.extraPids]) if (isAlive(pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

/** The PID of the postmaster running in a data directory, if any. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a program as the service user, synchronously. */
export function runAs(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 30000): SpawnSyncReturns<string> {
  const u = serviceUser();
  return spawnSync(command, args, { env, input, encoding: 'utf8', timeout: timeoutMs, ...(u ? { uid: u.uid, gid: u.gid } : {}) });
}

export interface PsqlTarget {
  /** A socket directory, or a TCP address; @default 127.0.0.1 */
  readonly host?: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** libpq's sslmode; @default prefer (libpq's default) */
  readonly sslmode?: string;
}

/**
 * One psql call (over TCP on 127.0.0.1 unless `host` names a socket directory); rejects with psql's message on failure. Asynchronous on purpose: the
 * stand-in primary Service runs in this process and must keep routing while psql waits.
 */
export function psql(t: PsqlTarget, sql: string, timeoutMs = 30000): Promise<string> {
  const u = serviceUser();
  return new Promise((resolve, reject) => {
    const child = spawn(`${PG_BIN}/psql`, ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', t.host ?? '127.0.0.1', '-p', String(t.port), '-U', t.user, '-d', t.database, '-c', sql],
      { env: { PATH: process.env.PATH, PGPASSWORD: t.password, PGCONNECT_TIMEOUT: '5', PGSSLMODE: t.sslmode ?? 'prefer' }, stdio: ['ignore', 'pipe', 'pipe'], ...(u ? { uid: u.uid, gid: u.gid } : {}) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else reject(new Error(`psql on port ${t.port} as ${t.user} failed: ${signal ? `killed by ${signal} after ${timeoutMs} ms` : err.trim()}`));
    });
  });
}

/**
 * pgbench over TCP on 127.0.0.1 with a custom script (no initialisation, no vacuum); resolves with its exit code
 * and output. Asynchronous for the same reason as psql.
 */
export function pgbench(t: PsqlTarget, script: string, args: string[], timeoutMs = 60000): Promise<{ code: number | null; out: string }> {
  const u = serviceUser();
  return new Promise((resolve, reject) => {
    const child = spawn(`${PG_BIN}/pgbench`, ['-n', '-h', t.host ?? '127.0.0.1', '-p', String(t.port), '-U', t.user, '-f', script, ...args, t.database],
      { env: { PATH: process.env.PATH, PGPASSWORD: t.password, PGCONNECT_TIMEOUT: '5', PGSSLMODE: t.sslmode ?? 'prefer' }, stdio: ['ignore', 'pipe', 'pipe'], ...(u ? { uid: u.uid, gid: u.gid } : {}) });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

/** PgBouncer as in the pooler image, built by scripts/test-deps.sh (Debian bookworm's 1.18 is too old). */
export const PGBOUNCER_BIN = path.resolve(__dirname, '../../.build/test-deps/pgbouncer/bin');

/**
 * A TCP proxy standing in for the primary Service: Kubernetes routes it to whatever address Patroni wrote into
 * the leader Endpoints; here each new connection goes to the member whose Patroni answers 200 on /primary.
 */
export class PrimaryServiceProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly members: readonly { pgPort: number; apiPort: number }[]) {
    this.server = net.createServer((client) => void this.route(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  private async route(client: net.Socket): Promise<void> {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    let target: number | undefined;
    for (const m of this.members) {
      const r = await httpGet(m.apiPort, '/primary').catch(() => undefined);
      if (r?.status === 200) { target = m.pgPort; break; }
    }
    if (target === undefined || client.destroyed) { client.destroy(); return; }
    const upstream = net.connect(target, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('close', () => { this.sockets.delete(upstream); client.destroy(); });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
