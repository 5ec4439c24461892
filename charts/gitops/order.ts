/**
 * One apply order for both ways of installing: Argo CD's sync waves between child Applications and the
 * installer's steps. Folders are ordered by their numeric prefix, except the add-ons: their Applications
 * (cert-manager, External Secrets, the Prometheus stack) provide the CRDs that later folders use, so they
 * follow the namespaces they are installed into and precede everything else.
 */
import type { Manifest } from '../platform';

export const NAMESPACES_FOLDER = '00-namespaces';
export const ADDONS_FOLDER = '90-addons';
export const GITOPS_FOLDER = '99-gitops';

/** Folders in apply order. */
export function applyOrder(folders: readonly string[]): string[] {
  const sorted = [...folders].sort((a, b) => a.localeCompare(b));
  if (!sorted.includes(ADDONS_FOLDER)) return sorted;
  const rest = sorted.filter((f) => f !== ADDONS_FOLDER);
  const at = rest.includes(NAMESPACES_FOLDER) ? rest.indexOf(NAMESPACES_FOLDER) + 1 : 0;
  return [...rest.slice(0, at), ADDONS_FOLDER, ...rest.slice(at)];
}

/** The sync wave of a folder's Application: its position in the apply order. */
export function waveOf(folder: string, folders: readonly string[]): number {
  const i = applyOrder(folders).indexOf(folder);
  if (i < 0) throw new Error(`folder "${folder}" is not one of the rendered folders (${folders.join(', ')})`);
  return i;
}

export const isArgoObject = (m: Manifest): boolean => String(m.apiVersion).startsWith('argoproj.io/');

/** A folder that only holds Argo CD objects: it makes sense only where Argo CD runs. */
export function isArgoFolder(manifests: readonly Manifest[]): boolean {
  return manifests.length > 0 && manifests.every(isArgoObject);
}

/** Objects whose deletion loses data: PVCs, StatefulSets with claim templates, and the data tier's namespaces. */
export function holdsData(m: Manifest): boolean {
  if (m.kind === 'PersistentVolumeClaim') return true;
  if (m.kind === 'StatefulSet') return (m.spec?.volumeClaimTemplates ?? []).length > 0;
  if (m.kind === 'Namespace') return m.metadata?.labels?.['sme-receivables.io/tier'] === 'data';
  return false;
}

/** Workload kinds the installer waits for before the next folder. */
export const ROLLOUT_KINDS = ['StatefulSet', 'Deployment', 'DaemonSet'] as const;
