/**
 * The installer, run as `npm run install:cluster` runs it, against a fake kubectl on PATH: the --dry-run plan
 * of each environment applies namespaces and CRDs first and every folder once, in the order of the Argo CD
 * waves; a run waits for CRDs and rollouts in the right places, never deletes, and stops at the first failure.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { toFileTree, toYaml, writeDist } from '../charts/lib/render';
import { applyOrder, foldersNeedingAddons } from '../charts/gitops/order';
import { fakeKubectl, type FakeKubectl } from './support/fake-kubectl';
import { renderAll } from './support/render';

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, '.build', 'test-install.js');
const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'install-dist-'));
const fakes: FakeKubectl[] = [];
const all = renderAll();

beforeAll(() => {
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), ['scripts/install.ts', '--bundle', '--platform=node', '--target=node20',
    '--packages=external', '--log-level=warning', `--outfile=${BUNDLE}`], { cwd: ROOT, stdio: 'pipe' });
  writeDist(dist, new Map(all.map((p) => [p.config.name, toFileTree(p)])), false);
  // dev with a store, an application using it and monitoring, in the shape their charts render.
  const extra = path.join(dist, 'dev');
  const labels = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name, 'app.kubernetes.io/component': 'server' });
  const workload = (kind: string, ns: string, name: string) => ({
    apiVersion: 'apps/v1', kind, metadata: { name, namespace: ns, labels: labels(name) },
    spec: { replicas: 3, selector: { matchLabels: labels(name) }, template: { metadata: { labels: labels(name) }, spec: { containers: [{ name, image: 'docker.io/library/x:1' }] } } },
  });
  const write = (rel: string, obj: unknown) => { fs.mkdirSync(path.dirname(path.join(extra, rel)), { recursive: true }); fs.writeFileSync(path.join(extra, rel), toYaml(obj)); };
  write('11-postgres/statefulset.db-postgres.postgres.yaml', workload('StatefulSet', 'db-postgres', 'postgres'));
  write('21-api/deployment.app-core.api.yaml', workload('Deployment', 'app-core', 'api'));
  write('50-monitoring/podmonitor.db-postgres.postgres.yaml', { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'postgres', namespace: 'db-postgres' }, spec: {} });
});
afterAll(() => {
  fs.rmSync(BUNDLE, { force: true });
  fs.rmSync(dist, { recursive: true, force: true });
  fakes.forEach((f) => f.cleanup());
});

function install(fail: string | undefined, ...args: string[]) {
  const k = fakeKubectl(fail);
  fakes.push(k);
  const r = spawnSync(process.execPath, [BUNDLE, '--dist', dist, ...args], { cwd: ROOT, env: k.env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls: k.calls() };
}

/** The plan's steps: `[step name, command lines]`. */
function steps(stdout: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const line of stdout.split('\n')) {
    const head = /^\d+\. (\S+): /.exec(line);
    if (head) out.push([head[1], []]);
    else if (line.startsWith('     kubectl ')) out[out.length - 1][1].push(line.trim());
  }
  return out;
}

const folders = (env: string) => fs.readdirSync(path.join(dist, env), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

describe.each(all.map((p) => [p.config.name] as const))('--dry-run plan of %s', (env) => {
  const run = () => install(undefined, '--env', env, '--dry-run');

  test('namespaces and CRDs first, then every folder exactly once in the order of the Argo CD waves; no kubectl call', () => {
    const r = run();
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([]);
    const s = steps(r.stdout);
    expect(s.slice(0, 2).map(([n]) => n)).toEqual(['namespaces', 'crds']);
    // Every Namespace file of every folder is in the first step.
    const nsFiles = folders(env).flatMap((f) => fs.readdirSync(path.join(dist, env, f)).filter((x) => x.startsWith('namespace.')).map((x) => path.join(dist, env, f, x)));
    expect(nsFiles.length).toBeGreaterThan(10);
    for (const f of nsFiles) expect(s[0][1][0]).toContain(` ${f}`);
    const folderSteps = s.map(([n]) => n).filter((n) => /^\d\d-/.test(n));
    expect([...folderSteps].sort()).toEqual([...folders(env)].sort());
    const charts = folders(env).map((f) => ({ folder: f, manifests: fs.readdirSync(path.join(dist, env, f))
      .map((x) => ({ apiVersion: /^apiVersion: (.+)$/m.exec(fs.readFileSync(path.join(dist, env, f, x), 'utf8'))![1] })) }));
    expect(folderSteps).toEqual(applyOrder(folders(env), foldersNeedingAddons(charts)));
    expect(folderSteps[0]).toBe('00-namespaces');
    expect(folderSteps[folderSteps.length - 1]).toBe('99-gitops');
    expect(r.stdout).not.toMatch(/\b(delete|--prune|replace|--force)\b/);
  });
});

describe('a run', () => {
  test('applies server-side, waits for the CRDs a folder needs and for the stores before the services, hands over to Argo CD last', () => {
    const r = install(undefined, '--env', 'dev');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const at = (re: RegExp) => { const i = r.calls.findIndex((c) => re.test(c)); expect({ re: String(re), found: i >= 0 }).toEqual({ re: String(re), found: true }); return i; };
    expect(at(/^version/)).toBe(0);
    expect(at(/^apply --server-side --field-manager=receivables-installer .*namespace\.db-postgres\.yaml/)).toBe(1);
    const addons = at(/^apply .*\/90-addons$/);
    expect(at(/^wait --for condition=established .*customresourcedefinition\/applications\.argoproj\.io/)).toBeLessThan(addons);
    const certManager = at(/^wait --namespace argocd application\/dev-cert-manager --for jsonpath=\{\.status\.health\.status\}=Healthy/);
    expect(certManager).toBeGreaterThan(addons);
    // The Prometheus stack is awaited first (cert-manager creates ServiceMonitors), Argo CD's own upgrade last.
    expect(at(/^wait --namespace argocd application\/dev-kube-prometheus-stack /)).toBeLessThan(certManager);
    expect(at(/^wait --namespace argocd application\/dev-argo-cd /)).toBeGreaterThan(certManager);
    const store = at(/^apply .*\/11-postgres$/);
    const ready = at(/^wait --namespace db-postgres statefulset\/postgres --for jsonpath=\{\.status\.readyReplicas\}=3/);
    const app = at(/^apply .*\/21-api$/);
    expect(addons).toBeLessThan(store);
    expect(store).toBeLessThan(ready);
    expect(ready).toBeLessThan(app);
    expect(at(/^rollout status --namespace app-core deployment\/api/)).toBeGreaterThan(app);
    expect(at(/^wait --for condition=established .*customresourcedefinition\/podmonitors\.monitoring\.coreos\.com/)).toBeLessThan(at(/^apply .*\/50-monitoring$/));
    expect(at(/^apply .*\/99-gitops$/)).toBe(r.calls.length - 1);
    // dev syncs itself: no sync is triggered by hand.
    expect(r.calls.filter((c) => c.startsWith('patch'))).toEqual([]);
    expect(r.calls.filter((c) => /^(delete|replace)\b|--prune/.test(c))).toEqual([]);
    expect(r.stdout).toMatch(/^installed: \d+ steps, 0 skipped$/m);
  });

  test('in an environment with approved syncs, the installer triggers each add-on\'s sync (running it is the approval)', () => {
    const r = install(undefined, '--env', 'production');
    expect(r.code).toBe(0);
    const patches = r.calls.filter((c) => c.startsWith('patch --namespace argocd application/'));
    expect(patches.map((c) => c.split(' ')[3]).sort()).toEqual(['application/production-argo-cd', 'application/production-cert-manager',
      'application/production-ingress-nginx', 'application/production-kube-prometheus-stack', 'application/production-metrics-server',
      'application/production-prometheus-adapter']);
    for (const p of patches) expect(JSON.parse(p.slice(p.indexOf('{')))).toEqual({ operation: { initiatedBy: { username: 'receivables-installer' }, sync: { syncStrategy: { hook: {} } } } });
  });

  test('stops at the first failure, says where, and runs nothing after it', () => {
    const r = install('^apply .*01-tenants$', '--env', 'staging');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: step \d+\/\d+ \(01-tenants\) failed: kubectl apply --server-side/m);
    expect(r.stderr).toMatch(/nothing was deleted/);
    expect(r.calls[r.calls.length - 1]).toMatch(/01-tenants$/);
  });

  test('a missing CRD stops the run with the add-on to install', () => {
    const r = install('customresourcedefinition/podmonitors', '--env', 'dev', '--without-argocd');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\(50-monitoring\) failed[\s\S]*does not serve podmonitors\.monitoring\.coreos\.com: install the add-on that provides it first/);
  });

  test('--without-argocd skips the Argo CD folders and calls nothing of Argo CD', () => {
    const r = install(undefined, '--env', 'staging', '--without-argocd', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/90-addons: skipped \(--without-argocd/);
    expect(r.stdout).toMatch(/99-gitops: skipped \(--without-argocd/);
    expect(r.stdout).not.toMatch(/argoproj/);
  });

  test('--context goes on every kubectl call', () => {
    const r = install('^apply .*01-tenants$', '--env', 'dev', '--context', 'site-a');
    expect(r.calls.length).toBeGreaterThan(3);
    for (const c of r.calls) expect(c.startsWith('--context site-a ')).toBe(true);
    expect(r.stderr).toContain('kubectl --context site-a apply');
  });

  test('usage errors name what is wrong', () => {
    expect(install(undefined).stderr).toMatch(/--env is required/);
    expect(install(undefined, '--env', 'qa').stderr).toMatch(/"qa" is not an environment/);
    expect(install(undefined, '--env', 'dev', '--timeout', 'soon').stderr).toMatch(/--timeout must be a duration/);
  });
});
