/**
 * 55-vpa, where an environment runs the VPA add-on (./vpa.ts): one VerticalPodAutoscaler in recommendation mode
 * (`updateMode: "Off"`) for every Deployment and StatefulSet that no HorizontalPodAutoscaler scales, as spec 004
 * "Scaling Policies" says ("VPA in recommendation mode for the rest"). The recommender writes its
 * recommendations into each object's status (`kubectl describe vpa`); nothing is evicted or resized. A workload
 * that an HPA scales on CPU or memory gets none: VPA and HPA acting on the same resource would fight, and the
 * VPA documentation says not to combine them.
 *
 * Fields from the CRD the chart installs (FairwindsOps/charts stable/vpa at 8033729 crds/vpa-v1-crd.yaml,
 * autoscaling.k8s.io/v1 VerticalPodAutoscaler: spec.targetRef (CrossVersionObjectReference), spec.updatePolicy
 * .updateMode (Off, Initial, Recreate, Auto), spec.resourcePolicy.containerPolicies[].containerName and
 * controlledResources). Built after every other chart, from what they rendered.
 */
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../../environments/schema';
import { meta } from '../../lib/labels';
import type { Manifest, RenderedChart } from '../../lib/manifest';

export const VPA_API = 'autoscaling.k8s.io/v1';
export const VPA_KINDS = ['Deployment', 'StatefulSet'] as const;

export interface VpaTarget { readonly namespace: string; readonly kind: string; readonly name: string }

/** The Deployments and StatefulSets no HorizontalPodAutoscaler targets, sorted by namespace, kind and name. */
export function vpaTargets(manifests: readonly Manifest[]): VpaTarget[] {
  const key = (ns: string, kind: string, name: string) => `${ns}/${kind}/${name}`;
  const scaled = new Set(manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler')
    .map((m) => key(m.metadata?.namespace ?? '', m.spec?.scaleTargetRef?.kind, m.spec?.scaleTargetRef?.name)));
  // A canary's Rollout (charts/apps/rollout.ts) runs the pods of the Deployment it references: the Rollout is the target.
  const rolloutOf = new Map(manifests.filter((m) => m.kind === 'Rollout' && m.spec?.workloadRef?.kind === 'Deployment')
    .map((m) => [key(m.metadata?.namespace ?? '', 'Deployment', m.spec.workloadRef.name), m.metadata!.name!] as const));
  return manifests
    .filter((m) => (VPA_KINDS as readonly string[]).includes(String(m.kind)))
    .map((m) => {
      const ns = m.metadata!.namespace!;
      const rollout = rolloutOf.get(key(ns, String(m.kind), m.metadata!.name!));
      return rollout ? { namespace: ns, kind: 'Rollout', name: rollout } : { namespace: ns, kind: String(m.kind), name: m.metadata!.name! };
    })
    .filter((t) => !scaled.has(key(t.namespace, t.kind, t.name)))
    .sort((a, b) => key(a.namespace, a.kind, a.name).localeCompare(key(b.namespace, b.kind, b.name)));
}

export interface VpaChartProps {
  readonly config: EnvironmentConfig;
  /** Everything rendered before this chart. */
  readonly charts: readonly RenderedChart[];
}

export class VpaChart extends Chart {
  constructor(scope: Construct, id: string, p: VpaChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const c = p.config;
    const seen = new Set<string>();
    for (const t of vpaTargets(p.charts.flatMap((x) => x.manifests))) {
      // A Deployment and a StatefulSet of one name in one namespace would need two objects of that name.
      const name = seen.has(`${t.namespace}/${t.name}`) ? `${t.name}-${t.kind.toLowerCase()}` : t.name;
      seen.add(`${t.namespace}/${name}`);
      new ApiObject(this, `vpa-${t.namespace}-${t.kind}-${t.name}`, {
        apiVersion: VPA_API, kind: 'VerticalPodAutoscaler',
        metadata: meta(c, { name, namespace: t.namespace, id: { name: 'vpa', component: 'recommendation', instance: name } }),
        spec: {
          targetRef: { apiVersion: t.kind === 'Rollout' ? 'argoproj.io/v1alpha1' : 'apps/v1', kind: t.kind, name: t.name },
          // Recommendation mode: the recommender only writes status.recommendation.
          updatePolicy: { updateMode: 'Off' },
          resourcePolicy: { containerPolicies: [{ containerName: '*', controlledResources: ['cpu', 'memory'] }] },
        },
      } as any);
    }
  }
}
