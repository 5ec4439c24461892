/**
 * What each catalog entry becomes in one environment: enabled or not, fixed replicas or an HPA range, sizes,
 * its identity, and the endpoint other services reach it at. Computed once per environment from the catalog and
 * the environment's `apps` section; every construct reads the plan, none re-derives it.
 */
import { catalogProblems, type CanaryAnalysis, type CanaryStep, type CatalogEntry, type ServiceKind } from '../../environments/catalog';
import type { ComputeResources, EnvironmentConfig } from '../../environments/schema';
import type { Endpoint } from '../data/refs';
import type { Identity } from '../lib/labels';
import { serviceHost } from '../lib/naming';

export interface HpaPlan {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuPercent: number;
  readonly memoryPercent?: number;
  readonly queue?: { readonly metric: string; readonly averageValue: number };
  readonly requestsPerSecond?: number;
}

export interface ServicePlan {
  readonly entry: CatalogEntry;
  readonly enabled: boolean;
  /** Fixed replicas, or the HPA minimum (what a PodDisruptionBudget may count on). */
  readonly replicas: number;
  /** Present when an HPA owns the replica count (the Deployment then has no spec.replicas). */
  readonly hpa?: HpaPlan;
  readonly resources: ComputeResources;
  readonly id: Identity;
  /** The Service in front of the pods (undefined for batch jobs). */
  readonly endpoint?: Endpoint;
  /** Present where the entry's canary rollout applies in this environment (charts/apps/rollout.ts). */
  readonly canary?: { readonly steps: readonly CanaryStep[]; readonly analysis?: CanaryAnalysis };
}

/** The `app.kubernetes.io/component` of each kind. */
export const COMPONENT: Record<ServiceKind, string> = {
  'gateway': 'gateway',
  'node-api': 'api',
  'python-agent': 'agent',
  'model-server': 'inference',
  'static-frontend': 'frontend',
  'batch-job': 'batch',
  'queue-worker': 'worker',
  'gpu-worker': 'gpu-worker',
};

export class CatalogError extends Error {}

/** Plans every catalog entry; throws CatalogError naming each bad entry and field. */
export function planServices(config: EnvironmentConfig, catalog: readonly CatalogEntry[] = config.platform.catalog): ServicePlan[] {
  const problems = catalogProblems(catalog, config.namespaces.filter((n) => n.tier === 'app').map((n) => n.name), config.platform.stores);
  if (problems.length) {
    throw new CatalogError(`invalid service catalog (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
  }
  const plans = catalog.map((e) => planOne(config, e));
  const enabled = new Set(plans.filter((p) => p.enabled).map((p) => p.entry.name));
  const missing: string[] = [];
  for (const p of plans.filter((x) => x.enabled)) {
    p.entry.dependsOn.forEach((d, i) => {
      if (catalog.some((e) => e.name === d.target) && !enabled.has(d.target) && !d.optional) {
        missing.push(`catalog.${p.entry.name}.dependsOn[${i}]: "${d.target}" is disabled in environment "${config.name}" but ${p.entry.name} needs it`);
      }
    });
  }
  if (missing.length) throw new CatalogError(`invalid service catalog for this environment:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
  return plans;
}

function planOne(config: EnvironmentConfig, e: CatalogEntry): ServicePlan {
  const apps = config.apps;
  const o = apps.services[e.name] ?? {};
  // GPU workloads run only where the environment has a GPU pool (elsewhere the model server is off and GPU work
  // goes to a hosted service).
  const enabled = o.enabled ?? (e.kind === 'model-server' ? apps.modelServer.mode !== 'disabled' : e.kind === 'gpu-worker' ? apps.modelServer.mode === 'gpu' : true);
  const resources = o.resources ?? apps.resources ?? e.resources;
  const id: Identity = { name: e.name, component: COMPONENT[e.kind] };
  const endpoint: Endpoint | undefined = e.kind === 'batch-job' || e.kind === 'queue-worker' ? undefined : {
    namespace: e.namespace, service: e.serviceName ?? e.name, host: serviceHost(config, e.serviceName ?? e.name, e.namespace), port: e.port, portName: 'http', pods: id,
  };
  // A standby site runs no pods to roll; elsewhere the environment turns the catalog's canaries on.
  const canary = e.rollout && apps.canaryRollouts && !apps.standby ? e.rollout.canary : undefined;
  const base = { entry: e, enabled, resources, id, endpoint, ...(canary ? { canary } : {}) };
  const s = e.scaling;
  if (e.kind === 'batch-job') return { ...base, replicas: 1 };
  // Queue workers: `replicas` is the most Jobs at once (a standby site starts none).
  if (e.kind === 'queue-worker') {
    const jobs = o.maxReplicas ?? Math.min(e.queue?.maxJobs ?? 1, apps.replicaCap?.maxReplicas ?? Infinity, apps.autoscaling ? Infinity : 1);
    return { ...base, replicas: apps.standby ? 0 : jobs };
  }
  // A standby site keeps its services scaled to zero: they would write to stores that are replicas there.
  if (apps.standby) return { ...base, replicas: 0 };
  if (!apps.autoscaling) return { ...base, replicas: o.replicas ?? 1 };
  if (s.type === 'fixed') return { ...base, replicas: o.replicas ?? s.replicas };
  const cap = apps.replicaCap;
  const minReplicas = o.minReplicas ?? Math.min(s.minReplicas, cap?.minReplicas ?? Infinity);
  const maxReplicas = o.maxReplicas ?? Math.max(minReplicas, Math.min(s.maxReplicas, cap?.maxReplicas ?? Infinity));
  return {
    ...base,
    replicas: minReplicas,
    hpa: { minReplicas, maxReplicas, cpuPercent: s.cpuPercent, memoryPercent: s.memoryPercent, queue: s.queue, requestsPerSecond: s.requestsPerSecond },
  };
}

/** `auth-service` → `AUTH_SERVICE` (for environment variable names). */
export function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}
