/** Renders every environment once per test file (rendering is pure, so sharing it is safe). */
import { renderPlatform, type Manifest, type RenderedPlatform } from '../../charts/platform';
import { ENVIRONMENTS, loadEnvironments } from '../../environments';

let cache: RenderedPlatform[] | undefined;

export function renderAll(): RenderedPlatform[] {
  cache ??= loadEnvironments(Object.keys(ENVIRONMENTS)).map(renderPlatform);
  return cache;
}

export function manifestsOf(p: RenderedPlatform): Manifest[] {
  return p.charts.flatMap((c) => c.manifests);
}

/** `[env, manifest]` rows of every object of every environment, for test.each. */
export function everyObject(): [string, Manifest][] {
  return renderAll().flatMap((p) => manifestsOf(p).map((m): [string, Manifest] => [p.config.name, m]));
}

export function describeObject(m: Manifest): string {
  return `${m.kind} ${m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata?.name}`;
}

/** Pod templates of the workloads in a list of manifests. */
export function podTemplates(ms: readonly Manifest[]): { owner: Manifest; template: Manifest }[] {
  const out: { owner: Manifest; template: Manifest }[] = [];
  for (const m of ms) {
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(m.kind)) out.push({ owner: m, template: m.spec.template });
    if (m.kind === 'CronJob') out.push({ owner: m, template: m.spec.jobTemplate.spec.template });
  }
  return out;
}
