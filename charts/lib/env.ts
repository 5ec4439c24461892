/** Container environment variables the charts share. */
import type { k8s } from '../../imports/k8s';
import type { SecretRef } from './endpoint';

/** `name` from key `key` of a Secret (by name or by its ref): the value never appears in the manifest. */
export function secretEnv(name: string, secret: string | SecretRef, key: string): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: typeof secret === 'string' ? secret : secret.name, key } } };
}

/**
 * Several variables from one Secret, in the order given: `{ APP_USER: 'username', APP_PASSWORD: 'password' }`
 * maps each variable to the Secret key it reads.
 */
export function secretEnvs(secret: string | SecretRef, keys: Readonly<Record<string, string>>): k8s.EnvVar[] {
  return Object.entries(keys).map(([name, key]) => secretEnv(name, secret, key));
}

/**
 * `name` from a field of the pod (downward API), e.g. `metadata.name` for a member's identity.
 * @param apiVersion the field's API version, where a chart spells it out (`v1`); @default left to the API server
 */
export function fieldEnv(name: string, fieldPath: string, apiVersion?: string): k8s.EnvVar {
  return { name, valueFrom: { fieldRef: { ...(apiVersion ? { apiVersion } : {}), fieldPath } } };
}
