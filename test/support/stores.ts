/**
 * Receivables' environments narrowed to the store kinds its platform has (charts/context.ts `withStores`), for
 * tests that call a store's own functions directly (they are typed with the kinds they read).
 */
import { withStores, type PlatformContext } from '../../charts/context';
import { platformKeys } from '../../charts/lib/labels';
import { storeRefs } from '../../charts/data/refs';
import type { EnvironmentConfig } from '../../environments/schema';
import { receivables } from '../../environments/receivables';

export const RECEIVABLES_STORES = ['postgres', 'redis', 'minio', 'elasticsearch', 'clickhouse', 'kafka'] as const;

// The list above is the description's, so a test cannot quietly narrow to kinds the platform lacks.
if (JSON.stringify([...RECEIVABLES_STORES]) !== JSON.stringify(receivables.stores)) throw new Error('RECEIVABLES_STORES differs from the receivables description');

/** A context (or render) of a receivables environment, narrowed to every kind it has; throws where one is missing. */
export function withReceivablesStores<T extends Pick<PlatformContext, 'config' | 'refs'>>(x: T) {
  return withStores(x, RECEIVABLES_STORES, 'test');
}

/** A receivables environment's configuration, narrowed likewise. */
export function receivablesConfig(config: EnvironmentConfig) {
  return withReceivablesStores({ config, refs: storeRefs(config) }).config;
}

/** Receivables' own label and annotation keys (`sme-receivables.io/…`), as its charts spell them. */
export const KEYS = platformKeys(receivables_dev());
function receivables_dev(): EnvironmentConfig {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../environments') as typeof import('../../environments')).loadEnvironment('dev');
}
