/**
 * The one place for label keys, label sets and object metadata. Selectors use only the stable subset
 * (name, instance, component): never a version, never the environment, so a label change cannot orphan pods.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import type { k8s } from '../../imports/k8s';
import type { Identity } from './identity';

export const PART_OF = 'receivables-platform';
const PREFIX = 'sme-receivables.io';

/**
 * The domain of the platform's own label and annotation keys. Taking the environment's configuration, so that
 * the domain can come from the platform description in this one place.
 */
export function labelDomain(_config: EnvironmentConfig): string {
  return PREFIX;
}

/** `<label domain>/<name>`: the one spelling of every platform-owned annotation key (`config-sha256`, `minio-pool`, …). */
export function annotationKey(config: EnvironmentConfig, name: string): string {
  return `${labelDomain(config)}/${name}`;
}

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  version: 'app.kubernetes.io/version',
  environment: `${PREFIX}/environment`,
  tier: `${PREFIX}/tier`,
  tenant: `${PREFIX}/tenant`,
  plan: `${PREFIX}/plan`,
  /** Selector keys beyond the stable identity, for members that differ by role (Patroni's leader label, a
   *  Redis master), by shard (ClickHouse) or by pool (MinIO server pools). */
  role: `${PREFIX}/role`,
  shard: `${PREFIX}/shard`,
  pool: `${PREFIX}/pool`,
} as const;

/** Label keys a selector may use besides the stable identity (never a version or the environment). */
export const MEMBER_SELECTOR_KEYS: readonly string[] = [LABELS.role, LABELS.shard, LABELS.pool];

export const ANNOTATIONS = {
  podSecurityReason: `${PREFIX}/pod-security-reason`,
  description: `${PREFIX}/description`,
} as const;

// Identity is defined in ./identity.ts (it needs no configuration, so the store facts can use it).
export type { Identity };

export type Labels = Record<string, string>;

export function selectorLabels(id: Identity): Labels {
  return { [LABELS.name]: id.name, [LABELS.instance]: id.instance ?? id.name, [LABELS.component]: id.component };
}

/** Full label set: the selector subset plus part-of, managed-by, environment and an optional version. */
export function labels(config: EnvironmentConfig, id: Identity, version?: string): Labels {
  return {
    ...selectorLabels(id),
    [LABELS.partOf]: PART_OF,
    [LABELS.managedBy]: 'cdk8s',
    [LABELS.environment]: config.name,
    ...(version ? { [LABELS.version]: version } : {}),
  };
}

export interface MetaProps {
  readonly name: string;
  /** Omit for cluster-scoped objects. */
  readonly namespace?: string;
  readonly id: Identity;
  readonly version?: string;
  readonly extraLabels?: Labels;
  readonly annotations?: Record<string, string>;
}

export function meta(config: EnvironmentConfig, p: MetaProps): k8s.ObjectMeta {
  return {
    name: p.name,
    ...(p.namespace ? { namespace: p.namespace } : {}),
    labels: { ...labels(config, p.id, p.version), ...p.extraLabels },
    ...(p.annotations && Object.keys(p.annotations).length ? { annotations: p.annotations } : {}),
  };
}
