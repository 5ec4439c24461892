/**
 * The shapes an add-on file returns, stated here rather than imported from addons-catalog.ts, addons-resources.ts
 * and charts/capacity/addon-pods.ts: those import the add-on files, and the import graph has no cycles
 * (test/layers.test.ts). They are structurally the catalog's Addon and AddonResources, which the compiler checks
 * where the catalog lists the add-on; the capacity model's AddonPod is AddonPodSpec itself.
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

/** Requests and limits of one container; `limitRange`: none in the chart, so the namespace's defaults apply. */
export type ContainerResources =
  | { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly cpu: string; readonly memory: string } }
  | 'limitRange';

/** A pod an add-on's chart runs, as the capacity model counts it (charts/capacity/addon-pods.ts). */
export interface AddonPodSpec {
  /** e.g. `argocd-repo-server`. */
  readonly name: string;
  /** Pods at steady state (a DaemonSet: ignored, one per node it tolerates). */
  readonly replicas: number;
  readonly containers: readonly ContainerResources[];
  /** Runs on every node whose taints it tolerates (`*`: tolerates NoSchedule of any key). */
  readonly daemonSet?: { readonly toleratesAll: boolean };
  /** @default 'Deployment' */
  readonly kind?: 'StatefulSet';
  /** A Helm hook Job: runs at install and upgrade only. */
  readonly job?: boolean;
  /** One claim of this size per pod. */
  readonly storage?: string;
  /** Where the figures come from (repository, tag, path). */
  readonly source: string;
}

export const kinds = (group: string, ...names: string[]): KindOf[] => names.map((kind) => ({ group, kind }));
