/**
 * Values every platform's base.ts shares: the namespaces of the cluster add-ons (the same Helm charts install
 * them for every platform, charts/gitops/addons-catalog.ts), the pinned Pod Security version and the default
 * container limits. A platform lists its own namespaces between them.
 */
import { LOG_AGENT_NAMESPACE, LOGGING_NAMESPACE, type EnvironmentInput } from './schema';

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

/** addons.logging: Loki or Kibana (restricted), and Fluent Bit apart, whose hostPath volumes need privileged. */
export const LOGGING_NAMESPACES: Namespace[] = [
  { name: LOGGING_NAMESPACE, tier: 'system' },
  {
    name: LOG_AGENT_NAMESPACE, tier: 'system', podSecurity: 'privileged',
    podSecurityReason: 'Fluent Bit reads /var/log and keeps its read positions through hostPath volumes, which baseline and restricted forbid',
  },
];

/** Pinned: a cluster upgrade must not silently tighten or loosen admission. */
export const POD_SECURITY = { version: 'v1.27' } as const;

/** Container defaults of a namespace (LimitRange) where the platform sets none of its own. */
export const SMALL_DEFAULTS = { defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' } };

/** Every platform's quota shape: 25 % headroom over what its workloads request, SMALL_DEFAULTS for containers. */
export const QUOTA = {
  headroom: 0.25,
  limitRange: { system: SMALL_DEFAULTS, app: SMALL_DEFAULTS, data: SMALL_DEFAULTS },
};

// Optional add-ons (charts/gitops/addons/): an environment that enables one lists its namespace too. The
// namespaces whose pods read the host say so here, once, and environments/addon-rules.ts refuses an enabled
// add-on whose namespace is missing or admits less than its pods need.

/** The Datadog agent (spec 000 §6): its node agent mounts /proc, cgroups and the runtime socket and shares the host's PID namespace. */
export const DATADOG_NAMESPACE: Namespace = {
  name: 'datadog', tier: 'system', podSecurity: 'privileged',
  podSecurityReason: 'the Datadog node agent reads the host through hostPID and hostPath volumes (/proc, /sys/fs/cgroup, the container runtime socket, /var/log/pods), which restricted and baseline forbid',
};
/** Falco (spec 004 "Security Architecture"): a privileged container loading the modern eBPF probe, with the host's /proc, /etc, /dev mounted. */
export const FALCO_NAMESPACE: Namespace = {
  name: 'falco', tier: 'system', podSecurity: 'privileged',
  podSecurityReason: 'Falco runs a privileged container that loads its eBPF probe into the kernel and mounts /proc, /etc, /dev and the container runtime socket from the host',
};
/** The OpenTelemetry collector and Jaeger (spec 004 "Tracing Pipeline"): ordinary non-root pods. */
export const TRACING_NAMESPACE: Namespace = { name: 'tracing', tier: 'system' };
/** The VPA recommender (spec 004 "Vertical Pod Autoscaler"): an ordinary non-root pod. */
export const VPA_NAMESPACE: Namespace = { name: 'vpa', tier: 'system' };

/** Per optional add-on (its `addons.<key>` section): the namespace it must find and the Pod Security level its pods need. */
export const ADDON_NAMESPACES = {
  datadog: DATADOG_NAMESPACE,
  tracing: TRACING_NAMESPACE,
  falco: FALCO_NAMESPACE,
  vpa: VPA_NAMESPACE,
} as const;
