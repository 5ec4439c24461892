/**
 * The Vertical Pod Autoscaler in recommendation mode (spec 004 "Scaling Policies": "VPA in recommendation mode
 * for the rest", "Recommendation Mode: Monitor resource usage patterns"), from FairwindsOps/charts `vpa` 4.6.0
 * (VPA 1.0.0, Chart.yaml appVersion; stable/vpa at commit 8033729303d48b0da5b236c590493e64791bc891, the
 * repository has no chart tags), where an environment turns on `addons.vpa`.
 *
 * Only the recommender runs: `updater.enabled` and `admissionController.enabled` (both default true in
 * values.yaml) are off, so no pod is ever evicted or rewritten; the VerticalPodAutoscaler objects
 * (./vpa-objects.ts) say `updateMode: "Off"` too. Spec 004's "Auto Mode … for non-critical workloads" is not
 * rendered: the updater evicts pods to resize them, which fights the PodDisruptionBudgets and the sizes in Git.
 * The chart installs its CRDs (crds/vpa-v1-crd.yaml: verticalpodautoscalers and verticalpodautoscalercheckpoints,
 * autoscaling.k8s.io). The recommender reads metrics.k8s.io (metrics-server: k3s ships it, the metrics-server
 * add-on elsewhere). Image registry.k8s.io/autoscaling/vpa-recommender 1.0.0: kubernetes/autoscaler
 * vertical-pod-autoscaler/pkg/recommender/Dockerfile, FROM gcr.io/distroless/static:nonroot, ENTRYPOINT
 * /recommender (stored version read); the chart runs it as 65534 (values.yaml recommender.podSecurityContext).
 */
import type { EnvironmentConfig } from '../../../environments/schema';
import { image } from '../../lib/images';
import { res, type AddonSpec } from './kit';

export const VPA_NAMESPACE = 'vpa';
/** values.yaml recommender.resources requests 50m / 500Mi; the limits are the chart's commented suggestion (200m / 1000Mi). */
export const VPA_RECOMMENDER_RESOURCES = res('50m', '500Mi', '200m', '1000Mi');

/** The pinned upstream image (before the registry rewrite). */
export const VPA_IMAGES = ['registry.k8s.io/autoscaling/vpa-recommender:1.0.0'] as const;

export function vpa(c: EnvironmentConfig): AddonSpec<'vpa'> {
  const ref = image(c, VPA_IMAGES[0]);
  return {
    name: 'vpa', namespace: VPA_NAMESPACE, chart: 'vpa', repoURL: 'https://charts.fairwinds.com/stable', version: '4.6.0',
    images: [ref],
    values: {
      recommender: {
        enabled: true,
        image: { repository: ref.slice(0, ref.lastIndexOf(':')), tag: ref.slice(ref.lastIndexOf(':') + 1), pullPolicy: c.images.pullPolicy },
        resources: VPA_RECOMMENDER_RESOURCES,
        podMonitor: { enabled: c.addons.monitoring.enabled },
      },
      updater: { enabled: false },
      admissionController: { enabled: false },
      'metrics-server': { enabled: false },
    },
    ignoreDifferences: [],
  };
}
