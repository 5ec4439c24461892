/** Helpers for the GitOps tests: reading Applications and projects back from a rendered platform. */
import type { Manifest, RenderedPlatform } from '../../charts/platform';
import { podTemplates } from './render';

export const applications = (p: RenderedPlatform): Manifest[] =>
  p.charts.flatMap((c) => c.manifests).filter((m) => m.kind === 'Application');

export const projects = (p: RenderedPlatform): Manifest[] =>
  p.charts.flatMap((c) => c.manifests).filter((m) => m.kind === 'AppProject');

/** Argo CD matches project destinations and sources with globs (`*` any run of characters). */
export function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

export function destinationAllowed(project: Manifest, server: string, namespace: string): boolean {
  return (project.spec.destinations ?? []).some((d: Manifest) => glob(d.server, server) && glob(d.namespace, namespace));
}

export function clusterKindAllowed(project: Manifest, group: string, kind: string): boolean {
  return (project.spec.clusterResourceWhitelist ?? []).some((w: Manifest) => glob(w.group, group) && glob(w.kind, kind));
}

export const groupOf = (m: Manifest): string => (String(m.apiVersion).includes('/') ? String(m.apiVersion).split('/')[0] : '');

/** The folder whose workloads run the pods a selector picks in a namespace (undefined: not ours). */
export function folderOfPods(p: RenderedPlatform, namespace: string, selector: Record<string, string>): string | undefined {
  for (const c of p.charts) {
    for (const { owner, template } of podTemplates(c.manifests)) {
      if (owner.metadata.namespace !== namespace) continue;
      if (Object.entries(selector).every(([k, v]) => template.metadata?.labels?.[k] === v)) return c.folder;
    }
  }
  return undefined;
}

/** Custom resource groups, and the add-on that installs their CRDs. */
export const CRD_PROVIDERS: Record<string, string> = {
  'cert-manager.io': 'cert-manager',
  'acme.cert-manager.io': 'cert-manager',
  'monitoring.coreos.com': 'kube-prometheus-stack',
  'external-secrets.io': 'external-secrets',
  'argoproj.io': 'argo-cd',
};

export interface Dependency { readonly consumer: string; readonly provider: string; readonly why: string }

/**
 * What each folder needs from other folders before it can work:
 *  - the namespaces its objects live in (the folder that renders the Namespace);
 *  - the CRDs of the custom resources it renders (the add-ons folder, unless Argo CD's own, installed first);
 *  - the pods its pods connect to (the graph), except scraping and the add-ons' own flows.
 */
export function dependencies(p: RenderedPlatform): Dependency[] {
  const out: Dependency[] = [];
  const nsFolder = new Map<string, string>();
  for (const c of p.charts) for (const m of c.manifests) if (m.kind === 'Namespace') nsFolder.set(m.metadata.name, c.folder);
  // The folder of the add-on's own Application (90-addons; late add-ons such as Fluent Bit have folders of their own).
  const withAddons = p.charts.filter((c) => c.manifests.some((m) => m.kind === 'Application' && m.spec?.source?.chart)).map((c) => c.folder);
  const addonFolder = (chart: string) => p.charts.find((c) => c.manifests.some((m) => m.kind === 'Application' && m.spec?.source?.chart === chart))?.folder
    // Not installed here: the add-ons' folder, where it would be.
    ?? (withAddons.includes('90-addons') ? '90-addons' : withAddons[0]);
  for (const c of p.charts) {
    for (const m of c.manifests) {
      const ns = m.metadata?.namespace;
      if (ns && nsFolder.has(ns)) out.push({ consumer: c.folder, provider: nsFolder.get(ns)!, why: `${m.kind} ${m.metadata.name} lives in namespace ${ns}` });
      const provider = CRD_PROVIDERS[groupOf(m)];
      if (provider && provider !== 'argo-cd') {
        const addonsFolder = addonFolder(provider);
        if (!addonsFolder) out.push({ consumer: c.folder, provider: '(missing add-ons folder)', why: `${m.kind} needs ${provider}` });
        else out.push({ consumer: c.folder, provider: addonsFolder, why: `${m.kind} ${m.metadata.name} needs the CRDs of ${provider}` });
      }
    }
  }
  for (const f of p.graph.flows) {
    if (!('pods' in f.from) || !('pods' in f.to)) continue;
    if (f.ports.every((port) => port.name === 'metrics')) continue;
    const consumer = folderOfPods(p, f.from.pods.namespace, f.from.pods.selector);
    const provider = folderOfPods(p, f.to.pods.namespace, f.to.pods.selector);
    if (consumer && provider) out.push({ consumer, provider, why: f.why });
  }
  return out.filter((d) => d.consumer !== d.provider);
}
