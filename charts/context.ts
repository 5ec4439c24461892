/** What every chart of an environment receives: the validated configuration and the shared registries (the
 * composition layer's type, beside charts/platform.ts: it names the stores' refs, so it cannot live in charts/lib/). */
import type { EnvironmentConfig } from '../environments/schema';
import type { DeclaredSecret, StoreRefs } from './data/refs';
import type { DependencyGraph } from './lib/graph';

export interface PlatformContext {
  readonly config: EnvironmentConfig;
  /** How to reach each store (the only place hosts, ports and Secret names are spelt). */
  readonly refs: StoreRefs;
  /** Declare every network flow a chart's pods need here. */
  readonly graph: DependencyGraph;
  /** Declare every Secret a chart's pods reference here (the secret generator creates exactly these). */
  readonly secrets: DeclaredSecret[];
}
