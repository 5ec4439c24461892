/**
 * The install simulator (issue 14): a model of a bare k3s or kubeadm cluster and of Argo CD that replays an
 * environment's install, step by step, through either path:
 *
 *  - `argocd`: helm installs Argo CD (the bootstrap), the root Application syncs 99-gitops (projects first), then
 *    each child Application in its sync wave; 90-addons syncs the add-on Applications in their own waves;
 *  - `installer`: scripts/install.ts's order: the bootstrap, namespaces, CRDs, projects, each folder in apply
 *    order (add-ons synced by Argo CD, everything else applied by kubectl, so without project checks).
 *
 * At each step it checks that every object is allowed by its Argo CD project (kind whitelists, destinations),
 * that its kind is served (built in, a CRD or an APIService) and its namespace exists before it is applied, that
 * every Secret, ConfigMap, ServiceAccount, PVC storage class, issuer and metrics API that a pod, HPA, Certificate,
 * ExternalSecret or add-on chart needs exists by the end of the step (created by it or earlier, or named as an
 * installer prerequisite), and so that the step can become Healthy using only earlier steps.
 *
 * What the add-on charts create is data (charts/gitops/addons-resources.ts, read from their templates). What it
 * leaves unproven: that the charts' pods really start (images, resources, probes), admission webhooks' timing,
 * the scheduler fitting pods on nodes (capacity is checked elsewhere), and anything an API server would reject
 * that the schema tests (test/properties.test.ts) do not catch.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import { addons as addonCatalog, ARGOCD_NAMESPACE, isBootstrapSecret, type Addon } from '../../charts/gitops/addons-catalog';
import { addonResources, type AddonResources } from '../../charts/gitops/addons-resources';
import { ADDONS_FOLDER, applyOrder, foldersNeedingAddons, GITOPS_FOLDER, isArgoFolder } from '../../charts/gitops/order';
import { deploymentName } from '../../charts/lib/naming';
import { ALB_INGRESS_CLASS } from '../../charts/gitops/addons/aws-load-balancer-controller';

type Obj = Record<string, any>;
export interface SimFolder { readonly folder: string; readonly manifests: readonly Obj[] }
export interface SimInput {
  readonly config: EnvironmentConfig;
  /** Every rendered folder, 99-gitops included. */
  readonly charts: readonly SimFolder[];
  /** The Secrets the manifests reference (renderPlatform's DeclaredSecrets). */
  readonly secrets: readonly { readonly namespace: string; readonly name: string }[];
}
export type Path = 'argocd' | 'installer';

export interface StepResult {
  readonly step: string;
  readonly what: string;
  readonly problems: readonly string[];
}
export interface Simulation {
  readonly path: Path;
  readonly prerequisites: readonly string[];
  /** Steps replayed, up to and including the first that cannot complete. */
  readonly steps: readonly StepResult[];
  /** The first step that cannot complete, if any. */
  readonly failed?: StepResult;
}

/** API groups every Kubernetes 1.27+ API server serves without a CRD. */
const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io',
  'apiregistration.k8s.io', 'certificates.k8s.io', 'node.k8s.io', 'flowcontrol.apiserver.k8s.io', 'events.k8s.io']);
/** Cluster-scoped kinds among those we render or the charts create. */
const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'ClusterIssuer',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'IngressClass', 'StorageClass', 'PriorityClass', 'ClusterSecretStore']);

/**
 * What a bare cluster of each flavour ships. k3s: CoreDNS, kube-proxy (in the k3s binary), Traefik (IngressClass
 * `traefik`, traefik.io CRDs), the local-path provisioner (StorageClass `local-path`), metrics-server
 * (metrics.k8s.io) and the Helm controller (helm.cattle.io HelmChart). kubeadm: CoreDNS and kube-proxy only.
 * eks (a new EKS 1.28 cluster with managed node groups): the default add-ons CoreDNS, kube-proxy and the VPC CNI
 * (DaemonSet kube-system/aws-node), and the in-tree `gp2` StorageClass EKS creates for clusters before 1.30; no
 * metrics-server, no ingress controller (the AWS Load Balancer Controller is ours to install), no EBS CSI driver
 * (an EKS add-on the site installs, docs/eks-platform.md: gp2 and our gp3 both need it since CSI migration).
 */
export function bareCluster(flavour: EnvironmentConfig['cluster']['flavour']) {
  const k3s = flavour === 'k3s';
  const eks = flavour === 'eks';
  return {
    namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease'],
    crdGroups: k3s ? ['helm.cattle.io', 'k3s.cattle.io', 'traefik.io', 'traefik.containo.us'] : [],
    apiServices: k3s ? ['v1beta1.metrics.k8s.io'] : [],
    storageClasses: k3s ? ['local-path'] : eks ? ['gp2'] : [],
    ingressClasses: k3s ? ['traefik'] : [],
    workloads: k3s ? ['kube-system/coredns', 'kube-system/traefik', 'kube-system/local-path-provisioner', 'kube-system/metrics-server']
      : eks ? ['kube-system/coredns', 'kube-system/kube-proxy', 'kube-system/aws-node'] : ['kube-system/coredns', 'kube-system/kube-proxy'],
  };
}

const groupOf = (o: Obj) => (String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/')[0] : '');
const nsName = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
const show = (o: Obj) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
const glob = (pattern: string, value: string) => new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);

class State {
  readonly namespaces = new Set<string>();
  readonly groups = new Set<string>(BUILT_IN_GROUPS);
  readonly apiServices = new Set<string>();
  readonly storageClasses = new Set<string>();
  readonly ingressClasses = new Set<string>();
  readonly secrets = new Set<string>();
  readonly configMaps = new Set<string>();
  readonly serviceAccounts = new Set<string>();
  readonly pvcs = new Set<string>();
  readonly issuers = new Map<string, Obj>();
  readonly secretStores = new Set<string>();
  /** Add-ons whose controllers run (Healthy). */
  readonly running = new Set<string>();
  readonly objects: Obj[] = [];

  hasServiceAccount(ns: string, name: string) { return name === 'default' ? this.namespaces.has(ns) : this.serviceAccounts.has(nsName(ns, name)); }
}

/** What the pods of a template need: Secrets, ConfigMaps, the ServiceAccount and claims (non-optional references only). */
export function podNeeds(ns: string, spec: Obj): { kind: string; id: string }[] {
  const out: { kind: string; id: string }[] = [];
  const add = (kind: string, name: string | undefined, optional: boolean | undefined) => { if (name && !optional) out.push({ kind, id: nsName(ns, name) }); };
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.env ?? []) {
      add('Secret', e.valueFrom?.secretKeyRef?.name, e.valueFrom?.secretKeyRef?.optional);
      add('ConfigMap', e.valueFrom?.configMapKeyRef?.name, e.valueFrom?.configMapKeyRef?.optional);
    }
    for (const f of c.envFrom ?? []) { add('Secret', f.secretRef?.name, f.secretRef?.optional); add('ConfigMap', f.configMapRef?.name, f.configMapRef?.optional); }
  }
  for (const v of spec.volumes ?? []) {
    add('Secret', v.secret?.secretName, v.secret?.optional);
    add('ConfigMap', v.configMap?.name, v.configMap?.optional);
    add('PersistentVolumeClaim', v.persistentVolumeClaim?.claimName, false);
    for (const s of v.projected?.sources ?? []) { add('Secret', s.secret?.name, s.secret?.optional); add('ConfigMap', s.configMap?.name, s.configMap?.optional); }
  }
  for (const s of spec.imagePullSecrets ?? []) add('Secret', s.name, false);
  add('ServiceAccount', spec.serviceAccountName ?? 'default', false);
  return out;
}

/** The pod template of a workload, and whether its pods run at all (zero replicas, a suspended CronJob). */
function template(o: Obj): { spec: Obj; runs: boolean } | undefined {
  switch (o.kind) {
    case 'Deployment': case 'StatefulSet': return { spec: o.spec.template.spec, runs: (o.spec.replicas ?? 1) > 0 };
    case 'DaemonSet': return { spec: o.spec.template.spec, runs: true };
    case 'Job': return { spec: o.spec.template.spec, runs: !o.spec.suspend };
    case 'CronJob': return { spec: o.spec.jobTemplate.spec.template.spec, runs: !o.spec.suspend };
    default: return undefined;
  }
}

interface Step {
  readonly id: string;
  readonly what: string;
  /** The project that syncs it (Argo CD), undefined where kubectl applies it. */
  readonly project?: Obj;
  /** The Argo CD destination server of its Application. */
  readonly server?: string;
  /** The repository its Application syncs from. */
  readonly repo?: string;
  readonly objects?: readonly Obj[];
  readonly addon?: { readonly addon: Addon; readonly resources: AddonResources };
  /** Argo CD installed by helm: no project, no Argo CD yet. */
  readonly bootstrap?: boolean;
}

/** Where each Secret, ConfigMap and such first appears (for "provided only later" reasons). */
function providers(steps: readonly Step[]): Map<string, string> {
  const out = new Map<string, string>();
  const set = (k: string, step: string) => { if (!out.has(k)) out.set(k, step); };
  for (const s of steps) {
    for (const o of s.objects ?? []) {
      const ns = o.metadata?.namespace;
      if (['Secret', 'ConfigMap', 'ServiceAccount', 'PersistentVolumeClaim', 'Namespace'].includes(o.kind)) set(`${o.kind} ${o.kind === 'Namespace' ? o.metadata.name : nsName(ns, o.metadata.name)}`, s.id);
      if (o.kind === 'ExternalSecret') set(`Secret ${nsName(ns, o.spec.target?.name ?? o.metadata.name)}`, s.id);
      if (o.kind === 'Certificate') set(`Secret ${nsName(ns, o.spec.secretName)}`, s.id);
      if (o.kind === 'CustomResourceDefinition') set(`group ${o.spec.group}`, s.id);
    }
    if (s.addon) {
      for (const g of s.addon.resources.crdGroups) set(`group ${g}`, s.id);
      for (const a of s.addon.resources.apiServices) set(`APIService ${a}`, s.id);
      for (const x of s.addon.resources.issuedSecrets) set(`Secret ${x}`, s.id);
    }
  }
  return out;
}

/** The installer's prerequisites for an environment: what must exist before step 1 (checked by the installer). */
export function prerequisites(input: SimInput): { secrets: string[]; storageClasses: string[]; notes: string[] } {
  const c = input.config;
  // Values from Vault or AWS Secrets Manager: only the bootstrap Secrets are created in the cluster.
  const vault = c.secrets.source !== 'generate';
  const secrets = input.secrets.filter((s) => !vault || isBootstrapSecret(s)).map((s) => nsName(s.namespace, s.name));
  if (c.cluster.siteCa) secrets.push(nsName('cert-manager', c.cluster.siteCa.secretName));
  const shipped = bareCluster(c.cluster.flavour).storageClasses;
  return {
    secrets: [...new Set(secrets)].sort(),
    // The environment's storage class and those it declares for more (shared volumes' classes).
    // (Not those the platform renders itself: storageClasses.<name>.definition.)
    storageClasses: [...new Set([c.storageClass, ...Object.keys(c.storageClasses)])].filter((x) => !shipped.includes(x) && !c.storageClasses[x]?.definition),
    notes: [
      ...(c.secrets.source === 'vault' ? [`Vault at ${c.secrets.vault?.server} holds every other Secret (npm run secrets -- --env ${c.name} --vault-seed)`] : []),
      ...(c.secrets.source === 'aws' ? [`AWS Secrets Manager (${c.secrets.aws?.region}) holds every other Secret under ${c.secrets.aws?.pathPrefix}/<namespace>/<name>`] : []),
    ],
  };
}

/** The steps of an install path. */
export function installSteps(input: SimInput, path: Path): Step[] {
  const c = input.config;
  const byFolder = new Map(input.charts.map((x) => [x.folder, x]));
  const gitops = byFolder.get(GITOPS_FOLDER);
  const projects = new Map((gitops?.manifests ?? []).filter((m) => m.kind === 'AppProject').map((p) => [p.metadata.name, p]));
  const apps = (gitops?.manifests ?? []).filter((m) => m.kind === 'Application');
  const catalog = new Map(addonCatalog(c).map((a) => [`${deploymentName(c)}-${a.name}`, a]));
  // The add-on Applications of a folder: 90-addons', or an Argo CD-only folder of a late add-on (Addon.folder).
  const addonApps = (folder: string) => (byFolder.get(folder)?.manifests ?? []).filter((m) => m.kind === 'Application' && m.spec?.source?.chart);
  const argo = catalog.get(`${deploymentName(c)}-argo-cd`)!;
  const steps: Step[] = [{ id: 'bootstrap', what: `helm installs Argo CD (chart ${argo.version}) into ${ARGOCD_NAMESPACE}, without ServiceMonitors`, bootstrap: true, addon: { addon: argo, resources: addonResources(c, argo, true) } }];
  const wave = (m: Obj) => Number(m.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  const addonSteps = (folder: string): Step[] => [...addonApps(folder)].sort((a, b) => wave(a) - wave(b) || a.metadata.name.localeCompare(b.metadata.name)).map((app) => {
    const addon = catalog.get(app.metadata.name);
    if (!addon) throw new Error(`Application ${app.metadata.name} is not an add-on of the catalog`);
    return { id: `addon ${addon.name}`, what: `Argo CD syncs ${addon.chart} ${addon.version} into ${addon.namespace} (add-on wave ${wave(app)})`, project: projects.get(app.spec.project), server: app.spec.destination.server, repo: app.spec.source.repoURL, addon: { addon, resources: addonResources(c, addon) } };
  });
  const folderStep = (folder: string, app?: Obj): Step[] => {
    const f = byFolder.get(folder)!;
    const project = app && projects.get(app.spec.project);
    const out: Step[] = [{ id: folder, what: `${project ? 'Argo CD syncs' : 'kubectl applies'} ${f.manifests.length} objects`, project, server: app?.spec.destination.server, repo: app?.spec.source.repoURL, objects: f.manifests }];
    if (folder === ADDONS_FOLDER || (folder !== GITOPS_FOLDER && isArgoFolder(f.manifests))) out.push(...addonSteps(folder));
    return out;
  };

  if (path === 'argocd') {
    const root = apps.find((a) => a.spec.source?.path?.endsWith(`/${GITOPS_FOLDER}`));
    steps.push({ id: GITOPS_FOLDER, what: 'the root Application syncs the projects and the child Applications', project: root && projects.get(root.spec.project), server: root?.spec.destination.server, repo: root?.spec.source.repoURL, objects: gitops?.manifests ?? [] });
    const children = apps.filter((a) => a !== root && a.spec.source?.path).sort((a, b) => wave(a) - wave(b));
    for (const child of children) {
      const folder = String(child.spec.source.path).split('/').pop()!;
      steps.push(...folderStep(folder, child).map((s, i) => (i === 0 ? { ...s, what: `${s.what} (wave ${wave(child)})` } : s)));
    }
    return steps;
  }
  const all = input.charts.flatMap((x) => x.manifests);
  steps.push({ id: 'namespaces', what: 'kubectl applies every Namespace', objects: all.filter((m) => m.kind === 'Namespace') });
  steps.push({ id: 'crds', what: 'kubectl applies every rendered CRD', objects: all.filter((m) => m.kind === 'CustomResourceDefinition') });
  if (gitops) steps.push({ id: 'projects', what: 'kubectl applies the AppProjects', objects: gitops.manifests.filter((m) => m.kind === 'AppProject') });
  const needs = foldersNeedingAddons(input.charts.map((x) => ({ folder: x.folder, manifests: x.manifests as any })));
  for (const folder of applyOrder([...byFolder.keys()], needs)) {
    if (folder === GITOPS_FOLDER) { steps.push({ id: folder, what: 'kubectl applies the root and child Applications: Argo CD takes over', objects: gitops!.manifests }); continue; }
    const f = byFolder.get(folder)!;
    // The add-on Applications are Argo CD objects, synced by Argo CD under their project.
    if (isArgoFolder(f.manifests)) { steps.push(...folderStep(folder)); continue; }
    steps.push(...folderStep(folder));
  }
  return steps;
}

/** Replays an install path; stops at the first step that cannot complete. */
export function simulate(input: SimInput, path: Path): Simulation {
  const c = input.config;
  const bare = bareCluster(c.cluster.flavour);
  const pre = prerequisites(input);
  const s = new State();
  bare.namespaces.forEach((n) => s.namespaces.add(n));
  bare.crdGroups.forEach((g) => s.groups.add(g));
  bare.apiServices.forEach((a) => s.apiServices.add(a));
  bare.storageClasses.forEach((x) => s.storageClasses.add(x));
  bare.ingressClasses.forEach((x) => s.ingressClasses.add(x));
  pre.storageClasses.forEach((x) => s.storageClasses.add(x));
  // Prerequisite Secrets are created once their namespace exists (npm run secrets runs after the namespaces).
  const pending = new Set(pre.secrets);
  const steps = installSteps(input, path);
  const provided = providers(steps);
  const later = (key: string) => (provided.has(key) ? ` (provided only by step ${provided.get(key)})` : '');
  // Kinds whose CRDs an add-on installs into a group another one already serves (Rollout in argoproj.io).
  const kindOwners = new Map(steps.flatMap((x) => (x.addon?.resources.crdKinds ?? []).map((k) => [`${k.group}/${k.kind}`, x.addon!.addon.name] as const)));
  const out: StepResult[] = [];

  for (const step of steps) {
    const problems: string[] = [];
    const objects = step.objects ?? [];
    // ----- admission: project, served kind, namespace
    const stepNamespaces = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
    // helm install --create-namespace
    if (step.bootstrap) stepNamespaces.add(ARGOCD_NAMESPACE);
    // Argo CD applies a sync's CRDs before the resources that use them (and a chart's crds/ come first too).
    const stepGroups = new Set([...objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.spec.group), ...(step.addon?.resources.crdGroups ?? [])]);
    const admit = (group: string, kind: string, ns: string | undefined, what: string) => {
      if (step.project) {
        const p = step.project.spec;
        const list = ns === undefined ? p.clusterResourceWhitelist : p.namespaceResourceWhitelist;
        const ok = ns === undefined
          ? (list ?? []).some((w: Obj) => glob(w.group, group) && glob(w.kind, kind))
          : (!list?.length || list.some((w: Obj) => glob(w.group, group) && glob(w.kind, kind)))
            && !(p.namespaceResourceBlacklist ?? []).some((w: Obj) => glob(w.group, group) && glob(w.kind, kind));
        if (!ok) problems.push(`project ${step.project.metadata.name} does not allow ${ns === undefined ? 'cluster-scoped' : 'namespaced'} ${group || 'core'}/${kind} (${what}): Argo CD refuses the sync`);
        if (ns !== undefined && !(p.destinations ?? []).some((d: Obj) => glob(d.namespace, ns) && glob(d.server, step.server ?? c.cluster.server))) {
          problems.push(`project ${step.project.metadata.name} has no destination for namespace ${ns} (${what})`);
        }
      }
      if (!s.groups.has(group) && !stepGroups.has(group)) problems.push(`${what}: the cluster does not serve ${group}/${kind} yet${later(`group ${group}`)}`);
      const owner = kindOwners.get(`${group}/${kind}`);
      if (owner && !s.running.has(owner) && step.addon?.addon.name !== owner) problems.push(`${what}: the cluster does not serve ${group}/${kind} until ${owner} installs its CRD`);
      if (ns !== undefined && !s.namespaces.has(ns) && !stepNamespaces.has(ns)) problems.push(`${what}: namespace ${ns} does not exist yet${later(`Namespace ${ns}`)}`);
    };
    if (step.project && step.repo && !(step.project.spec.sourceRepos ?? []).some((r: string) => glob(r, step.repo!))) {
      problems.push(`project ${step.project.metadata.name} does not allow the source repository ${step.repo}`);
    }
    for (const o of objects) admit(groupOf(o), o.kind, CLUSTER_SCOPED.has(o.kind) ? undefined : (o.metadata.namespace ?? 'default'), show(o));
    const a = step.addon;
    if (a) {
      for (const k of a.resources.cluster) admit(k.group, k.kind, undefined, `${a.addon.name}'s ${k.kind}`);
      for (const n of a.resources.namespaced) for (const k of n.kinds) admit(k.group, k.kind, n.namespace, `${a.addon.name}'s ${k.kind} in ${n.namespace}`);
      for (const g of a.resources.usesGroups) if (!s.groups.has(g) && !stepGroups.has(g)) problems.push(`${a.addon.name} renders ${g} resources, which the cluster does not serve yet${later(`group ${g}`)}`);
      if (!step.bootstrap && !s.running.has('argo-cd')) problems.push(`${a.addon.name}: Argo CD does not run yet, nothing syncs its Application`);
    }
    if (problems.length) { out.push({ step: step.id, what: step.what, problems: [...new Set(problems)] }); break; }

    // ----- apply
    for (const o of objects) {
      const ns = o.metadata?.namespace;
      const id = nsName(ns, o.metadata?.name);
      switch (o.kind) {
        case 'Namespace': s.namespaces.add(o.metadata.name); break;
        case 'CustomResourceDefinition': s.groups.add(o.spec.group); break;
        case 'Secret': s.secrets.add(id); break;
        case 'ConfigMap': s.configMaps.add(id); break;
        case 'ServiceAccount': s.serviceAccounts.add(id); break;
        case 'PersistentVolumeClaim': s.pvcs.add(id); break;
        case 'StorageClass': s.storageClasses.add(o.metadata.name); break;
        case 'IngressClass': s.ingressClasses.add(o.metadata.name); break;
        case 'ClusterIssuer': s.issuers.set(`ClusterIssuer ${o.metadata.name}`, o); break;
        case 'Issuer': s.issuers.set(`Issuer ${id}`, o); break;
        case 'SecretStore': s.secretStores.add(id); break;
        default:
      }
      s.objects.push(o);
    }
    for (const p of [...pending]) if (s.namespaces.has(p.split('/')[0])) { s.secrets.add(p); pending.delete(p); }
    if (a) {
      // The chart's own ServiceAccounts, Secrets and namespaced objects exist once it is synced.
      if (a.addon.name === 'argo-cd') s.namespaces.add(ARGOCD_NAMESPACE);
      for (const need of a.resources.needsSecrets) if (!s.secrets.has(need)) problems.push(`${a.addon.name} needs Secret ${need}, which does not exist yet${later(`Secret ${need}`)}`);
      for (const issued of a.resources.issuedSecrets) {
        if (s.running.has('cert-manager')) s.secrets.add(issued);
        else problems.push(`${a.addon.name}'s serving certificate Secret ${issued} is issued by cert-manager, which does not run yet`);
      }
      if (a.addon.name === 'kube-prometheus-stack' && !s.storageClasses.has(c.storageClass)) problems.push(`Prometheus' volumes need StorageClass ${c.storageClass}, which the cluster does not have`);
      if (a.addon.name === 'ingress-nginx') s.ingressClasses.add(c.ingress.className);
      if (a.addon.name === 'aws-load-balancer-controller') s.ingressClasses.add(ALB_INGRESS_CLASS);
    }

    // ----- controllers: cert-manager issues, External Secrets fetches (to a fixpoint: a CA issuer over an issued root)
    let changed = true;
    while (changed) {
      changed = false;
      for (const o of s.objects) {
        const ns = o.metadata?.namespace;
        if (o.kind === 'Certificate' && s.running.has('cert-manager') && !s.secrets.has(nsName(ns, o.spec.secretName)) && issuerReady(s, o.spec.issuerRef, ns)) {
          s.secrets.add(nsName(ns, o.spec.secretName)); changed = true;
        }
        if (o.kind === 'ExternalSecret' && s.running.has('external-secrets') && s.secretStores.has(nsName(ns, o.spec.secretStoreRef.name))) {
          const t = nsName(ns, o.spec.target?.name ?? o.metadata.name);
          if (!s.secrets.has(t)) { s.secrets.add(t); changed = true; }
        }
      }
    }

    // ----- health of what this step applied
    for (const o of objects) {
      const ns = o.metadata?.namespace ?? 'default';
      const t = template(o);
      if (t?.runs) {
        for (const n of podNeeds(ns, t.spec)) {
          const [nns, name] = [n.id.slice(0, n.id.indexOf('/')), n.id.slice(n.id.indexOf('/') + 1)];
          const ok = n.kind === 'Secret' ? s.secrets.has(n.id) : n.kind === 'ConfigMap' ? s.configMaps.has(n.id)
            : n.kind === 'ServiceAccount' ? s.hasServiceAccount(nns, name) : s.pvcs.has(n.id);
          if (!ok) problems.push(`${show(o)} needs ${n.kind} ${n.id}, which does not exist by the end of this step${later(`${n.kind} ${n.id}`)}`);
        }
      }
      for (const v of o.kind === 'StatefulSet' ? o.spec.volumeClaimTemplates ?? [] : o.kind === 'PersistentVolumeClaim' ? [o] : []) {
        const sc = v.spec?.storageClassName;
        if (sc && !s.storageClasses.has(sc)) problems.push(`${show(o)} claims storage of StorageClass ${sc}, which the cluster does not have`);
      }
      if (o.kind === 'HorizontalPodAutoscaler') {
        for (const m of o.spec.metrics ?? []) {
          const api = m.type === 'External' ? 'v1beta1.external.metrics.k8s.io' : m.type === 'Resource' || m.type === 'ContainerResource' ? 'v1beta1.metrics.k8s.io' : 'v1beta1.custom.metrics.k8s.io';
          if (!s.apiServices.has(api)) problems.push(`${show(o)} reads ${m.type} metrics from ${api.replace(/^v1beta1\./, '')}, which nothing serves: the HPA stays Degraded${later(`APIService ${api}`)}`);
        }
      }
      if (o.kind === 'Certificate') {
        if (!s.running.has('cert-manager')) problems.push(`${show(o)}: cert-manager does not run yet`);
        else if (!s.secrets.has(nsName(o.metadata.namespace, o.spec.secretName))) problems.push(`${show(o)} cannot be issued: issuer ${o.spec.issuerRef.kind ?? 'Issuer'} ${o.spec.issuerRef.name} is not ready`);
      }
      if (o.kind === 'ClusterIssuer' && o.spec.ca && !s.secrets.has(nsName('cert-manager', o.spec.ca.secretName))) {
        problems.push(`${show(o)} signs with Secret cert-manager/${o.spec.ca.secretName}, which does not exist${later(`Secret cert-manager/${o.spec.ca.secretName}`)}`);
      }
      if (o.kind === 'ExternalSecret' && !s.secrets.has(nsName(o.metadata.namespace, o.spec.target?.name ?? o.metadata.name))) {
        problems.push(`${show(o)} cannot sync: ${s.running.has('external-secrets') ? `SecretStore ${o.spec.secretStoreRef.name} is missing in ${o.metadata.namespace}` : 'External Secrets does not run yet'}`);
      }
      if (o.kind === 'Ingress' && o.spec.ingressClassName && !s.ingressClasses.has(o.spec.ingressClassName)) {
        problems.push(`${show(o)} names IngressClass ${o.spec.ingressClassName}, which no controller provides`);
      }
    }
    if (problems.length) { out.push({ step: step.id, what: step.what, problems: [...new Set(problems)] }); break; }
    if (a) {
      s.running.add(a.addon.name);
      a.resources.crdGroups.forEach((g) => s.groups.add(g));
      a.resources.apiServices.forEach((x) => s.apiServices.add(x));
    }
    out.push({ step: step.id, what: step.what, problems: [] });
  }
  const failed = out.find((r) => r.problems.length);
  // One line per namespace: `Secrets in db-postgres: postgres-app, postgres-superuser`.
  const byNs = new Map<string, string[]>();
  for (const x of pre.secrets) { const [ns, name] = x.split('/'); byNs.set(ns, [...(byNs.get(ns) ?? []), name]); }
  const list = [...[...byNs].map(([ns, names]) => `Secrets in ${ns}: ${names.join(', ')}`), ...pre.storageClasses.map((x) => `StorageClass ${x}`), ...pre.notes];
  return { path, prerequisites: list, steps: out, ...(failed ? { failed } : {}) };
}

function issuerReady(s: State, ref: Obj, ns: string | undefined): boolean {
  const issuer = ref.kind === 'ClusterIssuer' ? s.issuers.get(`ClusterIssuer ${ref.name}`) : s.issuers.get(`Issuer ${nsName(ns, ref.name)}`);
  if (!issuer) return false;
  if (issuer.spec.ca) return s.secrets.has(nsName(ref.kind === 'ClusterIssuer' ? 'cert-manager' : ns, issuer.spec.ca.secretName));
  return true;
}

/** The timeline as text: one line per step, then the failed step's reasons. */
export function formatSimulation(env: string, sim: Simulation): string {
  const lines = [`simulated ${sim.path === 'argocd' ? 'Argo CD' : 'installer'} install of ${env} on a bare cluster`, `  prerequisites:${sim.prerequisites.length ? '' : ' none'}`];
  for (const p of sim.prerequisites) lines.push(`    - ${p}`);
  for (const [i, r] of sim.steps.entries()) {
    lines.push(`  ${String(i + 1).padStart(2)}. ${r.problems.length ? 'BLOCKED' : 'ok     '} ${r.step}: ${r.what}`);
    for (const p of r.problems) lines.push(`        - ${p}`);
  }
  lines.push(sim.failed ? `  stops at step ${sim.steps.length} (${sim.failed.step}): it cannot complete` : `  every step can complete (${sim.steps.length} steps)`);
  return lines.join('\n');
}

/**
 * Fields the API server refuses to change in place, for the objects present in both renders: a re-run of the
 * installer (or a sync) after a change must not touch them (it would fail, or need a delete and re-create).
 */
export function immutableChanges(before: readonly Obj[], after: readonly Obj[]): string[] {
  const key = (o: Obj) => `${o.kind} ${nsName(o.metadata?.namespace, o.metadata?.name)}`;
  const old = new Map(before.map((o) => [key(o), o]));
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const pvcSpec = (t: Obj) => ({ ...t.spec, resources: undefined });
  for (const o of after) {
    const b = old.get(key(o));
    if (!b) continue;
    const check = (field: string, x: unknown, y: unknown) => { if (!same(x, y)) out.push(`${key(o)}: ${field} changes in place (immutable)`); };
    switch (o.kind) {
      case 'StatefulSet':
        check('spec.selector', b.spec.selector, o.spec.selector);
        check('spec.serviceName', b.spec.serviceName, o.spec.serviceName);
        check('spec.podManagementPolicy', b.spec.podManagementPolicy, o.spec.podManagementPolicy);
        check('spec.volumeClaimTemplates', (b.spec.volumeClaimTemplates ?? []).map((t: Obj) => ({ name: t.metadata?.name, spec: pvcSpec(t) })),
          (o.spec.volumeClaimTemplates ?? []).map((t: Obj) => ({ name: t.metadata?.name, spec: pvcSpec(t) })));
        break;
      case 'Deployment': case 'DaemonSet': case 'ReplicaSet': check('spec.selector', b.spec.selector, o.spec.selector); break;
      case 'Job':
        // A hook Job with BeforeHookCreation is deleted and re-created on every sync (Argo CD; the installer does
        // the same): its template may change.
        if (!/BeforeHookCreation/.test(o.metadata.annotations?.['argocd.argoproj.io/hook-delete-policy'] ?? '')) check('spec.template', b.spec.template, o.spec.template);
        break;
      case 'Service': check('spec.clusterIP', b.spec.clusterIP, o.spec.clusterIP); break;
      case 'PersistentVolumeClaim': check('spec (except resources.requests)', pvcSpec(b), pvcSpec(o)); break;
      case 'PodDisruptionBudget': break;
      case 'Secret': case 'ConfigMap': if (b.immutable) check('data (immutable object)', b.data, o.data); break;
      default:
    }
  }
  return out;
}
