/** Helpers for the application-tier tests: the rendered environments with their plans, lookups by kind/name. */
import { planServices, type ServicePlan } from '../../charts/apps/plan';
import type { Manifest, RenderedPlatform } from '../../charts/platform';
import { manifestsOf, renderAll } from './render';

export interface Rendered {
  readonly env: string;
  readonly p: RenderedPlatform;
  readonly ms: Manifest[];
  readonly plans: ServicePlan[];
  find(kind: string, namespace: string | undefined, name: string): Manifest | undefined;
  folderOf(m: Manifest): string | undefined;
}

let cache: Rendered[] | undefined;

export function rendered(): Rendered[] {
  cache ??= renderAll().map((p) => {
    const ms = manifestsOf(p);
    const index = new Map(ms.map((m) => [`${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`, m]));
    const folders = new Map<Manifest, string>();
    for (const c of p.charts) for (const m of c.manifests) folders.set(m, c.folder);
    return {
      env: p.config.name, p, ms, plans: planServices(p.config),
      find: (kind: string, namespace: string | undefined, name: string) => index.get(`${kind}/${namespace ?? ''}/${name}`),
      folderOf: (m: Manifest) => folders.get(m),
    };
  });
  return cache;
}

/** The environment variables a container gets: ConfigMap entries (envFrom) and secret references. */
export function containerEnv(r: Rendered, namespace: string, container: Manifest): { settings: Record<string, string>; secrets: Record<string, { name: string; key: string }> } {
  const settings: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const cm = r.find('ConfigMap', namespace, from.configMapRef.name);
    Object.assign(settings, cm?.data ?? {});
  }
  const secrets: Record<string, { name: string; key: string }> = {};
  for (const e of container.env ?? []) {
    if (e.valueFrom?.secretKeyRef) secrets[e.name] = e.valueFrom.secretKeyRef;
    else if (e.value !== undefined) settings[e.name] = e.value;
  }
  return { settings, secrets };
}

/** The pod template of a plan's workload (Deployment or CronJob). */
export function podOf(r: Rendered, plan: ServicePlan): Manifest | undefined {
  const e = plan.entry;
  if (e.kind === 'batch-job') return r.find('CronJob', e.namespace, e.name)?.spec.jobTemplate.spec.template;
  return r.find('Deployment', e.namespace, e.name)?.spec.template;
}

export const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);
