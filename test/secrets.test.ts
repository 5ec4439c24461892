/**
 * The secret generator: covers exactly the Secrets the manifests reference, copies values across namespaces,
 * keeps fixed keys, never overwrites an existing Secret, never writes a value into the repository, and stops at
 * the first failure. Run end to end as `npm run secrets` runs it, against a fake kubectl on PATH.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { NAMESPACES, type DeclaredSecret } from '../charts/data/refs';
import type { Manifest, RenderedPlatform } from '../charts/platform';
import { apply, generate, ordered, randomValue } from '../scripts/secrets';
import { Kubectl } from '../scripts/lib/kubectl';
import { fakeKubectl, type FakeKubectl } from './support/fake-kubectl';
import { nameOf, podTemplates, renderAll, renderEvery } from './support/render';
import { loadEnvironment } from '../environments';

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, '.build', 'test-secrets.js');
beforeAll(() => {
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), ['scripts/secrets.ts', '--bundle', '--platform=node', '--target=node20',
    '--packages=external', '--log-level=warning', `--outfile=${BUNDLE}`], { cwd: ROOT, stdio: 'pipe' });
});
afterAll(() => fs.rmSync(BUNDLE, { force: true }));

const fakes: FakeKubectl[] = [];
afterAll(() => fakes.forEach((f) => f.cleanup()));
function fake(fail?: string): FakeKubectl {
  const f = fakeKubectl(fail);
  fakes.push(f);
  return f;
}

function secrets(k: FakeKubectl | undefined, ...args: string[]) {
  const r = spawnSync(process.execPath, [BUNDLE, ...args], { cwd: ROOT, env: k?.env ?? process.env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `namespace/name` of every Secret the manifests reference: pods (volumes, env, envFrom, pull secrets) and add-on values. */
function referenced(p: RenderedPlatform): Set<string> {
  const out = new Set<string>();
  const ms = p.charts.flatMap((c) => c.manifests);
  for (const { owner, template } of podTemplates(ms)) {
    const ns = owner.metadata.namespace;
    const pod = template.spec;
    for (const v of pod.volumes ?? []) {
      if (v.secret) out.add(`${ns}/${v.secret.secretName}`);
      for (const s of v.projected?.sources ?? []) if (s.secret) out.add(`${ns}/${s.secret.name}`);
    }
    for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) out.add(`${ns}/${e.valueFrom.secretKeyRef.name}`);
      for (const e of c.envFrom ?? []) if (e.secretRef) out.add(`${ns}/${e.secretRef.name}`);
    }
    for (const s of pod.imagePullSecrets ?? []) out.add(`${ns}/${s.name}`);
  }
  for (const app of ms.filter((m) => m.kind === 'Application' && m.spec.source.helm)) {
    JSON.stringify(app.spec.source.helm.valuesObject, (k, v) => { if (k === 'existingSecret' && v) out.add(`${app.spec.destination.namespace}/${v}`); return v; });
  }
  // Secrets that cert-manager writes for a rendered Certificate are not the generator's to create.
  for (const cert of ms.filter((m) => m.kind === 'Certificate')) out.delete(`${cert.metadata.namespace}/${cert.spec.secretName}`);
  return out;
}

const generating = renderEvery().filter((p) => p.config.secrets.source === 'generate');

describe.each(generating.map((p) => [nameOf(p), p] as const))('%s', (_key, p) => {
  // A standby's Secrets shared with its source (its Postgres roles, the source's archive keys) hold the source's values.
  const shared = p.secrets.filter((s) => s.fromSource);
  const sourceValue = (s: { namespace: string; name: string }, key: string) => `source-${s.namespace}-${s.name}-${key}`;

  test('--apply creates exactly the declared Secrets, which cover every Secret the manifests reference', () => {
    const k = fake();
    for (const s of shared) k.store(s.fromSource!.namespace, s.fromSource!.name, Object.fromEntries(s.keys.map((key) => [key, sourceValue(s.fromSource!, key)])), 'source');
    const r = secrets(k, '--platform', p.config.platform.name, '--env', p.config.name, '--apply', ...(shared.length ? ['--source-context', 'source'] : []));
    // A managed service's credentials are the site's to create (never generated): the tool says so, and only that.
    const site = new Set(p.secrets.filter((s) => s.suppliedBy === 'site').map((s) => `${s.namespace}/${s.name}`));
    expect(r.stderr).toBe(site.size ? `note: the site creates ${[...site].join(', ')} (credentials of external stores, keys of outside services) before the install\n` : '');
    expect(r.code).toBe(0);
    const created = [...k.secrets().keys()].sort();
    expect(created).toEqual([...new Set(p.secrets.map((s) => `${s.namespace}/${s.name}`))].filter((x) => !site.has(x)).sort());
    for (const ref of referenced(p)) expect({ ref, found: created.includes(ref) || site.has(ref) }).toEqual({ ref, found: true });
    // Declared but unreferenced only where no workload runs yet (a store whose chart is not rendered).
    const withPods = new Set(podTemplates(p.charts.flatMap((c) => c.manifests)).map(({ owner }) => owner.metadata.namespace));
    const unused = created.filter((s) => !referenced(p).has(s) && withPods.has(s.split('/')[0]));
    expect(unused).toEqual([]);
    // Every key has a value: the declared fixed one, or a random one.
    for (const s of p.secrets.filter((x) => x.suppliedBy !== 'site')) {
      const values = k.secrets().get(`${s.namespace}/${s.name}`)!;
      expect(Object.keys(values).sort()).toEqual([...s.keys].sort());
      for (const key of s.keys) expect(values[key]).toBe(s.fromSource ? sourceValue(s.fromSource, key) : s.fixed?.[key] ?? values[key]);
    }
    // A copy of a shared Secret (an application's database login) has the source's values as well.
    for (const s of p.secrets.filter((x) => x.copyOf && shared.some((o) => `${o.namespace}/${o.name}` === `${x.copyOf!.namespace}/${x.copyOf!.name}`))) {
      const original = shared.find((o) => o.namespace === s.copyOf!.namespace && o.name === s.copyOf!.name)!;
      for (const key of s.keys) expect(k.secrets().get(`${s.namespace}/${s.name}`)![key]).toBe(sourceValue(original.fromSource!, key));
    }
  });

  if (shared.length) {
    test('a standby: without --source-context, --apply stops at the first Secret that must hold the source\'s values and names how to copy it', () => {
      const k = fake();
      const r = secrets(k, '--platform', p.config.platform.name, '--env', p.config.name, '--apply');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`error: Secret ([a-z-]+/[a-z-]+) must hold the values of [a-z-]+/[a-z-]+ in ${p.config.name}'s source environment: run again with --source-context`));
      const named = /error: Secret ([a-z-]+\/[a-z-]+)/.exec(r.stderr)![1];
      expect(shared.map((s) => `${s.namespace}/${s.name}`)).toContain(named);
      expect(k.secrets().has(named)).toBe(false);
      // --print cannot invent them either.
      const printed = secrets(fake(), '--platform', p.config.platform.name, '--env', p.config.name, '--print');
      expect(printed.code).toBe(2);
      expect(printed.stderr).toContain('is a standby');
    });
  }
});

test('a standby\'s shared Secrets are exactly its Postgres roles, the source\'s archive keys and its mirror\'s keys; only standbys have them', () => {
  for (const p of renderEvery()) {
    const ids = p.secrets.filter((s) => s.fromSource).map((s) => `${s.namespace}/${s.name} <- ${s.fromSource!.namespace}/${s.fromSource!.name}`);
    const pg = p.config.stores.postgres;
    const mirror = p.config.apps.standby ? p.config.stores.minio?.mirror : undefined;
    const ns = NAMESPACES.postgres;
    const m = NAMESPACES.minio;
    const expected = [
      // The exporter's role too, where the standby runs postgres_exporter (a physical copy has the source's role).
      ...(pg?.standby ? ['postgres-app', 'postgres-replication', 'postgres-rewind', 'postgres-superuser', ...(pg.exporter ? ['postgres-exporter'] : [])].map((n) => `${ns}/${n} <- ${ns}/${n}`)
        .concat(`${ns}/postgres-source-archive <- ${m}/minio-postgres`) : []),
      ...(mirror?.clients ?? []).map((c) => `${m}/minio-source-${c} <- ${m}/minio-${c}`),
    ];
    expect({ env: nameOf(p), ids: ids.sort() }).toEqual({ env: nameOf(p), ids: expected.sort() });
  }
});

describe('values', () => {
  const declared: DeclaredSecret[] = [
    { namespace: 'app-core', name: 'pg', keys: ['username', 'password'], copyOf: { namespace: 'db-postgres', name: 'pg-app' } },
    { namespace: 'db-postgres', name: 'pg-app', keys: ['username', 'password'], fixed: { username: 'receivables' } },
    { namespace: 'storage-minio', name: 'minio-root', keys: ['rootUser', 'rootPassword'] },
  ];

  test('originals come before their copies; a copy gets its original\'s values; fixed keys keep theirs', () => {
    expect(ordered(declared).map((s) => s.name)).toEqual(['pg-app', 'minio-root', 'pg']);
    const v = generate(declared);
    expect(v.get('app-core/pg')).toEqual(v.get('db-postgres/pg-app'));
    expect(v.get('db-postgres/pg-app')!.username).toBe('receivables');
    expect(v.get('storage-minio/minio-root')!.rootUser).toMatch(/^[a-z][a-z0-9]{19}$/);
    expect(v.get('storage-minio/minio-root')!.rootPassword).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  test('random values differ from run to run and from key to key', () => {
    const seen = new Set(Array.from({ length: 200 }, () => randomValue('password')));
    expect(seen.size).toBe(200);
  });

  test('a Secret declared twice differently is refused; twice identically is one Secret', () => {
    const a: DeclaredSecret = { namespace: 'a', name: 'x', keys: ['k'] };
    expect(ordered([a, { ...a }])).toHaveLength(1);
    expect(() => ordered([a, { ...a, keys: ['k', 'j'] }])).toThrow(/a\/x is declared twice, differently/);
  });

  test('a copy of an undeclared original, or one lacking keys, is refused', () => {
    expect(() => ordered([{ namespace: 'a', name: 'x', keys: ['k'], copyOf: { namespace: 'b', name: 'y' } }])).toThrow(/copies b\/y, which is not declared/);
    expect(() => ordered([{ namespace: 'b', name: 'y', keys: ['k'] }, { namespace: 'a', name: 'x', keys: ['k', 'j'], copyOf: { namespace: 'b', name: 'y' } }]))
      .toThrow(/needs keys it lacks: j/);
  });
});

describe('never overwrites', () => {
  test('existing Secrets are kept as they are; copies of an existing original get its values from the cluster', () => {
    const p = generating.find((x) => x.config.name === 'staging')!;
    const k = fake();
    const [first, second] = p.secrets;
    k.store(first.namespace, first.name, Object.fromEntries(first.keys.map((key) => [key, `kept-${key}`])));
    const r = secrets(k, '--env', 'staging', '--apply');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`kept     ${first.namespace}/${first.name} (exists)`);
    expect(k.secrets().get(`${first.namespace}/${first.name}`)).toEqual(Object.fromEntries(first.keys.map((key) => [key, `kept-${key}`])));
    expect(k.calls().filter((c) => c.startsWith('create')).length).toBe(new Set(p.secrets.map((s) => `${s.namespace}/${s.name}`)).size - 1);
    expect(k.secrets().get(`${second.namespace}/${second.name}`)).toBeDefined();

    // A second run creates nothing and changes nothing.
    const before = k.secrets();
    const again = secrets(k, '--env', 'staging', '--apply');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^0 created, \d+ kept/m);
    expect(k.secrets()).toEqual(before);
    expect(k.calls().filter((c) => /^(apply|replace|patch|delete|edit)\b/.test(c))).toEqual([]);
  });

  test('a copy that differs from its original is reported, not overwritten; a missing copy gets the cluster\'s values', () => {
    const k = fake();
    k.store('db-redis', 'redis-auth', { password: 'original' });
    k.store('app-core', 'redis-auth', { password: 'stale' });
    const out: string[] = []; const err: string[] = [];
    const problems = apply(loadEnvironment('dev'), [
      { namespace: 'db-redis', name: 'redis-auth', keys: ['password'] },
      { namespace: 'app-core', name: 'redis-auth', keys: ['password'], copyOf: { namespace: 'db-redis', name: 'redis-auth' } },
      { namespace: 'app-core', name: 'redis-copy', keys: ['password'], copyOf: { namespace: 'db-redis', name: 'redis-auth' } },
    ], new Kubectl(k.bin, undefined, k.env), { out: (s) => out.push(s), err: (s) => err.push(s) });
    expect(problems).toBe(1);
    expect(err.join('\n')).toMatch(/app-core\/redis-auth differs from its original db-redis\/redis-auth/);
    expect(k.secrets().get('app-core/redis-auth')).toEqual({ password: 'stale' });
    expect(k.secrets().get('app-core/redis-copy')).toEqual({ password: 'original' });
    expect(out).toContain('created  app-core/redis-copy (copy of db-redis/redis-auth)');
  });
});

describe('never writes a value into the repository', () => {
  /** Every file of the repository (dependencies, Git and build output aside) with its modification time. */
  function repoFiles(): Map<string, number> {
    const out = new Map<string, number>();
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (['node_modules', '.git', '.build'].includes(e.name)) continue;
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) out.set(p, fs.statSync(p).mtimeMs);
      }
    };
    walk(ROOT);
    return out;
  }

  test('--apply and --print leave every file as it was, and no generated value appears in any file', () => {
    const before = repoFiles();
    const k = fake();
    expect(secrets(k, '--env', 'production', '--apply').code).toBe(0);
    const printed = secrets(undefined, '--env', 'production', '--print');
    expect(printed.code).toBe(0);
    expect(repoFiles()).toEqual(before);

    const values = new Set<string>();
    for (const v of k.secrets().values()) for (const x of Object.values(v)) if (x.length >= 20) values.add(x);
    for (const doc of parseAllDocuments(printed.stdout)) {
      const s = doc.toJSON() as Manifest;
      for (const x of Object.values<string>(s.data)) { const d = Buffer.from(x, 'base64').toString(); if (d.length >= 20) values.add(d); }
    }
    expect(values.size).toBeGreaterThan(5);
    for (const file of before.keys()) {
      const content = fs.readFileSync(file, 'utf8');
      for (const v of values) expect({ file, leaked: content.includes(v) }).toEqual({ file, leaked: false });
    }
    // Values go to kubectl on stdin, never as arguments.
    for (const call of k.calls()) for (const v of values) expect(call.includes(v)).toBe(false);
  });
});

describe('failures and Vault', () => {
  test('stops at the first failing create and names the Secret', () => {
    const k = fake('^create');
    const r = secrets(k, '--env', 'dev', '--apply');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: creating Secret [a-z-]+\/[a-z-]+ failed: error: simulated failure[\s\S]*stopped/);
    expect(k.calls().filter((c) => c.startsWith('create'))).toHaveLength(1);
  });

  test('an environment reading Vault creates only the bootstrap Secrets with --apply and seeds Vault with the rest, without overwriting', () => {
    const dr = renderAll().find((p) => p.config.name === 'dr')!;
    const refused = secrets(fake(), '--env', 'dr', '--print');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/reads Secret values from Vault.*--vault-seed/);
    // grafana-admin is needed by kube-prometheus-stack (first add-on wave) before External Secrets runs.
    const k = fake();
    const applied = secrets(k, '--env', 'dr', '--apply');
    expect(applied.code).toBe(0);
    expect([...k.secrets().keys()]).toEqual(['monitoring/grafana-admin']);
    const seed = secrets(undefined, '--env', 'dr', '--vault-seed');
    expect(seed.code).toBe(0);
    const originals = dr.secrets.filter((s) => !s.copyOf && s.keys.some((key) => !(s.fixed && key in s.fixed)) && s.name !== 'grafana-admin');
    const puts = seed.stdout.split('\n').filter((l) => l.startsWith('vault kv put'));
    expect(puts).toHaveLength(originals.length);
    for (const l of puts) expect(l).toMatch(/^vault kv put -mount=secret -cas=0 receivables\/dr\/[a-z-]+\/[a-z-]+ - <<'EOF'$/);
    // Each path is the one its ExternalSecret reads.
    const keys = new Set(dr.charts.flatMap((c) => c.manifests).filter((m) => m.kind === 'ExternalSecret').flatMap((m) => m.spec.data.map((d: Manifest) => d.remoteRef.key)));
    expect(new Set(puts.map((l) => l.split(' ')[5]))).toEqual(keys);
  });

  test('usage errors name what is wrong', () => {
    expect(secrets(undefined, '--env', 'dev').stderr).toMatch(/exactly one of --apply, --print, --vault-seed/);
    expect(secrets(undefined, '--env', 'prod', '--print').stderr).toMatch(/"prod".*is not an environment/);
  });
});

test('a kubectl that refuses before reading its input is reported with its own status and message, not as EPIPE', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'early-kubectl-'));
  try {
    const bin = path.join(dir, 'kubectl');
    fs.writeFileSync(bin, '#!/bin/sh\necho "error: refused at once" >&2\nexit 1\n', { mode: 0o755 });
    // Larger than a pipe's buffer, so the write fails once the program has exited.
    const r = new Kubectl(bin).run(['create', '-f', '-'], 'x'.repeat(4 * 1024 * 1024));
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: refused at once\n' });
    expect(() => new Kubectl(path.join(dir, 'missing')).run(['version'])).toThrow(/cannot run .*missing: spawnSync .* ENOENT/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
