/**
 * The installer, run as `npm run install:cluster` runs it, against a fake kubectl (and helm) on PATH answering
 * from a recorded bare k3s or kubeadm cluster (test/support/fake-kubectl-clusters/): the --dry-run plan of each
 * environment bootstraps Argo CD, applies namespaces, Secrets and CRDs first and every folder once, in the order
 * of the Argo CD waves, and prints the simulated timeline; a run shows and checks the cluster before changing
 * anything, asks for confirmation, bootstraps Argo CD with helm or k3s's Helm controller, waits for CRDs and
 * rollouts in the right places, deletes nothing but finished hook Jobs, never approves a manual sync unless told,
 * and stops at the first failure with what to do. Unproven here: what a real API server, helm or Argo CD does
 * with these calls (the simulator models that; a real cluster is the final proof).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { toFileTree, toYaml, writeDist } from '../charts/output/render';
import { applyOrder, foldersNeedingAddons } from '../charts/gitops/order';
import { fakeKubectl, type FakeKubectl } from './support/fake-kubectl';
import { nameOf, renderAll, renderEvery } from './support/render';

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, '.build', 'test-install.js');
const distRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'install-dist-'));
/** The platform's folder in it: dist/receivables/<env>/. */
const dist = path.join(distRoot, 'receivables');
const fakes: FakeKubectl[] = [];
const all = renderAll();
// Environments by role, derived (never a fixed list): one that syncs itself and runs the Prometheus stack (the
// full run), one on k3s, one kubeadm environment syncing only on approval without a site CA, one with a site CA.
const pick = (what: string, f: (c: (typeof all)[number]['config']) => boolean) => {
  const p = all.find((x) => f(x.config));
  if (!p) throw new Error(`no environment ${what}`);
  return p.config.name;
};
const RUN = pick('that syncs itself and runs the Prometheus stack', (c) => c.gitops.autoSync && c.addons.monitoring.enabled && !c.cluster.siteCa);
const K3S = pick('on k3s', (c) => c.cluster.flavour === 'k3s');
const MANUAL = pick('on kubeadm syncing on approval without a site CA', (c) => !c.gitops.autoSync && c.cluster.flavour === 'kubeadm' && !c.cluster.siteCa && c.addons.monitoring.enabled);
const SITE = pick('with a site CA', (c) => !!c.cluster.siteCa);
const BIG = pick('on kubeadm sized for more than one node', (c) => c.cluster.flavour === 'kubeadm' && c.cluster.nodes > 1);
const fixtureOf = (env: string) => JSON.parse(fs.readFileSync(path.join(__dirname, 'support/fake-kubectl-clusters', `${all.find((p) => p.config.name === env)!.config.cluster.flavour}.json`), 'utf8'));

beforeAll(() => {
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), ['scripts/install.ts', '--bundle', '--platform=node', '--target=node20',
    '--packages=external', '--log-level=warning', `--outfile=${BUNDLE}`], { cwd: ROOT, stdio: 'pipe' });
  writeDist(distRoot, new Map(renderEvery().map((p) => [nameOf(p), toFileTree(p)])), false);
  // dev with a store, an application using it and monitoring, in the shape their charts render.
  const extra = path.join(dist, RUN);
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
  fs.rmSync(distRoot, { recursive: true, force: true });
  fakes.forEach((f) => f.cleanup());
});

interface Run { code: number | null; stdout: string; stderr: string; calls: string[]; fake: FakeKubectl }
/** Runs the installer against a fake cluster (`cluster`: k3s, kubeadm or a fixture path), with a fake helm unless `helm` is false. */
function installOn(o: { fail?: string; cluster?: string; helm?: boolean; stdin?: string; prepare?: (k: FakeKubectl) => void }, ...args: string[]): Run {
  const k = fakeKubectl(o.fail, o.cluster, o.helm ?? true);
  fakes.push(k);
  o.prepare?.(k);
  const r = spawnSync(process.execPath, [BUNDLE, '--dist', distRoot, ...(o.helm === false ? ['--helm', path.join(k.dir, 'no-helm')] : []), ...args],
    { cwd: ROOT, env: k.env, encoding: 'utf8', input: o.stdin ?? '' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls: k.calls(), fake: k };
}
const flavourOf = (env: string) => all.find((p) => p.config.name === env)!.config.cluster.flavour;
/** The installer on a bare cluster of the environment's flavour, confirmed with --yes. */
const install = (fail: string | undefined, ...args: string[]) => {
  const env = args[args.indexOf('--env') + 1];
  return installOn({ fail, cluster: env && env in Object.fromEntries(all.map((p) => [p.config.name, 1])) ? flavourOf(env) : 'k3s' }, ...args, ...(args.includes('--dry-run') ? [] : ['--yes']));
};
const kubectlCalls = (r: Run) => r.calls.filter((c) => !c.startsWith('helm '));

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


// Every environment of every platform (the other tests here exercise the receivables platform's).
describe.each(renderEvery().map((p) => [nameOf(p), p.config.platform.name, p.config.name] as const))('--dry-run plan of %s', (_key, platform, env) => {
  const run = () => install(undefined, '--platform', platform, '--env', env, '--dry-run');
  const dist = path.join(distRoot, platform);
  const folders = (e: string) => fs.readdirSync(path.join(dist, e), { withFileTypes: true }).filter((x) => x.isDirectory()).map((x) => x.name);

  test('bootstrap, namespaces, Secrets and CRDs first, then every folder exactly once in the order of the Argo CD waves; no call', () => {
    const r = run();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([]);
    const s = steps(r.stdout);
    expect(s.slice(0, 4).map(([n]) => n)).toEqual(['bootstrap', 'namespaces', 'secrets', 'crds']);
    // Every Namespace file of every folder is in the namespaces step.
    const nsFiles = folders(env).flatMap((f) => fs.readdirSync(path.join(dist, env, f)).filter((x) => x.startsWith('namespace.')).map((x) => path.join(dist, env, f, x)));
    expect(nsFiles.length).toBeGreaterThan(5); // (the smallest platform, pcf-builder, has 8)
    for (const f of nsFiles) expect(s[1][1][0]).toContain(` ${f}`);
    const folderSteps = s.map(([n]) => n).filter((n) => /^\d\d-/.test(n));
    expect([...folderSteps].sort()).toEqual([...folders(env)].sort());
    const charts = folders(env).map((f) => ({ folder: f, manifests: fs.readdirSync(path.join(dist, env, f))
      .map((x) => ({ apiVersion: /^apiVersion: (.+)$/m.exec(fs.readFileSync(path.join(dist, env, f, x), 'utf8'))![1] })) }));
    expect(folderSteps).toEqual(applyOrder(folders(env), foldersNeedingAddons(charts)));
    expect(folderSteps[0]).toBe('00-namespaces');
    expect(folderSteps[folderSteps.length - 1]).toBe('99-gitops');
    expect(r.stdout).not.toMatch(/\b(--prune|replace|--force)\b/);
    // The only deletes are of finished hook Jobs whose policy is BeforeHookCreation, right before re-creating them.
    for (const line of r.stdout.split('\n').filter((l) => /\bdelete\b/.test(l))) expect(line.trim()).toMatch(/^kubectl delete --namespace [a-z-]+ job\/[a-z0-9-]+ --ignore-not-found --wait$/);
  });

  test('prints the simulated timeline of both install paths on a bare cluster, every step completing', () => {
    const r = run();
    expect(r.stdout).toMatch(new RegExp(`simulated installer install of ${env} on a bare cluster[\\s\\S]*every step can complete`));
    expect(r.stdout).toMatch(new RegExp(`simulated Argo CD install of ${env} on a bare cluster[\\s\\S]*every step can complete`));
    expect(r.stdout).not.toMatch(/BLOCKED/);
  });
});

test('--dry-run on a broken dist/ prints the first step that cannot complete and why, and fails', () => {
  const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'install-broken-'));
  try {
    fs.cpSync(path.join(dist, K3S), path.join(broken, 'receivables', K3S), { recursive: true });
    const cm = fs.readdirSync(path.join(broken, 'receivables', K3S, '22-core')).find((f) => f.startsWith('configmap.'))!;
    fs.renameSync(path.join(broken, 'receivables', K3S, '22-core', cm), path.join(broken, 'receivables', K3S, '30-ingress', cm));
    const k = fakeKubectl(undefined, 'k3s');
    fakes.push(k);
    const r = spawnSync(process.execPath, [BUNDLE, '--dist', broken, '--env', K3S, '--dry-run'], { cwd: ROOT, env: k.env, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/BLOCKED 22-core: [\s\S]*needs ConfigMap app-core\/[a-z-]+, which does not exist by the end of this step \(provided only by step 30-ingress\)/);
    expect(r.stdout).toMatch(/stops at step \d+ \(22-core\): it cannot complete/);
  } finally {
    fs.rmSync(broken, { recursive: true, force: true });
  }
});

describe('a run', () => {
  test('shows and checks the cluster, bootstraps Argo CD with helm, creates the Secrets, waits for CRDs and for the stores before the services, hands over to Argo CD last', () => {
    const r = install(undefined, '--env', RUN);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const f = fixtureOf(RUN);
    const run = all.find((p) => p.config.name === RUN)!.config;
    expect(r.stdout).toContain(`kube context: ${f.configView['current-context']}\nAPI server:   ${f.configView.clusters[0].cluster.server} (${f.version.serverVersion.gitVersion})\nnodes:        ${f.nodes.items.length} (${f.nodes.items.length} Ready)\n`);
    expect(r.stdout).toMatch(new RegExp(`ok +cluster flavour: ${run.cluster.flavour}`));
    expect(r.stdout).toMatch(new RegExp(`ok +storage class ${run.storageClass}: present`));
    const at = (re: RegExp) => { const i = r.calls.findIndex((c) => re.test(c)); expect({ re: String(re), found: i >= 0 }).toEqual({ re: String(re), found: true }); return i; };
    // Read-only questions first, nothing applied before the checks.
    const firstChange = r.calls.findIndex((c) => /^(apply|create|patch|delete)|^helm upgrade/.test(c));
    expect(r.calls.slice(0, firstChange).every((c) => /^(config view|version|get|helm version)/.test(c))).toBe(true);
    const helm = at(/^helm upgrade --install argo-cd argo-cd --repo https:\/\/argoproj\.github\.io\/argo-helm --version 7\.6\.8 --namespace argocd --create-namespace --values \S+ --wait/);
    expect(helm).toBe(firstChange);
    const ns = at(/^apply --server-side --field-manager=receivables-installer .*namespace\.db-postgres\.yaml/);
    expect(ns).toBeGreaterThan(helm);
    const created = at(/^create --filename -/);
    expect(created).toBeGreaterThan(ns);
    expect(r.fake.secrets().size).toBe(new Set(all.find((p) => p.config.name === RUN)!.secrets.map((x) => `${x.namespace}/${x.name}`)).size);
    const addons = at(/^apply .*\/90-addons$/);
    expect(created).toBeLessThan(addons);
    expect(at(/^wait --for condition=established .*customresourcedefinition\/applications\.argoproj\.io/)).toBeLessThan(addons);
    const certManager = at(new RegExp(`^wait --namespace argocd application/receivables-${RUN}-cert-manager --for jsonpath=\\{\\.status\\.health\\.status\\}=Healthy`));
    expect(certManager).toBeGreaterThan(addons);
    // The Prometheus stack is awaited first (cert-manager creates ServiceMonitors), Argo CD's own upgrade last.
    expect(at(new RegExp(`^wait --namespace argocd application/receivables-${RUN}-kube-prometheus-stack `))).toBeLessThan(certManager);
    expect(at(new RegExp(`^wait --namespace argocd application/receivables-${RUN}-argo-cd `))).toBeGreaterThan(certManager);
    const store = at(/^apply .*\/11-postgres$/);
    const ready = at(/^wait --namespace db-postgres statefulset\/postgres --for jsonpath=\{\.status\.readyReplicas\}=3/);
    const app = at(/^apply .*\/21-api$/);
    expect(addons).toBeLessThan(store);
    expect(store).toBeLessThan(ready);
    expect(ready).toBeLessThan(app);
    expect(at(/^rollout status --namespace app-core deployment\/api/)).toBeGreaterThan(app);
    expect(at(/^wait --for condition=established .*customresourcedefinition\/podmonitors\.monitoring\.coreos\.com/)).toBeLessThan(at(/^apply .*\/50-monitoring$/));
    expect(at(/^apply .*\/99-gitops$/)).toBe(r.calls.length - 1);
    // It syncs itself: no sync is triggered by hand.
    expect(r.calls.filter((c) => c.startsWith('patch'))).toEqual([]);
    expect(r.calls.filter((c) => /^replace\b|--prune/.test(c))).toEqual([]);
    for (const d of r.calls.filter((c) => c.startsWith('delete'))) expect(d).toMatch(/^delete --namespace [a-z-]+ job\/[a-z0-9-]+ --ignore-not-found --wait$/);
    expect(r.stdout).toMatch(/^installed: \d+ steps, 0 skipped$/m);
  });

  test('on k3s without helm, Argo CD is bootstrapped through k3s\'s Helm controller', () => {
    const r = installOn({ cluster: 'k3s', helm: false }, '--env', K3S, '--yes');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok +Argo CD: bootstrapped with k3s's Helm controller/);
    const i = r.calls.findIndex((c) => /^apply --server-side --field-manager=receivables-installer --filename -$/.test(c));
    expect(i).toBeGreaterThan(0);
    expect(r.calls[i + 1]).toMatch(/^wait --namespace kube-system job\/helm-install-argo-cd --for condition=complete/);
    expect(r.calls.filter((c) => c.startsWith('helm upgrade'))).toEqual([]);
  });

  test('on kubeadm without helm, it stops before changing anything and says to install helm', () => {
    const r = installOn({ cluster: 'kubeadm', helm: false }, '--env', BIG, '--yes');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/PROBLEM Argo CD: cannot be bootstrapped\n\s+what to do: install helm 3/);
    expect(r.stderr).toMatch(/pre-flight problem\(s\) above: nothing was changed/);
    expect(r.calls.filter((c) => /^(apply|create|patch|delete)/.test(c))).toEqual([]);
  });

  test('a cluster that does not match the environment (flavour, nodes) stops before any change, naming each problem', () => {
    const big = all.find((p) => p.config.name === BIG)!.config;
    const r = installOn({ cluster: 'k3s' }, '--env', BIG, '--yes');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`PROBLEM cluster flavour: k3s (kubelet v1.30.5+k3s1); ${BIG} expects kubeadm`);
    expect(r.stdout).toContain(`PROBLEM nodes: 1 Ready of 1; ${BIG} is sized for ${big.cluster.nodes}`);
    if (big.storageClass !== 'local-path') expect(r.stdout).toContain(`PROBLEM storage class ${big.storageClass}: missing`);
    expect(r.calls.filter((c) => /^(apply|create|patch|delete)|^helm upgrade/.test(c))).toEqual([]);
  });

  test('where Argo CD already runs, the bootstrap is skipped (a re-run)', () => {
    const fixture = path.join(os.tmpdir(), `argo-${process.pid}.json`);
    const k3s = JSON.parse(fs.readFileSync(path.join(__dirname, 'support/fake-kubectl-clusters/k3s.json'), 'utf8'));
    k3s.deployments.push('argocd/argocd-server');
    fs.writeFileSync(fixture, JSON.stringify(k3s));
    try {
      const r = installOn({ cluster: fixture }, '--env', K3S, '--yes');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/ok +Argo CD: already runs: not re-installed/);
      expect(r.stdout).toMatch(/bootstrap: skipped \(Argo CD already runs in argocd\)/);
      expect(r.calls.filter((c) => c.startsWith('helm'))).toEqual([]);
    } finally { fs.rmSync(fixture, { force: true }); }
  });

  test('kubectl too far from the API server version is a pre-flight problem', () => {
    const fixture = path.join(os.tmpdir(), `skew-${process.pid}.json`);
    const k3s = JSON.parse(fs.readFileSync(path.join(__dirname, 'support/fake-kubectl-clusters/k3s.json'), 'utf8'));
    k3s.version.clientVersion.gitVersion = 'v1.27.3';
    fs.writeFileSync(fixture, JSON.stringify(k3s));
    try {
      const r = installOn({ cluster: fixture }, '--env', K3S, '--yes');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/PROBLEM kubectl v1\.27\.3 against API server v1\.30\.5\+k3s1/);
    } finally { fs.rmSync(fixture, { force: true }); }
  });

  test('asks for confirmation: anything but "yes" changes nothing', () => {
    const no = installOn({ cluster: 'k3s', stdin: 'no\n' }, '--env', K3S);
    expect(no.code).toBe(1);
    expect(no.stdout).toContain(`install ${K3S} into default (https://127.0.0.1:6443)? type "yes" to go on: `);
    expect(no.stderr).toMatch(/not confirmed: nothing was changed/);
    expect(no.calls.filter((c) => /^(apply|create)|^helm upgrade/.test(c))).toEqual([]);
    const yes = installOn({ cluster: 'k3s', stdin: 'yes\n' }, '--env', K3S);
    expect(yes.code).toBe(0);
  });

  test('an environment with approved syncs: the installer waits for a person\'s approval unless told to approve', () => {
    const r = install(undefined, '--env', MANUAL);
    expect(r.code).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('patch'))).toEqual([]);
    expect(r.stdout).toContain(`receivables-${MANUAL}-cert-manager syncs when a person approves it: argocd app sync receivables-${MANUAL}-cert-manager (or run the installer with --approve-syncs)`);
    const approved = install(undefined, '--env', MANUAL, '--approve-syncs');
    expect(approved.code).toBe(0);
    const patches = approved.calls.filter((c) => c.startsWith('patch --namespace argocd application/'));
    expect(patches.map((c) => c.split(' ')[3]).sort()).toEqual(all.find((p) => p.config.name === MANUAL)!.charts.find((c) => c.folder === '90-addons')!.manifests
      .map((m) => `application/${m.metadata.name}`).sort());
    for (const p of patches) expect(JSON.parse(p.slice(p.indexOf('{')))).toEqual({ operation: { initiatedBy: { username: 'receivables-installer' }, sync: { syncStrategy: { hook: {} } } } });
  });

  test('an unapproved sync that times out stops with what to do', () => {
    const r = install(`^wait .*application/receivables-${MANUAL}-kube-prometheus-stack`, '--env', MANUAL);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`what to do: nobody approved the sync of receivables-${MANUAL}-kube-prometheus-stack in time: approve it (argocd app sync receivables-${MANUAL}-kube-prometheus-stack) or run again with --approve-syncs`);
  });

  test('a site CA environment (dr) stops at the Secrets step until the site-supplied CA Secret exists, and generates only the bootstrap Secrets', () => {
    const site = all.find((p) => p.config.name === SITE)!.config;
    const ca = site.cluster.siteCa!.secretName;
    const missing = install(undefined, '--env', SITE);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`(secrets) failed: the site-supplied Secret cert-manager/${ca} is missing`);
    expect(missing.stderr).toContain(`what to do: create it from the site CA's certificate and key: kubectl -n cert-manager create secret tls ${ca}`);
    const r = installOn({ cluster: site.cluster.flavour, prepare: (k) => k.store('cert-manager', ca, { 'tls.crt': 'x', 'tls.key': 'y' }) }, '--env', SITE, '--yes');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // With Vault, only the bootstrap Secret is generated; External Secrets provides the rest.
    if (site.secrets.source === 'vault') expect([...r.fake.secrets().keys()].sort()).toEqual([`cert-manager/${ca}`, 'monitoring/grafana-admin']);
    // The stores start only once their Secrets are fetched from Vault.
    const fetched = r.calls.findIndex((c) => /^wait --namespace db-postgres externalsecret\/postgres-superuser --for condition=Ready/.test(c));
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBeLessThan(r.calls.findIndex((c) => /^apply .*\/11-postgres$/.test(c)));
    // Charts from the site's mirror, trusted through the site CA.
    if (site.addons.chartMirror) expect(r.calls.find((c) => c.startsWith('helm upgrade'))).toMatch(new RegExp(`--repo ${site.addons.chartMirror} .*--ca-file \\S+site-ca\\.pem`));
  });

  test('a standby generating its Secrets stops at the Secrets step until its copies of the source\'s Secrets exist, and never generates them', () => {
    const standby = renderEvery().find((p) => p.config.secrets.source === 'generate' && p.secrets.some((s) => s.fromSource));
    if (!standby) throw new Error('no standby environment generating its Secrets');
    const c = standby.config;
    const args = ['--platform', c.platform.name, '--env', c.name];
    const site = standby.secrets.filter((s) => s.suppliedBy === 'site');
    const shared = standby.secrets.filter((s) => s.fromSource);
    const supply = (k: FakeKubectl, list: typeof site) => list.forEach((s) => k.store(s.namespace, s.name, Object.fromEntries(s.keys.map((key) => [key, 'v']))));
    const missing = installOn({ cluster: c.cluster.flavour, prepare: (k) => supply(k, site) }, ...args, '--yes');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`(secrets) failed: the Secret ${shared[0].namespace}/${shared[0].name}, which holds the source environment's values, is missing`);
    expect(missing.stderr).toContain(`what to do: copy it from the source's cluster: npm run secrets -- --platform ${c.platform.name} --env ${c.name} --apply --context <this cluster's context> --source-context <the source cluster's context>`);
    expect(missing.calls.filter((x) => x.startsWith('create'))).toEqual([]);
    const r = installOn({ cluster: c.cluster.flavour, prepare: (k) => supply(k, [...site, ...shared]) }, ...args, '--yes');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The copies are the source's values as they were put there: none was generated over them.
    for (const s of shared) expect(r.fake.secrets().get(`${s.namespace}/${s.name}`)).toEqual(Object.fromEntries(s.keys.map((key) => [key, 'v'])));
  });

  test('stops at the first failure, says where and what to do, and runs nothing after it', () => {
    const r = install('^apply .*01-tenants$', '--env', RUN);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: step \d+\/\d+ \(01-tenants\) failed: kubectl apply --server-side/m);
    expect(r.stderr).toMatch(/nothing was deleted/);
    expect(r.calls[r.calls.length - 1]).toMatch(/01-tenants$/);
  });

  test('a missing CRD stops the run with the add-on to install', () => {
    const r = install('customresourcedefinition/podmonitors', '--env', RUN, '--without-argocd');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\(50-monitoring\) failed[\s\S]*does not serve podmonitors\.monitoring\.coreos\.com: install the add-on that provides it first \(kube-prometheus-stack\)/);
  });

  test('--without-argocd skips the bootstrap and the Argo CD folders and calls nothing of Argo CD', () => {
    const r = install(undefined, '--env', RUN, '--without-argocd', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/90-addons: skipped \(--without-argocd/);
    expect(r.stdout).toMatch(/99-gitops: skipped \(--without-argocd/);
    const plan = r.stdout.slice(0, r.stdout.indexOf('simulated'));
    expect(plan).not.toMatch(/argoproj|helm|bootstrap/);
  });

  test('--context goes on every kubectl and helm call', () => {
    const r = install('^apply .*01-tenants$', '--env', K3S, '--context', 'site-a');
    expect(r.calls.length).toBeGreaterThan(3);
    for (const c of kubectlCalls(r)) expect(c.startsWith('--context site-a ')).toBe(true);
    for (const c of r.calls.filter((x) => x.startsWith('helm ') && !x.startsWith('helm version'))) expect(c.startsWith('helm --kube-context site-a ')).toBe(true);
    expect(r.stderr).toContain('kubectl --context site-a apply');
  });

  test('usage errors name what is wrong', () => {
    expect(install(undefined).stderr).toMatch(/--env is required/);
    expect(install(undefined, '--env', 'qa').stderr).toMatch(/"qa" is not an environment/);
    expect(install(undefined, '--env', 'dev', '--timeout', 'soon').stderr).toMatch(/--timeout must be a duration/);
  });
});
