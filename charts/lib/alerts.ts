/**
 * Prometheus alerting rules as data: the shape the monitoring chart renders into PrometheusRules, and the helpers
 * each store kind's alerts (charts/data/<kind>/alerts.ts) are written with.
 */

export interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'critical' | 'warning';
  readonly summary: string;
  readonly description: string;
}

/** `postgres-database` → `PostgresDatabase`: a name in an alert's name. */
export function alertId(s: string): string {
  return s.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

export const rule = (alert: string, severity: Rule['severity'], forDuration: string, expr: string, summary: string, description: string): Rule =>
  ({ alert, expr, for: forDuration, severity, summary, description });

/** What a store's alerts are written with: its namespace matcher and the rules every store states the same way. */
export interface StoreAlertKit {
  /** `namespace="<the store's namespace>"`, for selectors. */
  readonly n: string;
  /** A member reports `metric` 0: the store is down there. */
  readonly down: (alert: string, metric: string, what: string) => Rule;
  /** More than one member held `leaderSeries` within 15 minutes: a failover or switchover. */
  readonly failover: (alert: string, leaderSeries: string, what: string) => Rule;
}

export function storeAlertKit(namespace: string): StoreAlertKit {
  const n = `namespace="${namespace}"`;
  return {
    n,
    down: (alert, metric, what) =>
      rule(alert, 'critical', '2m', `${metric}{${n}} == 0`, `${what} is down on {{ $labels.pod }}`, `${what} on {{ $labels.pod }} does not respond to its exporter.`),
    failover: (alert, leaderSeries, what) =>
      rule(alert, 'warning', '0m', `count(count_over_time(${leaderSeries}[15m])) > 1`,
        `${what}: the leader changed`, `More than one member was ${what}'s leader in the last 15 minutes (failover or switchover): check why the previous leader left.`),
  };
}
