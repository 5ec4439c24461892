/**
 * The install simulator (scripts/lib/simulator.ts) replays every environment's install on a bare cluster of its
 * flavour, through Argo CD's root Application and through the ordered installer, and every step must be able to
 * complete. Deliberately broken inputs must stop it at the right step with a clear reason.
 *
 * What it leaves unproven (no API server runs here): that the add-on charts really render what
 * charts/gitops/addons-resources.ts records (read from their templates, not executed), that pods start, and
 * timing (webhooks becoming ready, retries).
 */
import { deepMerge } from '../environments/merge';
import { environmentInput, validateEnvironment } from '../environments';
import { renderPlatform, type Manifest, type RenderedPlatform } from '../charts/platform';
import { formatSimulation, immutableChanges, installSteps, simulate, type Path, type SimInput } from '../scripts/lib/simulator';
import { plan } from '../scripts/install';
import { manifestsOf, nameOf, renderAll, renderEvery } from './support/render';
import { deploymentName } from '../charts/lib/naming';

const all = renderAll();
const input = (p: RenderedPlatform): SimInput => ({ config: p.config, charts: p.charts, secrets: p.secrets });
const rows = renderEvery().flatMap((p) => (['argocd', 'installer'] as Path[]).map((path) => [nameOf(p), path, p] as const));

describe.each(rows)('%s through %s', (env, path, p) => {
  test('every step can complete on a bare cluster of its flavour', () => {
    const sim = simulate(input(p), path);
    expect({ env, path, failed: sim.failed }).toEqual({ env, path, failed: undefined });
    // Every folder and every add-on is a step.
    const ids = sim.steps.map((s) => s.step);
    // (A folder with nothing to apply, such as 01-tenants of a platform without tenants, has no Application.)
    for (const c of p.charts.filter((x) => x.manifests.length > 0)) expect(ids).toContain(c.folder);
    for (const a of manifestsOf(p).filter((m) => m.kind === 'Application' && m.spec.source.chart)) expect(ids).toContain(`addon ${a.spec.source.helm.releaseName}`);
  });
});

describe.each(renderEvery().map((p) => [nameOf(p), p] as const))('%s: the simulated installer is the real one', (_name, p) => {
  test('the simulator replays the installer\'s steps in the installer\'s order (scripts/install.ts plan())', () => {
    const folders = p.charts.map((c) => ({ name: c.folder, dir: `/dist/${c.folder}`, files: c.manifests.map((_, i) => `/dist/${c.folder}/${i}.yaml`), objects: c.manifests }));
    const real = plan(folders, { withoutArgoCd: false, timeout: '10m', config: p.config, secrets: p.secrets, bootstrap: 'helm' }).map((s) => s.folder);
    // The simulator folds the Secrets step into its prerequisites (created as soon as their namespace exists).
    const simulated = installSteps(input(p), 'installer').map((s) => s.id).filter((id) => !id.startsWith('addon '));
    expect(simulated).toEqual(real.filter((f) => f !== 'secrets'));
    expect(real.indexOf('secrets')).toBe(real.indexOf('namespaces') + 1);
  });
});

/** Deep copy of a platform with a change to one object. */
function mutate(p: RenderedPlatform, f: (charts: { folder: string; manifests: Manifest[] }[]) => void): SimInput {
  const charts = JSON.parse(JSON.stringify(p.charts)) as { folder: string; manifests: Manifest[] }[];
  f(charts);
  return { config: p.config, charts, secrets: p.secrets };
}
const anyEnv = (pred: (p: RenderedPlatform) => boolean) => all.find(pred)!;

describe('a broken input stops the replay at the right step, with the reason', () => {
  test('a kind removed from the system project\'s whitelist: the add-on that creates it is refused', () => {
    const p = anyEnv((x) => x.config.addons.monitoring.enabled);
    const broken = mutate(p, (charts) => {
      const proj = charts.flatMap((c) => c.manifests).find((m) => m.kind === 'AppProject' && m.metadata.name.endsWith('-system'))!;
      proj.spec.clusterResourceWhitelist = proj.spec.clusterResourceWhitelist.filter((w: Manifest) => w.kind !== 'APIService');
    });
    // On kubeadm and EKS the metrics-server add-on (an APIService too) syncs before prometheus-adapter and is refused first.
    const first = p.config.cluster.flavour !== 'k3s' ? 'metrics-server' : 'prometheus-adapter';
    for (const path of ['argocd', 'installer'] as Path[]) {
      const sim = simulate(broken, path);
      expect(sim.failed?.step).toBe(`addon ${first}`);
      expect(sim.failed?.problems).toContain(`project ${deploymentName(p.config)}-system does not allow cluster-scoped apiregistration.k8s.io/APIService (${first}'s APIService): Argo CD refuses the sync`);
    }
  });

  test('a chart mirror missing from the system project\'s sources: the add-ons are refused', () => {
    const p = anyEnv((x) => x.config.addons.monitoring.enabled && !x.config.addons.chartMirror);
    const broken = mutate(p, (charts) => {
      const proj = charts.flatMap((c) => c.manifests).find((m) => m.kind === 'AppProject' && m.metadata.name.endsWith('-system'))!;
      proj.spec.sourceRepos = proj.spec.sourceRepos.filter((r: string) => !r.includes('prometheus-community'));
    });
    const sim = simulate(broken, 'argocd');
    expect(sim.failed?.step).toBe('addon kube-prometheus-stack');
    expect(sim.failed?.problems).toContain(`project ${deploymentName(p.config)}-system does not allow the source repository https://prometheus-community.github.io/helm-charts`);
  });

  test('a ConfigMap rendered one wave too late: the workload that needs it cannot become Healthy', () => {
    const p = all[0];
    let moved = '';
    const broken = mutate(p, (charts) => {
      const from = charts.find((c) => c.folder === '22-core')!;
      const i = from.manifests.findIndex((m) => m.kind === 'ConfigMap');
      const [cm] = from.manifests.splice(i, 1);
      moved = `${cm.metadata.namespace}/${cm.metadata.name}`;
      charts.find((c) => c.folder === '30-ingress')!.manifests.push(cm);
    });
    for (const path of ['argocd', 'installer'] as Path[]) {
      const sim = simulate(broken, path);
      expect(sim.failed?.step).toBe('22-core');
      expect(sim.failed?.problems.join('\n')).toContain(`needs ConfigMap ${moved}, which does not exist by the end of this step (provided only by step 30-ingress)`);
    }
  });

  test('an ExternalSecret one wave too late (dr): its consumers stop', () => {
    const p = anyEnv((x) => x.config.secrets.source === 'vault');
    const broken = mutate(p, (charts) => {
      const es = charts.find((c) => c.folder === '05-external-secrets')!;
      const i = es.manifests.findIndex((m) => m.kind === 'ExternalSecret' && m.metadata.namespace === 'db-postgres');
      const [moved] = es.manifests.splice(i, 1);
      charts.find((c) => c.folder === '50-monitoring')!.manifests.push(moved);
    });
    const sim = simulate(broken, 'argocd');
    expect(sim.failed?.step).toBe('11-postgres');
    expect(sim.failed?.problems.join('\n')).toMatch(/needs Secret db-postgres\/[a-z-]+, which does not exist by the end of this step \(provided only by step 50-monitoring\)/);
  });

  test('the grafana-admin Secret left to an ExternalSecret (issue 14 defect 2): the Prometheus stack stops in the first add-on wave', () => {
    const p = anyEnv((x) => x.config.secrets.source === 'vault' && x.config.addons.monitoring.enabled);
    const broken = mutate(p, (charts) => {
      const es = charts.find((c) => c.folder === '05-external-secrets')!;
      const template = es.manifests.find((m) => m.kind === 'ExternalSecret')!;
      const store = es.manifests.find((m) => m.kind === 'SecretStore')!;
      es.manifests.push({ ...store, metadata: { ...store.metadata, namespace: 'monitoring' } },
        { ...template, metadata: { ...template.metadata, name: 'grafana-admin', namespace: 'monitoring' }, spec: { ...template.spec, target: { ...template.spec.target, name: 'grafana-admin' } } });
    });
    const sim = simulate({ ...broken, secrets: p.secrets.filter((s) => s.name !== 'grafana-admin') }, 'argocd');
    expect(sim.failed?.step).toBe('addon kube-prometheus-stack');
    expect(sim.failed?.problems).toContain('kube-prometheus-stack needs Secret monitoring/grafana-admin, which does not exist yet (provided only by step 05-external-secrets)');
  });

  test('a kubeadm cluster without metrics-server: every CPU HPA stays Degraded', () => {
    const p = anyEnv((x) => x.config.cluster.flavour === 'kubeadm' && manifestsOf(x).some((m) => m.kind === 'HorizontalPodAutoscaler'));
    const broken = mutate(p, (charts) => {
      const addons = charts.find((c) => c.folder === '90-addons')!;
      addons.manifests = addons.manifests.filter((m) => m.spec?.source?.chart !== 'metrics-server');
    });
    const sim = simulate(broken, 'argocd');
    expect(sim.failed?.problems.join('\n')).toMatch(/HorizontalPodAutoscaler [a-z-]+\/[a-z-]+ reads Resource metrics from metrics\.k8s\.io, which nothing serves: the HPA stays Degraded/);
  });

  test('the dr site CA Secret missing: the CA issuer and every certificate it signs stop', () => {
    const p = anyEnv((x) => !!x.config.cluster.siteCa);
    const sim = simulate({ ...input(p), config: { ...p.config, cluster: { ...p.config.cluster, siteCa: undefined } } }, 'installer');
    expect(sim.failed?.step).toBe('03-pki');
    expect(sim.failed?.problems.join('\n')).toMatch(/ClusterIssuer platform-internal-ca signs with Secret cert-manager\/site-ca, which does not exist/);
  });

  test('the timeline names the first step that cannot complete and why', () => {
    const p = all[0];
    const broken = mutate(p, (charts) => { charts.find((c) => c.folder === '00-namespaces')!.manifests = charts.find((c) => c.folder === '00-namespaces')!.manifests.filter((m) => m.metadata.name !== 'db-postgres'); });
    const text = formatSimulation(p.config.name, simulate(broken, 'installer'));
    expect(text).toMatch(/ok      namespaces: /);
    expect(text).toMatch(/BLOCKED 00-namespaces: /);
    expect(text).toMatch(/namespace db-postgres does not exist yet/);
    expect(text).toMatch(/stops at step \d+ \([0-9a-z-]+\): it cannot complete/);
  });
});

describe.each(all.map((p) => [p.config.name, p] as const))('%s: re-running after a change', (name, p) => {
  const changed = (override: unknown) => renderPlatform(validateEnvironment(name, deepMerge(environmentInput(name), override)));
  test.each([
    ['new images (a registry mirror)', { images: { registry: 'mirror.example.internal:5000' } }],
    ['changed configuration (retention, pull policy)', { addons: { monitoring: { retention: '9d' } }, images: { pullPolicy: 'Always' } }],
  ])('%s changes no immutable field in place', (_what, override) => {
    expect(immutableChanges(manifestsOf(p), manifestsOf(changed(override)))).toEqual([]);
  });

  test('a changed claim template would be caught', () => {
    const sts = manifestsOf(p).find((m) => m.kind === 'StatefulSet' && m.spec.volumeClaimTemplates?.length);
    if (!sts) return;
    const after = JSON.parse(JSON.stringify(sts));
    after.spec.volumeClaimTemplates[0].spec.storageClassName = 'other';
    expect(immutableChanges([sts], [after])).toEqual([`StatefulSet ${sts.metadata.namespace}/${sts.metadata.name}: spec.volumeClaimTemplates changes in place (immutable)`]);
  });
});
