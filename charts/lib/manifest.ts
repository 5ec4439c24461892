/**
 * What a chart renders, shared by every layer: the composer (charts/platform.ts) produces it, the derived charts
 * (monitoring, GitOps) and the output layer (charts/output/) read it. It lives here, at the bottom, so that no
 * lower module has to import the composer for a type.
 */

/** A rendered Kubernetes object. */
export type Manifest = Record<string, any>;

export interface RenderedChart {
  /** The folder under dist/<platform>/<env>/, e.g. `00-namespaces`. */
  readonly folder: string;
  readonly manifests: readonly Manifest[];
}

/** `<kind>.<namespace>.<name>.yaml`, or `<kind>.<name>.yaml` for cluster-scoped objects. */
export function fileName(m: Manifest): string {
  const kind = String(m.kind).toLowerCase();
  const ns = m.metadata?.namespace;
  return ns ? `${kind}.${ns}.${m.metadata.name}.yaml` : `${kind}.${m.metadata.name}.yaml`;
}
