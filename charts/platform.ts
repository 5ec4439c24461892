/**
 * Composes one environment's charts. Each chart becomes a folder of dist/<platform>/<env>/ whose numeric prefix is its
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
import { markShared, sourceSharedSecrets } from './data/standby';
import { appCharts } from './apps/charts';
import { AddonsChart } from './gitops/addons';
import { addDemand, addonDemand } from './gitops/addons-demand';
import { EXTERNAL_SECRETS_FOLDER, ExternalSecretsChart } from './gitops/external-secrets';
import { GitOpsChart } from './gitops/gitops';
import { protectData } from './gitops/protect';
import { MonitoringChart } from './monitoring/monitoring';
import { VpaChart } from './gitops/addons/vpa-objects';
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

/**
 * One environment in two phases. Declare: every chart that stands on its own (tenants, the CA, the stores, the
 * applications and ingress, the add-ons), each registering its Secrets and network flows in the context. Derive,
 * in this order, what needs all of that: the ExternalSecrets (Vault or AWS Secrets Manager) (from the declared Secrets), monitoring (from the
 * rendered workloads and the flows), the namespaces (quotas sized from every workload), the network policies (from
 * every flow), and GitOps (one Application per folder).
 */
export function renderPlatform(config: EnvironmentConfig): RenderedPlatform {
  const app = new App();
  const refs = storeRefs(config);
  const ctx: PlatformContext = { config, refs, graph: new DependencyGraph({ monitoring: config.addons.monitoring.enabled }), secrets: storeSecrets(refs, config) };
  const { charts, addons } = declare(app, ctx);
  // A chart with nothing in it (no tenants; no ingress where nothing is exposed) is no folder and no Application.
  const rendered: RenderedChart[] = charts.map(render).filter((c) => c.manifests.length > 0);
  rendered.push(...deriveExternalSecrets(app, ctx));
  rendered.push(...deriveMonitoring(app, ctx, rendered));
  rendered.push(...deriveVpa(app, config, rendered));
  rendered.push(render(deriveNamespaces(app, config, rendered, addons)));
  rendered.push(render(new NetworkChart(app, FOLDERS.network, { config, graph: ctx.graph })));
  rendered.sort((a, b) => a.folder.localeCompare(b.folder));
  rendered.push(deriveGitOps(app, config, rendered, addons));
  // A standby's Secrets shared with its source are copied from the source, not generated (charts/data/standby.ts).
  return { ...ctx, charts: rendered, secrets: markShared(ctx.secrets, sourceSharedSecrets(config, refs)) };
}

const render = (c: Chart): RenderedChart => ({ folder: c.node.id, manifests: chartManifests(c) });

/** The charts that stand on their own. Folders and their apply order: charts/lib/folders.ts. */
function declare(app: App, ctx: PlatformContext): { readonly charts: readonly Chart[]; readonly addons: AddonsChart } {
  // Each chart is one Argo CD Application and one step of the installer.
  const addons = new AddonsChart(app, FOLDERS.addons, ctx);
  const charts: Chart[] = [
    new TenantsChart(app, FOLDERS.tenants, ctx),
    // The internal CA, before the stores whose certificates it issues.
    new PkiChart(app, FOLDERS.pki, ctx),
    // The stores (charts/data/index.ts), in their folders' order.
    ...storeCharts(app, ctx),
    ...appCharts(app, ctx),
    // The add-ons declare their flows here too, before anything reads the graph.
    addons,
  ];
  return { charts, addons };
}

/** Secret values from Vault or AWS Secrets Manager: one ExternalSecret per Secret declared above. */
function deriveExternalSecrets(app: App, ctx: PlatformContext): RenderedChart[] {
  return ctx.config.secrets.source !== 'generate' ? [render(new ExternalSecretsChart(app, EXTERNAL_SECRETS_FOLDER, ctx))] : [];
}

/** Scrape targets and store alerts, from everything rendered so far and from the graph (none when empty). */
function deriveMonitoring(app: App, ctx: PlatformContext, rendered: readonly RenderedChart[]): RenderedChart[] {
  if (!ctx.config.addons.monitoring.enabled) return [];
  const monitoring = render(new MonitoringChart(app, FOLDERS.monitoring, { ctx, charts: rendered }));
  return monitoring.manifests.length ? [monitoring] : [];
}

/** VerticalPodAutoscalers in recommendation mode for the workloads no HPA scales, where the VPA add-on runs. */
function deriveVpa(app: App, config: EnvironmentConfig, rendered: readonly RenderedChart[]): RenderedChart[] {
  if (!config.addons.vpa.enabled) return [];
  const vpa = render(new VpaChart(app, FOLDERS.vpa, { config, charts: rendered }));
  return vpa.manifests.length ? [vpa] : [];
}

/** Built last, applied first: its quotas are sized from everything else. */
function deriveNamespaces(app: App, config: EnvironmentConfig, rendered: readonly RenderedChart[], addons: AddonsChart): Chart {
  return new NamespacesChart(app, FOLDERS.namespaces, {
    // The add-ons' pods are rendered by Argo CD from their charts: their demand is added from the catalog.
    config, demand: addDemand(demandByNamespace(rendered.flatMap((c) => c.manifests)), addonDemand(config, addons.addons)),
  });
}

/** One Application per folder rendered above; data-holding objects are kept by Argo CD. */
function deriveGitOps(app: App, config: EnvironmentConfig, rendered: RenderedChart[], addons: AddonsChart): RenderedChart {
  protectData(rendered);
  return render(new GitOpsChart(app, FOLDERS.gitops, { config, charts: rendered, addons: addons.addons }));
}
