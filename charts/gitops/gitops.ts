/**
 * 99-gitops: per environment, two AppProjects, the root Application (app of apps) over this folder, and one
 * child Application per other chart folder of dist/<platform>/<env>/, in sync waves following the apply order.
 *
 *  - `<env>-platform` holds the platform's own folders: sources only the GitOps repository, destinations only
 *    the namespaces the platform renders into, and exactly the kinds (cluster-scoped and namespaced) the
 *    platform renders: never an Argo CD object, nor anything else in argocd or an add-on namespace.
 *  - `<env>-system` holds the root, the add-ons folder and the add-on Applications: Helm repositories of the
 *    add-ons, their namespaces, and exactly the kinds the pinned charts create with our values
 *    (addons-resources.ts), APIServices included.
 *
 * Every whitelist is derived from what is deployed into the project: Argo CD refuses to sync an object whose
 * kind a non-empty whitelist lacks (argo-cd v2.12.4 controller/sync.go, the project's IsGroupKindPermitted
 * check before the sync starts), and the Application then never becomes Healthy.
 *
 * Built last, from the list of rendered folders, so it covers whatever charts exist.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import type { EnvironmentConfig } from '../../environments/schema';
import type { Manifest, RenderedChart } from '../lib/manifest';
import { deploymentName, outputFolder, tenantNamespace } from '../lib/naming';
import { ARGOCD_NAMESPACE, IN_CLUSTER, type Addon } from './addons-catalog';
import { addonResources, distinctKinds, type Kind } from './addons-resources';
import { addApplication, addProject, argoMeta, projectName, syncPolicy } from './argo';
import { foldersNeedingAddons, GITOPS_FOLDER, holdsData, isArgoFolder, waveOf } from './order';

export interface GitOpsChartProps {
  readonly config: EnvironmentConfig;
  /** Every other rendered folder (99-gitops itself excluded). */
  readonly charts: readonly RenderedChart[];
  readonly addons: readonly Addon[];
}

/** The path of a folder in the GitOps repository. */
export const folderPath = (c: EnvironmentConfig, folder: string) => `dist/${outputFolder(c)}/${folder}`;
export const applicationName = (c: EnvironmentConfig, folder: string) => `${deploymentName(c)}-${folder}`;
export const rootName = (c: EnvironmentConfig) => `${deploymentName(c)}-root`;

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
    const platformObjects = platformCharts.flatMap((x) => x.manifests);
    const kindOf = (m: Manifest): Kind => ({ group: String(m.apiVersion).includes('/') ? String(m.apiVersion).split('/')[0] : '', kind: String(m.kind) });
    // Wave -1: the projects exist before any Application that names them.
    const projectMeta = (name: string) => argoMeta(c, name, 'project', { wave: -1 }) as IAppProject['metadata'];
    addProject(this, 'project-platform', projectMeta(projectName(c, 'platform')), {
      description: `The ${c.platform.displayName} platform in ${c.name}`,
      sourceRepos: [c.gitops.repoURL],
      destinations: platformNamespaces.map((namespace) => ({ server: c.cluster.server, namespace })),
      clusterResourceWhitelist: distinctKinds(platformObjects.filter((m) => !m.metadata?.namespace).map(kindOf)),
      // Only what the platform renders: no Argo CD object (an Application may name any project, so a platform
      // folder creating one would escape its own project), nothing else it does not deploy.
      namespaceResourceWhitelist: distinctKinds(platformObjects.filter((m) => m.metadata?.namespace).map(kindOf)),
    });
    const resources = p.addons.map((a) => addonResources(c, a));
    const argoObjects = charts.filter((x) => isArgoFolder(x.manifests)).flatMap((x) => x.manifests);
    const systemNamespaces = [...new Set(resources.flatMap((r) => r.namespaced.map((n) => n.namespace)))].filter((n) => n !== ARGOCD_NAMESPACE).sort();
    addProject(this, 'project-system', projectMeta(projectName(c, 'system')), {
      description: `Argo CD, its Applications and the cluster add-ons of ${c.name}`,
      sourceRepos: [...new Set([c.gitops.repoURL, ...p.addons.map((a) => a.repoURL)])],
      destinations: [
        { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
        // e.g. kube-system: kube-prometheus-stack's CoreDNS and kubelet Services, the RoleBindings of the
        // aggregated API servers, cert-manager's leader election Role.
        ...systemNamespaces.map((namespace) => ({ server: c.cluster.server, namespace })),
      ],
      clusterResourceWhitelist: distinctKinds(resources.flatMap((r) => r.cluster)),
      // The root folder's AppProjects and Applications, the add-on Applications, and what the charts create.
      namespaceResourceWhitelist: distinctKinds([
        ...resources.flatMap((r) => r.namespaced.flatMap((n) => n.kinds)),
        ...argoObjects.map(kindOf), { group: 'argoproj.io', kind: 'AppProject' }, { group: 'argoproj.io', kind: 'Application' },
      ]),
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
      // ExternalSecrets: deleting their Application must not take the Secrets (and the stores' credentials) with it.
      const secrets = chart.manifests.some((m) => m.kind === 'ExternalSecret');
      addApplication(this, chart.folder, argoMeta(c, applicationName(c, chart.folder), 'folder', {
        wave: waveOf(chart.folder, folders, needsAddons),
        // Deleting an Application deletes its objects only where no data lives (and never an add-on's CRDs).
        finalizer: !argo && !data && !secrets,
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
