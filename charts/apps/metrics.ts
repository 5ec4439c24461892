/**
 * The External metrics the application tier's HPAs scale on, and the prometheus-adapter rules that serve them
 * (`external.metrics.k8s.io`). The monitoring stack renders these rules into its adapter configuration; the
 * contract is that every External metric an HPA names here has a rule.
 */
import { CATALOG, type CatalogEntry } from '../../environments/catalog';

export interface AdapterExternalRule {
  readonly seriesQuery: string;
  readonly resources: { readonly overrides: Record<string, { readonly resource: string }> };
  readonly name: { readonly as: string };
  readonly metricsQuery: string;
}

/** One rule per distinct queue metric of the catalog: the deepest queue per `queue` label. */
export function externalMetricRules(catalog: readonly CatalogEntry[] = CATALOG): AdapterExternalRule[] {
  const metrics = new Set<string>();
  for (const e of catalog) if (e.scaling.type === 'horizontal' && e.scaling.queue) metrics.add(e.scaling.queue.metric);
  return [...metrics].sort().map((metric) => ({
    seriesQuery: `${metric}{queue!=""}`,
    resources: { overrides: { namespace: { resource: 'namespace' } } },
    name: { as: metric },
    metricsQuery: `max(${metric}{<<.LabelMatchers>>}) by (queue)`,
  }));
}
