/** What every chart of an environment receives: the validated configuration and the shared registries (the
 * composition layer's type, beside charts/platform.ts: it names the stores' refs, so it cannot live in charts/lib/). */
import type { EnvironmentConfig } from '../environments/schema';
import type { DeclaredSecret, RefsWith, StoreName, StoreRefs } from './data/refs';
import type { StoreSections } from './data/stores';
import type { DependencyGraph } from './lib/graph';

export interface PlatformContext {
  readonly config: EnvironmentConfig;
  /** How to reach each store the platform has (the only place hosts, ports and Secret names are spelt). */
  readonly refs: StoreRefs;
  /** Declare every network flow a chart's pods need here. */
  readonly graph: DependencyGraph;
  /** Declare every Secret a chart's pods reference here (the secret generator creates exactly these). */
  readonly secrets: DeclaredSecret[];
}

/**
 * An environment whose platform has the store kinds K: their sections are present. A store kind's chart, alerts
 * and client are typed with the kinds they read (their own and what they require, e.g. MinIO for backups), and
 * built only where those are present (charts/data/index.ts narrows with `withStores`).
 */
export type ConfigWith<K extends StoreName> = EnvironmentConfig & { readonly stores: { readonly [P in K]: StoreSections[P] } };

export interface StoreContext<K extends StoreName> extends PlatformContext {
  readonly config: ConfigWith<K>;
  readonly refs: RefsWith<K>;
}

/** Whether the environment has every kind of `kinds` (a section, in the cluster or external). */
export function hasStores<K extends StoreName>(config: EnvironmentConfig, kinds: readonly K[]): config is ConfigWith<K> {
  return kinds.every((k) => config.stores[k] !== undefined);
}

/** Refs narrowed to kinds the environment reaches (in the cluster or external): what a client reads. */
export function withRefs<K extends StoreName>(refs: StoreRefs, kinds: readonly K[], who: string): RefsWith<K> {
  const missing = kinds.find((k) => refs[k] === undefined);
  if (missing) throw new Error(`${who} needs the store "${missing}", which the environment does not have`);
  return refs as RefsWith<K>;
}

/** Whether a kind is used as a managed service in this environment (`external.<kind>`). */
export function isExternal(config: EnvironmentConfig, kind: StoreName): boolean {
  return (config.external as Record<string, unknown>)[kind] !== undefined;
}

/** The context narrowed to kinds it has; throws naming the first missing one (a registry or rules mistake). */
export function withStores<T extends Pick<PlatformContext, 'config' | 'refs'>, K extends StoreName>(ctx: T, kinds: readonly K[], who: string):
  T & { readonly config: ConfigWith<K>; readonly refs: RefsWith<K> } {
  const missing = kinds.find((k) => ctx.config.stores[k] === undefined || ctx.refs[k] === undefined);
  if (missing) throw new Error(`environment "${ctx.config.name}": ${who} needs the store "${missing}", which platform "${ctx.config.platform.name}" does not have`);
  return ctx as T & { readonly config: ConfigWith<K>; readonly refs: RefsWith<K> };
}
