/**
 * 99-gitops: per environment, two AppProjects, the root Application (app of apps) over this folder, and one
 * child Application per other chart folder of dist/<env>/, in sync waves following the apply order.
 *
 *  - `<env>-platform` holds the platform's own folders: sources only the GitOps repository, destinations only
 *    the namespaces the platform renders into, cluster-scoped kinds only those the platform renders.
 *  - `<env>-system` holds the root, the add-ons folder and the add-on Applications: Helm repositories of the
 *    add-ons, their namespaces, and the cluster-scoped kinds upstream charts install (CRDs, webhooks, RBAC).
 *
 * Built last, from the list of rendered folders, so it covers whatever charts exist.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import type { EnvironmentConfig } from '../../environments/schema';
import type { RenderedChart } from '../lib/manifest';
import { tenantNamespace } from '../lib/naming';
import { ARGOCD_NAMESPACE, IN_CLUSTER, type Addon } from './addons-catalog';
import { addApplication, addProject, argoMeta, projectName, syncPolicy } from './argo';
import { foldersNeedingAddons, GITOPS_FOLDER, holdsData, isArgoFolder, waveOf } from './order';

export interface GitOpsChartProps {
  readonly config: EnvironmentConfig;
  /** Every other rendered folder (99-gitops itself excluded). */
  readonly charts: readonly RenderedChart[];
  readonly addons: readonly Addon[];
}

/** Cluster-scoped kinds the add-ons' upstream charts create. */
export const SYSTEM_CLUSTER_KINDS = [
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
  { group: 'networking.k8s.io', kind: 'IngressClass' },
];

/** The path of a folder in the GitOps repository. */
export const folderPath = (c: EnvironmentConfig, folder: string) => `dist/${c.name}/${folder}`;
export const applicationName = (c: EnvironmentConfig, folder: string) => `${c.name}-${folder}`;
export const rootName = (c: EnvironmentConfig) => `${c.name}-root`;

export class GitOpsChart extends Chart {
  constructor(scope: Construct, id: string, p: GitOpsChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const c = p.config;
    // A folder without objects does not exist in Git: it gets no Application.
    const charts = p.charts.filter((x) => x.manifests.length > 0);
    const folders = [...charts.map((x) => x.folder), id];
    const needsAddons = foldersNeedingAddons(charts);
    const source = (folder: string) => ({ repoURL: c.gitops.repoURL, targetRevision: c.gitops.targetRevision, path: folderPath(c, folder) });
    const platformCharts = charts.filter((x) => !isArgoFolder(x.manifests));

    // ----- projects
    // Tenants come and go without touching the project: one glob covers their namespaces.
    const platformNamespaces = [...c.namespaces.map((n) => n.name), tenantNamespace('*')].sort();
    const clusterKinds = new Map<string, { group: string; kind: string }>();
    for (const m of platformCharts.flatMap((x) => x.manifests)) {
      if (m.metadata?.namespace) continue;
      const group = String(m.apiVersion).includes('/') ? String(m.apiVersion).split('/')[0] : '';
      clusterKinds.set(`${group}/${m.kind}`, { group, kind: m.kind });
    }
    // Wave -1: the projects exist before any Application that names them.
    const projectMeta = (name: string) => argoMeta(c, name, 'project', { wave: -1 }) as IAppProject['metadata'];
    addProject(this, 'project-platform', projectMeta(projectName(c, 'platform')), {
      description: `The receivables platform in ${c.name}`,
      sourceRepos: [c.gitops.repoURL],
      destinations: platformNamespaces.map((namespace) => ({ server: c.cluster.server, namespace })),
      clusterResourceWhitelist: [...clusterKinds.keys()].sort().map((k) => clusterKinds.get(k)!),
      // An Application may name any project: a platform folder creating one would escape its own project.
      namespaceResourceBlacklist: [{ group: 'argoproj.io', kind: '*' }],
    });
    const addonNamespaces = [...new Set(p.addons.filter((a) => a.namespace !== ARGOCD_NAMESPACE).map((a) => a.namespace))].sort();
    addProject(this, 'project-system', projectMeta(projectName(c, 'system')), {
      description: `Argo CD, its Applications and the cluster add-ons of ${c.name}`,
      sourceRepos: [...new Set([c.gitops.repoURL, ...p.addons.map((a) => a.repoURL)])],
      destinations: [
        { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
        // kube-prometheus-stack puts the Services it scrapes CoreDNS and the kubelets through into kube-system.
        ...['kube-system', ...addonNamespaces].map((namespace) => ({ server: c.cluster.server, namespace })),
      ],
      clusterResourceWhitelist: SYSTEM_CLUSTER_KINDS,
    });

    // ----- the root: this folder, which holds the projects, the root itself and the children
    addApplication(this, 'root', argoMeta(c, rootName(c), 'root'), {
      project: projectName(c, 'system'),
      source: source(id),
      destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
      syncPolicy: syncPolicy(c),
    });

    // ----- one child per folder
    for (const chart of charts) {
      const argo = isArgoFolder(chart.manifests);
      const data = chart.manifests.some(holdsData);
      addApplication(this, chart.folder, argoMeta(c, applicationName(c, chart.folder), 'folder', {
        wave: waveOf(chart.folder, folders, needsAddons),
        // Deleting an Application deletes its objects only where no data lives (and never an add-on's CRDs).
        finalizer: !argo && !data,
      }), {
        project: projectName(c, argo ? 'system' : 'platform'),
        source: source(chart.folder),
        destination: argo
          ? { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE }
          // Objects name their namespace; this is only the default, and must be one the project allows.
          : { server: c.cluster.server, namespace: mainNamespace(chart) ?? c.namespaces[0].name },
        syncPolicy: syncPolicy(c),
      });
    }
    if (p.charts.some((x) => x.folder === GITOPS_FOLDER)) throw new Error(`${GITOPS_FOLDER} must not be among the charts it covers`);
  }
}

/** The namespace most of a folder's objects live in (the default for objects that name none). */
function mainNamespace(chart: RenderedChart): string | undefined {
  // (undefined when the folder holds only cluster-scoped objects)
  const count = new Map<string, number>();
  for (const m of chart.manifests) if (m.metadata?.namespace) count.set(m.metadata.namespace, (count.get(m.metadata.namespace) ?? 0) + 1);
  return [...count].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]?.[0];
}
