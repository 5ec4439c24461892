/**
 * Values every platform's base.ts shares: the namespaces of the cluster add-ons (the same Helm charts install
 * them for every platform, charts/gitops/addons-catalog.ts), the pinned Pod Security version and the default
 * container limits. A platform lists its own namespaces between them.
 */
import type { EnvironmentInput } from './schema';

type Namespace = NonNullable<EnvironmentInput['namespaces']>[number];

export const MONITORING_NAMESPACE: Namespace = {
  name: 'monitoring', tier: 'system', podSecurity: 'privileged',
  podSecurityReason: 'node-exporter of the Prometheus stack reads the host through hostPID, hostNetwork and hostPath',
};
export const INGRESS_NAMESPACE: Namespace = {
  name: 'ingress', tier: 'system', podSecurity: 'baseline',
  podSecurityReason: 'the ingress controller binds ports 80/443 and needs NET_BIND_SERVICE, which restricted forbids',
};
export const CERT_MANAGER_NAMESPACE: Namespace = { name: 'cert-manager', tier: 'system' };
/** External Secrets runs here where an environment reads its Secret values from Vault or AWS. */
export const SECURITY_NAMESPACE: Namespace = { name: 'security', tier: 'system' };
/** Argo CD runs in each environment's own cluster: a DR site must not depend on the primary's Argo CD. */
export const ARGOCD_NAMESPACE: Namespace = { name: 'argocd', tier: 'system' };

/** Argo Rollouts runs here where an environment's canary rollouts apply (charts/gitops/addons/argo-rollouts.ts). */
export const ARGO_ROLLOUTS_NAMESPACE: Namespace = { name: 'argo-rollouts', tier: 'system' };

/** Pinned: a cluster upgrade must not silently tighten or loosen admission. */
export const POD_SECURITY = { version: 'v1.27' } as const;

/** Container defaults of a namespace (LimitRange) where the platform sets none of its own. */
export const SMALL_DEFAULTS = { defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' } };
