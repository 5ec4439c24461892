/**
 * `kubectl apply -k dist/<env>` (spec 002 §9.1.3): one kustomization per environment listing every object file
 * of its chart folders in apply order. Folders that only hold Argo CD objects are left out: applying them starts
 * GitOps, which is the bootstrap's decision (docs/gitops-install.md), not a side effect of a plain apply.
 * Listing files rather than folders keeps the chart folders plain directories for Argo CD.
 */
import { stringify } from 'yaml';
import type { RenderedPlatform } from '../platform';
import { fileName } from '../lib/manifest';
import { applyOrder, foldersNeedingAddons, isArgoFolder } from '../gitops/order';

export function kustomization(p: RenderedPlatform): string {
  const byFolder = new Map(p.charts.map((c) => [c.folder, c]));
  const resources = applyOrder([...byFolder.keys()], foldersNeedingAddons(p.charts))
    .map((f) => byFolder.get(f)!)
    .filter((c) => !isArgoFolder(c.manifests))
    .flatMap((c) => c.manifests.map((m) => `${c.folder}/${fileName(m)}`).sort());
  return stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    // Labels are already on every object; kustomize must not add or change any.
    resources,
  }, { lineWidth: 0 });
}
