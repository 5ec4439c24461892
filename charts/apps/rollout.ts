/**
 * A catalog entry's canary rollout (environments/service.ts RolloutSpec) where the environment turns canaries on
 * (`apps.canaryRollouts`): an Argo Rollouts `Rollout` that takes over the entry's Deployment.
 *
 * The Rollout references the Deployment (`workloadRef`) instead of copying its pod template: the upstream
 * migration path (argoproj/argo-rollouts v1.7.2 docs/migrating.md "Reference Deployment From Rollout"). The pod
 * template stays in one object, checked by every pod test like any other Deployment's; the Deployment has no
 * `spec.replicas` (Git does not own it, so Argo CD does not fight the controller) and the controller scales it
 * down as the Rollout's pods come up (`scaleDown: progressively`), so an environment already running the
 * Deployment switches without a gap. The HPA scales the Rollout (its CRD has the scale subresource), the PDB and
 * the NetworkPolicies select the same pod labels, and the Service keeps its selector (the controller adds the
 * stable ReplicaSet's `rollouts-pod-template-hash` to it at run time).
 *
 * Traffic weighting:
 * - behind ingress-nginx (the entry has its own Ingress): the weights are the share of the entry's Ingress
 *   traffic: a `<service>-canary` Service selects the same pods (the controller pins it to the canary
 *   ReplicaSet) and the controller writes a canary copy of the entry's Ingress with ingress-nginx's
 *   `canary-weight` annotation (v1.7.2 rollout/trafficrouting/nginx/nginx.go; the copy is owned by the Rollout,
 *   so Argo CD neither prunes nor tracks it). In-cluster callers keep reaching the stable pods through the
 *   stable Service.
 * - otherwise (no Ingress of its own, or Traefik on k3s): replica-weighted, the weight is the share of pods
 *   (rounded up, v1.7.2 utils/replicaset/canary.go: 5 % of 3 pods is 1 pod) and the Service spreads the traffic
 *   over them.
 *
 * Automatic rollback (RolloutSpec.canary.analysis, traffic-routed canaries only): an AnalysisTemplate whose
 * metrics Argo Rollouts runs in the background through every step (no `count`: until the rollout ends), each a
 * Prometheus query the controller sends itself (argoproj/argo-rollouts v1.7.2 analysis/controller.go,
 * metricproviders/prometheus/prometheus.go). A failed run aborts the rollout and sends all traffic back to the
 * stable pods (v1.7.2 rollout/analysis.go reconcileBackgroundAnalysisRun: AddAbort; rollout/trafficrouting.go: the
 * weight back to 0). The queries count the requests ingress-nginx sends to the canary only (./request-metrics.ts).
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { k8s } from '../../imports/k8s';
import type { PlatformContext } from '../context';
import { ingressNginxServes } from '../lib/graph';
import { serviceHost } from '../lib/naming';
import { PROMETHEUS_SERVICE } from '../gitops/addons-catalog';
import type { CanaryAnalysis } from '../../environments/service';
import { requestQueries, type RequestQuery } from './request-metrics';
import { meta, selectorLabels } from '../lib/labels';
import type { ServicePlan } from './plan';

export const ROLLOUT_API_VERSION = 'argoproj.io/v1alpha1';

/** The Service the controller points at the canary pods (traffic-routed rollouts only). */
export const canaryServiceName = (stable: string) => `${stable}-canary`;

/**
 * How a plan's canary weights traffic: through ingress-nginx where it serves the entry's own Ingress, else by pods
 * (behind Traefik on k3s, or an Application Load Balancer that sends to the pods directly, there is no nginx
 * Ingress for the controller to copy).
 */
export function canaryTraffic(ctx: PlatformContext, plan: ServicePlan): 'nginx' | 'replicas' {
  return ingressNginxServes(ctx.config) && plan.entry.ingressHost ? 'nginx' : 'replicas';
}

/** The canary's steps as Argo Rollouts steps: a weight, then its pause (none for 0 minutes, until promoted when unset). */
export function canarySteps(plan: ServicePlan): Record<string, unknown>[] {
  return (plan.canary?.steps ?? []).flatMap((s) => [
    { setWeight: s.weight },
    ...(s.pauseMinutes === undefined ? [{ pause: {} }] : s.pauseMinutes > 0 ? [{ pause: { duration: `${s.pauseMinutes}m` } }] : []),
  ]);
}

/** How often each analysis metric is measured, and over what window of requests. */
const ANALYSIS_INTERVAL = '1m';
const ANALYSIS_WINDOW = '5m';
/** Failed measurements a metric may have before the run fails (v1.7.2 analysis/analysis.go: failed > failureLimit). */
const ANALYSIS_FAILURE_LIMIT = 2;

/** The AnalysisTemplate of a plan's canary. */
export const analysisTemplateName = (service: string) => `${service}-canary-health`;

/**
 * A canary's measurements: the error rate and p99 of the requests ingress-nginx sent to the canary (`upstream`:
 * `<namespace>-<canary Service>-<port>`) through the stable Ingress, over ANALYSIS_WINDOW. Without requests the
 * results are empty or NaN; the conditions take both as a pass (a canary nobody calls has no errors), as Argo
 * Rollouts' docs guard them.
 */
export function canaryQueries(namespace: string, ingress: string, upstream: string, a: CanaryAnalysis): RequestQuery[] {
  return requestQueries({ namespace, ingress, canary: upstream }, a, ANALYSIS_WINDOW);
}

/** An AnalysisTemplate's condition: at most `max`, an empty or NaN result passing (v1.7.2 utils/evaluate: len, isNaN). */
export const analysisCondition = (max: number) => `len(result) == 0 || isNaN(result[0]) || result[0] <= ${max}`;

/**
 * The Rollout over the plan's Deployment (and the canary Service where traffic is routed).
 * @returns the HPA's scale target
 */
export function canaryRollout(scope: Construct, ctx: PlatformContext, plan: ServicePlan, ports: readonly k8s.ContainerPort[], update: { readonly maxSurge: number; readonly maxUnavailable: number }, version?: string): k8s.CrossVersionObjectReferenceV2 {
  const { config } = ctx;
  const e = plan.entry;
  const m = (name: string) => meta(config, { name, namespace: e.namespace, id: plan.id, version });
  const stable = plan.endpoint?.service ?? e.name;
  const traffic = canaryTraffic(ctx, plan);
  // environments/rules.ts refuses an analysis where the canary is not traffic-routed or Prometheus is missing.
  const analysis = traffic === 'nginx' ? plan.canary?.analysis : undefined;
  if (analysis) {
    const prometheus = `http://${serviceHost(config, PROMETHEUS_SERVICE.name, PROMETHEUS_SERVICE.namespace)}:${PROMETHEUS_SERVICE.port}`;
    new ApiObject(scope, 'analysis-template', {
      apiVersion: ROLLOUT_API_VERSION,
      kind: 'AnalysisTemplate',
      metadata: m(analysisTemplateName(e.name)),
      spec: {
        metrics: canaryQueries(e.namespace, e.name, `${e.namespace}-${canaryServiceName(stable)}-${e.port}`, analysis).map((q) => ({
          name: q.name,
          interval: ANALYSIS_INTERVAL,
          failureLimit: ANALYSIS_FAILURE_LIMIT,
          successCondition: analysisCondition(q.max),
          provider: { prometheus: { address: prometheus, query: q.query, timeout: 30 } },
        })),
      },
    });
  }
  if (traffic === 'nginx') {
    new k8s.KubeService(scope, 'canary-service', {
      metadata: m(canaryServiceName(stable)),
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(plan.id),
        ports: ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: k8s.IntOrString.fromString(p.name!), protocol: 'TCP' })),
      },
    });
  }
  new ApiObject(scope, 'rollout', {
    apiVersion: ROLLOUT_API_VERSION,
    kind: 'Rollout',
    metadata: m(e.name),
    spec: {
      ...(plan.hpa ? {} : { replicas: plan.replicas }),
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: selectorLabels(plan.id) },
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: e.name, scaleDown: 'progressively' },
      strategy: {
        canary: {
          ...(traffic === 'nginx'
            ? { stableService: stable, canaryService: canaryServiceName(stable), trafficRouting: { nginx: { stableIngress: e.name } } }
            // Replica-weighted: the rolling update's own surge and unavailability bound each step's pod changes.
            : { maxSurge: update.maxSurge, maxUnavailable: update.maxUnavailable }),
          steps: canarySteps(plan),
          ...(analysis ? { analysis: { templates: [{ templateName: analysisTemplateName(e.name) }] } } : {}),
        },
      },
    },
  });
  return { apiVersion: ROLLOUT_API_VERSION, kind: 'Rollout', name: e.name };
}
