/**
 * A StatefulSet whose volumeClaimTemplates carry `apiVersion: v1` and `kind: PersistentVolumeClaim`.
 *
 * The L1 `KubeStatefulSet` drops both fields from the claim templates (its type has no place for them), and
 * Argo CD then reports every StatefulSet as OutOfSync for ever because the API server returns them. Every
 * store builds its StatefulSet through this class.
 */
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../environments/schema';
import { k8s } from '../../imports/k8s';
import type { Labels } from './labels';
import { quantities } from './resources';
import { storeAntiAffinity } from './scheduling';

export class StatefulSet extends k8s.KubeStatefulSet {
  constructor(scope: Construct, id: string, props: k8s.KubeStatefulSetProps) {
    super(scope, id, props);
  }

  override toJson(): any {
    const json = super.toJson();
    const templates = json.spec?.volumeClaimTemplates;
    if (Array.isArray(templates)) {
      json.spec.volumeClaimTemplates = templates.map((t: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...t }));
    }
    return json;
  }
}

/**
 * One volume claim template of a store's StatefulSet: a ReadWriteOnce volume of `size` from `storageClass`,
 * labelled with the pods' selector labels (so a claim can be traced to its pods).
 */
export function claimTemplate(name: string, labels: Labels, storageClass: string, size: string): k8s.KubePersistentVolumeClaimProps {
  return {
    metadata: { name, labels },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: storageClass, resources: { requests: quantities({ storage: size }) } },
  };
}

export interface StoreStatefulSetProps {
  readonly config: EnvironmentConfig;
  readonly metadata: k8s.ObjectMeta;
  /** The governing headless Service (stable pod DNS names). */
  readonly serviceName: string;
  readonly replicas: number;
  /** The members' selector: also what anti-affinity keeps apart and, by default, the claims' labels. */
  readonly selector: Labels;
  /** `Parallel` where the members, not the start order, decide roles; `OrderedReady` where they join one by one. */
  readonly podManagementPolicy: 'Parallel' | 'OrderedReady';
  /** @default 'RollingUpdate' */
  readonly updateStrategy?: 'RollingUpdate' | 'OnDelete';
  /** The pod template; its affinity is the store's anti-affinity over `selector`. */
  readonly template: { readonly metadata: k8s.ObjectMeta; readonly spec: Omit<k8s.PodSpec, 'affinity'> };
  /** One claim template per entry (`claimTemplate`, the environment's storage class). @default none */
  readonly claims?: readonly { readonly name: string; readonly size: string }[];
  /** @default `selector` */
  readonly claimLabels?: Labels;
  /** Keep the claims of a deleted or scaled-down StatefulSet. @default false (the API server's Retain default applies) */
  readonly retainClaims?: boolean;
}

/**
 * A store's StatefulSet: its members spread over the nodes (`storeAntiAffinity` over the selector), rolling
 * updates unless told otherwise, and its claim templates from the environment's storage class.
 */
export function storeStatefulSet(scope: Construct, id: string, p: StoreStatefulSetProps): StatefulSet {
  const claims = p.claims ?? [];
  return new StatefulSet(scope, id, {
    metadata: p.metadata,
    spec: {
      serviceName: p.serviceName,
      replicas: p.replicas,
      podManagementPolicy: p.podManagementPolicy,
      updateStrategy: { type: p.updateStrategy ?? 'RollingUpdate' },
      selector: { matchLabels: p.selector },
      template: {
        metadata: p.template.metadata,
        spec: { ...p.template.spec, affinity: storeAntiAffinity(p.config, p.selector, p.replicas) },
      },
      ...(claims.length ? {
        volumeClaimTemplates: claims.map((c) => claimTemplate(c.name, p.claimLabels ?? p.selector, p.config.storageClass, c.size)),
        ...(p.retainClaims ? { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' } } : {}),
      } : {}),
    },
  });
}
