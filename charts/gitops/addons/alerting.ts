/**
 * Where Alertmanager sends the alerts (addons.monitoring.alerting): PagerDuty and Slack by severity, with the
 * credentials in a Secret the site creates (never in Git). Without it the stack's Alertmanager keeps the alerts to
 * itself (the chart's receiver `null`).
 *
 * kube-prometheus-stack-62.7.0 values.yaml `alertmanager.config` is deep-merged by Helm: maps merge, lists replace.
 * So `route.routes` restates the chart's own Watchdog route (to `null`: the always-firing heartbeat), and
 * `receivers` restates `null`; the global settings, grouping and inhibit rules stay the chart's. The config goes
 * into the Secret the chart renders (templates/alertmanager/secret.yaml, key alertmanager.yaml).
 * `alertmanagerSpec.secrets` mounts the site's Secret at /etc/alertmanager/secrets/<name>/ (prometheus-operator
 * v0.76.1 pkg/alertmanager/statefulset.go), read by Alertmanager when it notifies:
 * - PagerDuty Events API v2 (`routing_key_file`, Alertmanager 0.25 and later; the image is 0.27.0): an integration key;
 * - Slack (`api_url_file`, 0.22 and later): an incoming webhook URL, with `send_resolved` on (Slack's default is off).
 * Each receiver's route has `continue`, so a severity sent to both reaches both.
 */
import type { EnvironmentConfig } from '../../../environments/schema';
import type { DeclaredSecret } from '../../lib/endpoint';

/** The site's Secret with the receivers' credentials, in the monitoring namespace. */
export const ALERT_RECEIVERS_SECRET = 'alertmanager-receivers';
export const ALERT_RECEIVER_KEYS = { pagerduty: 'pagerduty-routing-key', slack: 'slack-webhook-url' } as const;
/** Where prometheus-operator mounts that Secret in the Alertmanager container. */
const SECRET_DIR = `/etc/alertmanager/secrets/${ALERT_RECEIVERS_SECRET}`;

type Alerting = NonNullable<EnvironmentConfig['addons']['monitoring']['alerting']>;
type Receiver = keyof typeof ALERT_RECEIVER_KEYS;

/** The receivers the environment sends to, in a fixed order. */
function receiversOf(a: Alerting): Receiver[] {
  return (['pagerduty', 'slack'] as const).filter((r) => a[r] !== undefined);
}

/** The site's Secret, when alerts go out (keys for the receivers used). */
export function alertReceiversSecret(c: EnvironmentConfig): DeclaredSecret | undefined {
  const a = c.addons.monitoring.enabled ? c.addons.monitoring.alerting : undefined;
  if (!a) return undefined;
  return { name: ALERT_RECEIVERS_SECRET, namespace: 'monitoring', keys: receiversOf(a).map((r) => ALERT_RECEIVER_KEYS[r]), suppliedBy: 'site' };
}

/** kube-prometheus-stack's `alertmanager` values for the routing (merged over the chart's), or none. */
export function alertmanagerRouting(c: EnvironmentConfig): { config: Record<string, unknown>; secrets: string[] } | undefined {
  const a = c.addons.monitoring.alerting;
  if (!a) return undefined;
  const file = (r: Receiver) => `${SECRET_DIR}/${ALERT_RECEIVER_KEYS[r]}`;
  const receivers: Record<string, unknown>[] = [{ name: 'null' }];
  const routes: Record<string, unknown>[] = [{ receiver: 'null', matchers: ['alertname = "Watchdog"'] }];
  for (const r of receiversOf(a)) {
    const severities = a[r]!.severities;
    routes.push({ receiver: r, matchers: [`severity =~ "${severities.join('|')}"`], continue: true });
    receivers.push(r === 'pagerduty'
      ? { name: r, pagerduty_configs: [{ routing_key_file: file(r) }] }
      : { name: r, slack_configs: [{ api_url_file: file(r), channel: a.slack!.channel, send_resolved: true }] });
  }
  return { config: { route: { routes }, receivers }, secrets: [ALERT_RECEIVERS_SECRET] };
}
