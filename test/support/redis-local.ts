/**
 * Runs the rendered Redis configuration with Debian's redis-server and redis-sentinel on 127.0.0.1.
 *
 * The files come from the `redis-config` ConfigMap exactly as rendered into dist/<env>/12-redis/ (the same
 * toFileTree output main.ts writes). Only addresses and paths are rewritten, because six processes share one
 * host: every pod DNS name becomes 127.0.0.1 with a port of its own, `bind` becomes 127.0.0.1, and `dir` a
 * temporary directory. `rewrite` refuses any other change, and the start-up script runs unmodified (its paths
 * come from environment variables whose defaults are the pod's mount points).
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { toFileTree } from '../../charts/output/render';
import { renderPlatform } from '../../charts/platform';
import { loadEnvironment } from '../../environments';

export interface RenderedRedis {
  readonly files: Record<string, string>;
  readonly env: string;
}

export function renderedRedisFiles(env: string): RenderedRedis {
  const tree = toFileTree(renderPlatform(loadEnvironment(env)));
  const yaml = tree.get('12-redis/configmap.db-redis.redis-config.yaml');
  if (!yaml) throw new Error(`dist/receivables/${env}/12-redis has no redis-config ConfigMap`);
  return { env, files: parse(yaml).data };
}

/** A free TCP port on 127.0.0.1 (the kernel picks it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Replaces each `from` exactly once per occurrence listed; throws when a pattern is not found. */
function replaceLine(text: string, pattern: RegExp, replacement: string, what: string): string {
  pattern.lastIndex = 0;
  if (!pattern.test(text)) throw new Error(`rewrite for loopback: "${what}" not found`);
  return text.replace(pattern, replacement);
}

type Kind = 'redis' | 'sentinel';

export interface Member {
  readonly kind: Kind;
  readonly ordinal: number;
  readonly podName: string;
  /** Its address in the rendered files (pod DNS name and port). */
  readonly rendered: string;
  readonly port: number;
  readonly configDir: string;
  readonly runDir: string;
  readonly dataDir: string;
  pid?: number;
}

export class LocalRedis {
  readonly members: Member[] = [];
  readonly password = randomBytes(18).toString('base64url');
  private passwordFile = '';
  /** The test CA and the certificate every member serves and presents (made with openssl, never committed). */
  tlsDir = '';
  private logs: string[] = [];

  private constructor(readonly root: string, readonly rendered: RenderedRedis) {}

  static async create(rendered: RenderedRedis): Promise<LocalRedis> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-test-'));
    const c = new LocalRedis(root, rendered);
    // A safety net if jest exits without afterAll (a crashed worker): never leave servers behind.
    process.once('exit', () => c.stopAll());
    await c.prepare();
    return c;
  }

  get servers(): Member[] { return this.members.filter((m) => m.kind === 'redis'); }
  get sentinels(): Member[] { return this.members.filter((m) => m.kind === 'sentinel'); }

  private async prepare(): Promise<void> {
    const f = this.rendered.files;
    const list = (name: string) => (new RegExp(`^${name}="([^"]*)"$`, 'm').exec(f['topology.env'])?.[1] ?? '').split(' ').filter(Boolean);
    const servers = list('REDIS_NODES');
    const sentinels = list('SENTINEL_NODES');
    for (const [kind, addrs] of [['redis', servers], ['sentinel', sentinels]] as [Kind, string[]][]) {
      for (const [i, rendered] of addrs.entries()) {
        const podName = `${rendered.split('.')[0]}`;
        const dir = path.join(this.root, podName);
        const m: Member = {
          kind, ordinal: i, podName, rendered, port: await freePort(),
          configDir: path.join(dir, 'config'), runDir: path.join(dir, 'run'), dataDir: path.join(dir, 'data'),
        };
        for (const d of [m.configDir, m.runDir, m.dataDir]) fs.mkdirSync(d, { recursive: true });
        this.members.push(m);
      }
    }
    this.passwordFile = path.join(this.root, 'password');
    fs.writeFileSync(this.passwordFile, this.password, { mode: 0o600 });
    this.tlsDir = makeTestCertificates(path.join(this.root, 'tls'));

    // Every member sees the same topology, with loopback addresses.
    let topology = f['topology.env'];
    for (const m of this.members) topology = topology.split(m.rendered).join(`127.0.0.1:${m.port}`);
    for (const m of this.members) {
      const tlsFiles = [/^(tls-(?:cert|key|ca-cert)-file) \/etc\/redis-tls\//gm, `$1 ${this.tlsDir}/`, 'tls files'];
      const redisConf = [
        [/^bind .*$/m, 'bind 127.0.0.1', 'bind'],
        [/^tls-port 6379$/m, `tls-port ${m.port}`, 'tls-port'],
        tlsFiles,
        [/^dir \/data$/m, `dir ${m.dataDir}`, 'dir'],
      ].reduce((t, [p, r, w]) => replaceLine(t, p as RegExp, r as string, `redis.conf ${w}`), f['redis.conf']);
      const sentinelConf = [
        [/^bind .*$/m, 'bind 127.0.0.1', 'bind'],
        [/^tls-port 26379$/m, `tls-port ${m.port}`, 'tls-port'],
        tlsFiles,
        [/^dir \/run\/redis$/m, `dir ${m.runDir}`, 'dir'],
      ].reduce((t, [p, r, w]) => replaceLine(t, p as RegExp, r as string, `sentinel.conf ${w}`), f['sentinel.conf']);
      fs.writeFileSync(path.join(m.configDir, 'redis.conf'), redisConf);
      fs.writeFileSync(path.join(m.configDir, 'sentinel.conf'), sentinelConf);
      fs.writeFileSync(path.join(m.configDir, 'topology.env'), topology);
      // Executable, as the ConfigMap mounts it: Sentinel runs it as its client-reconfig-script.
      fs.writeFileSync(path.join(m.configDir, 'redis-ha.sh'), f['redis-ha.sh'], { mode: 0o755 });
    }
  }

  /** The rewritten files differ from the rendered ones only in lines that hold addresses or paths. */
  changedLines(): string[] {
    const out: string[] = [];
    for (const m of this.members) {
      for (const file of ['redis.conf', 'sentinel.conf', 'topology.env', 'redis-ha.sh']) {
        const a = this.rendered.files[file].split('\n');
        const b = fs.readFileSync(path.join(m.configDir, file), 'utf8').split('\n');
        if (a.length !== b.length) throw new Error(`${file}: line count changed`);
        a.forEach((line, i) => { if (line !== b[i]) out.push(`${file}: ${line} -> ${b[i]}`); });
      }
    }
    return out;
  }

  /** What the pod gives the script: its name, and the mount points moved to the member's directories. */
  private scriptEnv(m: Member): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH, POD_NAME: m.podName, REDIS_CONFIG_DIR: m.configDir, REDIS_RUN_DIR: m.runDir,
      REDIS_DATA_DIR: m.dataDir, REDIS_PASSWORD_FILE: this.passwordFile, REDIS_TLS_DIR: this.tlsDir,
    };
  }

  /**
   * Starts a member through the rendered start-up script, in a process group of its own, as a container holds
   * its processes: the script execs the server, or (a cold-start candidate) runs it beside the election.
   */
  start(m: Member): void {
    const log = path.join(this.root, `${m.podName}.log`);
    this.logs.push(log);
    const fd = fs.openSync(log, 'a');
    const child = spawn('sh', [path.join(m.configDir, 'redis-ha.sh'), m.kind], {
      env: this.scriptEnv(m),
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    fs.closeSync(fd);
    child.unref();
    m.pid = child.pid;
  }

  /** Runs the script as the kubelet would for a probe or the preStop hook: its exit status and output. */
  run(m: Member, mode: string, timeoutMs = 10_000): { status: number | null; output: string } {
    const r = spawnSync('sh', [path.join(m.configDir, 'redis-ha.sh'), mode], { env: this.scriptEnv(m), encoding: 'utf8', timeout: timeoutMs });
    return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  }

  /** SIGKILL (or another signal) to the member's process group (the group of the PID it was started as). */
  signal(m: Member, sig: NodeJS.Signals): void {
    if (m.pid === undefined) return;
    try { process.kill(-m.pid, sig); } catch { /* already gone */ }
    if (sig === 'SIGKILL') m.pid = undefined;
  }

  /** Whether the member's server or Sentinel process is running (its process group has a member). */
  running(m: Member): boolean {
    if (m.pid === undefined) return false;
    try { process.kill(-m.pid, 0); return true; } catch { return false; }
  }

  stopAll(): void {
    for (const m of this.members) {
      if (m.pid !== undefined) this.signal(m, 'SIGCONT');
      this.signal(m, 'SIGKILL');
    }
  }

  /** redis-cli's options for TLS with the test certificate (the plain port is off). */
  tlsArgs(): string[] {
    return ['--tls', '--cacert', path.join(this.tlsDir, 'ca.crt'), '--cert', path.join(this.tlsDir, 'tls.crt'), '--key', path.join(this.tlsDir, 'tls.key')];
  }

  /** One command; the raw reply lines ([] when unreachable). */
  cli(m: Member, ...args: string[]): string[] {
    const r = spawnSync('redis-cli', [...this.tlsArgs(), '--no-auth-warning', '--raw', '-h', '127.0.0.1', '-p', String(m.port), ...args], {
      env: { PATH: process.env.PATH, REDISCLI_AUTH: this.password }, encoding: 'utf8', timeout: 5000,
    });
    const lines = (r.stdout ?? '').split('\n').map((l) => l.replace(/\r$/, ''));
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  /** Many commands on one connection (a pipeline): one reply line each. */
  pipeline(m: Member, commands: string[]): string[] {
    const out = execFileSync('redis-cli', [...this.tlsArgs(), '--no-auth-warning', '--raw', '-h', '127.0.0.1', '-p', String(m.port)], {
      env: { PATH: process.env.PATH, REDISCLI_AUTH: this.password }, input: `${commands.join('\n')}\n`, encoding: 'utf8', timeout: 60000,
    });
    return out.split('\n').slice(0, commands.length);
  }

  role(m: Member): string | undefined {
    return this.cli(m, 'ROLE')[0];
  }

  /** The server a Sentinel names as master, as a member (undefined when it answers nothing known). */
  sentinelMaster(s: Member): Member | undefined {
    const [host, port] = this.cli(s, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterSet);
    return this.servers.find((m) => host === '127.0.0.1' && Number(port) === m.port);
  }

  /** SENTINEL MASTER as a map. */
  sentinelView(s: Member): Record<string, string> {
    const lines = this.cli(s, 'SENTINEL', 'MASTER', this.masterSet);
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < lines.length; i += 2) out[lines[i]] = lines[i + 1];
    return out;
  }

  info(m: Member, section: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const l of this.cli(m, 'INFO', section)) { const i = l.indexOf(':'); if (i > 0) out[l.slice(0, i)] = l.slice(i + 1); }
    return out;
  }

  /** The running servers that answer ROLE master. */
  masters(): Member[] {
    return this.servers.filter((m) => m.pid !== undefined && this.role(m) === 'master');
  }

  /** Every running Sentinel names `m` as master, knows the other Sentinels and `replicas` replicas, sees it up. */
  sentinelsAgreeOn(m: Member, replicas: number): boolean {
    const up = this.sentinels.filter((s) => s.pid !== undefined);
    return up.every((s) => {
      const v = this.sentinelView(s);
      // Every replica it knows is up too (a Sentinel refuses a failover while it sees none in good shape).
      const replicaFlags = this.cli(s, 'SENTINEL', 'REPLICAS', this.masterSet).filter((_, i, all) => all[i - 1] === 'flags');
      return this.sentinelMaster(s) === m && Number(v['num-other-sentinels']) === up.length - 1
        && Number(v['num-slaves']) >= replicas && !/o_down|s_down/.test(v.flags ?? '')
        && replicaFlags.filter((f) => !/s_down|disconnected/.test(f)).length >= replicas;
    });
  }

  /** A replica of `master` that finished its sync; `roles` collects each role `r` reports, in order. */
  linkedTo(r: Member, master: Member, roles?: string[]): boolean {
    const i = this.info(r, 'replication');
    if (roles && i.role && roles[roles.length - 1] !== i.role) roles.push(i.role);
    return i.role === 'slave' && Number(i.master_port) === master.port && i.master_link_status === 'up' && i.master_sync_in_progress === '0';
  }

  /**
   * Waits for one master that every running Sentinel names, with every other running server linked to it.
   * `seen` collects the largest number of masters observed at once while waiting (a split brain shows as 2).
   */
  async stable(ms: number, seen?: { maxMasters: number }): Promise<Member> {
    return waitFor('one master, named by every Sentinel, with every replica linked', ms, () => {
      const masters = this.masters();
      if (seen) seen.maxMasters = Math.max(seen.maxMasters, masters.length);
      if (masters.length !== 1) return undefined;
      const replicas = this.servers.filter((r) => r !== masters[0] && r.pid !== undefined);
      return replicas.every((r) => this.linkedTo(r, masters[0])) && this.sentinelsAgreeOn(masters[0], replicas.length) ? masters[0] : undefined;
    }, 200);
  }

  get masterSet(): string {
    return /^MASTER_SET=(.*)$/m.exec(this.rendered.files['topology.env'])![1];
  }

  tail(lines = 30): string {
    return [...new Set(this.logs)].filter((l) => fs.existsSync(l)).map((l) => `== ${path.basename(l)}\n${fs.readFileSync(l, 'utf8').split('\n').slice(-lines).join('\n')}`).join('\n');
  }
}

/**
 * A throw-away CA and one certificate for 127.0.0.1/localhost, usable as server and client certificate, made
 * with openssl in `dir` at test time (EC P-256, as cert-manager issues them; valid for one day).
 */
export function makeTestCertificates(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=redis test CA', '-days', '1');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  renewTestCertificate(dir);
  return dir;
}

/** A new key and certificate from the same test CA, written over tls.key and tls.crt (as cert-manager renews). */
export function renewTestCertificate(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'tls.key.new', '-out', 'tls.csr', '-subj', '/CN=localhost');
  ssl('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt.new', '-days', '1', '-extfile', 'ext.cnf');
  fs.chmodSync(path.join(dir, 'tls.key.new'), 0o600);
  fs.renameSync(path.join(dir, 'tls.key.new'), path.join(dir, 'tls.key'));
  fs.renameSync(path.join(dir, 'tls.crt.new'), path.join(dir, 'tls.crt'));
}

/** The serial number of the certificate a TLS server on 127.0.0.1:`port` presents. */
export function servedCertificateSerial(port: number): string {
  const served = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`], { input: '', encoding: 'utf8', timeout: 10_000 }).stdout ?? '';
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(served)?.[0] ?? '';
  return spawnSync('openssl', ['x509', '-noout', '-serial'], { input: pem, encoding: 'utf8' }).stdout.trim();
}

/** The serial number of a certificate file. */
export function certificateSerial(file: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-serial', '-in', file], { encoding: 'utf8' }).trim();
}

/** Polls until `check` returns a value other than undefined/false, or throws after `ms`. */
export async function waitFor<T>(what: string, ms: number, check: () => T | undefined | false, every = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
