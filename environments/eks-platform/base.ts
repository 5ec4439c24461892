/**
 * What every environment of the EKS platform (spec 004) shares. Environment files hold only what differs.
 *
 * Namespaces: the document's five ("Kubernetes Architecture") for our workloads: `platform` (Kong), `apps`,
 * `workers`, `batch`, and `infrastructure`, which holds nothing of ours. The add-ons run in the namespaces every
 * platform gives them (environments/shared.ts): the document's "Infrastructure Namespace" (Prometheus, Grafana,
 * Alertmanager, cert-manager) is `monitoring` and `cert-manager`, its External Secrets (in "Platform") is in
 * `security`. One namespace for all of them would take the Pod Security level of the most privileged one (the
 * node exporter's hostPID and hostNetwork) and one quota for unrelated controllers; the add-ons' Helm charts,
 * network flows and quotas are written for these namespaces on every platform (docs/eks-platform.md).
 *
 * Deliberately absent here, so that an environment cannot inherit them by accident: the cluster, the storage
 * class, the domain, the Git revision and where the stores are.
 */
import type { DeepPartial } from '../merge';
import type { EnvironmentInput } from '../schema';
import { ARGOCD_NAMESPACE, CERT_MANAGER_NAMESPACE, MONITORING_NAMESPACE, QUOTA, SECURITY_NAMESPACE } from '../shared';

/** The document's namespaces ("Kubernetes Architecture"), in its order. */
export const SPEC_NAMESPACES = ['infrastructure', 'platform', 'apps', 'workers', 'batch'] as const;

/** Every environment's namespaces: the add-ons' shared ones, then the document's. */
export const EKS_NAMESPACES: NonNullable<EnvironmentInput['namespaces']> = [
  MONITORING_NAMESPACE,
  CERT_MANAGER_NAMESPACE,
  SECURITY_NAMESPACE,
  ARGOCD_NAMESPACE,
  // The document's "Infrastructure Namespace": its components are the add-ons above (see the header); kept,
  // empty, default-deny like every namespace, so that the site's own infrastructure has the namespace it describes.
  { name: 'infrastructure', tier: 'system' },
  { name: 'platform', tier: 'app' },
  { name: 'apps', tier: 'app' },
  { name: 'workers', tier: 'app' },
  { name: 'batch', tier: 'app' },
];

export const base: DeepPartial<EnvironmentInput> = {
  images: { registry: '', pullPolicy: 'IfNotPresent' },
  gitops: { repoURL: 'https://github.com/example-org/eks-platform-deploy.git' },
  // Spec 004 "EKS Cluster Configuration": Kubernetes 1.28; admission pinned to the cluster's version.
  podSecurity: { version: 'v1.28' },

  namespaces: EKS_NAMESPACES,

  quota: QUOTA,

  // No tenants: one product, not per-tenant namespaces.
  tenantPlans: {},
  tenants: [],

  apps: { autoscaling: true, modelServer: { mode: 'disabled' } },
  addons: {
    chartMirror: '',
    certManager: { enabled: true },
    ingressNginx: { enabled: false, service: 'NodePort' },
    monitoring: { enabled: true, prometheusReplicas: 1, retention: '15d', volume: { size: '50Gi' } },
    externalSecrets: { enabled: false },
  },
  secrets: { source: 'generate' },
};
