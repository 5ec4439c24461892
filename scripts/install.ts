/**
 * Applies dist/<env>/ to a k3s or kubeadm cluster with kubectl, in the order Argo CD's waves follow:
 *
 *   1. every Namespace (of any folder), server-side;
 *   2. every CustomResourceDefinition rendered in dist/, then waits until each is established;
 *   3. each chart folder in apply order (charts/gitops/order.ts): first waits until the CRDs of the custom
 *      resources it holds are established (a clear stop naming the add-on when they are missing), then
 *      `kubectl apply --server-side`, then waits for its StatefulSets, Deployments and DaemonSets to be ready,
 *      so the stores are up before the services that use them;
 *      the add-ons folder applies Argo CD Applications: each is synced (the person running the installer is the
 *      approval) and awaited until Healthy; the GitOps folder comes last and hands the cluster over to Argo CD.
 *
 * It stops at the first failure with the step and kubectl's message. It never deletes anything (no prune, no
 * delete): re-running it is safe. `--dry-run` prints the plan without calling kubectl.
 *
 *   npm run install:cluster -- --env <env> [--dry-run] [--context <ctx>] [--without-argocd] [--timeout 10m] [--dist dist]
 *
 * --without-argocd: skip the Argo CD folders; the add-ons must then be installed beforehand (helm, with the
 * values of dist/<env>/90-addons/), and the installer checks that their CRDs are served.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ADDONS_FOLDER, applyOrder, foldersNeedingAddons, GITOPS_FOLDER, isArgoFolder } from '../charts/gitops/order';
import { ENVIRONMENTS } from '../environments';
import { Kubectl, parseFlags, UsageError } from './lib/kubectl';

type Obj = Record<string, any>;
export const FIELD_MANAGER = 'receivables-installer';

export interface Step {
  /** e.g. `11-postgres`, `namespaces`, `crds` */
  readonly folder: string;
  readonly what: string;
  /** kubectl argument lists, run in order. */
  readonly commands: readonly (readonly string[])[];
  /** Skipped steps are printed, not run. */
  readonly skipped?: string;
}

export interface Folder { readonly name: string; readonly dir: string; readonly files: readonly string[]; readonly objects: readonly Obj[] }

/** Reads dist/<env>/: its chart folders with their objects. */
export function readDist(envDir: string): Folder[] {
  if (!fs.existsSync(envDir)) throw new Error(`${envDir} does not exist: run \`npm run synth\` first`);
  return fs.readdirSync(envDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[0-9]{2}-/.test(e.name))
    .map((e) => {
      const dir = path.join(envDir, e.name);
      const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
      const objects = files.flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJSON()).filter(Boolean));
      return { name: e.name, dir, files, objects };
    });
}

const groupOf = (o: Obj) => (String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/')[0] : '');
/** Built-in API groups: served by every cluster, no CRD to wait for. */
const BUILT_IN = /^$|^(apps|batch|policy|autoscaling|networking\.k8s\.io|rbac\.authorization\.k8s\.io|storage\.k8s\.io|scheduling\.k8s\.io|coordination\.k8s\.io|discovery\.k8s\.io|admissionregistration\.k8s\.io|apiextensions\.k8s\.io|certificates\.k8s\.io|node\.k8s\.io|flowcontrol\.apiserver\.k8s\.io)$/;
/** The add-on that provides a custom resource group (for the message when its CRDs are missing). */
const PROVIDERS: Record<string, string> = {
  'argoproj.io': 'Argo CD', 'cert-manager.io': 'cert-manager', 'acme.cert-manager.io': 'cert-manager',
  'monitoring.coreos.com': 'kube-prometheus-stack', 'external-secrets.io': 'external-secrets',
};
const PLURALS: Record<string, string> = { PodMonitor: 'podmonitors', PrometheusRule: 'prometheusrules', ServiceMonitor: 'servicemonitors', AppProject: 'appprojects' };
/** The CRD name of a custom kind (its plural is the lowercase kind plus `s`, or `es` after s/x/ch). */
export function crdName(group: string, kind: string): string {
  const lower = kind.toLowerCase();
  return `${PLURALS[kind] ?? (/(s|x|ch)$/.test(lower) ? `${lower}es` : /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : `${lower}s`)}.${group}`;
}

export interface PlanOptions { readonly withoutArgoCd: boolean; readonly timeout: string }

export function plan(folders: readonly Folder[], o: PlanOptions): Step[] {
  const steps: Step[] = [];
  const all = folders.flatMap((f) => f.objects);
  const ns = folders.flatMap((f) => f.files.filter((_, i) => f.objects[i]?.kind === 'Namespace'));
  const filesOf = (f: Folder, kind: string) => f.files.filter((file) => {
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJSON());
    return docs.some((d) => d?.kind === kind);
  });
  // A folder is applied as a whole (kubectl reads every YAML file of it, not its subfolders).
  const apply = (files: readonly string[]) => ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, ...files.flatMap((file) => ['--filename', file])];
  const established = (crd: string) => ['wait', '--for', 'condition=established', '--timeout', o.timeout, `customresourcedefinition/${crd}`];

  steps.push({ folder: 'namespaces', what: `create or update ${ns.length} namespaces`, commands: ns.length ? [apply(ns)] : [] });
  const crdFiles = folders.flatMap((f) => filesOf(f, 'CustomResourceDefinition'));
  const rendered = new Set(all.filter((x) => x.kind === 'CustomResourceDefinition').map((x) => x.metadata.name as string));
  steps.push({
    folder: 'crds', what: `apply ${crdFiles.length} CustomResourceDefinitions and wait until established`,
    commands: crdFiles.length ? [apply(crdFiles), ...[...rendered].sort().map(established)] : [],
  });

  // The AppProjects first: the add-on Applications name them.
  const gitops = folders.find((f) => f.name === GITOPS_FOLDER);
  const projectFiles = gitops && !o.withoutArgoCd ? filesOf(gitops, 'AppProject') : [];
  if (projectFiles.length) {
    steps.push({ folder: 'projects', what: `apply ${projectFiles.length} Argo CD projects`, commands: [established(crdName('argoproj.io', 'AppProject')), apply(projectFiles)] });
  }

  const byName = new Map(folders.map((f) => [f.name, f]));
  const needsAddons = foldersNeedingAddons(folders.map((f) => ({ folder: f.name, manifests: f.objects })));
  for (const name of applyOrder([...byName.keys()], needsAddons)) {
    const f = byName.get(name)!;
    const argo = isArgoFolder(f.objects);
    if (argo && o.withoutArgoCd) {
      steps.push({ folder: name, what: 'Argo CD objects', commands: [], skipped: '--without-argocd: add-ons and GitOps are installed by hand' });
      continue;
    }
    const commands: string[][] = [];
    // The CRDs its custom resources need (rendered ones were applied in step 2).
    const crds = new Map<string, string>();
    for (const x of f.objects) {
      const g = groupOf(x);
      if (BUILT_IN.test(g) || x.kind === 'CustomResourceDefinition') continue;
      const crd = crdName(g, x.kind);
      if (!rendered.has(crd)) crds.set(crd, PROVIDERS[g] ?? g);
    }
    for (const crd of [...crds.keys()].sort()) commands.push(established(crd));
    commands.push(apply([f.dir]));
    if (name === ADDONS_FOLDER) {
      // In the add-ons' own waves (the Prometheus stack first: the others create ServiceMonitors).
      const wave = (x: Obj) => Number(x.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
      const apps = f.objects.filter((x) => x.kind === 'Application').sort((a, b) => wave(a) - wave(b) || a.metadata.name.localeCompare(b.metadata.name));
      for (const app of apps) {
        const at = ['--namespace', app.metadata.namespace, `application/${app.metadata.name}`];
        if (!app.spec.syncPolicy?.automated) {
          commands.push(['patch', ...at, '--type', 'merge', '--patch',
            JSON.stringify({ operation: { initiatedBy: { username: FIELD_MANAGER }, sync: { syncStrategy: { hook: {} } } } })]);
        }
        commands.push(['wait', ...at, '--for', 'jsonpath={.status.health.status}=Healthy', '--timeout', o.timeout]);
      }
    }
    if (name !== GITOPS_FOLDER) {
      for (const x of f.objects) {
        const at = ['--namespace', x.metadata.namespace];
        if (x.kind === 'StatefulSet' && (x.spec.replicas ?? 1) > 0) {
          // Ready members rather than `rollout status`, which refuses the OnDelete update strategy.
          commands.push(['wait', ...at, `statefulset/${x.metadata.name}`, '--for', `jsonpath={.status.readyReplicas}=${x.spec.replicas ?? 1}`, '--timeout', o.timeout]);
        } else if (x.kind === 'Deployment' || x.kind === 'DaemonSet') {
          commands.push(['rollout', 'status', ...at, `${x.kind.toLowerCase()}/${x.metadata.name}`, '--timeout', o.timeout]);
        }
      }
    }
    const crdNote = crds.size ? `, after the CRDs of ${[...new Set(crds.values())].join(', ')}` : '';
    steps.push({ folder: name, what: `apply ${f.objects.length} objects${crdNote}`, commands });
  }
  return steps;
}

interface Io { out: (s: string) => void; err: (s: string) => void }

export function run(steps: readonly Step[], kubectl: Kubectl, io: Io): number {
  const total = steps.length;
  for (const [i, s] of steps.entries()) {
    const head = `[${i + 1}/${total}] ${s.folder}`;
    if (s.skipped) { io.out(`${head}: skipped (${s.skipped})`); continue; }
    io.out(`${head}: ${s.what}`);
    for (const c of s.commands) {
      const started = Date.now();
      const r = kubectl.run(c);
      if (r.code !== 0) {
        const hint = c[0] === 'wait' && c.some((a) => a.startsWith('customresourcedefinition/'))
          ? `\n  the cluster does not serve ${c[c.length - 1].replace('customresourcedefinition/', '')}: install the add-on that provides it first (docs/gitops-install.md)`
          : '';
        io.err(`error: step ${i + 1}/${total} (${s.folder}) failed: ${kubectl.show(c)}\n  ${r.stderr.trim() || r.stdout.trim()}${hint}\n`
          + `stopped. Steps 1-${i} are applied; nothing was deleted. Fix the cause and run the installer again (applying is idempotent).`);
        return 1;
      }
      if (c[0] !== 'apply') io.out(`    ${describe(c)}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  io.out(`installed: ${steps.filter((s) => !s.skipped).length} steps, ${steps.filter((s) => s.skipped).length} skipped`);
  return 0;
}

/** `wait for statefulset/postgres`, `sync application/production-cert-manager`, … */
function describe(c: readonly string[]): string {
  const target = c.find((a) => /^[a-z]+\/[a-z0-9.-]+$/.test(a)) ?? '';
  const verb = c[0] === 'patch' ? 'sync' : c[0] === 'rollout' ? 'rollout of' : 'wait for';
  return `${verb} ${target}`;
}

export function printPlan(env: string, steps: readonly Step[], kubectl: Kubectl, io: Io): void {
  io.out(`plan for ${env} (dry run: nothing is applied)`);
  for (const [i, s] of steps.entries()) {
    io.out(`${i + 1}. ${s.folder}: ${s.skipped ? `skipped (${s.skipped})` : s.what}`);
    for (const c of s.commands) io.out(`     ${kubectl.show(c.map((a) => (a.includes(' ') || a.includes('{') ? `'${a}'` : a)))}`);
  }
}

export function main(argv: string[], io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }): number {
  try {
    const f = parseFlags(argv, ['env', 'context', 'kubectl', 'timeout', 'dist'], ['dry-run', 'without-argocd', 'help']);
    if (f.help || typeof f.env !== 'string') throw new UsageError(f.help ? '' : '--env is required');
    if (!(f.env in ENVIRONMENTS)) throw new UsageError(`"${f.env}" is not an environment (allowed: ${Object.keys(ENVIRONMENTS).join(', ')})`);
    const timeout = typeof f.timeout === 'string' ? f.timeout : '10m';
    if (!/^[0-9]+(s|m|h)$/.test(timeout)) throw new UsageError(`--timeout must be a duration such as 10m (got "${timeout}")`);
    const dist = typeof f.dist === 'string' ? f.dist : 'dist';
    const steps = plan(readDist(path.join(dist, f.env)), { withoutArgoCd: f['without-argocd'] === true, timeout });
    const kubectl = new Kubectl(typeof f.kubectl === 'string' ? f.kubectl : 'kubectl', typeof f.context === 'string' ? f.context : undefined);
    if (f['dry-run']) { printPlan(f.env, steps, kubectl, io); return 0; }
    const reach = kubectl.run(['version', '--output', 'json']);
    if (reach.code !== 0) throw new Error(`cannot reach the cluster: ${reach.stderr.trim()}`);
    return run(steps, kubectl, io);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) io.err(`error: ${e.message}`);
      io.err(`usage: npm run install:cluster -- --env ${Object.keys(ENVIRONMENTS).join('|')} [--dry-run] [--context <ctx>] [--without-argocd] [--timeout 10m] [--dist dist]`);
      return 2;
    }
    io.err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
