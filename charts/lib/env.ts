/** Container environment variables the charts share. */
import type { k8s } from '../../imports/k8s';
import type { SecretRef } from './endpoint';

/** `name` from key `key` of a Secret (by name or by its ref): the value never appears in the manifest. */
export function secretEnv(name: string, secret: string | SecretRef, key: string): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: typeof secret === 'string' ? secret : secret.name, key } } };
}
