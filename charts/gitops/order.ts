/**
 * One apply order for both ways of installing: Argo CD's sync waves between child Applications and the
 * installer's steps. Folders are ordered by their numeric prefix, except the add-ons: their Applications
 * (cert-manager, External Secrets, the Prometheus stack) provide the CRDs that later folders use, so they
 * follow the namespaces they are installed into and precede everything else.
 */
import type { Manifest } from '../lib/manifest';
import { FOLDERS } from '../lib/folders';

export const NAMESPACES_FOLDER = FOLDERS.namespaces;
export const ADDONS_FOLDER = FOLDERS.addons;
export const GITOPS_FOLDER = FOLDERS.gitops;

/** Custom resource groups whose CRDs the add-ons install. */
export const ADDON_GROUPS = /^(.*\.)?(cert-manager\.io|monitoring\.coreos\.com|external-secrets\.io|keda\.sh|autoscaling\.k8s\.io)$/;

/**
 * Folders in apply order: by prefix, with the add-ons moved before the first folder that needs their CRDs or
 * that runs workloads (prefix 10 and up), and after the foundation folders that need neither (namespaces,
 * tenants, network policies): the add-ons' pods, Argo CD's included, need those policies to reach anything.
 * @param needsAddons folders holding custom resources of the add-ons' groups (unknown: none)
 */
export function applyOrder(folders: readonly string[], needsAddons: ReadonlySet<string> = new Set()): string[] {
  const sorted = [...folders].sort((a, b) => a.localeCompare(b));
  if (!sorted.includes(ADDONS_FOLDER)) return sorted;
  const rest = sorted.filter((f) => f !== ADDONS_FOLDER);
  let at = rest.findIndex((f) => needsAddons.has(f) || Number(f.slice(0, 2)) >= 10);
  if (at < 0) at = rest.length;
  return [...rest.slice(0, at), ADDONS_FOLDER, ...rest.slice(at)];
}

/** The folders whose objects need the add-ons' CRDs. */
export function foldersNeedingAddons(charts: readonly { folder: string; manifests: readonly Manifest[] }[]): Set<string> {
  return new Set(charts.filter((c) => c.manifests.some((m) => ADDON_GROUPS.test(String(m.apiVersion).split('/')[0]) && String(m.apiVersion).includes('/')))
    .map((c) => c.folder));
}

/** The sync wave of a folder's Application: its position in the apply order. */
export function waveOf(folder: string, folders: readonly string[], needsAddons: ReadonlySet<string> = new Set()): number {
  const i = applyOrder(folders, needsAddons).indexOf(folder);
  if (i < 0) throw new Error(`folder "${folder}" is not one of the rendered folders (${folders.join(', ')})`);
  return i;
}

export const isArgoObject = (m: Manifest): boolean => String(m.apiVersion).startsWith('argoproj.io/');

/** A folder that only holds Argo CD objects: it makes sense only where Argo CD runs. */
export function isArgoFolder(manifests: readonly Manifest[]): boolean {
  return manifests.length > 0 && manifests.every(isArgoObject);
}

/**
 * Objects whose deletion loses data: PVCs, StatefulSets with claim templates, and every Namespace (deleting one
 * deletes everything in it: a store's volumes, a tenant's data, Prometheus, Argo CD itself). A namespace removed
 * from the configuration stays until someone deletes it.
 */
export function holdsData(m: Manifest): boolean {
  if (m.kind === 'PersistentVolumeClaim' || m.kind === 'Namespace') return true;
  if (m.kind === 'StatefulSet') return (m.spec?.volumeClaimTemplates ?? []).length > 0;
  return false;
}

/** Workload kinds the installer waits for before the next folder. */
export const ROLLOUT_KINDS = ['StatefulSet', 'Deployment', 'DaemonSet'] as const;
