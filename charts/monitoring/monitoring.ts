/**
 * 50-monitoring, rendered where the environment runs the Prometheus stack: a PodMonitor for every metrics
 * endpoint the platform exposes (see targets.ts for the rule that finds them) and alerting rules for the
 * stores' health (rules.ts).
 *
 * PodMonitors rather than ServiceMonitors: a store's pods sit behind several Services (primary, replicas,
 * headless), and a ServiceMonitor selects Services by label, so it would scrape the same pod once per Service.
 * Built after every other chart, from what they rendered.
 */
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { NAMESPACES } from '../data/refs';
import type { PlatformContext } from '../context';
import { LABELS, meta } from '../lib/labels';
import type { RenderedChart } from '../lib/manifest';
import { holdsData } from '../gitops/order';
import { platformRules, statefulSetRules, storeRules, type Rule } from './rules';
import { scrapeTargets } from './targets';
import { sharedVolumeRules } from '../apps/shared-volume';
import { requestAlertRules } from '../apps/request-metrics';
import { ingressNginxServes } from '../lib/graph';

export interface MonitoringChartProps {
  readonly ctx: PlatformContext;
  /** Everything rendered before this chart. */
  readonly charts: readonly RenderedChart[];
}

const API = 'monitoring.coreos.com/v1';

export class MonitoringChart extends Chart {
  constructor(scope: Construct, id: string, p: MonitoringChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const c = p.ctx.config;
    const m = (name: string, namespace: string, component: string) =>
      meta(c, { name, namespace, id: { name: 'monitoring', component, instance: name } }) as IPodMonitor['metadata'];

    for (const t of scrapeTargets(p.charts, p.ctx.graph)) {
      const pm: IPodMonitor = {
        apiVersion: API, kind: 'PodMonitor',
        metadata: m(t.workload.name, t.namespace, 'pod-monitor'),
        spec: {
          jobLabel: LABELS.name,
          podTargetLabels: [LABELS.component, LABELS.instance],
          selector: { matchLabels: t.selector },
          podMetricsEndpoints: t.ports.map((port) => ({
            ...(typeof port === 'string' ? { port } : { targetPort: port }), path: t.path, scheme: t.scheme, interval: '30s', scrapeTimeout: '10s',
          })),
        },
      };
      new ApiObject(this, `pm-${t.namespace}-${t.workload.name}`, pm as any);
    }

    const prometheusRule = (name: string, ns: string, groups: { name: string; rules: Rule[] }[]): IPrometheusRule => ({
      apiVersion: API, kind: 'PrometheusRule',
      metadata: m(name, ns, 'alert-rules'),
      spec: {
        groups: groups.filter((g) => g.rules.length).map((g) => ({
          name: g.name,
          rules: g.rules.map((r) => ({
            alert: r.alert, expr: r.expr, for: r.for,
            labels: { severity: r.severity, namespace: ns },
            annotations: { summary: r.summary, description: r.description },
          })),
        })),
      },
    });
    // Delivery: Argo CD and certificates, in the monitoring namespace.
    new ApiObject(this, 'rules-platform', prometheusRule('platform-delivery', 'monitoring', [{ name: 'platform.delivery', rules: platformRules(c) }]) as any);

    // Shared content volumes of the application tier (charts/apps/shared-volume.ts), in their service's namespace.
    for (const e of c.platform.catalog) {
      const deployed = p.charts.some((x) => x.manifests.some((mm) => mm.kind === 'PersistentVolumeClaim' && mm.metadata.namespace === e.namespace && mm.metadata.name === e.sharedVolume?.claimName));
      if (!e.sharedVolume || !deployed) continue;
      new ApiObject(this, `rules-${e.namespace}-${e.sharedVolume.claimName}`,
        prometheusRule(`${e.sharedVolume.claimName}-content`, e.namespace, [{ name: `${e.sharedVolume.claimName}.content`, rules: sharedVolumeRules(e.sharedVolume, e.namespace) }]) as any);
    }

    // Services' request alerts (CatalogEntry.requestAlerts), in their namespace: from ingress-nginx's metrics, so only
    // where it serves their Ingress (not Traefik on k3s, nor a load balancer sending to the pods directly).
    const nginx = ingressNginxServes(c);
    for (const e of c.platform.catalog) {
      const ingress = p.charts.some((x) => x.manifests.some((mm) => mm.kind === 'Ingress' && mm.metadata.namespace === e.namespace && mm.metadata.name === e.name));
      if (!e.requestAlerts || !nginx || !ingress) continue;
      new ApiObject(this, `rules-${e.namespace}-${e.name}-requests`,
        prometheusRule(`${e.name}-requests`, e.namespace, [{ name: `${e.name}.requests`, rules: requestAlertRules(e) }]) as any);
    }

    // Rules by namespace: generic ones per data-holding StatefulSet, then the store's own.
    const all = p.charts.flatMap((x) => x.manifests);
    const stores = Object.entries(NAMESPACES) as [keyof typeof NAMESPACES, string][];
    const namespaces = [...new Set(all.filter((x) => x.kind === 'StatefulSet' && holdsData(x)).map((x) => x.metadata.namespace as string))];
    for (const [, ns] of stores) if (all.some((x) => x.metadata?.namespace === ns && ['StatefulSet', 'Deployment'].includes(x.kind))) namespaces.push(ns);
    for (const ns of [...new Set(namespaces)].sort()) {
      const groups: { name: string; rules: Rule[] }[] = [];
      for (const sts of all.filter((x) => x.kind === 'StatefulSet' && x.metadata.namespace === ns && holdsData(x))) {
        groups.push({ name: `${sts.metadata.name}.members`, rules: statefulSetRules(sts) });
      }
      const store = stores.find(([, n]) => n === ns)?.[0];
      if (store) groups.push({ name: `${store}.health`, rules: storeRules(c, store) });
      new ApiObject(this, `rules-${ns}`, prometheusRule(`${ns}-health`, ns, groups) as any);
    }
  }
}
