/**
 * Schema checks for rendered objects:
 *  - kubernetes-models validates types, required fields and formats (schema of Kubernetes 1.33), but accepts
 *    any unknown field; the @kubernetes-models packages do the same for Argo CD, cert-manager, the Prometheus
 *    operator and External Secrets objects;
 *  - `unknownFields` catches unknown or misspelt fields against the 1.27 API that cdk8s-plus-27 was generated
 *    from, by reading the field lists of its generated `toJson_*` converters.
 */
import * as fs from 'fs';
import { k8s } from '../../imports/k8s';

type Obj = Record<string, any>;

/** The kubernetes-models packages of the custom resources we render (their CRDs' OpenAPI schemas). */
const CRD_PACKAGES: readonly [RegExp, string][] = [
  [/^argoproj\.io$/, '@kubernetes-models/argo-cd'],
  [/(^|\.)cert-manager\.io$/, '@kubernetes-models/cert-manager'],
  [/^monitoring\.coreos\.com$/, '@kubernetes-models/prometheus-operator'],
  [/^external-secrets\.io$/, '@kubernetes-models/external-secrets'],
];

/**
 * KEDA (keda.sh/v1alpha1) has no kubernetes-models package: its objects are checked against the fields, types and
 * required fields of its CRDs at the pinned chart (kedacore/charts v2.15.2 keda/templates/crds/crd-scaledjobs.yaml,
 * crd-triggerauthentications.yaml), and a ScaledJob's jobTargetRef, a batch/v1 JobSpec, as a Job by
 * kubernetes-models and the 1.27 field lists. Not checked: the other secret sources of a TriggerAuthentication
 * (we render none) and trigger metadata, free-form strings in the CRD.
 */
type Shape = { readonly [field: string]: 'string' | 'integer' | 'boolean' | 'object' | 'array' | Shape | readonly [Shape] };
const KEDA_SHAPES: Record<string, { readonly spec: Shape; readonly required: readonly string[] }> = {
  ScaledJob: {
    spec: {
      envSourceContainerName: 'string', failedJobsHistoryLimit: 'integer', jobTargetRef: 'object', maxReplicaCount: 'integer',
      minReplicaCount: 'integer', pollingInterval: 'integer', rollout: { propagationPolicy: 'string', strategy: 'string' }, rolloutStrategy: 'string',
      scalingStrategy: {
        customScalingQueueLengthDeduction: 'integer', customScalingRunningJobPercentage: 'string', multipleScalersCalculation: 'string',
        pendingPodConditions: 'array', strategy: 'string',
      },
      successfulJobsHistoryLimit: 'integer',
      triggers: [{ authenticationRef: { kind: 'string', name: 'string' }, metadata: 'object', name: 'string', type: 'string', useCachedMetrics: 'boolean' }],
    },
    required: ['jobTargetRef', 'triggers', 'triggers[].type', 'triggers[].metadata', 'triggers[].authenticationRef.name'],
  },
  TriggerAuthentication: {
    spec: { secretTargetRef: [{ key: 'string', name: 'string', parameter: 'string' }] },
    required: ['secretTargetRef[].key', 'secretTargetRef[].name', 'secretTargetRef[].parameter'],
  },
};

/**
 * Argo Rollouts' Rollout (argoproj.io/v1alpha1): @kubernetes-models/argo-cd has no Rollout (the package
 * @kubernetes-models/argo-rollouts exists on npm but is not installed here). Checked against the fields and types
 * of the CRD at the pinned chart (argoproj/argo-helm argo-rollouts-2.37.7 charts/argo-rollouts/templates/crds/
 * rollout-crd.yaml, v1alpha1 openAPIV3Schema), for the parts we render: spec, strategy.canary with its steps,
 * trafficRouting.nginx and workloadRef. The CRD itself marks no spec field required; the controller refuses a
 * Rollout without a selector or without either a template or a workloadRef (checked here as required).
 */
const ROLLOUT_SHAPE: Shape = {
  replicas: 'integer', revisionHistoryLimit: 'integer', progressDeadlineSeconds: 'integer', minReadySeconds: 'integer', paused: 'boolean',
  selector: { matchLabels: 'object', matchExpressions: 'array' },
  template: 'object',
  workloadRef: { apiVersion: 'string', kind: 'string', name: 'string', scaleDown: 'string' },
  strategy: {
    canary: {
      canaryService: 'string', stableService: 'string', maxSurge: 'integer', maxUnavailable: 'integer', dynamicStableScale: 'boolean',
      scaleDownDelaySeconds: 'integer', abortScaleDownDelaySeconds: 'integer',
      steps: [{ setWeight: 'integer', pause: { duration: 'string' } }],
      trafficRouting: { nginx: { stableIngress: 'string', annotationPrefix: 'string', additionalIngressAnnotations: 'object' } },
      // RolloutAnalysisBackground (v1.7.2 pkg/apis/rollouts/v1alpha1/types.go).
      analysis: { templates: [{ templateName: 'string', clusterScope: 'boolean' }], args: 'array', startingStep: 'integer', dryRun: 'array' },
    },
  },
};

/**
 * Argo Rollouts' AnalysisTemplate (argoproj.io/v1alpha1), from the same release (argoproj/argo-rollouts v1.7.2
 * pkg/apis/rollouts/v1alpha1/analysis_types.go, which the chart's analysistemplate-crd.yaml is generated from):
 * AnalysisTemplateSpec, Metric and PrometheusMetric, for the parts we render; metrics, and each metric's name and
 * provider, are required.
 */
const ANALYSIS_TEMPLATE_SHAPE: Shape = {
  metrics: [{
    name: 'string', interval: 'string', initialDelay: 'string', successCondition: 'string', failureCondition: 'string',
    failureLimit: 'integer', inconclusiveLimit: 'integer', consecutiveErrorLimit: 'integer',
    provider: { prometheus: { address: 'string', query: 'string', timeout: 'integer', insecure: 'boolean', headers: 'array', authentication: 'object' } },
  }],
  args: 'array', dryRun: 'array', measurementRetention: 'array',
};

function analysisTemplateErrors(m: Obj): string | undefined {
  const out = shapeErrors(m.spec, ANALYSIS_TEMPLATE_SHAPE, 'spec');
  if (!m.spec?.metrics?.length) out.push('spec.metrics: is required');
  for (const f of ['metrics[].name', 'metrics[].provider']) if (m.spec?.metrics?.length && missing(m.spec, f)) out.push(`spec.${f}: is required`);
  return out.length ? out.join('; ') : undefined;
}

function rolloutErrors(m: Obj): string | undefined {
  const out = shapeErrors(m.spec, ROLLOUT_SHAPE, 'spec');
  if (!m.spec?.selector?.matchLabels) out.push('spec.selector: is required');
  if (!m.spec?.template === !m.spec?.workloadRef) out.push('spec: needs exactly one of template and workloadRef');
  if (m.spec?.workloadRef) for (const f of ['apiVersion', 'kind', 'name']) if (missing(m.spec.workloadRef, f)) out.push(`spec.workloadRef.${f}: is required`);
  if (!['never', 'onsuccess', 'progressively', undefined].includes(m.spec?.workloadRef?.scaleDown)) out.push(`spec.workloadRef.scaleDown: "${m.spec.workloadRef.scaleDown}" is not never, onsuccess or progressively`);
  if (!m.spec?.strategy?.canary && !m.spec?.strategy?.blueGreen) out.push('spec.strategy: needs canary or blueGreen');
  const c = m.spec?.strategy?.canary;
  if (c?.trafficRouting && !(c.canaryService && c.stableService)) out.push('spec.strategy.canary: trafficRouting needs canaryService and stableService');
  for (const [i, st] of (c?.steps ?? []).entries()) if (Object.keys(st).length !== 1) out.push(`spec.strategy.canary.steps[${i}]: one action per step`);
  return out.length ? out.join('; ') : undefined;
}

/**
 * The VPA add-on's VerticalPodAutoscaler (autoscaling.k8s.io/v1) has no kubernetes-models package either: checked
 * against its CRD at the pinned chart (FairwindsOps/charts stable/vpa 4.6.0 at 8033729 crds/vpa-v1-crd.yaml: spec
 * fields, types, the updateMode enum, required targetRef.kind and targetRef.name).
 */
const VPA_SHAPE: { readonly spec: Shape; readonly required: readonly string[] } = {
  spec: {
    recommenders: [{ name: 'string' }],
    resourcePolicy: {
      containerPolicies: [{ containerName: 'string', controlledResources: 'array', controlledValues: 'string', maxAllowed: 'object', minAllowed: 'object', mode: 'string' }],
    },
    targetRef: { apiVersion: 'string', kind: 'string', name: 'string' },
    updatePolicy: { evictionRequirements: 'array', minReplicas: 'integer', updateMode: 'string' },
  },
  required: ['targetRef', 'targetRef.kind', 'targetRef.name'],
};
const VPA_UPDATE_MODES = ['Off', 'Initial', 'Recreate', 'Auto'];

function vpaErrors(m: Obj): string | undefined {
  if (m.kind !== 'VerticalPodAutoscaler') return `no VPA shape for ${m.kind}`;
  const out = [...shapeErrors(m.spec, VPA_SHAPE.spec, 'spec'), ...VPA_SHAPE.required.filter((r) => missing(m.spec, r)).map((r) => `spec.${r}: is required`)];
  const mode = m.spec?.updatePolicy?.updateMode;
  if (mode !== undefined && !VPA_UPDATE_MODES.includes(mode)) out.push(`spec.updatePolicy.updateMode: must be one of ${VPA_UPDATE_MODES.join(', ')}`);
  return out.length ? out.join('; ') : undefined;
}

function shapeErrors(v: unknown, shape: Shape, path: string): string[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [`${path}: must be an object`];
  const out: string[] = [];
  for (const [k, x] of Object.entries(v as Obj)) {
    const want = shape[k];
    const at = `${path}.${k}`;
    if (want === undefined) out.push(`${at}: unknown field`);
    else if (Array.isArray(want)) {
      if (!Array.isArray(x)) out.push(`${at}: must be an array`);
      else x.forEach((item, i) => out.push(...shapeErrors(item, want[0], `${at}[${i}]`)));
    } else if (typeof want === 'object') out.push(...shapeErrors(x, want as Shape, at));
    else if (want === 'integer' ? !Number.isInteger(x) : want === 'array' ? !Array.isArray(x) : want === 'object' ? (x === null || typeof x !== 'object' || Array.isArray(x)) : typeof x !== want) {
      out.push(`${at}: must be ${want === 'integer' ? 'an integer' : `of type ${want}`}`);
    }
  }
  return out;
}

function missing(v: unknown, path: string): boolean {
  const [head, ...rest] = path.split('.');
  const many = head.endsWith('[]');
  const x = (v as Obj | undefined)?.[many ? head.slice(0, -2) : head];
  if (x === undefined) return true;
  if (!rest.length) return false;
  return many ? (x as unknown[]).some((i) => missing(i, rest.join('.'))) : missing(x, rest.join('.'));
}

function kedaErrors(m: Obj): string | undefined {
  const shape = KEDA_SHAPES[m.kind];
  if (!shape) return `no KEDA shape for ${m.kind}`;
  const out = [...shapeErrors(m.spec, shape.spec, 'spec'), ...shape.required.filter((r) => missing(m.spec, r)).map((r) => `spec.${r}: is required`)];
  if (m.kind === 'ScaledJob' && m.spec?.jobTargetRef) {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: m.metadata?.name }, spec: m.spec.jobTargetRef };
    const jobErrors = modelErrors(job);
    if (jobErrors) out.push(`spec.jobTargetRef: ${jobErrors}`);
  }
  return out.length ? out.join('; ') : undefined;
}

/** Validates with kubernetes-models (or the package of a custom resource); the error message, or undefined. */
export function modelErrors(m: Obj): string | undefined {
  const [group, version] = String(m.apiVersion).includes('/') ? String(m.apiVersion).split('/') : ['', m.apiVersion];
  if (group === 'keda.sh') return kedaErrors(m);
  if (group === 'argoproj.io' && m.kind === 'Rollout') return rolloutErrors(m);
  if (group === 'argoproj.io' && m.kind === 'AnalysisTemplate') return analysisTemplateErrors(m);
  if (group === 'autoscaling.k8s.io') return vpaErrors(m);
  const modulePath = group ? `${CRD_PACKAGES.find(([re]) => re.test(group))?.[1] ?? 'kubernetes-models'}/${group}/${version}` : `kubernetes-models/${version}`;
  let Model: any;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Model = require(modulePath)[m.kind];
  } catch {
    return `no kubernetes-models module for ${m.apiVersion}`;
  }
  if (!Model) return `kubernetes-models has no ${m.kind} in ${m.apiVersion}`;
  try {
    new Model(m).validate();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

interface Field { readonly child?: string; readonly map: boolean }
let fieldTable: Map<string, Map<string, Field>> | undefined;
let rootTypes: Map<string, string> | undefined;

function tables(): { fields: Map<string, Map<string, Field>>; roots: Map<string, string> } {
  if (!fieldTable || !rootTypes) {
    const src = fs.readFileSync(require.resolve('cdk8s-plus-27/lib/imports/k8s.js'), 'utf8');
    fieldTable = new Map();
    const fn = /function toJson_(\w+)\(obj\) \{[\s\S]*?const result = \{\n([\s\S]*?)\n {4}\};/g;
    for (const m of src.matchAll(fn)) {
      const fields = new Map<string, Field>();
      for (const line of m[2].split('\n')) {
        const f = /^\s*'([^']+)': (.*),$/.exec(line);
        if (!f) continue;
        fields.set(f[1], { child: /toJson_(\w+)\(/.exec(f[2])?.[1], map: f[2].includes('Object.entries') });
      }
      fieldTable.set(m[1], fields);
    }
    rootTypes = new Map();
    for (const [name, cls] of Object.entries(k8s)) {
      const gvk = (cls as { GVK?: { apiVersion: string; kind: string } }).GVK;
      if (gvk) rootTypes.set(`${gvk.apiVersion}/${gvk.kind}`, `${name}Props`);
    }
  }
  return { fields: fieldTable, roots: rootTypes };
}

/** Paths of fields that the Kubernetes 1.27 API does not define (empty when all are known). */
export function unknownFields(m: Obj): string[] {
  // KEDA: its own fields are checked by modelErrors; a ScaledJob's Job template against the 1.27 JobSpec here.
  if (String(m.apiVersion).startsWith('argoproj.io/') && (m.kind === 'Rollout' || m.kind === 'AnalysisTemplate')) return [];
  if (String(m.apiVersion).startsWith('keda.sh/')) {
    return m.kind === 'ScaledJob' ? unknownFields({ apiVersion: 'batch/v1', kind: 'Job', spec: m.spec.jobTargetRef }).map((f) => f.replace(/^spec\./, 'spec.jobTargetRef.')) : [];
  }
  // VerticalPodAutoscalers: every field is checked against the CRD by modelErrors.
  if (String(m.apiVersion).startsWith('autoscaling.k8s.io/')) return [];
  const { fields, roots } = tables();
  const root = roots.get(`${m.apiVersion}/${m.kind}`);
  if (!root) return [`(no 1.27 type for ${m.apiVersion} ${m.kind})`];
  const out: string[] = [];
  const walk = (v: unknown, type: string, path: string): void => {
    if (Array.isArray(v)) { v.forEach((x, i) => walk(x, type, `${path}[${i}]`)); return; }
    if (v === null || typeof v !== 'object') return;
    const known = fields.get(type);
    if (!known) return;
    for (const [k, x] of Object.entries(v as Obj)) {
      // Objects embedded whole (a StatefulSet's claim templates) carry their own apiVersion and kind.
      if ((path === '' || /volumeClaimTemplates\[\d+\]$/.test(path)) && (k === 'apiVersion' || k === 'kind')) continue;
      const f = known.get(k);
      if (!f) { out.push(`${path}${path ? '.' : ''}${k}`); continue; }
      if (!f.child) continue;
      if (f.map && x && typeof x === 'object') {
        for (const [mk, mv] of Object.entries(x as Obj)) walk(mv, f.child, `${path}.${k}.${mk}`);
      } else {
        walk(x, f.child, `${path}${path ? '.' : ''}${k}`);
      }
    }
  };
  walk(m, root, '');
  return out;
}
