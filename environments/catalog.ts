/**
 * The service catalog's shape and its checks, shared by every platform: each platform lists its application
 * workloads as data (environments/<platform>/catalog.ts). Each entry names its namespace, kind, image, port, the
 * stores and services it depends on, its scaling rule and its production sizes. Environments change replicas,
 * ranges and sizes through their `apps` section (environments/schema.ts), never by copying an entry.
 */
import { STORE_NAMES, type StoreName } from '../charts/data/refs';
import { parseCpu, parseMemory } from '../charts/lib/quantity';
import { CRON_HINT, cronProblem } from './cron';
import type { ComputeResources } from './values';
import { SERVICE_KINDS, type CatalogEntry, type RequestThresholds } from './service';

export * from './service';

/** The stores an application can depend on: the registered store kinds (charts/data/refs.ts). */
export const STORES: readonly StoreName[] = STORE_NAMES;
export type { StoreName };

/** A problem with a catalog entry: `catalog.<name>.<field>` and why. */
export interface CatalogProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Checks the catalog on its own: unique names, known namespaces and kinds, dependencies on known stores or
 * services, no duplicate port within a pod, sane scaling and sizes. Every problem is reported at once.
 */
export function catalogProblems(catalog: readonly CatalogEntry[], appNamespaces: readonly string[], stores: readonly StoreName[] = STORES): CatalogProblem[] {
  const out: CatalogProblem[] = [];
  const names = new Map<string, number>();
  catalog.forEach((e, i) => {
    const at = (field: string) => `catalog.${e.name ?? `[${i}]`}.${field}`;
    const add = (field: string, message: string) => out.push({ path: at(field), message });
    if (!/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/.test(e.name)) add('name', `"${e.name}" must be a DNS label of at most 42 characters`);
    if (names.has(e.name)) add('name', `duplicates catalog entry ${names.get(e.name)} "${e.name}"`);
    names.set(e.name, i);
    if (!appNamespaces.includes(e.namespace)) add('namespace', `"${e.namespace}" is not an application namespace (allowed: ${appNamespaces.join(', ')})`);
    if (!SERVICE_KINDS.includes(e.kind)) add('kind', `"${e.kind}" is not a kind (allowed: ${SERVICE_KINDS.join(', ')})`);
    if (!/^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+:[A-Za-z0-9._-]+$/.test(e.image) || e.image.endsWith(':latest')) {
      add('image', `"${e.image}" must be fully qualified and pinned (registry/path:tag, not latest)`);
    }
    const ports = [e.port, ...(e.metricsPort !== undefined ? [e.metricsPort] : [])];
    for (const [field, p] of [['port', e.port], ['metricsPort', e.metricsPort]] as const) {
      if (p !== undefined && (!Number.isInteger(p) || p < 1024 || p > 65535)) add(field, `${p} must be a whole number between 1024 and 65535 (unprivileged)`);
    }
    if (new Set(ports).size !== ports.length) add('metricsPort', `${e.metricsPort} duplicates port ${e.port}`);
    if (e.publicPath !== undefined && !/^\/[a-z0-9/-]*[a-z0-9]$/.test(e.publicPath)) add('publicPath', `"${e.publicPath}" must be a path such as /api/v1/invoices`);
    if (e.kind === 'batch-job' && e.publicPath) add('publicPath', 'a batch job cannot be public');
    if (e.ingressHost !== undefined) {
      if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(e.ingressHost)) add('ingressHost', `"${e.ingressHost}" must be a DNS label such as app`);
      if (e.kind === 'batch-job') add('ingressHost', 'a batch job serves nothing');
      // The gateway and the web frontend have their own hosts (api., app.).
      const taken = { gateway: 'api', 'static-frontend': 'app' } as Record<string, string>;
      for (const [kind, host] of Object.entries(taken)) {
        if (e.ingressHost === host && catalog.some((o) => o.kind === kind)) add('ingressHost', `"${host}" is the ${kind}'s host`);
      }
      const other = catalog.find((o) => o !== e && o.ingressHost === e.ingressHost);
      if (other) add('ingressHost', `"${e.ingressHost}" is also ${other.name}'s host`);
    }
    if (e.kind === 'batch-job' && !e.schedule) add('schedule', 'is required for a batch job');
    if (e.kind === 'queue-worker') {
      if (!e.queue) add('queue', 'is required for a queue worker (the queue whose items start its Jobs)');
      else {
        if (!/^[a-z][a-z0-9_-]{0,62}$/.test(e.queue.name)) add('queue.name', `"${e.queue.name}" must be a queue name such as memory-processing`);
        if (!(Number.isInteger(e.queue.maxJobs) && e.queue.maxJobs >= 1)) add('queue.maxJobs', `${e.queue.maxJobs} must be a whole number of at least 1`);
      }
      if (e.publicPath) add('publicPath', 'a queue worker cannot be public');
      if (e.deadlineSeconds === undefined) add('deadlineSeconds', 'is required for a queue worker (a Job that hangs would hold its slot forever)');
    }
    if (e.queue && e.kind !== 'queue-worker') add('queue', `only a queue worker takes items from a queue (kind is ${e.kind})`);
    const cron = e.schedule === undefined ? undefined : cronProblem(e.schedule);
    if (cron) add('schedule', `"${e.schedule}": ${cron} (${CRON_HINT})`);
    if (e.serviceName !== undefined && !/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/.test(e.serviceName)) add('serviceName', `"${e.serviceName}" must be a DNS label of at most 42 characters`);
    if (e.serviceName !== undefined && e.kind === 'batch-job') add('serviceName', 'a batch job has no Service');
    const fileSets = new Set<string>();
    (e.configFiles ?? []).forEach((f, j) => {
      if (!/^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/.test(f.name)) add(`configFiles[${j}].name`, `"${f.name}" must be a DNS label of at most 22 characters`);
      if (fileSets.has(f.name)) add(`configFiles[${j}].name`, `"${f.name}" is listed twice`);
      fileSets.add(f.name);
      if (!/^\/[A-Za-z0-9._/-]*$/.test(f.mountPath) || f.mountPath === '/') add(`configFiles[${j}].mountPath`, `"${f.mountPath}" must be an absolute directory other than /`);
      for (const file of Object.keys(f.files)) {
        if (!/^[-._A-Za-z0-9]+$/.test(file)) add(`configFiles[${j}].files`, `"${file}" is not a ConfigMap key (letters, digits, "-", "_", ".")`);
      }
    });
    (e.writable ?? []).forEach((w, j) => {
      if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(w.name)) add(`writable[${j}].name`, `"${w.name}" must be a volume name (a DNS label)`);
      if (!/^\/[A-Za-z0-9._/-]+$/.test(w.path)) add(`writable[${j}].path`, `"${w.path}" must be an absolute path`);
      if (e.kind === 'batch-job' || e.kind === 'queue-worker') add(`writable[${j}]`, `a ${e.kind} writes only /tmp`);
    });
    (e.externalServices ?? []).forEach((x, j) => {
      if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(x.secret)) add(`externalServices[${j}].secret`, `"${x.secret}" must be a Secret name (a DNS label)`);
      if (!Object.keys(x.env).length) add(`externalServices[${j}].env`, `${x.name} must pass at least one credential (environment variable → Secret key)`);
      for (const [v, key] of Object.entries(x.env)) {
        if (!/^[A-Z_][A-Z0-9_]*$/.test(v)) add(`externalServices[${j}].env.${v}`, 'must be an environment variable name such as ABLY_API_KEY');
        if (!/^[-._a-zA-Z0-9]+$/.test(key)) add(`externalServices[${j}].env.${v}`, `"${key}" is not a Secret key (letters, digits, "-", "_", ".")`);
      }
      if (!(e.internetPorts ?? []).includes(443)) add(`externalServices[${j}]`, `${x.name} is reached over HTTPS: internetPorts must include 443`);
    });
    for (const [which, probe] of Object.entries(e.probes ?? {})) {
      if (!probe) continue;
      if (e.kind === 'batch-job' || e.kind === 'queue-worker') add(`probes.${which}`, `a ${e.kind} serves nothing to probe`);
      if (!/^\/[A-Za-z0-9._~/-]*$/.test(probe.path)) add(`probes.${which}.path`, `"${probe.path}" must be an absolute URL path such as /api/health`);
      for (const field of ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold'] as const) {
        const v = probe[field];
        const min = field === 'initialDelaySeconds' ? 0 : 1;
        if (v !== undefined && !(Number.isInteger(v) && v >= min)) add(`probes.${which}.${field}`, `${v} must be a whole number of at least ${min}`);
      }
    }
    if (e.rollout) out.push(...rolloutProblems(e).map(([field, message]) => ({ path: at(field), message })));
    if (e.requestAlerts) out.push(...thresholdProblems(e, 'requestAlerts', e.requestAlerts).map(([field, message]) => ({ path: at(field), message })));
    const s = e.scaling;
    if (s.type === 'horizontal') {
      if (!(s.minReplicas >= 1)) add('scaling.minReplicas', `${s.minReplicas} must be at least 1`);
      if (s.minReplicas > s.maxReplicas) add('scaling.minReplicas', `${s.minReplicas} is above maxReplicas ${s.maxReplicas}`);
      if (!(s.cpuPercent > 0 && s.cpuPercent <= 100)) add('scaling.cpuPercent', `${s.cpuPercent} must be between 1 and 100`);
    } else if (!(s.replicas >= 1)) {
      add('scaling.replicas', `${s.replicas} must be at least 1`);
    }
    out.push(...resourceProblems(e.resources, `catalog.${e.name}.resources`).map(([path, message]) => ({ path: path.join('.'), message })));
  });
  // A Service name another entry's Service (or its own name) already has would select two sets of pods.
  const serviceNames = new Map<string, string>();
  for (const e of catalog) {
    if (e.kind === 'batch-job') continue;
    const svc = e.serviceName ?? e.name;
    const other = serviceNames.get(svc);
    if (other !== undefined) out.push({ path: `catalog.${e.name}.serviceName`, message: `"${svc}" is already the Service of ${other}` });
    serviceNames.set(svc, e.name);
  }
  const known = new Set<string>([...stores, ...catalog.map((e) => e.name)]);
  const byName = new Map(catalog.map((e) => [e.name, e]));
  catalog.forEach((e) => {
    const seen = new Set<string>();
    e.dependsOn.forEach((d, j) => {
      const path = `catalog.${e.name}.dependsOn[${j}]`;
      if (!known.has(d.target)) out.push({ path, message: `"${d.target}" is neither a store of the platform (${stores.join(', ') || 'none'}) nor a service of the catalog` });
      if (d.target === e.name) out.push({ path, message: 'a service cannot depend on itself' });
      if (seen.has(d.target)) out.push({ path, message: `"${d.target}" is listed twice` });
      seen.add(d.target);
      const target = byName.get(d.target);
      if (target && (target.kind === 'batch-job' || target.kind === 'queue-worker')) out.push({ path, message: `"${d.target}" is a ${target.kind} and serves nothing` });
      if (d.readReplicas && d.target !== 'postgres') out.push({ path: `${path}.readReplicas`, message: `only a postgres dependency has read replicas (got "${d.target}")` });
    });
  });
  // The gateway routes each path prefix to exactly one service.
  const paths = new Map<string, string>();
  for (const e of catalog) {
    if (!e.publicPath) continue;
    const other = [...paths].find(([p]) => p === e.publicPath || e.publicPath!.startsWith(`${p}/`) || p.startsWith(`${e.publicPath}/`));
    if (other) out.push({ path: `catalog.${e.name}.publicPath`, message: `"${e.publicPath}" overlaps "${other[0]}" of ${other[1]}` });
    paths.set(e.publicPath, e.name);
  }
  return out;
}

/** A canary's steps: weights 1..100 strictly increasing, pauses whole minutes of at least 0, only for long-running kinds. */
function rolloutProblems(e: CatalogEntry): [string, string][] {
  const out: [string, string][] = [];
  if (['batch-job', 'queue-worker'].includes(e.kind)) out.push(['rollout', `a ${e.kind} runs Jobs, not a rolled-out Deployment`]);
  const steps = e.rollout?.canary?.steps ?? [];
  if (!steps.length) out.push(['rollout.canary.steps', 'must list at least one step']);
  steps.forEach((step, j) => {
    const at = `rollout.canary.steps[${j}]`;
    if (!(Number.isInteger(step.weight) && step.weight >= 1 && step.weight <= 100)) out.push([`${at}.weight`, `${step.weight} must be a whole percent between 1 and 100`]);
    else if (j > 0 && !(step.weight > steps[j - 1].weight)) out.push([`${at}.weight`, `${step.weight} must be above the previous step's ${steps[j - 1].weight} (weights strictly increase)`]);
    if (step.pauseMinutes !== undefined && !(Number.isInteger(step.pauseMinutes) && step.pauseMinutes >= 0)) out.push([`${at}.pauseMinutes`, `${step.pauseMinutes} must be a whole number of minutes of at least 0`]);
  });
  const a = e.rollout?.canary?.analysis;
  if (a) out.push(...thresholdProblems(e, 'rollout.canary.analysis', a));
  return out;
}

/** Request thresholds (a canary's analysis, request alerts): at least one, a share below 1, whole milliseconds, an Ingress of its own. */
function thresholdProblems(e: CatalogEntry, at: string, t: RequestThresholds): [string, string][] {
  const out: [string, string][] = [];
  if (t.maxErrorRate === undefined && t.maxP99LatencyMs === undefined) out.push([at, 'must set maxErrorRate, maxP99LatencyMs or both']);
  if (t.maxErrorRate !== undefined && !(t.maxErrorRate > 0 && t.maxErrorRate < 1)) out.push([`${at}.maxErrorRate`, `${t.maxErrorRate} must be a share between 0 and 1, such as 0.05`]);
  if (t.maxP99LatencyMs !== undefined && !(Number.isInteger(t.maxP99LatencyMs) && t.maxP99LatencyMs > 0)) out.push([`${at}.maxP99LatencyMs`, `${t.maxP99LatencyMs} must be a whole number of milliseconds above 0`]);
  if (!e.ingressHost) out.push([at, 'measures the requests of the service\'s own Ingress, and the service has no ingressHost']);
  return out;
}

export function isStore(target: string): target is StoreName {
  return (STORES as readonly string[]).includes(target);
}

export type Path = (string | number)[];

/** A request above its limit, at `at` (shared by the catalog's own check and an environment's `apps` rules). */
export function resourceProblems(r: ComputeResources, at: string | Path): [Path, string][] {
  const base = typeof at === 'string' ? [at] : at;
  const out: [Path, string][] = [];
  try {
    if (parseCpu(r.requests.cpu) > parseCpu(r.limits.cpu)) out.push([[...base, 'requests', 'cpu'], `must not exceed the CPU limit ${r.limits.cpu}`]);
    if (parseMemory(r.requests.memory) > parseMemory(r.limits.memory)) out.push([[...base, 'requests', 'memory'], `must not exceed the memory limit ${r.limits.memory}`]);
  } catch (e) {
    out.push([base, e instanceof Error ? e.message : String(e)]);
  }
  return out;
}
