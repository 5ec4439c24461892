/**
 * The shapes an add-on file returns, stated here rather than imported from addons-catalog.ts, addons-resources.ts
 * and charts/capacity/addon-pods.ts: those import the add-on files, and the import graph has no cycles
 * (test/layers.test.ts). They are structurally the catalog's Addon, AddonResources and AddonPod, which the
 * compiler checks where the catalog lists the add-on.
 */
export interface AddonSpec<N extends string> {
  readonly name: N;
  readonly namespace: string;
  readonly chart: string;
  /** The upstream Helm repository (replaced by `addons.chartMirror` in air-gapped environments). */
  readonly repoURL: string;
  /** Pinned chart version. */
  readonly version: string;
  /** Every image the chart runs with our values, after the registry rewrite. */
  readonly images: readonly string[];
  readonly values: Record<string, unknown>;
  /**
   * Fields Argo CD must not compare: CA bundles that a controller (cert-manager's cainjector or a chart's
   * certificate job) writes into webhook configurations and CRDs after the sync; comparing them would show
   * the add-on OutOfSync forever and, with self-heal, erase the CA on every sync.
   */
  readonly ignoreDifferences: readonly Record<string, unknown>[];
  /**
   * The folder of its Application where that is not 90-addons: an add-on that needs what later folders create
   * (Fluent Bit needs Elasticsearch and the internal CA) syncs after them, from an Argo CD-only folder of its own.
   */
  readonly folder?: string;
}

export interface KindOf { readonly group: string; readonly kind: string }

export interface AddonCreates {
  readonly cluster: readonly KindOf[];
  readonly namespaced: readonly { readonly namespace: string; readonly kinds: readonly KindOf[] }[];
  readonly crdGroups: readonly string[];
  readonly apiServices: readonly string[];
  readonly needsSecrets: readonly string[];
  readonly issuedSecrets: readonly string[];
  readonly usesGroups: readonly string[];
}

type Res = { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly cpu: string; readonly memory: string } } | 'limitRange';

export interface AddonPodSpec {
  readonly name: string;
  readonly replicas: number;
  readonly containers: readonly Res[];
  readonly daemonSet?: { readonly toleratesAll: boolean };
  readonly kind?: 'StatefulSet';
  readonly job?: boolean;
  readonly storage?: string;
  readonly source: string;
}

export const kinds = (group: string, ...names: string[]): KindOf[] => names.map((kind) => ({ group, kind }));
