/**
 * Weaviate's setup and backup scripts, run for real against a stand-in of Weaviate's REST API (a small HTTP server
 * in this process): the schema setup creates exactly the missing classes and is idempotent, the backup waits for
 * the end of the backup it started and fails when it fails.
 *
 * The scripts run with busybox's sh and wget when busybox is installed (the Weaviate image is Alpine: busybox),
 * else with the system's sh and GNU wget; the test titles say which. What this does not prove: the real server's
 * answers beyond what the stand-in imitates (the routes, status codes and JSON fields of openapi-specs/schema.json
 * at v1.38.11: compact JSON, `"class":"<Name>"`, backup `"status"`), and Alpine's busybox build (Debian's here).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { contractFor, WEAVIATE_CONTRACTS, type ImageContract } from '../charts/lib/image-contracts';
import type { Manifest } from '../charts/platform';
import { checkPod } from './support/image-contracts';
import { describeObject, podTemplates } from './support/render';
import { renderWeaviate } from './support/weaviate';

const ADMIN_KEY = 'admin-key-for-the-stand-in';
const { manifests } = renderWeaviate();
const files = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'weaviate-scripts')!.data as Record<string, string>;

// ---- the tools: busybox's applets where busybox is installed ----------------------------------------------------

// WEAVIATE_SCRIPTS_WGET=gnu runs them with GNU wget even where busybox is installed.
const busybox = process.env.WEAVIATE_SCRIPTS_WGET === 'gnu' ? undefined : ['/usr/bin/busybox', '/bin/busybox'].find((p) => fs.existsSync(p));
const WITH = busybox ? 'busybox sh and wget' : 'sh and GNU wget';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'weaviate-scripts-'));
const bin = path.join(work, 'bin');
fs.mkdirSync(bin);
if (busybox) for (const applet of ['sh', 'wget', 'timeout', 'grep', 'sleep', 'date']) fs.symlinkSync(busybox, path.join(bin, applet));
const conf = path.join(work, 'setup');
fs.mkdirSync(conf);
for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(conf, name), text);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// ---- the stand-in ----------------------------------------------------------------------------------------------

interface StandIn {
  readonly url: string;
  readonly classes: Record<string, unknown>[];
  readonly requests: string[];
  close(): Promise<void>;
}
interface StandInOptions {
  readonly classes?: string[];
  /** /v1/.well-known/ready answers 503 this many times first. */
  readonly notReady?: number;
  /** POST /v1/schema creates the class but answers 422, as when another run created it meanwhile. */
  readonly racingCreate?: boolean;
  /** Backup statuses in the order GET /v1/backups/s3/<id> returns them (the last one repeats). */
  readonly backupStatuses?: string[];
}

async function standIn(o: StandInOptions = {}): Promise<StandIn> {
  const classes: Record<string, unknown>[] = (o.classes ?? []).map((c) => ({ class: c, vectorizer: 'none' }));
  const requests: string[] = [];
  let notReady = o.notReady ?? 0;
  const backups = new Map<string, number>();
  const json = (res: http.ServerResponse, code: number, body: unknown) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      if (req.url === '/v1/.well-known/ready') { res.writeHead(notReady-- > 0 ? 503 : 200); res.end(); return; }
      // Like Weaviate with API keys and no anonymous access: 401 without a valid key.
      if (req.headers.authorization !== `Bearer ${ADMIN_KEY}`) { res.writeHead(401); res.end(); return; }
      if (req.method === 'GET' && req.url === '/v1/schema') { json(res, 200, { classes }); return; }
      if (req.method === 'POST' && req.url === '/v1/schema') {
        const c = JSON.parse(body) as { class: string };
        const exists = classes.some((x) => String(x.class).toLowerCase() === c.class.toLowerCase());
        if (!exists) classes.push(c);
        if (exists || o.racingCreate) { json(res, 422, { error: [{ message: `class name "${c.class}" already exists` }] }); return; }
        json(res, 200, c);
        return;
      }
      if (req.method === 'POST' && req.url === '/v1/backups/s3') {
        const { id } = JSON.parse(body) as { id: string };
        if (!/^[a-z0-9_-]+$/.test(id)) { json(res, 422, { error: [{ message: 'invalid id' }] }); return; }
        backups.set(id, 0);
        json(res, 200, { id, backend: 's3', status: 'STARTED' });
        return;
      }
      const m = /^\/v1\/backups\/s3\/([^/]+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && m && backups.has(m[1])) {
        const statuses = o.backupStatuses ?? ['SUCCESS'];
        const n = backups.get(m[1])!;
        backups.set(m[1], n + 1);
        json(res, 200, { id: m[1], backend: 's3', path: 's3://backups-weaviate/production/' + m[1], status: statuses[Math.min(n, statuses.length - 1)] });
        return;
      }
      res.writeHead(404); res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, classes, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function run(script: string, url: string, key = ADMIN_KEY): Promise<{ code: number; stdout: string; stderr: string }> {
  const shell = busybox ? path.join(bin, 'sh') : '/bin/sh';
  const env = { PATH: `${bin}:/usr/bin:/bin`, WEAVIATE_URL: url, WEAVIATE_API_KEY: key, CONF: conf, READY_INTERVAL: '1', POLL_INTERVAL: '1', READY_ATTEMPTS: '10' };
  return new Promise((resolve) => {
    execFile(shell, [path.join(conf, script)], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const posts = (s: StandIn) => s.requests.filter((r) => r === 'POST /v1/schema').length;

describe(`setup.sh (${WITH})`, () => {
  test('waits for ready, creates the missing classes, leaves the existing one; a second run creates nothing', async () => {
    const s = await standIn({ classes: ['NormalizedSKU'], notReady: 1 });
    try {
      const first = await run('setup.sh', s.url);
      expect(first).toEqual(expect.objectContaining({ code: 0 }));
      expect(first.stdout).toContain('class NormalizedSKU: exists, left as it is');
      expect(first.stdout).toContain('schema: 2 classes created');
      expect(s.requests.filter((r) => r === 'GET /v1/.well-known/ready')).toHaveLength(2);
      expect(s.classes.map((c) => c.class).sort()).toEqual(['NormalizedSKU', 'Policies', 'SupplierCatalog']);
      // What was POSTed is exactly the rendered definition.
      const policies = s.classes.find((c) => c.class === 'Policies');
      expect(policies).toEqual(JSON.parse(files['class-Policies.json']));
      expect(policies).toEqual(expect.objectContaining({ vectorizer: 'none', replicationConfig: { factor: 3 } }));
      expect(posts(s)).toBe(2);

      const second = await run('setup.sh', s.url);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('schema: 0 classes created');
      expect(posts(s)).toBe(2);
    } finally { await s.close(); }
  });

  test('a class created by another run meanwhile (the POST answers 422) is not an error', async () => {
    const s = await standIn({ racingCreate: true });
    try {
      const r = await run('setup.sh', s.url);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('class SupplierCatalog: created meanwhile by another run');
    } finally { await s.close(); }
  });

  test('a refused API key fails the Job (nothing is created)', async () => {
    const s = await standIn();
    try {
      const r = await run('setup.sh', s.url, 'wrong-key');
      expect(r.code).not.toBe(0);
      expect(s.classes).toEqual([]);
    } finally { await s.close(); }
  });

  test('a server that never becomes ready fails the Job after READY_ATTEMPTS', async () => {
    const s = await standIn({ notReady: 100 });
    try {
      const r = await run('setup.sh', s.url);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('is not ready');
      expect(s.requests.filter((x) => x === 'GET /v1/.well-known/ready')).toHaveLength(10);
    } finally { await s.close(); }
  }, 30_000);
});

describe(`backup.sh (${WITH})`, () => {
  test('starts a backup with a valid id and waits until it succeeds', async () => {
    const s = await standIn({ backupStatuses: ['STARTED', 'TRANSFERRING', 'SUCCESS'] });
    try {
      const r = await run('backup.sh', s.url);
      expect(r.code).toBe(0);
      const started = s.requests.filter((x) => x === 'POST /v1/backups/s3');
      expect(started).toHaveLength(1);
      const polls = s.requests.filter((x) => /^GET \/v1\/backups\/s3\/scheduled-[0-9]{8}-[0-9]{6}$/.test(x));
      expect(polls).toHaveLength(3);
      expect(r.stdout).toMatch(/backup scheduled-[0-9]{8}-[0-9]{6}: SUCCESS/);
    } finally { await s.close(); }
  });

  test('a FAILED backup fails the Job', async () => {
    const s = await standIn({ backupStatuses: ['TRANSFERRING', 'FAILED'] });
    try {
      const r = await run('backup.sh', s.url);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('"status":"FAILED"');
    } finally { await s.close(); }
  });
});

test('the image contract check reads these scripts: without wget in the image, the setup and backup pods fail it', () => {
  const weaviate = WEAVIATE_CONTRACTS[0];
  const noWget: ImageContract = { ...weaviate, programs: weaviate.programs!.map((g) => ({ ...g, value: g.value.filter((p) => !p.endsWith('/wget')) })) };
  const lookup = (image: string) => (image === `${weaviate.repository}:${weaviate.tag}` ? noWget : contractFor(image));
  const configMaps = new Map(manifests.filter((m) => m.kind === 'ConfigMap').map((m) => [m.metadata.name as string, m.data as Record<string, string>]));
  const flagged = podTemplates(manifests).filter(({ owner, template }) => checkPod({ env: 'unit', workload: describeObject(owner as Manifest), template, configMaps }, lookup)
    .some((v) => v.rule === 'program' && /"wget"/.test(v.message))).map(({ owner }) => owner.kind).sort();
  expect(flagged).toEqual(['CronJob', 'Job']);
});
