/**
 * Composes one environment's charts. Each chart becomes a folder of dist/<env>/ whose numeric prefix is its
 * apply order: namespaces and tenants, then the stores, then the services, then ingress and GitOps.
 */
import { App, type Chart } from 'cdk8s';
import type { EnvironmentConfig } from '../environments/schema';
import { storeRefs, storeSecrets, type DeclaredSecret, type StoreRefs } from './data/refs';
import { demandByNamespace } from './lib/demand';
import { chartManifests } from './lib/to-json';
import type { PlatformContext } from './context';
import { DependencyGraph } from './lib/graph';
import { FOLDERS } from './lib/folders';
import type { Manifest, RenderedChart } from './lib/manifest';
import { storeCharts } from './data';
import { appCharts } from './apps/charts';
import { AddonsChart } from './gitops/addons';
import { addDemand, addonDemand } from './gitops/addons-demand';
import { EXTERNAL_SECRETS_FOLDER, ExternalSecretsChart } from './gitops/external-secrets';
import { GitOpsChart } from './gitops/gitops';
import { protectData } from './gitops/protect';
import { MonitoringChart } from './monitoring/monitoring';
import { NamespacesChart } from './namespaces';
import { NetworkChart } from './network/chart';
import { TenantsChart } from './tenants';
import { PkiChart } from './ingress/pki';

// Defined in charts/lib/manifest.ts (the layer below every chart); exported here too for the composer's callers.
export type { Manifest, RenderedChart };

export interface RenderedPlatform {
  readonly config: EnvironmentConfig;
  readonly refs: StoreRefs;
  /** In apply order. */
  readonly charts: readonly RenderedChart[];
  /** Every Secret the manifests may reference: generated at install time, never rendered. */
  readonly secrets: readonly DeclaredSecret[];
  /** Every network flow the charts declared. */
  readonly graph: DependencyGraph;
}

export function renderPlatform(config: EnvironmentConfig): RenderedPlatform {
  const app = new App();
  const refs = storeRefs(config);
  const ctx: PlatformContext = { config, refs, graph: new DependencyGraph(), secrets: storeSecrets(refs) };

  // Folders and their apply order: charts/lib/folders.ts. Each chart is one Argo CD Application and one step
  // of the installer.
  const addons = new AddonsChart(app, FOLDERS.addons, ctx);
  const charts: Chart[] = [
    new TenantsChart(app, FOLDERS.tenants, ctx),
    // The internal CA, before the stores whose certificates it issues.
    new PkiChart(app, FOLDERS.pki, ctx),

    // The stores (charts/data/index.ts), in their folders' order.
    ...storeCharts(app, ctx),

    // applications and ingress (issue 6)
    ...appCharts(app, ctx),

    // monitoring and gitops (issue 8): the add-ons declare their flows here, before anything reads the graph
    addons,
  ];

  const rendered = charts.map((c) => ({ folder: c.node.id, manifests: chartManifests(c) }));
  // Secret values from Vault: one ExternalSecret per Secret declared above.
  if (config.secrets.source === 'vault') {
    const externalSecrets = new ExternalSecretsChart(app, EXTERNAL_SECRETS_FOLDER, ctx);
    rendered.push({ folder: externalSecrets.node.id, manifests: chartManifests(externalSecrets) });
  }
  // Monitoring: scrape targets and store alerts derived from everything rendered above and from the graph.
  if (config.addons.monitoring.enabled) {
    const monitoring = new MonitoringChart(app, FOLDERS.monitoring, { ctx, charts: rendered });
    const manifests = chartManifests(monitoring);
    if (manifests.length) rendered.push({ folder: monitoring.node.id, manifests });
  }
  // Built last, rendered first: its quotas are sized from everything else.
  const namespaces = new NamespacesChart(app, FOLDERS.namespaces, {
    // The add-ons' pods are rendered by Argo CD from their charts: their demand is added from the catalog.
    config, demand: addDemand(demandByNamespace(rendered.flatMap((c) => c.manifests)), addonDemand(config, addons.addons)),
  });
  rendered.push({ folder: namespaces.node.id, manifests: chartManifests(namespaces) });
  // Built after every other chart, because its policies come from the flows they all declared; applied as 02.
  const network = new NetworkChart(app, FOLDERS.network, { config, graph: ctx.graph });
  rendered.push({ folder: network.node.id, manifests: chartManifests(network) });
  rendered.sort((a, b) => a.folder.localeCompare(b.folder));
  // GitOps last: one Application per folder rendered above; data-holding objects are kept by Argo CD.
  protectData(rendered);
  const gitops = new GitOpsChart(app, FOLDERS.gitops, { config, charts: rendered, addons: addons.addons });
  rendered.push({ folder: gitops.node.id, manifests: chartManifests(gitops) });
  return { ...ctx, charts: rendered };
}
