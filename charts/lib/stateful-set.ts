/**
 * A StatefulSet whose volumeClaimTemplates carry `apiVersion: v1` and `kind: PersistentVolumeClaim`.
 *
 * The L1 `KubeStatefulSet` drops both fields from the claim templates (its type has no place for them), and
 * Argo CD then reports every StatefulSet as OutOfSync for ever because the API server returns them. Every
 * store builds its StatefulSet through this class.
 */
import type { Construct } from 'constructs';
import { k8s } from '../../imports/k8s';
import type { Labels } from './labels';
import { quantities } from './resources';

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
