/**
 * Argo CD must never prune or delete what holds data, whatever the sync policy: an object removed from Git by
 * mistake, or an Application deleted with its cascade finalizer, would otherwise take the volumes with it.
 * `Prune=false,Delete=false` on the object itself makes Argo CD leave it in place (reported as orphaned).
 */
import type { Manifest, RenderedChart } from '../lib/manifest';
import { holdsData } from './order';

export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
export const KEEP_DATA = 'Prune=false,Delete=false';

/** Adds the annotation to every data-holding object of the charts (in place: the manifests are plain JSON). */
export function protectData(charts: readonly RenderedChart[]): void {
  for (const c of charts) for (const m of c.manifests) if (holdsData(m)) keep(m);
}

function keep(m: Manifest): void {
  const annotations: Record<string, string> = (m.metadata.annotations ??= {});
  const existing = (annotations[SYNC_OPTIONS_ANNOTATION] ?? '').split(',').filter(Boolean)
    .filter((o) => !/^(Prune|Delete)=/.test(o));
  annotations[SYNC_OPTIONS_ANNOTATION] = [...existing, KEEP_DATA].join(',');
}
