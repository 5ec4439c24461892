/**
 * The web frontend's generated nginx.conf, proven on Debian's nginx: `nginx -t` accepts it, and a real nginx
 * serving a sample build on 127.0.0.1 answers health checks, falls back to index.html for client-side routes,
 * caches hashed assets, serves the runtime settings and sends the security headers. Every path nginx writes to
 * is under the run directory (the container's /tmp), as the read-only root filesystem requires.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { frontendNginxConfig } from '../charts/apps/frontend-config';
import { rendered } from './support/apps';

const NGINX = '/usr/sbin/nginx';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apps-nginx-'));
const root = path.join(dir, 'html');
const run = path.join(dir, 'run');
let server: ChildProcess | undefined;
let port = 0;
let stderr = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

async function waitForPort(p: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(p, '127.0.0.1', () => { sock.destroy(); resolve(true); });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nginx did not listen on ${p}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const config = (listenPort: number) => frontendNginxConfig({
  port: listenPort, apiBaseUrl: 'https://api.test.example.com', tenantApiUrlTemplate: 'https://{tenant}.api.test.example.com',
  environment: 'test', root, runDir: run, listenAddress: '127.0.0.1',
});

beforeAll(async () => {
  // Started as root (CI), nginx's workers run as nobody: they must be able to read the document root.
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.mkdirSync(run, { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>receivables</title><div id="root"></div>\n');
  fs.writeFileSync(path.join(root, 'assets', 'app.3f2a1b.js'), `console.log(${JSON.stringify('x'.repeat(4096))});\n`);
  port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, config(port));
  server = spawn(NGINX, ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr!.on('data', (d) => { stderr += d; });
  await waitForPort(port, 10000);
});

afterAll(() => {
  if (server?.pid && server.exitCode === null) {
    server.kill('SIGTERM');
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('nginx -t accepts the generated configuration', () => {
  const conf = path.join(dir, 'check.conf');
  fs.writeFileSync(conf, config(port + 1));
  // stdout to /dev/null: nginx opens /dev/stdout for the access log, which a socketpair cannot be reopened as.
  const r = spawnSync(NGINX, ['-t', '-p', dir, '-c', conf], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  expect(r.stderr).toContain('syntax is ok');
  expect({ status: r.status, out: r.stderr }).toEqual({ status: 0, out: expect.stringContaining('test is successful') });
});

test('the rendered ConfigMap holds the same configuration, for the container paths', () => {
  for (const r of rendered()) {
    const cm = r.find('ConfigMap', 'app-frontend', 'web-frontend-nginx')!;
    const conf: string = cm.data['nginx.conf'];
    expect(conf).toContain('pid /tmp/nginx.pid;');
    expect(conf).toContain(`listen 0.0.0.0:${r.plans.find((p) => p.entry.name === 'web-frontend')!.entry.port};`);
    expect(conf).toContain(`"apiBaseUrl":"https://api.${r.p.config.ingress.baseDomain}"`);
    // The frontend calls its tenant's host, the one the gateway rate-limits by (and the Ingress serves).
    const template = /"tenantApiUrlTemplate":"([^"]+)"/.exec(conf)![1];
    const apiHosts = r.find('Ingress', 'app-core', 'api')!.spec.rules.map((x: Record<string, string>) => x.host);
    for (const t of r.p.config.tenants) expect(apiHosts).toContain(new URL(template.replace('{tenant}', t.id)).hostname);
    // nothing is written outside /tmp
    for (const m of conf.matchAll(/(?:_temp_path|pid)\s+(\S+);/g)) expect(m[1].startsWith('/tmp/')).toBe(true);
  }
});

test('health check answers without touching the app', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('ok\n');
});

test('client-side routes fall back to index.html, uncached, with the security headers', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/invoices/2024/123`);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('<div id="root">');
  expect(res.headers.get('cache-control')).toBe('no-cache');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('content-security-policy')).toContain("connect-src 'self' https://api.test.example.com https://*.api.test.example.com;");
  expect(res.headers.get('server')).toBe('nginx');
});

test('hashed assets are cached for a year and gzip-compressed; a missing asset is a 404, not the app', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/assets/app.3f2a1b.js`, { headers: { 'accept-encoding': 'gzip' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(res.headers.get('content-encoding')).toBe('gzip');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  const missing = await fetch(`http://127.0.0.1:${port}/assets/gone.js`);
  expect(missing.status).toBe(404);
});

test('runtime settings are served as JavaScript, never cached', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/env.js`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/javascript');
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = await res.text();
  const json = /window\.__ENV__ = (.*);/.exec(body)![1];
  expect(JSON.parse(json)).toEqual({ apiBaseUrl: 'https://api.test.example.com', tenantApiUrlTemplate: 'https://{tenant}.api.test.example.com', environment: 'test' });
});

test('nginx wrote its pid and temporary files only under the run directory', () => {
  expect(fs.readFileSync(path.join(run, 'nginx.pid'), 'utf8').trim()).toBe(String(server!.pid));
  expect(stderr).not.toMatch(/\[emerg\]|\[crit\]/);
});
