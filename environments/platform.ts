/**
 * A platform: what the generator renders, described as data. Each platform is one folder,
 * environments/<platform>/, holding its description (index.ts), its service catalog, the values its environments
 * share (base.ts) and one file per environment with only what differs; the shape, the rules, merging and
 * loading are shared (this folder). The registry of platforms is environments/index.ts.
 */
import type { CatalogEntry, ServiceKind, StoreName } from './catalog';

/** A folder of the application tier: the entries of these namespaces and kinds (either may be omitted). */
export interface AppFolder {
  readonly folder: string;
  readonly namespaces?: readonly string[];
  readonly kinds?: readonly ServiceKind[];
}
import type { DeepPartial } from './merge';
import type { EnvironmentInput } from './schema';

export interface PlatformDescription {
  /** dist/<name>/<env>/; Argo CD names start with `<name>-<env>-`. A DNS label. */
  readonly name: string;
  /** The platform in prose: "the <displayName> platform". */
  readonly displayName: string;
  /** The domain of its own label and annotation keys (`<labelDomain>/environment`, …). */
  readonly labelDomain: string;
  /** `app.kubernetes.io/part-of` of its objects. */
  readonly partOf: string;
  /** The folder of its files, e.g. `environments/receivables` (error messages name the file that sets a field). */
  readonly folder: string;
  /** Its store kinds (charts/data/<kind>/): every environment has exactly these sections under `stores`. */
  readonly stores: readonly StoreName[];
  /**
   * Kinds of `stores` an environment may leave out (seed 001's development runs on SQLite: no PostgreSQL); every
   * catalog dependency on them must then be optional. @default none
   */
  readonly optionalStores?: readonly StoreName[];
  /** Its services. */
  readonly catalog: readonly CatalogEntry[];
  /** Its application tier's chart folders, in apply order (see environments/schema.ts platformSection). */
  readonly appFolders: readonly AppFolder[];
  /** What every environment shares: environment files hold only what differs. */
  readonly base: DeepPartial<EnvironmentInput>;
  /** Its environments, by name, in the order they are rendered. */
  readonly environments: Record<string, DeepPartial<EnvironmentInput>>;
}

/** Keeps a description's literal types where it is written. */
export function definePlatform(p: PlatformDescription): PlatformDescription {
  return p;
}
