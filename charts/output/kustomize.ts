/**
 * `kubectl apply -k dist/<platform>/<env>` (spec 002 §9.1.3): one kustomization per environment listing every object file
 * of its chart folders in apply order. Folders that only hold Argo CD objects are left out: applying them starts
 * GitOps, which is the bootstrap's decision (docs/gitops-install.md), not a side effect of a plain apply.
 * Listing files rather than folders keeps the chart folders plain directories for Argo CD.
 */
import type { RenderedPlatform } from '../platform';
import { fileName } from '../lib/manifest';
import { scalarString } from '../lib/yaml';
import { applyOrder, foldersNeedingAddons, isArgoFolder } from '../gitops/order';

export function kustomization(p: RenderedPlatform): string {
  const byFolder = new Map(p.charts.map((c) => [c.folder, c]));
  const resources = applyOrder([...byFolder.keys()], foldersNeedingAddons(p.charts))
    .map((f) => byFolder.get(f)!)
    .filter((c) => !isArgoFolder(c.manifests))
    .flatMap((c) => c.manifests.map((m) => `${c.folder}/${fileName(m)}`).sort());
  // Printed directly rather than with the `yaml` package's stringify (a document tree per environment, and the
  // package loaded on every synth). Paths are `folder/file`: a `/` and no quote, `#` or `: `, which YAML can
  // only read as that string, so they stay plain (as stringify wrote them); anything else is quoted.
  const item = (r: string) => (/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9._-]+$/.test(r) ? r : scalarString(r));
  // Labels are already on every object; kustomize must not add or change any.
  return ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', resources.length ? 'resources:' : 'resources: []',
    ...resources.map((r) => `  - ${item(r)}`)].join('\n') + '\n';
}
