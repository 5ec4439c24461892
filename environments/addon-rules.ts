/**
 * The optional add-ons' cross-field rules (charts/gitops/addons/): an enabled add-on needs its namespace, at the
 * Pod Security level its pods need (environments/shared.ts ADDON_NAMESPACES), and the settings without which its
 * chart cannot start. Each problem names the field to change.
 */
import type { EnvironmentConfig } from './schema';
import { ADDON_NAMESPACES } from './shared';

type Report = (path: (string | number)[], message: string) => void;

const LEVELS = ['restricted', 'baseline', 'privileged'] as const;

export function addonRules(c: EnvironmentConfig, issue: Report): void {
  for (const [key, want] of Object.entries(ADDON_NAMESPACES) as [keyof typeof ADDON_NAMESPACES, (typeof ADDON_NAMESPACES)[keyof typeof ADDON_NAMESPACES]][]) {
    if (!c.addons[key].enabled) continue;
    const level = want.podSecurity ?? 'restricted';
    const i = c.namespaces.findIndex((n) => n.name === want.name);
    if (i < 0) {
      issue(['addons', key, 'enabled'], `needs the namespace "${want.name}" in namespaces (with podSecurity "${level}": environments/shared.ts ${key.toUpperCase()}_NAMESPACE)`);
    } else if (LEVELS.indexOf(c.namespaces[i].podSecurity) < LEVELS.indexOf(level)) {
      issue(['namespaces', i, 'podSecurity'], `must be "${level}" while addons.${key} is enabled (${want.podSecurityReason ?? 'its pods need it'}); got "${c.namespaces[i].podSecurity}"`);
    }
  }
  if (c.addons.monitoring.alerting && !c.addons.monitoring.enabled) {
    issue(['addons', 'monitoring', 'alerting'], 'only applies with addons.monitoring.enabled (Alertmanager is part of the Prometheus stack)');
  }
  const dd = c.addons.datadog;
  if (dd.enabled && !dd.site) issue(['addons', 'datadog', 'site'], 'is required when addons.datadog.enabled is true (the Datadog intake of the account, e.g. datadoghq.eu)');
  const t = c.addons.tracing;
  if (t.enabled && t.storage.type === 'elasticsearch') {
    for (const f of ['url', 'username', 'cidrs'] as const) {
      if (t.storage[f] === undefined) issue(['addons', 'tracing', 'storage', f], 'is required when addons.tracing.storage.type is "elasticsearch"');
    }
  }
  if (t.enabled && t.storage.type === 'memory' && c.ha) {
    issue(['addons', 'tracing', 'storage', 'type'], 'must be "elasticsearch" when ha is true ("memory" keeps spans in one pod and loses them on every restart)');
  }
}
