/** Where the catalog's canary rollouts apply: one answer for the add-on, the network, the alerts and the rules. */
import type { CatalogEntry } from '../../environments/service';
import type { EnvironmentConfig } from '../../environments/schema';

/**
 * The catalog entries whose canary applies here: the environment turns canaries on (`apps.canaryRollouts`), is not
 * a standby (it runs no pods to roll), and the entry is enabled.
 */
export function canaryEntries(c: EnvironmentConfig): CatalogEntry[] {
  if (!c.apps.canaryRollouts || c.apps.standby) return [];
  return c.platform.catalog.filter((e) => e.rollout && c.apps.services[e.name]?.enabled !== false);
}
