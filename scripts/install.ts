/**
 * Installs an environment on a k3s or kubeadm cluster in one command, in the order Argo CD's waves follow:
 *
 *   0. pre-flight: shows the kube context, API server, node count and versions, checks them against the
 *      environment (flavour, nodes, storage class, kubectl version skew, Secrets present or to be generated,
 *      site-supplied Secrets) and asks for confirmation (`--yes` skips it); nothing changes before that;
 *   1. bootstraps Argo CD with `helm` (when on PATH) or k3s's Helm controller (a HelmChart), with the values of
 *      the environment's Argo CD add-on minus ServiceMonitors, unless Argo CD already runs;
 *   2. every Namespace (of any folder), server-side; then the Secrets (`npm run secrets` in-process: generated
 *      where missing, never overwritten; in Vault environments only the bootstrap Secrets);
 *   3. every CustomResourceDefinition rendered in dist/, then waits until each is established; the AppProjects;
 *   4. each chart folder in apply order (charts/gitops/order.ts): waits until the CRDs of its custom resources
 *      are established, `kubectl apply --server-side`, waits for its StatefulSets, Deployments and DaemonSets,
 *      then runs its PostSync hook Jobs as Argo CD would (deleted first where their hook-delete-policy is
 *      BeforeHookCreation, then awaited); the add-ons folder applies Argo CD Applications and waits until each
 *      is Healthy: where the environment syncs by hand (production, dr) a person approves each sync in Argo CD,
 *      or `--approve-syncs` makes the installer trigger them; the GitOps folder comes last and hands over.
 *
 * It stops at the first failure with the step, the command, its message and what to do. It deletes nothing but
 * completed hook Jobs (no prune): re-running it is safe. `--dry-run` prints the plan and the simulated timeline
 * (scripts/lib/simulator.ts) without calling kubectl.
 *
 *   npm run install:cluster -- [--platform <platform>] --env <env> [--dry-run] [--yes] [--approve-syncs] [--context <ctx>]
 *       [--without-argocd] [--timeout 10m] [--dist dist] [--kubectl <path>] [--helm <path>]
 *
 * --without-argocd: no bootstrap and no Argo CD folders; the add-ons must then be installed beforehand (helm,
 * with the values of dist/<platform>/<env>/90-addons/), and the installer checks that their CRDs are served.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { ADDONS_FOLDER, applyOrder, foldersNeedingAddons, GITOPS_FOLDER, isArgoFolder } from '../charts/gitops/order';
import { addons as addonCatalog, ARGOCD_NAMESPACE, argoCdBootstrapValues, isBootstrapSecret, siteHosts } from '../charts/gitops/addons-catalog';
import { renderPlatform } from '../charts/platform';
import type { DeclaredSecret } from '../charts/data/refs';
import { DEFAULT_PLATFORM, loadEnvironment, PLATFORMS, type EnvironmentConfig } from '../environments';
import { outputFolder } from '../charts/lib/naming';
import { Kubectl, parseFlags, UsageError, type KubectlResult } from './lib/kubectl';
import { bareCluster, formatSimulation, simulate } from './lib/simulator';
import { apply as applySecrets } from './secrets';

type Obj = Record<string, any>;
export const FIELD_MANAGER = 'receivables-installer';
const HOOK = 'argocd.argoproj.io/hook';
const HOOK_DELETE = 'argocd.argoproj.io/hook-delete-policy';

/** A command of a step: kubectl or helm with its arguments. */
export interface Command {
  readonly tool: 'kubectl' | 'helm';
  readonly args: readonly string[];
  /** stdin (a manifest for `kubectl apply --filename -`). */
  readonly input?: string;
  /** Files written just before the command runs (helm's values and CA file), path → content. */
  readonly files?: Readonly<Record<string, string>>;
  /** Printed before it runs. */
  readonly note?: string;
  /** What to do when it fails. */
  readonly hint?: string;
}

export interface Step {
  /** e.g. `11-postgres`, `namespaces`, `crds` */
  readonly folder: string;
  readonly what: string;
  /** Run in order. */
  readonly commands: readonly Command[];
  /** Steps run in-process (the Secrets), with what they do for the plan. */
  readonly secrets?: { readonly generate: readonly DeclaredSecret[]; readonly supplied: readonly string[]; readonly fromSource: readonly string[] };
  /** Skipped steps are printed, not run. */
  readonly skipped?: string;
}

export interface Folder { readonly name: string; readonly dir: string; readonly files: readonly string[]; readonly objects: readonly Obj[] }

/** Reads dist/<platform>/<env>/: its chart folders with their objects (one object per file). */
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
  'monitoring.coreos.com': 'kube-prometheus-stack', 'external-secrets.io': 'external-secrets', 'autoscaling.k8s.io': 'vpa',
};
const PLURALS: Record<string, string> = { PodMonitor: 'podmonitors', PrometheusRule: 'prometheusrules', ServiceMonitor: 'servicemonitors', AppProject: 'appprojects' };
/** The CRD name of a custom kind (its plural is the lowercase kind plus `s`, or `es` after s/x/ch). */
export function crdName(group: string, kind: string): string {
  const lower = kind.toLowerCase();
  return `${PLURALS[kind] ?? (/(s|x|ch)$/.test(lower) ? `${lower}es` : /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : `${lower}s`)}.${group}`;
}

export interface PlanOptions {
  readonly withoutArgoCd: boolean;
  readonly timeout: string;
  /** Trigger the syncs of Applications the environment syncs by hand (production, dr): only when told. */
  readonly approveSyncs?: boolean;
  /** The environment, for the bootstrap and the Secrets steps (omitted: neither is planned). */
  readonly config?: EnvironmentConfig;
  readonly secrets?: readonly DeclaredSecret[];
  /** How Argo CD is bootstrapped: helm (on PATH), k3s's Helm controller, or already running. */
  readonly bootstrap?: 'helm' | 'helm-controller' | 'present';
  /** Where the bootstrap writes helm values and the site CA (a temporary directory). */
  readonly workDir?: string;
}

const kc = (args: readonly string[], extra: Partial<Command> = {}): Command => ({ tool: 'kubectl', args, ...extra });
const isHook = (o: Obj) => o.kind === 'Job' && !!o.metadata?.annotations?.[HOOK];

/** The bootstrap of Argo CD: helm, or a HelmChart for k3s's Helm controller, then its workloads awaited. */
function bootstrapCommands(c: EnvironmentConfig, how: 'helm' | 'helm-controller', timeout: string, workDir: string): Command[] {
  const argo = addonCatalog(c).find((a) => a.name === 'argo-cd')!;
  const values = stringify(argoCdBootstrapValues(c), { lineWidth: 0 });
  const ca = c.cluster.siteCa && siteHosts(c).includes(new URL(argo.repoURL).hostname) ? c.cluster.siteCa.certificate : undefined;
  const out: Command[] = [];
  if (how === 'helm') {
    const valuesFile = path.join(workDir, 'argocd-values.yaml');
    const caFile = path.join(workDir, 'site-ca.pem');
    out.push({
      tool: 'helm',
      // The release name of the argo-cd Application (helm.releaseName), so Argo CD's own Application takes it over.
      args: ['upgrade', '--install', argo.name, argo.chart, '--repo', argo.repoURL, '--version', argo.version, '--namespace', ARGOCD_NAMESPACE,
        '--create-namespace', '--values', valuesFile, ...(ca ? ['--ca-file', caFile] : []), '--wait', '--timeout', timeout],
      note: `values: the Argo CD add-on's (dist/${outputFolder(c)}/${ADDONS_FOLDER}) without ServiceMonitors`,
      hint: 'helm could not install Argo CD: check that the chart repository is reachable from here (air-gapped: the site mirror) and run again',
      files: { [valuesFile]: values, ...(ca ? { [caFile]: ca } : {}) },
    });
  } else {
    // k3s's Helm controller (helm.cattle.io/v1 HelmChart in kube-system) runs helm in the Job helm-install-<name>;
    // fields as in k3s-io/helm-controller doc/helmchart.md (targetNamespace, createNamespace, repoCA, valuesContent).
    const chart = {
      apiVersion: 'helm.cattle.io/v1', kind: 'HelmChart',
      metadata: { name: argo.name, namespace: 'kube-system' },
      spec: { repo: argo.repoURL, chart: argo.chart, version: argo.version, targetNamespace: ARGOCD_NAMESPACE, createNamespace: true, valuesContent: values, ...(ca ? { repoCA: ca } : {}) },
    };
    out.push(kc(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--filename', '-'], {
      input: JSON.stringify(chart), note: 'a HelmChart for k3s\'s Helm controller (no helm on PATH); never delete it: deleting it uninstalls Argo CD',
    }));
    out.push(kc(['wait', '--namespace', 'kube-system', `job/helm-install-${argo.name}`, '--for', 'condition=complete', '--timeout', timeout], {
      hint: `k3s's Helm controller could not install Argo CD: kubectl -n kube-system logs job/helm-install-${argo.name}`,
    }));
  }
  for (const d of ['argocd-server', 'argocd-repo-server']) out.push(kc(['rollout', 'status', '--namespace', ARGOCD_NAMESPACE, `deployment/${d}`, '--timeout', timeout]));
  out.push(kc(['rollout', 'status', '--namespace', ARGOCD_NAMESPACE, 'statefulset/argocd-application-controller', '--timeout', timeout]));
  return out;
}

/** The Secrets the installer generates (all declared, or in Vault environments the bootstrap ones) and those a site supplies. */
export function installerSecrets(c: EnvironmentConfig, declared: readonly DeclaredSecret[]): { generate: DeclaredSecret[]; supplied: string[]; fromSource: string[] } {
  const vault = c.secrets.source !== 'generate';
  return {
    // With the standby's copies of its source's Secrets, which apply() keeps (checked to exist first) and never generates.
    generate: declared.filter((s) => s.suppliedBy !== 'site' && (!vault || isBootstrapSecret(s))),
    supplied: [
      ...(c.cluster.siteCa ? [`cert-manager/${c.cluster.siteCa.secretName}`] : []),
      // External stores' credentials (in Vault environments they come from Vault like the rest).
      // An add-on's (the Datadog API key) is needed before External Secrets runs: checked in every environment.
      ...declared.filter((s) => s.suppliedBy === 'site' && (!vault || isBootstrapSecret(s))).map((s) => `${s.namespace}/${s.name}`),
    ],
    // A standby's copies of its source's Secrets: the installer reaches one cluster, `npm run secrets` both.
    fromSource: vault ? [] : declared.filter((s) => s.fromSource && s.suppliedBy !== 'site').map((s) => `${s.namespace}/${s.name}`),
  };
}

export function plan(folders: readonly Folder[], o: PlanOptions): Step[] {
  const steps: Step[] = [];
  const all = folders.flatMap((f) => f.objects);
  const fileOf = new Map<Obj, string>();
  for (const f of folders) f.objects.forEach((x, i) => fileOf.set(x, f.files[i]));
  const filesOf = (f: Folder, pred: (x: Obj) => boolean) => f.objects.filter(pred).map((x) => fileOf.get(x)!);
  const ns = all.filter((x) => x.kind === 'Namespace').map((x) => fileOf.get(x)!);
  // Files rather than a folder where a folder is applied in parts (kubectl reads every YAML file of a folder).
  const apply = (files: readonly string[]) => kc(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, ...files.flatMap((file) => ['--filename', file])]);
  const established = (crd: string, provider?: string) => kc(['wait', '--for', 'condition=established', '--timeout', o.timeout, `customresourcedefinition/${crd}`], {
    hint: `the cluster does not serve ${crd}: install the add-on that provides it first${provider ? ` (${provider})` : ''} (docs/gitops-install.md)`,
  });

  if (o.config && !o.withoutArgoCd) {
    if (o.bootstrap === 'present') steps.push({ folder: 'bootstrap', what: 'Argo CD', commands: [], skipped: `Argo CD already runs in ${ARGOCD_NAMESPACE}` });
    else steps.push({ folder: 'bootstrap', what: `install Argo CD with ${o.bootstrap === 'helm-controller' ? 'k3s\'s Helm controller' : 'helm'}`, commands: bootstrapCommands(o.config, o.bootstrap ?? 'helm', o.timeout, o.workDir ?? os.tmpdir()) });
  }
  steps.push({ folder: 'namespaces', what: `create or update ${ns.length} namespaces`, commands: ns.length ? [apply(ns)] : [] });
  if (o.config && o.secrets) {
    const s = installerSecrets(o.config, o.secrets);
    steps.push({ folder: 'secrets', what: `create the ${s.generate.filter((x) => !x.fromSource).length} missing Secrets with random values (never overwritten)${s.supplied.length ? `; check the site-supplied ${s.supplied.join(', ')}` : ''}${s.fromSource.length ? `; check the source's copies ${s.fromSource.join(', ')}` : ''}`, commands: [], secrets: s });
  }
  const crdFiles = all.filter((x) => x.kind === 'CustomResourceDefinition').map((x) => fileOf.get(x)!);
  const rendered = new Set(all.filter((x) => x.kind === 'CustomResourceDefinition').map((x) => x.metadata.name as string));
  steps.push({
    folder: 'crds', what: `apply ${crdFiles.length} CustomResourceDefinitions and wait until established`,
    commands: crdFiles.length ? [apply(crdFiles), ...[...rendered].sort().map((c) => established(c))] : [],
  });

  // The AppProjects first: the add-on Applications name them.
  const gitops = folders.find((f) => f.name === GITOPS_FOLDER);
  const projectFiles = gitops && !o.withoutArgoCd ? filesOf(gitops, (x) => x.kind === 'AppProject') : [];
  if (projectFiles.length) {
    steps.push({ folder: 'projects', what: `apply ${projectFiles.length} Argo CD projects`, commands: [established(crdName('argoproj.io', 'AppProject'), 'Argo CD'), apply(projectFiles)] });
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
    const commands: Command[] = [];
    // The CRDs its custom resources need (rendered ones were applied in step crds).
    const crds = new Map<string, string>();
    for (const x of f.objects) {
      const g = groupOf(x);
      if (BUILT_IN.test(g) || x.kind === 'CustomResourceDefinition') continue;
      const crd = crdName(g, x.kind);
      // Argo Rollouts' Rollout shares Argo CD's group.
      if (!rendered.has(crd)) crds.set(crd, x.kind === 'Rollout' && g === 'argoproj.io' ? 'argo-rollouts' : PROVIDERS[g] ?? g);
    }
    for (const crd of [...crds.keys()].sort()) commands.push(established(crd, crds.get(crd)));
    const hooks = f.objects.filter(isHook);
    commands.push(hooks.length ? apply(filesOf(f, (x) => !isHook(x))) : apply([f.dir]));
    // 90-addons, or the Argo CD-only folder of a late add-on (Fluent Bit: charts/gitops/addons/late.ts).
    if (name === ADDONS_FOLDER || (name !== GITOPS_FOLDER && isArgoFolder(f.objects))) {
      // In the add-ons' own waves (the Prometheus stack first: the others create ServiceMonitors).
      const wave = (x: Obj) => Number(x.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
      const apps = f.objects.filter((x) => x.kind === 'Application').sort((a, b) => wave(a) - wave(b) || a.metadata.name.localeCompare(b.metadata.name));
      for (const app of apps) {
        const at = ['--namespace', app.metadata.namespace, `application/${app.metadata.name}`];
        const manual = !app.spec.syncPolicy?.automated;
        if (manual && o.approveSyncs) {
          commands.push(kc(['patch', ...at, '--type', 'merge', '--patch',
            JSON.stringify({ operation: { initiatedBy: { username: FIELD_MANAGER }, sync: { syncStrategy: { hook: {} } } } })]));
        }
        commands.push(kc(['wait', ...at, '--for', 'jsonpath={.status.health.status}=Healthy', '--timeout', o.timeout], manual && !o.approveSyncs ? {
          note: `${app.metadata.name} syncs when a person approves it: argocd app sync ${app.metadata.name} (or run the installer with --approve-syncs)`,
          hint: `nobody approved the sync of ${app.metadata.name} in time: approve it (argocd app sync ${app.metadata.name}) or run again with --approve-syncs`,
        } : { hint: `${app.metadata.name} did not become Healthy: argocd app get ${app.metadata.name} shows which resource is not` }));
      }
    }
    if (name !== GITOPS_FOLDER) {
      for (const x of f.objects) {
        const at = ['--namespace', x.metadata.namespace];
        if (x.kind === 'StatefulSet' && (x.spec.replicas ?? 1) > 0) {
          // Ready members rather than `rollout status`, which refuses the OnDelete update strategy.
          commands.push(kc(['wait', ...at, `statefulset/${x.metadata.name}`, '--for', `jsonpath={.status.readyReplicas}=${x.spec.replicas ?? 1}`, '--timeout', o.timeout]));
        } else if ((x.kind === 'Deployment' && (x.spec.replicas ?? 1) > 0) || x.kind === 'DaemonSet') {
          commands.push(kc(['rollout', 'status', ...at, `${x.kind.toLowerCase()}/${x.metadata.name}`, '--timeout', o.timeout]));
        } else if (x.kind === 'Rollout') {
          // A canary's Rollout (charts/apps/rollout.ts): its pods are up (argo-rollouts v1.7.2 condition Available).
          commands.push(kc(['wait', ...at, `rollout.argoproj.io/${x.metadata.name}`, '--for', 'condition=Available', '--timeout', o.timeout]));
        }
      }
      // What the controllers make of the folder: Secrets fetched from Vault, certificates issued.
      const vault = o.config?.secrets.vault;
      for (const x of f.objects.filter((y) => y.kind === 'ExternalSecret' || y.kind === 'Certificate')) {
        const at = ['--namespace', x.metadata.namespace, `${x.kind.toLowerCase()}/${x.metadata.name}`];
        commands.push(kc(['wait', ...at, '--for', 'condition=Ready', '--timeout', o.timeout], {
          hint: x.kind === 'ExternalSecret'
            ? `External Secrets could not read ${x.metadata.namespace}/${x.metadata.name} from Vault${vault ? ` (${vault.server})` : ''}: kubectl -n ${x.metadata.namespace} describe externalsecret ${x.metadata.name}; check that Vault is seeded (npm run secrets -- --env ${o.config?.name} --vault-seed), that the role ${vault?.rolePrefix ?? ''}${x.metadata.namespace} exists, and that Vault's certificate is signed by the site CA`
            : `cert-manager did not issue ${x.metadata.namespace}/${x.metadata.name}: kubectl -n ${x.metadata.namespace} describe certificate ${x.metadata.name} (is its issuer Ready?)`,
        }));
      }
      // PostSync hooks, as Argo CD runs them: after the rest is ready; re-created where their policy says so
      // (a Job's template is immutable: a changed hook could not be applied over the old one).
      for (const h of hooks) {
        const at = ['--namespace', h.metadata.namespace, `job/${h.metadata.name}`];
        if (/BeforeHookCreation/.test(h.metadata.annotations?.[HOOK_DELETE] ?? '')) commands.push(kc(['delete', ...at, '--ignore-not-found', '--wait']));
        commands.push(apply([fileOf.get(h)!]));
        if (!h.spec.suspend) commands.push(kc(['wait', ...at, '--for', 'condition=complete', '--timeout', o.timeout], { hint: `the hook Job ${h.metadata.name} did not complete: kubectl -n ${h.metadata.namespace} logs job/${h.metadata.name}` }));
      }
    }
    const crdNote = crds.size ? `, after the CRDs of ${[...new Set(crds.values())].join(', ')}` : '';
    steps.push({ folder: name, what: `apply ${f.objects.length} objects${crdNote}`, commands });
  }
  return steps;
}

export interface Io { out: (s: string) => void; err: (s: string) => void; ask?: (question: string) => string | undefined }

/** Runs helm with the kube context, writing the files a command carries (values, CA) first. */
export class Helm {
  constructor(private readonly binary = 'helm', private readonly context?: string, private readonly env?: NodeJS.ProcessEnv) {}
  available(): boolean {
    const r = spawnSync(this.binary, ['version', '--short'], { encoding: 'utf8', env: this.env ?? process.env });
    return !r.error && r.status === 0;
  }
  run(c: Command): KubectlResult {
    for (const [f, content] of Object.entries(c.files ?? {})) fs.writeFileSync(f, content, { mode: 0o600 });
    const r = spawnSync(this.binary, [...(this.context ? ['--kube-context', this.context] : []), ...c.args], { encoding: 'utf8', env: this.env ?? process.env });
    if (r.error) throw new Error(`cannot run ${this.binary}: ${r.error.message}`);
    return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }
  show(args: readonly string[]): string { return ['helm', ...(this.context ? ['--kube-context', this.context] : []), ...args].join(' '); }
}

export function run(steps: readonly Step[], kubectl: Kubectl, helm: Helm, io: Io, config?: EnvironmentConfig): number {
  const total = steps.length;
  for (const [i, s] of steps.entries()) {
    const head = `[${i + 1}/${total}] ${s.folder}`;
    if (s.skipped) { io.out(`${head}: skipped (${s.skipped})`); continue; }
    io.out(`${head}: ${s.what}`);
    const stop = (what: string, message: string, hint?: string) => {
      io.err(`error: step ${i + 1}/${total} (${s.folder}) failed: ${what}\n  ${message}${hint ? `\n  what to do: ${hint}` : ''}\n`
        + `stopped. Steps 1-${i} are done; nothing was deleted. Fix the cause and run the installer again (every step is idempotent).`);
      return 1;
    };
    if (s.secrets) {
      for (const id of s.secrets.supplied) {
        const [ns, name] = id.split('/');
        const got = kubectl.run(['get', 'secret', '--namespace', ns, name, '--output', 'name', '--ignore-not-found']);
        if (got.code !== 0 || !got.stdout.trim()) {
          const caSecret = config?.cluster.siteCa && id === `cert-manager/${config.cluster.siteCa.secretName}`;
          return stop(`the site-supplied Secret ${id} is missing`, got.stderr.trim() || 'not found', caSecret
            ? `create it from the site CA's certificate and key: kubectl -n ${ns} create secret tls ${name} --cert ca.crt --key ca.key`
            : `create it with the managed service's or provider's credentials (its keys: site-checklist.md): kubectl -n ${ns} create secret generic ${name} --from-literal=<key>=<value> ...`);
        }
        io.out(`    Secret ${id}: present (site-supplied)`);
      }
      for (const id of s.secrets.fromSource) {
        const [ns, name] = id.split('/');
        const got = kubectl.run(['get', 'secret', '--namespace', ns, name, '--output', 'name', '--ignore-not-found']);
        if (got.code !== 0 || !got.stdout.trim()) {
          return stop(`the Secret ${id}, which holds the source environment's values, is missing`, got.stderr.trim() || 'not found',
            `copy it from the source's cluster: npm run secrets -- --platform ${config?.platform.name} --env ${config?.name} --apply --context <this cluster's context> --source-context <the source cluster's context>`);
        }
        io.out(`    Secret ${id}: present (the source's values)`);
      }
      if (!config) throw new Error('the Secrets step needs the environment');
      const problems = applySecrets(config, s.secrets.generate, kubectl, { out: (x) => io.out(`    ${x}`), err: io.err });
      if (problems) return stop('creating the Secrets', `${problems} problem(s), above`, 'fix the Secrets named above (they are never overwritten), then run again');
      continue;
    }
    for (const c of s.commands) {
      if (c.note) io.out(`    ${c.note}`);
      const started = Date.now();
      const r = c.tool === 'helm' ? helm.run(c) : kubectl.run(c.args, c.input);
      const shown = c.tool === 'helm' ? helm.show(c.args) : kubectl.show(c.args);
      if (r.code !== 0) return stop(shown, r.stderr.trim() || r.stdout.trim(), c.hint);
      if (c.args[0] !== 'apply') io.out(`    ${describe(c)}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  io.out(`installed: ${steps.filter((s) => !s.skipped).length} steps, ${steps.filter((s) => s.skipped).length} skipped`);
  return 0;
}

/** `wait for statefulset/postgres`, `sync application/production-cert-manager`, … */
function describe(c: Command): string {
  if (c.tool === 'helm') return `helm ${c.args[0]} ${c.args[2]}`;
  const target = c.args.find((a) => /^[a-z]+\/[a-z0-9.-]+$/.test(a)) ?? '';
  const verb = c.args[0] === 'patch' ? 'sync' : c.args[0] === 'rollout' ? 'rollout of' : c.args[0] === 'delete' ? 'delete the finished hook' : 'wait for';
  return `${verb} ${target}`;
}

export function printPlan(env: string, steps: readonly Step[], kubectl: Kubectl, helm: Helm, io: Io): void {
  io.out(`plan for ${env} (dry run: nothing is applied)`);
  const q = (args: readonly string[]) => args.map((a) => (a.includes(' ') || a.includes('{') ? `'${a}'` : a));
  for (const [i, s] of steps.entries()) {
    io.out(`${i + 1}. ${s.folder}: ${s.skipped ? `skipped (${s.skipped})` : s.what}`);
    for (const c of s.commands) io.out(`     ${c.tool === 'helm' ? helm.show(q(c.args)) : kubectl.show(q(c.args))}${c.input && c.tool === 'kubectl' ? ' < (generated manifest)' : ''}`);
    if (s.secrets) for (const x of s.secrets.generate) io.out(`     secret ${x.namespace}/${x.name} (generated if missing)`);
    if (s.secrets) for (const x of s.secrets.supplied) io.out(`     secret ${x} (site-supplied: must exist)`);
  }
}

/** What the cluster is, as the pre-flight reads it. */
export interface ClusterFacts {
  readonly context: string;
  readonly server: string;
  readonly nodes: number;
  readonly readyNodes: number;
  readonly flavour: EnvironmentConfig['cluster']['flavour'];
  readonly kubeletVersion: string;
  readonly clientVersion: string;
  readonly serverVersion: string;
  readonly storageClass: boolean;
  /** The classes of the environment's shared volumes (apps.sharedVolumes), by name: present or not. @default none */
  readonly sharedVolumeClasses?: Readonly<Record<string, boolean>>;
  readonly argoCdRuns: boolean;
}

const minor = (v: string) => Number(/^v?\d+\.(\d+)/.exec(v)?.[1] ?? NaN);

/** Reads the facts (read-only calls); throws with kubectl's message when the cluster cannot be reached. */
export function clusterFacts(c: EnvironmentConfig, kubectl: Kubectl): ClusterFacts {
  const get = (args: string[]) => {
    const r = kubectl.run(args);
    if (r.code !== 0) throw new Error(`cannot reach the cluster (${kubectl.show(args)}): ${r.stderr.trim()}\n  what to do: check the kube context (--context) and that the API server answers`);
    return r.stdout;
  };
  const view = JSON.parse(get(['config', 'view', '--minify', '--output', 'json']));
  const version = JSON.parse(get(['version', '--output', 'json']));
  const nodes: Obj[] = JSON.parse(get(['get', 'nodes', '--output', 'json'])).items ?? [];
  const kubelet = String(nodes[0]?.status?.nodeInfo?.kubeletVersion ?? '');
  const sc = get(['get', 'storageclass', c.storageClass, '--ignore-not-found', '--output', 'name']).trim();
  const shared = [...new Set(Object.values(c.apps.sharedVolumes).map((v) => v.storageClass))].sort();
  const sharedVolumeClasses = Object.fromEntries(shared.map((x) => [x, get(['get', 'storageclass', x, '--ignore-not-found', '--output', 'name']).trim().length > 0]));
  const argo = get(['get', 'deployment', '--namespace', ARGOCD_NAMESPACE, 'argocd-server', '--ignore-not-found', '--output', 'name']).trim();
  return {
    context: view['current-context'] ?? view.contexts?.[0]?.name ?? '?',
    server: view.clusters?.[0]?.cluster?.server ?? '?',
    nodes: nodes.length,
    readyNodes: nodes.filter((n) => (n.status?.conditions ?? []).some((x: Obj) => x.type === 'Ready' && x.status === 'True')).length,
    // EKS node images report e.g. v1.28.5-eks-5e0fdde; k3s v1.30.5+k3s1; kubeadm the plain version.
    flavour: /k3s/.test(kubelet) ? 'k3s' : /-eks-/.test(kubelet) ? 'eks' : 'kubeadm',
    kubeletVersion: kubelet,
    clientVersion: version.clientVersion?.gitVersion ?? '?',
    serverVersion: version.serverVersion?.gitVersion ?? '?',
    storageClass: sc.length > 0,
    ...(shared.length ? { sharedVolumeClasses } : {}),
    argoCdRuns: argo.length > 0,
  };
}

/** The pre-flight checks: each a line `ok`/`PROBLEM` with what to do. */
export function preflight(c: EnvironmentConfig, f: ClusterFacts, helmAvailable: boolean, withoutArgoCd: boolean): { lines: string[]; problems: number } {
  const lines: string[] = [];
  let problems = 0;
  const check = (ok: boolean, what: string, fix: string) => { lines.push(`  ${ok ? 'ok     ' : 'PROBLEM'} ${what}${ok ? '' : `\n            what to do: ${fix}`}`); if (!ok) problems++; };
  check(f.flavour === c.cluster.flavour, `cluster flavour: ${f.flavour} (kubelet ${f.kubeletVersion}); ${c.name} expects ${c.cluster.flavour}`,
    `use the kube context of ${c.name}'s ${c.cluster.flavour} cluster (--context), or fix cluster.flavour in environments/${outputFolder(c)}.ts`);
  // Autoscaled groups (nodePools[].minCount, EKS) start at their minimum: the autoscaler adds the rest on demand.
  const open = c.cluster.nodePools.filter((p) => !p.taints.some((t) => t.effect !== 'PreferNoSchedule'));
  const least = Math.min(c.cluster.nodes, open.reduce((n, p) => n + (p.minCount ?? p.count), 0));
  const scaled = least < c.cluster.nodes ? ` (at least ${least} while the Cluster Autoscaler grows the node groups)` : '';
  check(f.readyNodes >= least, `nodes: ${f.readyNodes} Ready of ${f.nodes}; ${c.name} is sized for ${c.cluster.nodes}${scaled}`,
    `join the missing nodes (or wait until they are Ready): spreading and quorums need ${least}`);
  const skew = Math.abs(minor(f.clientVersion) - minor(f.serverVersion));
  check(skew <= 1, `kubectl ${f.clientVersion} against API server ${f.serverVersion} (supported skew: one minor version)`, `install a kubectl within one minor version of ${f.serverVersion}`);
  const shipped = bareCluster(f.flavour).storageClasses.includes(c.storageClass);
  // A class the platform renders (00-namespaces, e.g. EKS's gp3) is created by step 1; its CSI driver is the site's.
  const defined = c.storageClasses[c.storageClass]?.definition;
  check(f.storageClass || !!defined, `storage class ${c.storageClass}: ${f.storageClass ? 'present' : defined ? `rendered in 00-namespaces (provisioner ${defined.provisioner}: the site installs the driver)` : 'missing'}${shipped ? ` (${f.flavour} ships it)` : ''}`,
    `install the storage provisioner that provides StorageClass ${c.storageClass} (environments/${outputFolder(c)}.ts storageClass)`);
  // Shared volumes (pcf-builder's AI brain) need a class that serves ReadOnlyMany and ReadWriteMany (NFS, CephFS).
  for (const [name, present] of Object.entries(f.sharedVolumeClasses ?? {})) {
    check(present, `storage class ${name} (shared volumes, ReadOnlyMany and ReadWriteMany): ${present ? 'present' : 'missing'}`,
      `install the provisioner that provides StorageClass ${name}, e.g. NFS or CephFS (docs/pcf-builder.md; environments/${outputFolder(c)}.ts apps.sharedVolumes)`);
  }
  if (!withoutArgoCd) {
    const how = f.argoCdRuns ? 'already runs: not re-installed' : helmAvailable ? 'bootstrapped with helm' : f.flavour === 'k3s' ? 'bootstrapped with k3s\'s Helm controller' : 'cannot be bootstrapped';
    check(f.argoCdRuns || helmAvailable || f.flavour === 'k3s', `Argo CD: ${how}`, 'install helm 3 (https://helm.sh) on this machine, or install Argo CD first (docs/gitops-install.md)');
  }
  return { lines, problems };
}

function bootstrapMode(f: ClusterFacts, helmAvailable: boolean): PlanOptions['bootstrap'] {
  if (f.argoCdRuns) return 'present';
  return helmAvailable ? 'helm' : 'helm-controller';
}

/** Reads one line from stdin (the confirmation). */
function readLine(): string | undefined {
  const buf = Buffer.alloc(256);
  let line = '';
  try {
    for (;;) {
      const n = fs.readSync(0, buf, 0, 1, null);
      if (n === 0) break;
      const ch = buf.toString('utf8', 0, n);
      if (ch === '\n') break;
      line += ch;
    }
  } catch { return undefined; }
  return line;
}

export function main(argv: string[], io: Io = { out: (s) => console.log(s), err: (s) => console.error(s), ask: (q) => { process.stdout.write(q); return readLine(); } }): number {
  try {
    const f = parseFlags(argv, ['platform', 'env', 'context', 'kubectl', 'helm', 'timeout', 'dist'], ['dry-run', 'without-argocd', 'yes', 'approve-syncs', 'help']);
    if (f.help || typeof f.env !== 'string') throw new UsageError(f.help ? '' : '--env is required');
    const platformName = typeof f.platform === 'string' ? f.platform : DEFAULT_PLATFORM;
    if (!(platformName in PLATFORMS)) throw new UsageError(`"${platformName}" is not a platform (allowed: ${Object.keys(PLATFORMS).join(', ')})`);
    const environments = PLATFORMS[platformName].environments;
    if (!(f.env in environments)) throw new UsageError(`"${f.env}" is not an environment (allowed: ${Object.keys(environments).join(', ')})`);
    const timeout = typeof f.timeout === 'string' ? f.timeout : '10m';
    if (!/^[0-9]+(s|m|h)$/.test(timeout)) throw new UsageError(`--timeout must be a duration such as 10m (got "${timeout}")`);
    const dist = typeof f.dist === 'string' ? f.dist : 'dist';
    const withoutArgoCd = f['without-argocd'] === true;
    const config = loadEnvironment(f.env, platformName);
    const platform = renderPlatform(config);
    const folders = readDist(path.join(dist, outputFolder(config)));
    const context = typeof f.context === 'string' ? f.context : undefined;
    const kubectl = new Kubectl(typeof f.kubectl === 'string' ? f.kubectl : 'kubectl', context);
    const helm = new Helm(typeof f.helm === 'string' ? f.helm : 'helm', context);
    const options = { withoutArgoCd, timeout, approveSyncs: f['approve-syncs'] === true, config, secrets: platform.secrets };

    if (f['dry-run']) {
      const steps = plan(folders, { ...options, bootstrap: config.cluster.flavour === 'k3s' ? 'helm-controller' : 'helm' });
      printPlan(f.env, steps, kubectl, helm, io);
      // The same dist/ replayed on a bare cluster of the environment's flavour, through both paths.
      const input = { config, charts: folders.map((x) => ({ folder: x.name, manifests: x.objects })), secrets: platform.secrets };
      const sims = (['installer', 'argocd'] as const).map((p) => simulate(input, p));
      for (const sim of sims) io.out(`\n${formatSimulation(f.env, sim)}`);
      return sims.some((x) => x.failed) ? 1 : 0;
    }

    // ----- pre-flight: read-only, then confirmation
    const facts = clusterFacts(config, kubectl);
    const helmAvailable = !withoutArgoCd && !facts.argoCdRuns && helm.available();
    io.out(`kube context: ${facts.context}\nAPI server:   ${facts.server} (${facts.serverVersion})\nnodes:        ${facts.nodes} (${facts.readyNodes} Ready)`);
    io.out(`checks against environment ${f.env}:`);
    const pf = preflight(config, facts, helmAvailable, withoutArgoCd);
    pf.lines.forEach((l) => io.out(l));
    const sec = installerSecrets(config, platform.secrets);
    io.out(`  Secrets: ${sec.generate.length} generated where missing (never overwritten)${sec.supplied.length ? `; site-supplied, must exist before step secrets: ${sec.supplied.join(', ')}` : ''}`);
    if (config.secrets.source === 'vault') io.out(`  Secret values: from Vault (${config.secrets.vault?.server}), seeded with npm run secrets -- --env ${f.env} --vault-seed`);
    if (config.secrets.source === 'aws') io.out(`  Secret values: from AWS Secrets Manager (${config.secrets.aws?.region}, ${config.secrets.aws?.pathPrefix}/<namespace>/<name>), read with the IRSA roles ${config.secrets.aws?.rolePrefix}<namespace>`);
    if (!config.gitops.autoSync) io.out(`  syncs: ${f.env} syncs only when a person approves${options.approveSyncs ? '; --approve-syncs: the installer approves the add-ons\' first sync' : ': the installer waits for each approval (--approve-syncs to approve them here)'}`);
    if (pf.problems) {
      io.err(`error: ${pf.problems} pre-flight problem(s) above: nothing was changed.`);
      return 1;
    }
    if (f.yes !== true) {
      const answer = io.ask?.(`install ${f.env} into ${facts.context} (${facts.server})? type "yes" to go on: `);
      if (answer?.trim() !== 'yes') { io.err('not confirmed: nothing was changed.'); return 1; }
    }
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'receivables-install-'));
    try {
      return run(plan(folders, { ...options, bootstrap: bootstrapMode(facts, helmAvailable), workDir }), kubectl, helm, io, config);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) io.err(`error: ${e.message}`);
      io.err(`usage: npm run install:cluster -- [--platform ${Object.keys(PLATFORMS).join('|')}] --env ${Object.keys(PLATFORMS[DEFAULT_PLATFORM].environments).join('|')} [--dry-run] [--yes] [--approve-syncs] [--context <ctx>] [--without-argocd] [--timeout 10m] [--dist dist] [--kubectl <path>] [--helm <path>]`);
      return 2;
    }
    io.err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
