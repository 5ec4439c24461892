/**
 * The External metrics the application tier's HPAs scale on, and the prometheus-adapter rules that serve them
 * (`external.metrics.k8s.io`). The monitoring stack renders these rules into its adapter configuration; the
 * contract is that every External metric an HPA names here has a rule.
 */
import type { CatalogEntry } from '../../environments/catalog';

export interface AdapterExternalRule {
  readonly seriesQuery: string;
  readonly resources: { readonly overrides: Record<string, { readonly resource: string }> };
  readonly name: { readonly as: string };
  readonly metricsQuery: string;
}

/**
 * One rule per distinct queue metric of the catalog: the deepest queue per `queue` label; and, where an entry
 * scales on its request rate, the request-rate rule (requestRateRule).
 */
export function externalMetricRules(catalog: readonly CatalogEntry[]): AdapterExternalRule[] {
  const metrics = new Set<string>();
  for (const e of catalog) if (e.scaling.type === 'horizontal' && e.scaling.queue) metrics.add(e.scaling.queue.metric);
  const rules = [...metrics].sort().map((metric) => ({
    seriesQuery: `${metric}{queue!=""}`,
    resources: { overrides: { namespace: { resource: 'namespace' } } },
    name: { as: metric },
    metricsQuery: `max(${metric}{<<.LabelMatchers>>}) by (queue)`,
  }));
  const byRate = catalog.some((e) => e.scaling.type === 'horizontal' && e.scaling.requestsPerSecond !== undefined);
  return byRate ? [...rules, requestRateRule()] : rules;
}

/**
 * The request-rate contract between a service, Prometheus, prometheus-adapter and the service's HPA (seed 001:
 * requests per second above 100):
 *  - the service counts the HTTP requests it answers in the counter `http_requests_total` on its /metrics;
 *  - its PodMonitor (charts/monitoring) labels the series with `job` = the service's app.kubernetes.io/name and
 *    `namespace`;
 *  - the adapter serves `http_requests_per_second`: the service's summed per-second rate over 2 minutes, per job;
 *  - the HPA selects `job: <service>` in its namespace with an AverageValue target: the adapter's sum divided by
 *    the pods, so the target is requests per second per pod.
 */
export const REQUEST_COUNTER = 'http_requests_total';
export const REQUEST_RATE_METRIC = 'http_requests_per_second';
export const requestRateSelector = (service: string): Record<string, string> => ({ job: service });

export function requestRateRule(): AdapterExternalRule {
  return {
    seriesQuery: `${REQUEST_COUNTER}{namespace!="",job!=""}`,
    resources: { overrides: { namespace: { resource: 'namespace' } } },
    name: { as: REQUEST_RATE_METRIC },
    metricsQuery: `sum(rate(${REQUEST_COUNTER}{<<.LabelMatchers>>}[2m])) by (job)`,
  };
}

/**
 * The queue-depth contract between an agent, prometheus-adapter and the agent's HPA (docs/apps.md):
 *  - the agent consumes the Redis list `TASK_QUEUE` = `agent-tasks:<agent>`;
 *  - it exports the list's length as `<QUEUE_METRIC>{queue="<agent>"}` (QUEUE_METRIC_LABELS tells it the label:
 *    a Kubernetes label selector value cannot hold the list name's `:`, so the label is the agent's name);
 *  - the adapter rule serves `<metric>` grouped by `queue` (externalMetricRules above);
 *  - the HPA selects `queue: <agent>` (queueSelector).
 */
export const QUEUE_LABEL = 'queue';
export const taskQueue = (agent: string): string => `agent-tasks:${agent}`;
export const queueSelector = (agent: string): Record<string, string> => ({ [QUEUE_LABEL]: agent });

/** The environment variables that tell an agent its queue and how to export its depth. */
export function queueEnv(agent: string, metric?: string): Record<string, string> {
  return {
    TASK_QUEUE: taskQueue(agent),
    ...(metric ? {
      QUEUE_METRIC: metric,
      QUEUE_METRIC_LABELS: Object.entries(queueSelector(agent)).map(([k, v]) => `${k}=${v}`).join(','),
    } : {}),
  };
}
