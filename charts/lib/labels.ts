/**
 * The one place for label keys, label sets and object metadata. Selectors use only the stable subset
 * (name, instance, component): never a version, never the environment, so a label change cannot orphan pods.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import type { k8s } from '../../imports/k8s';
import type { Identity } from './identity';

/** The domain of the platform's own label and annotation keys: its description's `labelDomain`. */
export function labelDomain(config: EnvironmentConfig): string {
  return config.platform.labelDomain;
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
} as const;

/** The ServiceAccount annotation the EKS pod identity webhook reads (IRSA): the IAM role its pods assume. */
export const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** Metadata of a workload's ServiceAccount: the IRSA role where the environment gives the service one. */
export function serviceAccountMeta(config: EnvironmentConfig, service: string, m: k8s.ObjectMeta): k8s.ObjectMeta {
  const role = config.apps.services[service]?.iamRoleArn;
  return role ? { ...m, annotations: { ...m.annotations, [IRSA_ANNOTATION]: role } } : m;
}

/** The platform's own label and annotation keys, under its label domain (`<domain>/environment`, …). */
export function platformKeys(config: EnvironmentConfig) {
  const d = labelDomain(config);
  return {
    environment: `${d}/environment`,
    tier: `${d}/tier`,
    tenant: `${d}/tenant`,
    plan: `${d}/plan`,
    /** Selector keys beyond the stable identity, for members that differ by role (Patroni's leader label, a
     *  Redis master), by shard (ClickHouse) or by pool (MinIO server pools). */
    role: `${d}/role`,
    shard: `${d}/shard`,
    pool: `${d}/pool`,
    /** Annotations. */
    podSecurityReason: `${d}/pod-security-reason`,
    description: `${d}/description`,
    /** Label on every folder's Application: its position in the apply order, zero-padded so that it sorts as text. */
    wave: `${d}/wave`,
    /** Annotation listing the images an Application runs without a container spec in Git (a Helm chart's). */
    images: `${d}/images`,
  } as const;
}

/** Label keys a selector may use besides the stable identity (never a version or the environment). */
export function memberSelectorKeys(config: EnvironmentConfig): readonly string[] {
  const k = platformKeys(config);
  return [k.role, k.shard, k.pool];
}

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
    [LABELS.partOf]: config.platform.partOf,
    [LABELS.managedBy]: 'cdk8s',
    [platformKeys(config).environment]: config.name,
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
