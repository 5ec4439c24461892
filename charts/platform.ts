/**
 * Composes one environment's charts. Each chart becomes a folder of dist/<env>/ whose numeric prefix is its
 * apply order: namespaces and tenants, then the stores, then the services, then ingress and GitOps.
 */
import { App, type Chart } from 'cdk8s';
import type { EnvironmentConfig } from '../environments/schema';
import { storeRefs, storeSecrets, type DeclaredSecret, type StoreRefs } from './data/refs';
import { demandByNamespace } from './lib/demand';
import { chartManifests } from './lib/to-json';
import type { PlatformContext } from './lib/context';
import { DependencyGraph } from './lib/graph';
import { MinioChart } from './data/minio';
import { ElasticsearchChart } from './data/elasticsearch';
import { RedisChart } from './data/redis';
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
import { PostgresChart } from './data/postgres';
import { ClickhouseChart } from './data/clickhouse';
import { KafkaChart } from './data/kafka';

/** A rendered Kubernetes object. */
export type Manifest = Record<string, any>;

export interface RenderedChart {
  /** The folder under dist/<env>/, e.g. `00-namespaces`. */
  readonly folder: string;
  readonly manifests: readonly Manifest[];
}

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
  const ctx: PlatformContext = { config, refs, graph: new DependencyGraph({ monitoring: config.addons.monitoring.enabled }), secrets: storeSecrets(refs) };

  // Folder prefixes: 0x namespaces, tenants and network; 1x stores; 2x applications; 3x ingress; 5x
  // monitoring; 9x GitOps. Each chart is one Argo CD Application and one step of the installer.
  const addons = new AddonsChart(app, '90-addons', ctx);
  const charts: Chart[] = [
    new TenantsChart(app, '01-tenants', ctx),
    // The internal CA, before the stores whose certificates it issues.
    new PkiChart(app, '03-pki', ctx),

    // network (issue 7)

    // minio (issue 5)
    new MinioChart(app, '10-minio', ctx),

    // postgres (issue 3)
    new PostgresChart(app, '11-postgres', ctx),

    // redis (issue 4)
    new RedisChart(app, '12-redis', ctx),

    // kafka and clickhouse (issue 9)
    new KafkaChart(app, '13-kafka', ctx),
    new ClickhouseChart(app, '14-clickhouse', ctx),

    // elasticsearch (issue 5)
    new ElasticsearchChart(app, '15-elasticsearch', ctx),

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
    const monitoring = new MonitoringChart(app, '50-monitoring', { ctx, charts: rendered });
    const manifests = chartManifests(monitoring);
    if (manifests.length) rendered.push({ folder: monitoring.node.id, manifests });
  }
  // Built last, rendered first: its quotas are sized from everything else.
  const namespaces = new NamespacesChart(app, '00-namespaces', {
    // The add-ons' pods are rendered by Argo CD from their charts: their demand is added from the catalog.
    config, demand: addDemand(demandByNamespace(rendered.flatMap((c) => c.manifests)), addonDemand(config, addons.addons)),
  });
  rendered.push({ folder: namespaces.node.id, manifests: chartManifests(namespaces) });
  // Built after every other chart, because its policies come from the flows they all declared; applied as 02.
  const network = new NetworkChart(app, '02-network', { config, graph: ctx.graph });
  rendered.push({ folder: network.node.id, manifests: chartManifests(network) });
  rendered.sort((a, b) => a.folder.localeCompare(b.folder));
  // GitOps last: one Application per folder rendered above; data-holding objects are kept by Argo CD.
  protectData(rendered);
  const gitops = new GitOpsChart(app, '99-gitops', { config, charts: rendered, addons: addons.addons });
  rendered.push({ folder: gitops.node.id, manifests: chartManifests(gitops) });
  return { ...ctx, charts: rendered };
}
