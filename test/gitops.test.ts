/**
 * Argo CD: Applications cover every folder exactly once at a path that exists, destinations are allowed by
 * their projects, waves never put a consumer before what it depends on, sync policy follows the environment,
 * data is never pruned; add-ons are pinned and switchable; images.txt, the registry rewrite and the
 * kustomization.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { deepMerge } from '../environments/merge';
import { environmentInput, loadEnvironment, validateEnvironment, type EnvironmentConfig } from '../environments';
import { renderPlatform, type Manifest, type RenderedChart, type RenderedPlatform } from '../charts/platform';
import { imagesOf, toFileTree, writeDist } from '../charts/output/render';
import { DependencyGraph } from '../charts/lib/graph';
import { addons } from '../charts/gitops/addons-catalog';
import { addonResources } from '../charts/gitops/addons-resources';
import { GitOpsChart } from '../charts/gitops/gitops';
import { applyOrder, foldersNeedingAddons } from '../charts/gitops/order';
import { protectData } from '../charts/gitops/protect';
import { manifestsOf, nameOf, renderAll, renderEvery } from './support/render';
import { applications, clusterKindAllowed, dependencies, destinationAllowed, groupOf, projects } from './support/gitops';
import { deploymentName, outputFolder } from '../charts/lib/naming';
import { platformKeys } from '../charts/lib/labels';

const all = renderAll();
const env = (name: string) => all.find((p) => p.config.name === name)!;
const withConfig = (name: string, override: unknown): EnvironmentConfig =>
  validateEnvironment(name, deepMerge(environmentInput(name), override));

const wave = (app: Manifest) => Number(app.metadata.annotations['argocd.argoproj.io/sync-wave']);
const folderOf = (p: RenderedPlatform, app: Manifest) => {
  const prefix = `dist/${outputFolder(p.config)}/`;
  expect(app.spec.source.path?.startsWith(prefix) ?? true).toBe(true);
  return app.spec.source.path?.slice(prefix.length);
};
const childApps = (p: RenderedPlatform) => applications(p).filter((a) => a.spec.source.path);

/** Waves of the folders' Applications, and every dependency that an earlier or equal wave would break. */
function waveViolations(p: RenderedPlatform): string[] {
  const waveOfFolder = new Map(childApps(p).filter((a) => a.metadata.annotations?.['argocd.argoproj.io/sync-wave']).map((a) => [folderOf(p, a)!, wave(a)]));
  // The root's folder is applied by the bootstrap, into Argo CD's existing namespace: it has no wave.
  return dependencies(p).filter((d) => d.consumer !== '99-gitops')
    .filter((d) => !((waveOfFolder.get(d.provider) ?? Infinity) < (waveOfFolder.get(d.consumer) ?? -Infinity)))
    .map((d) => `${d.consumer} (wave ${waveOfFolder.get(d.consumer)}) before ${d.provider} (wave ${waveOfFolder.get(d.provider)}): ${d.why}`);
}

/** A platform with extra charts, its GitOps chart rebuilt over them (as renderPlatform does). */
function withCharts(base: RenderedPlatform, extra: RenderedChart[], graph: DependencyGraph): RenderedPlatform {
  const charts = [...base.charts.filter((c) => c.folder !== '99-gitops'), ...extra].sort((a, b) => a.folder.localeCompare(b.folder));
  protectData(charts);
  const g = new GitOpsChart(new App(), '99-gitops', { config: base.config, charts, addons: addons(base.config) });
  return { ...base, graph, charts: [...charts, { folder: '99-gitops', manifests: g.toJson() }] };
}

const labels = (name: string, component: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name, 'app.kubernetes.io/component': component });
const workload = (kind: string, namespace: string, name: string, component: string, claim = false): Manifest => ({
  apiVersion: 'apps/v1', kind, metadata: { name, namespace, labels: labels(name, component) },
  spec: {
    selector: { matchLabels: labels(name, component) },
    template: { metadata: { labels: labels(name, component) }, spec: { containers: [{ name, image: 'docker.io/library/x:1' }] } },
    ...(claim ? { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] } : {}),
  },
});

/** A store folder and an application folder using it (the shape the store and app charts will have). */
function storeAndApp(base: RenderedPlatform, storeFolder: string, appFolder: string): RenderedPlatform {
  const graph = new DependencyGraph();
  const store = { namespace: 'db-postgres', selector: labels('pg', 'database'), display: 'pg' };
  const app = { namespace: 'app-core', selector: labels('api', 'api'), display: 'api' };
  graph.connect({ pods: app }, { pods: store }, [{ port: 5432, name: 'postgresql' }], 'api uses postgres');
  graph.connect({ pods: store }, { pods: store }, [{ port: 5432, name: 'postgresql' }], 'replication');
  return withCharts(base, [
    { folder: storeFolder, manifests: [workload('StatefulSet', 'db-postgres', 'pg', 'database', true)] },
    { folder: appFolder, manifests: [workload('Deployment', 'app-core', 'api', 'api')] },
  ], graph);
}

describe.each(renderEvery().map((p) => [nameOf(p), p] as const))('%s', (_name, p) => {
  const apps = applications(p);
  const tree = toFileTree(p);
  // A chart with nothing to apply (no tenants, no public host) gets no Application (charts/gitops/gitops.ts).
  const folders = p.charts.filter((c) => c.manifests.length > 0).map((c) => c.folder);

  test('every Application points at a path of dist/<env>/ that exists, in the repository and revision of the environment', () => {
    for (const app of childApps(p)) {
      const folder = folderOf(p, app)!;
      expect([...tree.keys()].some((f) => f.startsWith(`${folder}/`))).toBe(true);
      expect(app.spec.source).toMatchObject({ repoURL: p.config.gitops.repoURL, targetRevision: p.config.gitops.targetRevision });
    }
  });

  test('every chart folder is covered by exactly one Application, and one root covers the GitOps folder', () => {
    const covered = childApps(p).map((a) => folderOf(p, a)).sort();
    expect(covered).toEqual([...folders].sort());
    const roots = childApps(p).filter((a) => a.metadata.name === `${deploymentName(p.config)}-root`);
    expect(roots.map((r) => folderOf(p, r))).toEqual(['99-gitops']);
    // The root manages the folder that holds every child.
    const gitops = p.charts.find((c) => c.folder === '99-gitops')!;
    expect(gitops.manifests.filter((m) => m.kind === 'Application').length).toBe(folders.length);
  });

  test('every destination, namespace and cluster-scoped kind is allowed by the Application\'s project, and sources are listed', () => {
    const byName = new Map(projects(p).map((pr) => [pr.metadata.name, pr]));
    const problems: string[] = [];
    for (const app of apps) {
      const project = byName.get(app.spec.project);
      if (!project) { problems.push(`${app.metadata.name}: no project ${app.spec.project}`); continue; }
      const { server, namespace } = app.spec.destination;
      if (!destinationAllowed(project, server, namespace)) problems.push(`${app.metadata.name}: destination ${server} ${namespace}`);
      if (!project.spec.sourceRepos.includes(app.spec.source.repoURL)) problems.push(`${app.metadata.name}: source ${app.spec.source.repoURL}`);
      const folder = app.spec.source.path && p.charts.find((c) => c.folder === folderOf(p, app));
      for (const m of folder ? folder.manifests : []) {
        if (m.metadata.namespace && !destinationAllowed(project, server, m.metadata.namespace)) problems.push(`${app.metadata.name}: ${m.kind} in ${m.metadata.namespace}`);
        if (!m.metadata.namespace && !clusterKindAllowed(project, groupOf(m), m.kind)) problems.push(`${app.metadata.name}: cluster-scoped ${m.kind}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('projects allow no more than needed: no wildcard source, destination or cluster kind; platform folders create no Argo CD objects', () => {
    const platform = projects(p).find((pr) => pr.metadata.name === `${deploymentName(p.config)}-platform`)!;
    expect(platform.spec.namespaceResourceWhitelist.length).toBeGreaterThan(0);
    // Argo CD's own kinds; argoproj.io also holds Argo Rollouts' Rollout, which a platform folder may create.
    const argoCd = (kind: string) => ['Application', 'ApplicationSet', 'AppProject'].includes(kind) || kind === '*';
    expect(platform.spec.namespaceResourceWhitelist.filter((w: Manifest) => (w.group === 'argoproj.io' && argoCd(w.kind)) || w.kind === '*')).toEqual([]);
    for (const app of childApps(p).filter((a) => a.spec.project === platform.metadata.name)) {
      const folder = p.charts.find((c) => c.folder === folderOf(p, app))!;
      expect(folder.manifests.filter((m) => String(m.apiVersion).startsWith('argoproj.io/') && argoCd(m.kind))).toEqual([]);
    }
    for (const pr of projects(p)) {
      expect(pr.spec.sourceRepos).not.toContain('*');
      for (const d of pr.spec.destinations) expect([d.server, d.namespace]).not.toContain('*');
      for (const w of pr.spec.clusterResourceWhitelist ?? []) expect(w.kind).not.toBe('*');
    }
  });

  test('waves follow the apply order and never put a consumer before what it depends on', () => {
    const order = applyOrder(folders, foldersNeedingAddons(p.charts)).filter((f) => f !== '99-gitops');
    const waves = order.map((f) => wave(childApps(p).find((a) => folderOf(p, a) === f)!));
    expect(waves.filter((w, i) => i > 0 && w <= waves[i - 1])).toEqual([]);
    expect(order[0]).toBe('00-namespaces');
    expect(waveViolations(p)).toEqual([]);
    // The wave label (what an approver sorts by) is on the folders' Applications and nothing else.
    const labelled = apps.filter((a) => a.metadata.labels[platformKeys(p.config).wave]).map((a) => a.metadata.name).sort();
    expect(labelled).toEqual(childApps(p).filter((a) => a.metadata.name !== `${deploymentName(p.config)}-root`).map((a) => a.metadata.name).sort());
    for (const a of apps.filter((x) => x.metadata.labels[platformKeys(p.config).wave])) expect(Number(a.metadata.labels[platformKeys(p.config).wave])).toBe(wave(a));
  });

  test('sync: automated with prune and self-heal where the environment syncs itself, manual (approved) elsewhere; retries with backoff; server-side apply', () => {
    for (const app of apps) {
      const sp = app.spec.syncPolicy;
      if (p.config.gitops.autoSync) expect(sp.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
      else expect(sp.automated).toBeUndefined();
      expect(sp.syncOptions).toContain('ServerSideApply=true');
      expect(sp.retry.limit).toBeGreaterThan(1);
      expect(sp.retry.backoff.factor).toBeGreaterThan(1);
    }
  });

  test('the destination cluster is the environment\'s; Argo CD\'s own objects stay in the cluster Argo CD runs in', () => {
    for (const app of apps) {
      const argoOnly = app.spec.destination.namespace === 'argocd';
      expect(app.spec.destination.server).toBe(argoOnly ? 'https://kubernetes.default.svc' : p.config.cluster.server);
    }
  });

  test('data is never pruned or deleted: data-holding objects carry Prune=false,Delete=false and their Applications no cascade finalizer', () => {
    for (const c of p.charts) {
      const data = c.manifests.filter((m) => ['PersistentVolumeClaim', 'Namespace'].includes(m.kind) || (m.kind === 'StatefulSet' && m.spec.volumeClaimTemplates?.length));
      for (const m of data) expect(m.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
      const app = childApps(p).find((a) => folderOf(p, a) === c.folder)!;
      if (data.length) expect(app.metadata.finalizers ?? []).toEqual([]);
    }
    // Where PostgreSQL runs in the cluster (not a platform's environment without it, or with a managed one).
    if (p.config.stores.postgres) {
      expect(p.charts.find((c) => c.folder === '00-namespaces')!.manifests.filter((m) => m.kind === 'Namespace' && m.metadata.name === 'db-postgres')
        .map((m) => m.metadata.annotations['argocd.argoproj.io/sync-options'])).toEqual(['Prune=false,Delete=false']);
    }
  });

  test('add-ons declare the flows they need: the API server, admission webhooks, Argo CD to its repositories', () => {
    const flows = p.graph.flows;
    const fromNs = (ns: string) => flows.filter((f) => 'pods' in f.from && f.from.pods.namespace === ns);
    for (const a of addons(p.config)) {
      // An add-on with RBAC of its own talks to the API server; one without (Loki's single binary) does not.
      const res = addonResources(p.config, a);
      const rbac = [...res.cluster, ...res.namespaced.flatMap((n) => n.kinds)].some((k) => k.group === 'rbac.authorization.k8s.io');
      expect({ addon: a.name, toApi: fromNs(a.namespace).some((f) => 'addresses' in f.to && f.to.addresses.display === 'kubernetes-api') })
        .toEqual({ addon: a.name, toApi: rbac });
      // The API server calls every admission webhook and aggregated API an add-on registers (addons-resources.ts);
      // a log shipper or store (Fluent Bit, Loki) registers none.
      const called = res.cluster.some((k) => /WebhookConfiguration$|^APIService$/.test(k.kind));
      if (a.name !== 'argo-cd' && called) {
        expect({ addon: a.name, webhook: flows.some((f) => 'addresses' in f.from && 'pods' in f.to && f.to.pods.namespace === a.namespace) })
          .toEqual({ addon: a.name, webhook: true });
      }
    }
    expect(fromNs('argocd').some((f) => 'addresses' in f.to && f.ports.some((port) => port.port === 443) && f.why.includes('repositories'))).toBe(true);
  });

  test('add-ons: pinned upstream Helm charts, one Application each, their images listed and pinned', () => {
    const addonApps = apps.filter((a) => a.spec.source.chart);
    expect(addonApps.map((a) => a.spec.source.chart).sort()).toEqual(addons(p.config).map((a) => a.chart).sort());
    for (const a of addonApps) {
      expect(a.spec.source.targetRevision).toMatch(/^v?[0-9]+\.[0-9]+\.[0-9]+$/);
      // The release is the catalog's name of the add-on: the names its chart gives its objects (addons-resources.ts,
      // the flows' pod selectors) are derived from it.
      const entry = addons(p.config).find((x) => x.chart === a.spec.source.chart)!;
      expect(a.spec.source.helm.releaseName).toBe(entry.name);
      expect(a.metadata.name).toBe(`${deploymentName(p.config)}-${entry.name}`);
      const images = a.metadata.annotations[platformKeys(p.config).images].split(',');
      expect(images.length).toBeGreaterThan(0);
      for (const i of images) expect(i).toMatch(/^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+:[A-Za-z0-9._-]+$/);
      // ignoreDifferences only for CA bundles that controllers inject after the sync.
      for (const d of a.spec.ignoreDifferences ?? []) for (const e of d.jqPathExpressions) expect(e).toMatch(/caBundle$/);
    }
    const platformIgnores = apps.filter((a) => !a.spec.source.chart && a.spec.ignoreDifferences);
    expect(platformIgnores).toEqual([]);
  });

  test('images.txt equals the set of images in the rendered manifests, Helm add-ons included', () => {
    const listed = (tree.get('images.txt') ?? '').split('\n').filter(Boolean);
    const expected = new Set<string>();
    for (const m of manifestsOf(p)) {
      for (const i of String(m.metadata.annotations?.[platformKeys(p.config).images] ?? '').split(',').filter(Boolean)) expected.add(i);
      JSON.stringify(m, (k, v) => { if ((k === 'containers' || k === 'initContainers') && Array.isArray(v)) v.forEach((c) => expected.add(c.image)); return v; });
    }
    expect(listed).toEqual([...expected].sort());
    expect(listed).toEqual([...new Set(listed)].sort());
    expect(listed.length).toBeGreaterThan(0);
  });
});

describe('waves for any set of folders', () => {
  const dev = env('dev');

  test('a store folder and an application using it: the store syncs first, the data is protected', () => {
    const p = storeAndApp(dev, '18-fixture-store', '28-fixture-api');
    expect(waveViolations(p)).toEqual([]);
    const app = (f: string) => childApps(p).find((a) => folderOf(p, a) === f)!;
    expect(wave(app('18-fixture-store'))).toBeLessThan(wave(app('28-fixture-api')));
    expect(wave(app('90-addons'))).toBeLessThan(wave(app('18-fixture-store')));
    expect(app('18-fixture-store').metadata.finalizers).toBeUndefined();
    expect(app('28-fixture-api').metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    const sts = p.charts.find((c) => c.folder === '18-fixture-store')!.manifests[0];
    expect(sts.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
  });

  test('the check catches a consumer placed before its store', () => {
    const p = storeAndApp(dev, '27-fixture-store', '26-fixture-api');
    expect(waveViolations(p)).toEqual([expect.stringMatching(/^26-fixture-api \(wave \d+\) before 27-fixture-store .*api uses postgres/)]);
  });

  test('custom resources wait for the add-ons that install their CRDs', () => {
    const monitor = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'x', namespace: 'monitoring' }, spec: {} };
    const p = withCharts(dev, [{ folder: '55-monitors', manifests: [monitor] }], new DependencyGraph());
    expect(dependencies(p)).toContainEqual(expect.objectContaining({ consumer: '55-monitors', provider: '90-addons' }));
    expect(waveViolations(p)).toEqual([]);
  });
});

describe('add-ons per environment', () => {
  test('ingress-nginx only on kubeadm; k3s keeps Traefik', () => {
    const charts = (name: string) => applications(env(name)).map((a) => a.spec.source.chart).filter(Boolean);
    expect(charts('dev')).not.toContain('ingress-nginx');
    expect(charts('production')).toContain('ingress-nginx');
    expect(() => withConfig('dev', { addons: { ingressNginx: { enabled: true } } })).toThrow(/addons\.ingressNginx\.enabled.*k3s/);
  });

  test('each add-on is switchable', () => {
    const c = withConfig('staging', { addons: { monitoring: { enabled: false }, ingressNginx: { enabled: false } } });
    const charts = applications(renderPlatform(c)).map((a) => a.spec.source.chart).filter(Boolean).sort();
    // metrics-server is not a switch: kubeadm ships no metrics.k8s.io server.
    expect(charts).toEqual(['argo-cd', 'cert-manager', 'metrics-server']);
    // The aggregated APIs' certificates come from cert-manager.
    expect(() => renderPlatform(withConfig('staging', { addons: { certManager: { enabled: false } } })))
      .toThrow(/environment "staging": addons\.certManager\.enabled = false: must be true when prometheus-adapter or metrics-server is installed/);
  });

  test('an air-gapped environment takes every chart from its mirror and every image from its registry', () => {
    const dr = env('dr');
    for (const a of applications(dr).filter((x) => x.spec.source.chart)) expect(a.spec.source.repoURL).toBe(dr.config.addons.chartMirror);
    const system = projects(dr).find((pr) => pr.metadata.name === 'receivables-dr-system')!;
    expect(system.spec.sourceRepos.sort()).toEqual([dr.config.addons.chartMirror, dr.config.gitops.repoURL].sort());
  });

  test('the registry rewrite touches every image and keeps path and tag', () => {
    const upstream = renderPlatform(loadEnvironment('production'));
    const registry = 'mirror.example.internal:5000/platform';
    const rewritten = renderPlatform(withConfig('production', { images: { registry } }));
    const before = imagesOf(manifestsOf(upstream), upstream.config);
    const after = imagesOf(manifestsOf(rewritten), rewritten.config);
    expect(after).toHaveLength(before.length);
    for (const i of after) expect(i.startsWith(`${registry}/`)).toBe(true);
    expect(after).toEqual(before.map((i) => `${registry}/${i.slice(i.indexOf('/') + 1)}`).sort());
    // The Helm values carry the rewritten images too, not only the list.
    const values = JSON.stringify(applications(rewritten).map((a) => a.spec.source.helm?.valuesObject ?? {}));
    for (const host of ['quay.io', 'registry.k8s.io', 'ghcr.io', 'docker.io', 'public.ecr.aws']) expect(values).not.toContain(host);
  });

  test('inside the add-ons, the Prometheus stack syncs before every add-on that creates ServiceMonitors', () => {
    for (const p of renderEvery().filter((x) => x.config.addons.monitoring.enabled)) {
      const addonApps = applications(p).filter((a) => a.spec.source.chart);
      const stack = wave(addonApps.find((a) => a.spec.source.chart === 'kube-prometheus-stack')!);
      const monitored = addonApps.filter((a) => a.spec.source.chart !== 'kube-prometheus-stack'
        && /"servicemonitor":\{"enabled":true\}/i.test(JSON.stringify(a.spec.source.helm.valuesObject)));
      expect(monitored.length).toBeGreaterThan(1);
      for (const a of monitored) expect({ app: a.metadata.name, after: wave(a) > stack }).toEqual({ app: a.metadata.name, after: true });
    }
  });

  test('Argo CD itself carries the Application health check that waves between Applications need, and it works (Lua 5.1)', () => {
    const argo = applications(env('production')).find((a) => a.spec.source.chart === 'argo-cd')!;
    const lua: string = argo.spec.source.helm.valuesObject.configs.cm['resource.customizations.health.argoproj.io_Application'];
    // Argo CD wraps the check in a function of `obj`; so does this harness, with the child's status as Argo CD sees it.
    const check = (obj: string) => execFileSync('lua5.1', ['-e', `local obj = ${obj}\nlocal hs = (function() ${lua} end)()\nprint(hs.status .. "|" .. hs.message)`], { encoding: 'utf8' }).trim();
    expect(check('{ status = { health = { status = "Healthy" } } }')).toBe('Healthy|');
    expect(check('{ status = { health = { status = "Degraded", message = "postgres-0 not ready" } } }')).toBe('Degraded|postgres-0 not ready');
    // A child not yet reconciled counts as Progressing, so the parent waits instead of moving on.
    expect(check('{ metadata = { name = "x" } }')).toBe('Progressing|');
  });
});

describe('kubectl apply -k dist/<env>', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-'));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test.each(renderEvery().map((p) => [nameOf(p), p] as const))('%s: kubectl kustomize builds every non-Argo CD object, namespaces first', (name, p) => {
    writeDist(out, new Map([[name, toFileTree(p)]]), false);
    const built = execFileSync('kubectl', ['kustomize', path.join(out, name)], { encoding: 'utf8' });
    const docs = built.split(/^---$/m).map((d) => d.trim()).filter(Boolean);
    const ids = docs.map((d) => {
      const kind = /^kind: (.+)$/m.exec(d)![1];
      const meta = /^metadata:\n((?: {2}.*\n?)*)/m.exec(d)![1];
      const nm = /^ {2}name: (.+)$/m.exec(meta)![1];
      const ns = /^ {2}namespace: (.+)$/m.exec(meta)?.[1] ?? '';
      return `${kind}/${ns}/${nm}`;
    });
    // Argo CD's own objects are not applied with -k; Argo Rollouts' Rollouts (argoproj.io too) are.
    const expected = manifestsOf(p).filter((m) => !(String(m.apiVersion).startsWith('argoproj.io/') && ['Application', 'ApplicationSet', 'AppProject'].includes(m.kind)))
      .map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`);
    expect([...ids].sort()).toEqual([...expected].sort());
    const firstOther = ids.findIndex((i) => !i.startsWith('Namespace/'));
    expect(ids.slice(firstOther).filter((i) => i.startsWith('Namespace/'))).toEqual([]);
  });
});
