/**
 * Argo Rollouts: the controller behind the catalog's canary rollouts (charts/apps/rollout.ts), from argo-helm's
 * `argo-rollouts` chart 2.37.7 (appVersion v1.7.2), installed only where an enabled entry's canary applies.
 *
 * From argoproj/argo-helm argo-rollouts-2.37.7 charts/argo-rollouts:
 * - values.yaml: `installCRDs: true` (templates/crds/: rollouts, analysisruns, analysistemplates,
 *   clusteranalysistemplates, experiments, all argoproj.io), `clusterInstall: true` (a ClusterRole watching every
 *   namespace), `controller.replicas` 2 by default (kept by `c.ha`, 1 elsewhere), `controller.pdb.enabled`
 *   false, `controller.resources` {} (set here), `controller.metrics.enabled` false (on with monitoring).
 * - templates/controller/deployment.yaml: `--leader-elect` only when replicas > 1; ports metrics 8090 and healthz
 *   8080; the pod and container security contexts from `podSecurityContext` (runAsNonRoot) and
 *   `containerSecurityContext` (no privilege escalation, ALL capabilities dropped, read-only root, RuntimeDefault
 *   seccomp): Pod Security `restricted` as they are; emptyDirs for /tmp and the plugin directory.
 * - templates/controller/poddisruptionbudget.yaml: maxUnavailable when set (minAvailable 0 otherwise).
 * - templates/controller/metrics-service.yaml and servicemonitor.yaml: Service `argo-rollouts-metrics` on 8090,
 *   and a ServiceMonitor when `controller.metrics.serviceMonitor.enabled` too.
 * - templates/_helpers.tpl roleRules: `providerRBAC` adds rules for service meshes and other ingress
 *   controllers; ingress-nginx needs only the base rules (networking.k8s.io ingresses), so it is off.
 * The image's user: argoproj/argo-rollouts v1.7.2 Dockerfile, final stage `FROM gcr.io/distroless/static-debian11`,
 * `USER 999`, `ENTRYPOINT [ "/bin/rollouts-controller" ]` (charts/lib/image-contracts.ts).
 */
import type { EnvironmentConfig } from '../../../environments/schema';
import { image } from '../../lib/images';
import { canaryEntries } from '../../lib/canaries';

export const ARGO_ROLLOUTS_NAMESPACE = 'argo-rollouts';
/** The controller's version (argo-helm argo-rollouts-2.37.7 Chart.yaml appVersion). */
export const ARGO_ROLLOUTS_VERSION = 'v1.7.2';
/** The chart's controller ports (values.yaml controller.containerPorts). */
export const ARGO_ROLLOUTS_PORTS = { metrics: 8090, healthz: 8080 } as const;

/** Whether an environment runs Argo Rollouts: it does where an enabled catalog entry's canary applies. */
export const needsArgoRollouts = (c: EnvironmentConfig): boolean => canaryEntries(c).length > 0;

/**
 * Whether the controller measures canaries in Prometheus here: where a canary it rolls has an analysis
 * (charts/apps/rollout.ts; environments/rules.ts requires monitoring and ingress-nginx there).
 */
export const measuresCanaries = (c: EnvironmentConfig): boolean => canaryEntries(c).some((e) => e.rollout!.canary.analysis);

/** The add-on (an `Addon` of ../addons-catalog.ts, typed there: importing it here would be a cycle). */
export function argoRollouts(c: EnvironmentConfig) {
  const ref = image(c, `quay.io/argoproj/argo-rollouts:${ARGO_ROLLOUTS_VERSION}`);
  const at = ref.lastIndexOf(':');
  const slash = ref.indexOf('/');
  // One leader works at a time; a second replica only shortens a failover (and needs the PDB to stay up in a drain).
  const replicas = c.ha ? 2 : 1;
  const monitored = c.addons.monitoring.enabled;
  return {
    name: 'argo-rollouts' as const, namespace: ARGO_ROLLOUTS_NAMESPACE, chart: 'argo-rollouts',
    repoURL: 'https://argoproj.github.io/argo-helm', version: '2.37.7',
    images: [ref],
    values: {
      installCRDs: true,
      controller: {
        replicas,
        image: { registry: ref.slice(0, slash), repository: ref.slice(slash + 1, at), tag: ref.slice(at + 1), pullPolicy: c.images.pullPolicy },
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        pdb: { enabled: replicas > 1, maxUnavailable: 1 },
        metrics: { enabled: monitored, serviceMonitor: { enabled: monitored } },
      },
      // ingress-nginx needs only the chart's base rules; the mesh and other controllers' rules stay out.
      providerRBAC: { enabled: false },
      dashboard: { enabled: false },
    },
    ignoreDifferences: [] as Record<string, unknown>[],
  };
}
