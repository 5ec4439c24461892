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
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { k8s } from '../../imports/k8s';
import type { PlatformContext } from '../context';
import { ingressController } from '../lib/graph';
import { meta, selectorLabels } from '../lib/labels';
import type { ServicePlan } from './plan';

export const ROLLOUT_API_VERSION = 'argoproj.io/v1alpha1';

/** The Service the controller points at the canary pods (traffic-routed rollouts only). */
export const canaryServiceName = (stable: string) => `${stable}-canary`;

/** How a plan's canary weights traffic: through ingress-nginx where the entry has its own Ingress, else by pods. */
export function canaryTraffic(ctx: PlatformContext, plan: ServicePlan): 'nginx' | 'replicas' {
  const nginx = ingressController(ctx.config).selector['app.kubernetes.io/name'] === 'ingress-nginx';
  return nginx && plan.entry.ingressHost ? 'nginx' : 'replicas';
}

/** The canary's steps as Argo Rollouts steps: a weight, then its pause (none for 0 minutes, until promoted when unset). */
export function canarySteps(plan: ServicePlan): Record<string, unknown>[] {
  return (plan.canary?.steps ?? []).flatMap((s) => [
    { setWeight: s.weight },
    ...(s.pauseMinutes === undefined ? [{ pause: {} }] : s.pauseMinutes > 0 ? [{ pause: { duration: `${s.pauseMinutes}m` } }] : []),
  ]);
}

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
        },
      },
    },
  });
  return { apiVersion: ROLLOUT_API_VERSION, kind: 'Rollout', name: e.name };
}
