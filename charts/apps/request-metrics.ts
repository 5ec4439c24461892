/**
 * PromQL over ingress-nginx's request metrics for one service's own Ingress: its share of 5xx answers and its 99th
 * percentile request time, for a canary's analysis (charts/apps/rollout.ts) and the service's alerts
 * (CatalogEntry.requestAlerts, charts/monitoring/monitoring.ts).
 *
 * The series (kubernetes/ingress-nginx controller-v1.11.2 internal/ingress/metric/collectors/socket.go): the
 * counter `nginx_ingress_controller_requests` and the histogram `nginx_ingress_controller_request_duration_seconds`,
 * labelled status, method, path, namespace, ingress, service and canary (status is the code: --report-status-classes
 * is off by default). A request a canary Ingress sends to the canary keeps the stable Ingress's `ingress` and
 * `service` and is told apart by `canary`, the alternative upstream it went to, `<namespace>-<service>-<port>`
 * (rootfs/etc/nginx/lua/monitor.lua `canary = ngx.var.proxy_alternative_upstream_name`, set by balancer.lua;
 * internal/ingress/controller/util.go upstreamName); other requests have it empty. The ServiceMonitor honours
 * these labels (charts/gitops/addons-catalog.ts ingressNginx), so `namespace` is the Ingress's, not the controller's.
 */
import type { CatalogEntry, RequestThresholds } from '../../environments/service';
import { alertId, rule, type Rule } from '../lib/alerts';

/** Which requests: those of `ingress` in `namespace`; with `canary`, only those sent to that upstream. */
export interface RequestSelector {
  readonly namespace: string;
  readonly ingress: string;
  readonly canary?: string;
}

/** A measurement and its limit (seconds for the latency). */
export interface RequestQuery {
  readonly name: 'error-rate' | 'latency-p99';
  readonly query: string;
  readonly max: number;
}

/**
 * The thresholds' queries over `window`. Without requests the error rate is empty and the latency NaN or empty;
 * with requests and no 5xx the error rate is 0.
 */
export function requestQueries(s: RequestSelector, t: RequestThresholds, window: string): RequestQuery[] {
  const labels = (extra = '') => `{namespace="${s.namespace}",ingress="${s.ingress}"${s.canary === undefined ? '' : `,canary="${s.canary}"`}${extra}}`;
  const rate = (metric: string, extra?: string) => `rate(nginx_ingress_controller_${metric}${labels(extra)}[${window}])`;
  const out: RequestQuery[] = [];
  if (t.maxErrorRate !== undefined) {
    out.push({ name: 'error-rate', query: `(sum(${rate('requests', ',status=~"5.."')}) or vector(0)) / sum(${rate('requests')})`, max: t.maxErrorRate });
  }
  if (t.maxP99LatencyMs !== undefined) {
    out.push({ name: 'latency-p99', query: `histogram_quantile(0.99, sum by (le) (${rate('request_duration_seconds_bucket')}))`, max: t.maxP99LatencyMs / 1000 });
  }
  return out;
}

/**
 * An entry's request alerts (CatalogEntry.requestAlerts) over all the requests of its Ingress: too many 5xx for 5
 * minutes is critical (users are failing), a slow p99 for 5 minutes a warning. No requests: neither fires.
 */
export function requestAlertRules(e: CatalogEntry): Rule[] {
  if (!e.requestAlerts) return [];
  const id = alertId(e.name);
  return requestQueries({ namespace: e.namespace, ingress: e.name }, e.requestAlerts, '5m').map((q) => (q.name === 'error-rate'
    ? rule(`${id}HighErrorRate`, 'critical', '5m', `${q.query} > ${q.max}`,
      `${e.namespace}/${e.name}: more than ${+(q.max * 100).toFixed(2)} % of requests fail`,
      `{{ $value | humanizePercentage }} of the requests through its Ingress were answered with a 5xx over the last 5 minutes.`)
    : rule(`${id}HighLatency`, 'warning', '5m', `${q.query} > ${q.max}`,
      `${e.namespace}/${e.name}: p99 request time above ${Math.round(q.max * 1000)} ms`,
      `The 99th percentile of the requests through its Ingress took {{ $value | humanizeDuration }} over the last 5 minutes.`)));
}
