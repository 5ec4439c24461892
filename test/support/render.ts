/** Renders every environment once per test file (rendering is pure, so sharing it is safe). */
import { renderPlatform, type Manifest, type RenderedPlatform } from '../../charts/platform';
import { allTargets, ENVIRONMENTS, loadEnvironments, loadTargets } from '../../environments';

let cache: RenderedPlatform[] | undefined;
let every: RenderedPlatform[] | undefined;

/** Every environment of the receivables platform (the tests of its own charts and catalog). */
export function renderAll(): RenderedPlatform[] {
  cache ??= loadEnvironments(Object.keys(ENVIRONMENTS)).map(renderPlatform);
  return cache;
}

/** Every environment of every platform (the property tests that hold for any platform). */
export function renderEvery(): RenderedPlatform[] {
  every ??= [...renderAll(), ...loadTargets(allTargets().filter((t) => t.platform !== 'receivables')).map(renderPlatform)];
  return every;
}

/** `receivables/dev`: how a test names a rendered environment of any platform. */
export const nameOf = (p: RenderedPlatform): string => `${p.config.platform.name}/${p.config.name}`;

export function manifestsOf(p: RenderedPlatform): Manifest[] {
  return p.charts.flatMap((c) => c.manifests);
}

/** `[env, manifest]` rows of every object of every receivables environment, for test.each. */
export function everyObject(): [string, Manifest][] {
  return renderAll().flatMap((p) => manifestsOf(p).map((m): [string, Manifest] => [p.config.name, m]));
}

/** `[platform/env, manifest]` rows of every object of every environment of every platform, for test.each. */
export function everyObjectOfEvery(): [string, Manifest][] {
  return renderEvery().flatMap((p) => manifestsOf(p).map((m): [string, Manifest] => [nameOf(p), m]));
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
    if (m.kind === 'ScaledJob') out.push({ owner: m, template: m.spec.jobTargetRef.template });
  }
  return out;
}
