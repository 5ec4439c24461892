/**
 * An environment's cross-field rules, beside its shape (./schema.ts): what a single field's schema cannot say
 * (HA minimums, store topologies, the apps section against the service catalog). `environmentSchema` is the
 * shape with these rules: the one environments/index.ts validates with.
 */
import { z } from 'zod';
import { parseCpu, parseMemory } from '../charts/lib/quantity';
import { isStore, resourceProblems, type CatalogEntry, type Path } from './catalog';
import { environmentShape, type EnvironmentConfig } from './schema';
import { loggingProblems } from './logging';
import { STORE_NAMES, STORE_REGISTRY, type StoreName, type StoreSections } from '../charts/data/stores';
import type { Issue, RuleContext } from '../charts/data/kind';
import { addonRules } from './addon-rules';
import { minioClientsOf } from '../charts/data/minio/refs';
import { canaryEntries } from '../charts/lib/canaries';
import { ingressNginxServes } from '../charts/lib/graph';

/** One kind's rules, typed per kind. */
function storeRules<K extends StoreName>(kind: K, section: StoreSections[K], env: RuleContext, issue: Issue): void {
  (STORE_REGISTRY[kind].rules as (s: StoreSections[K], e: RuleContext, i: Issue) => void)(section, env, issue);
}

// `when` makes the cross-field rules run even when some field failed, so one run reports every problem. The
// data may then be malformed in places; a rule that trips over that is skipped (the field error says why).
export const environmentSchema = environmentShape.superRefine((cfg, ctx) => {
  try {
    crossFieldRules(cfg, ctx);
  } catch {
    // malformed input already reported by the shape check
  }
}, { when: () => true });

// ---------------------------------------------------------------------------------------------------------
// Cross-field rules
// ---------------------------------------------------------------------------------------------------------

type Ctx = z.core.$RefinementCtx<EnvironmentConfig>;

function issue(ctx: Ctx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

function crossFieldRules(c: EnvironmentConfig, ctx: Ctx): void {

  const nsNames = new Set<string>();
  c.namespaces.forEach((ns, i) => {
    if (nsNames.has(ns.name)) issue(ctx, ['namespaces', i, 'name'], `duplicates namespace "${ns.name}"`);
    nsNames.add(ns.name);
    if (ns.podSecurity !== 'restricted' && !ns.podSecurityReason) {
      issue(ctx, ['namespaces', i, 'podSecurityReason'], `is required because podSecurity is "${ns.podSecurity}" (only "restricted" needs no reason)`);
    }
  });

  const seen = new Map<string, number>();
  c.tenants.forEach((t, i) => {
    const first = seen.get(t.id);
    if (first !== undefined) issue(ctx, ['tenants', i, 'id'], `duplicates tenants[${first}].id "${t.id}"`);
    else seen.set(t.id, i);
    if (!(t.plan in c.tenantPlans)) {
      issue(ctx, ['tenants', i, 'plan'], `is not a plan of this environment (allowed: ${Object.keys(c.tenantPlans).sort().join(', ')})`);
    }
    if (nsNames.has(`tenant-${t.id}`)) issue(ctx, ['tenants', i, 'id'], `collides with the platform namespace "tenant-${t.id}"`);
  });

  for (const [name, plan] of Object.entries(c.tenantPlans)) {
    withinLimit(ctx, ['tenantPlans', name, 'requestsCpu'], plan.requestsCpu, plan.limitsCpu, parseCpu, 'CPU');
    withinLimit(ctx, ['tenantPlans', name, 'requestsMemory'], plan.requestsMemory, plan.limitsMemory, parseMemory, 'memory');
  }

  if (c.ingress.tlsIssuer === 'acme' && !c.ingress.acmeEmail) {
    issue(ctx, ['ingress', 'acmeEmail'], 'is required when tlsIssuer is "acme" (Let\'s Encrypt needs a contact address)');
  }

  // HA means every store survives the loss of one pod (or one node) without losing quorum or data (each
  // kind's minimums are among its rules, below).
  if (c.ha) {
    const need = (path: (string | number)[], value: number, min: number, why: string) => {
      if (value < min) issue(ctx, path, `must be at least ${min} when ha is true (${why})`);
    };
    need(['cluster', 'nodes'], c.cluster.nodes, 3, 'replicas spread across nodes');
  }
  clusterRules(c, ctx);
  // Each store kind's own rules (charts/data/<kind>/config.ts), in the registry's order.
  const env = { name: c.name, ha: c.ha, nodes: c.cluster.nodes, namespaces: c.namespaces };
  const report = (path: (string | number)[], message: string) => issue(ctx, path, message);
  storeSetRules(c, ctx);
  for (const kind of STORE_NAMES) {
    const section = c.stores[kind];
    if (section !== undefined) storeRules(kind, section, env, report);
  }
  // GitOps and installation
  if (c.addons.ingressNginx.enabled && c.cluster.flavour === 'k3s') {
    issue(ctx, ['addons', 'ingressNginx', 'enabled'], 'must be false on k3s, which ships Traefik as its ingress controller');
  }
  if (c.addons.ingressNginx.enabled && c.ingress.className !== 'nginx') {
    issue(ctx, ['ingress', 'className'], `must be "nginx" when addons.ingressNginx is enabled (got "${c.ingress.className}")`);
  }
  if (c.ingress.alb) {
    if (c.ingress.className !== 'alb') issue(ctx, ['ingress', 'className'], `must be "alb" when ingress.alb is set (got "${c.ingress.className}")`);
    if (!c.addons.awsLoadBalancerController) issue(ctx, ['addons', 'awsLoadBalancerController'], 'is required when ingress.alb is set (the controller creates the load balancer)');
    if (c.addons.ingressNginx.enabled) issue(ctx, ['addons', 'ingressNginx', 'enabled'], 'must be false when ingress.alb is set (the load balancer sends to the pods directly)');
  }
  if (c.secrets.source === 'aws') {
    if (!c.secrets.aws) issue(ctx, ['secrets', 'aws'], 'is required when secrets.source is "aws"');
    if (!c.addons.externalSecrets.enabled) {
      issue(ctx, ['addons', 'externalSecrets', 'enabled'], 'must be true when secrets.source is "aws" (External Secrets reads AWS Secrets Manager)');
    }
  }
  if (c.secrets.source === 'vault') {
    if (!c.secrets.vault) issue(ctx, ['secrets', 'vault'], 'is required when secrets.source is "vault"');
    if (!c.addons.externalSecrets.enabled) {
      issue(ctx, ['addons', 'externalSecrets', 'enabled'], 'must be true when secrets.source is "vault" (External Secrets reads Vault)');
    }
  }
  addonRules(c, (path, message) => issue(ctx, path, message));
  for (const [store, section] of Object.entries(c.stores)) {
    const r = section.resources;
    const at = ['stores', store, 'resources'];
    withinLimit(ctx, [...at, 'requests', 'cpu'], r.requests.cpu, r.limits.cpu, parseCpu, 'CPU');
    withinLimit(ctx, [...at, 'requests', 'memory'], r.requests.memory, r.limits.memory, parseMemory, 'memory');
  }
  const catalog = c.platform.catalog;
  for (const p of appsProblems(c.apps, catalog)) issue(ctx, p.path, p.message);
  for (const p of sharedVolumeProblems(c)) issue(ctx, p.path, p.message);
  for (const p of tenantPlanProblems(c.tenantPlans, c.apps, catalog)) issue(ctx, p.path, p.message);
  for (const p of loggingProblems(c)) issue(ctx, p.path, p.message);
  mirrorRules(c, ctx);
  canaryAnalysisRules(c, ctx);
}

/**
 * A canary that rolls back by itself (CatalogEntry.rollout.canary.analysis) is measured by Prometheus from
 * ingress-nginx's request metrics: where its canary applies, both must be there.
 */
function canaryAnalysisRules(c: EnvironmentConfig, ctx: Ctx): void {
  const measured = canaryEntries(c).filter((e) => e.rollout!.canary.analysis).map((e) => e.name);
  if (!measured.length) return;
  const who = `${measured.join(' and ')} roll${measured.length === 1 ? 's' : ''} back by ${measured.length === 1 ? 'itself' : 'themselves'} on ingress-nginx's request metrics`;
  if (!c.addons.monitoring.enabled) issue(ctx, ['addons', 'monitoring', 'enabled'], `must be true where canaries apply (apps.canaryRollouts): ${who}, read from Prometheus`);
  if (!ingressNginxServes(c)) {
    issue(ctx, ['apps', 'canaryRollouts'], `needs ingress-nginx: ${who}, and ${c.ingress.alb ? 'the load balancer sends to the pods directly (ingress.alb)' : 'k3s routes with Traefik'}`);
  }
}

/** A MinIO mirror follows buckets this environment has, and only a standby follows another site. */
function mirrorRules(c: EnvironmentConfig, ctx: Ctx): void {
  const mirror = c.stores.minio?.mirror;
  if (!mirror) return;
  if (!c.apps.standby) issue(ctx, ['stores', 'minio', 'mirror'], 'only applies to a standby (apps.standby is false): after a failover this site is the source; remove the mirror');
  const clients = minioClientsOf(c.stores);
  mirror.clients.forEach((client, i) => {
    if (!clients.includes(client)) issue(ctx, ['stores', 'minio', 'mirror', 'clients', i], `"${client}" has no bucket here: the environment has no ${client} store`);
  });
}

/** The environment has exactly its platform's store kinds, and each kind has the kinds it requires. */
function storeSetRules(c: EnvironmentConfig, ctx: Ctx): void {
  const inCluster = (k: StoreName) => c.stores[k] !== undefined;
  const external = (k: StoreName) => (c.external as Record<string, unknown>)[k] !== undefined;
  const own = new Set<string>(c.platform.stores);
  for (const k of c.platform.stores) {
    if (inCluster(k) && external(k)) issue(ctx, ['external', k], `is set and so is stores.${k}: a store runs in the cluster or is external, not both`);
    if (inCluster(k) || external(k)) continue;
    if (!c.platform.optionalStores.includes(k)) {
      issue(ctx, ['stores', k], `is required: platform "${c.platform.name}" has the store ${k} (set stores.${k}, or external.${k} for a managed service)`);
      continue;
    }
    // Left out here: every service that uses it must run without it.
    for (const e of c.platform.catalog) {
      e.dependsOn.forEach((d, j) => {
        if (d.target === k && !d.optional) issue(ctx, ['stores', k], `is required: ${e.name} depends on ${k} (catalog.${e.name}.dependsOn[${j}] is not optional)`);
      });
    }
  }
  for (const k of STORE_NAMES) {
    for (const [where, has] of [['stores', inCluster], ['external', external]] as const) {
      if (has(k) && !own.has(k)) issue(ctx, [where, k], `is not a store of platform "${c.platform.name}" (its stores: ${[...own].join(', ') || 'none'})`);
    }
    if (!inCluster(k)) continue;
    for (const r of STORE_REGISTRY[k].requires as readonly StoreName[]) {
      if (!own.has(r)) issue(ctx, ['platform', 'stores'], `${k} needs ${r} (its pods use it: charts/data/${k}/refs.ts), which platform "${c.platform.name}" does not have`);
      // The in-cluster stores reach what they require in the cluster (credentials copied from its namespace).
      else if (external(r)) issue(ctx, ['external', r], `cannot be external while stores.${k} runs in the cluster: ${k} uses the in-cluster ${r}`);
    }
  }
}

function withinLimit(
  ctx: Ctx, path: (string | number)[], request: string, limit: string, parse: (q: string) => number, what: string,
): void {
  if (parse(request) > parse(limit)) issue(ctx, path, `must not exceed the ${what} limit ${limit}`);
}

/** Node pools: unique names, a reserve smaller than the node, and `nodes` counting the untainted pools' nodes. */
function clusterRules(c: EnvironmentConfig, ctx: Ctx): void {
  const pools = c.cluster.nodePools;
  const names = new Set<string>();
  pools.forEach((p, i) => {
    const at = ['cluster', 'nodePools', i];
    if (names.has(p.name)) issue(ctx, [...at, 'name'], `duplicates node pool "${p.name}"`);
    names.add(p.name);
    if (parseCpu(p.reserved.cpu) >= parseCpu(p.cpu)) issue(ctx, [...at, 'reserved', 'cpu'], `must be less than the node's cpu ${p.cpu}`);
    if (parseMemory(p.reserved.memory) >= parseMemory(p.memory)) issue(ctx, [...at, 'reserved', 'memory'], `must be less than the node's memory ${p.memory}`);
  });
  pools.forEach((p, i) => {
    if (p.minCount !== undefined && p.minCount > p.count) issue(ctx, ['cluster', 'nodePools', i, 'minCount'], `must not be above count ${p.count} (count is the group's maximum)`);
  });
  const nsNames = new Set(c.namespaces.map((n) => n.name));
  for (const [ns, pool] of Object.entries(c.cluster.placement)) {
    const target = pools.find((p) => p.name === pool);
    if (!nsNames.has(ns)) issue(ctx, ['cluster', 'placement', ns], `is not a namespace of this environment (allowed: ${[...nsNames].sort().join(', ')})`);
    if (!target) issue(ctx, ['cluster', 'placement', ns], `names node pool "${pool}", which is not in cluster.nodePools (allowed: ${pools.map((p) => p.name).join(', ')})`);
    else if (!Object.keys(target.labels).length) issue(ctx, ['cluster', 'placement', ns], `names node pool "${pool}", which has no labels to select it by (cluster.nodePools[${pools.indexOf(target)}].labels)`);
  }
  const open = pools.filter((p) => !p.taints.some((t) => t.effect !== 'PreferNoSchedule'));
  const count = open.reduce((n, p) => n + p.count, 0);
  if (pools.length && c.cluster.nodes !== count) {
    issue(ctx, ['cluster', 'nodes'], `must equal the nodes of the untainted pools in cluster.nodePools: ${count} (${open.map((p) => `${p.name}: ${p.count}`).join(', ') || 'none'})`);
  }
}

/** Cross-field rules of an environment's `apps` section against the catalog (run by crossFieldRules above). */
export function appsProblems(apps: EnvironmentConfig['apps'], catalog: readonly CatalogEntry[]): { path: Path; message: string }[] {
  const out: { path: Path; message: string }[] = [];
  const byName = new Map(catalog.map((e) => [e.name, e]));
  const cap = apps.replicaCap;
  if (cap && cap.minReplicas > cap.maxReplicas) {
    out.push({ path: ['apps', 'replicaCap', 'minReplicas'], message: `must not be above replicaCap.maxReplicas ${cap.maxReplicas}` });
  }
  if (apps.resources) for (const [path, message] of resourceProblems(apps.resources, ['apps', 'resources'])) out.push({ path, message });
  for (const [name, o] of Object.entries(apps.services ?? {})) {
    const at: Path = ['apps', 'services', name];
    const e = byName.get(name);
    if (!e) {
      out.push({ path: at, message: `is not a service of the catalog (allowed: ${[...byName.keys()].sort().join(', ')})` });
      continue;
    }
    const horizontal = e.scaling.type === 'horizontal';
    // A queue worker's maxReplicas is its concurrency bound (the most Jobs at once); it has no minimum.
    if (e.kind === 'queue-worker' && (o.minReplicas !== undefined || o.replicas !== undefined)) {
      out.push({ path: [...at, o.minReplicas !== undefined ? 'minReplicas' : 'replicas'], message: `does not apply: ${name} is a queue worker (maxReplicas bounds its Jobs at once)` });
    } else if (e.kind !== 'queue-worker' && (o.minReplicas !== undefined || o.maxReplicas !== undefined) && !horizontal) {
      out.push({ path: [...at, o.minReplicas !== undefined ? 'minReplicas' : 'maxReplicas'], message: `does not apply: ${name} has ${e.kind === 'batch-job' ? 'no replicas (a CronJob)' : 'fixed replicas (use replicas)'}` });
    }
    if (o.replicas !== undefined && horizontal && apps.autoscaling) {
      out.push({ path: [...at, 'replicas'], message: `does not apply while autoscaling is on: ${name} scales horizontally (use minReplicas/maxReplicas)` });
    }
    if (horizontal && e.scaling.type === 'horizontal') {
      const min = o.minReplicas ?? Math.min(e.scaling.minReplicas, cap?.minReplicas ?? Infinity);
      const max = o.maxReplicas ?? Math.max(min, Math.min(e.scaling.maxReplicas, cap?.maxReplicas ?? Infinity));
      if (min > max) out.push({ path: [...at, 'minReplicas'], message: `${min} is above maxReplicas ${max}` });
    }
    if (o.resources) for (const [path, message] of resourceProblems(o.resources, [...at, 'resources'])) out.push({ path, message });
  }
  return out;
}

/** What a shared volume's class must support: replicas on any node read it, the filling Job writes it meanwhile. */
export const SHARED_VOLUME_ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany'] as const;

/**
 * Shared volumes (CatalogEntry.sharedVolume) against the environment: each is configured under
 * `apps.sharedVolumes.<claimName>` (and nothing else is), on a storage class the environment declares in
 * `storageClasses` with ReadOnlyMany and ReadWriteMany. A class that cannot (local-path, Ceph RBD) is refused
 * here rather than leaving the claim Pending and every replica with it.
 */
export function sharedVolumeProblems(c: Pick<EnvironmentConfig, 'apps' | 'storageClasses' | 'platform'>): { path: Path; message: string }[] {
  const out: { path: Path; message: string }[] = [];
  const wanted = new Map(c.platform.catalog.flatMap((e) => (e.sharedVolume ? [[e.sharedVolume.claimName, e.name] as const] : [])));
  for (const [claim, service] of wanted) {
    if (!(claim in c.apps.sharedVolumes)) out.push({ path: ['apps', 'sharedVolumes', claim], message: `is required: ${service} mounts the shared volume ${claim} (storageClass, size and version)` });
  }
  for (const [claim, v] of Object.entries(c.apps.sharedVolumes)) {
    const at: Path = ['apps', 'sharedVolumes', claim];
    if (!wanted.has(claim)) {
      out.push({ path: at, message: `is not a shared volume of the catalog (allowed: ${[...wanted.keys()].sort().join(', ') || 'none'})` });
      continue;
    }
    const declared = c.storageClasses[v.storageClass];
    const need = SHARED_VOLUME_ACCESS_MODES.join(' and ');
    if (!declared) {
      out.push({ path: [...at, 'storageClass'], message: `is not declared in storageClasses (declare it with its accessModes; it must support ${need}, e.g. NFS or CephFS: docs/pcf-builder.md)` });
      continue;
    }
    const missing = SHARED_VOLUME_ACCESS_MODES.filter((m) => !declared.accessModes.includes(m));
    if (missing.length) {
      out.push({
        path: [...at, 'storageClass'],
        message: `storage class "${v.storageClass}" supports ${declared.accessModes.join(', ')} (storageClasses.${v.storageClass}.accessModes), not ${missing.join(' or ')}: `
          + `every replica mounts the volume read-only (ReadOnlyMany) while its Job writes it (ReadWriteMany); use an NFS or CephFS class (docs/pcf-builder.md)`,
      });
    }
  }
  return out;
}

/**
 * Tenant plans' network grants against the catalog: each platform endpoint must be a gateway (the entry point
 * where the plan's rate limit and the authentication apply: a tenant calling a service directly would bypass
 * both) that this environment runs.
 */
export function tenantPlanProblems(plans: EnvironmentConfig['tenantPlans'], apps: EnvironmentConfig['apps'], catalog: readonly CatalogEntry[]): { path: Path; message: string }[] {
  const out: { path: Path; message: string }[] = [];
  const gateways = catalog.filter((e) => e.kind === 'gateway').map((e) => e.name).sort();
  for (const [name, plan] of Object.entries(plans)) {
    const seen = new Set<string>();
    plan.network.platformEndpoints.forEach((target, i) => {
      const at: Path = ['tenantPlans', name, 'network', 'platformEndpoints', i];
      if (seen.has(target)) out.push({ path: at, message: `duplicates "${target}"` });
      seen.add(target);
      if (!gateways.includes(target)) {
        const what = isStore(target) ? 'a store' : catalog.some((e) => e.name === target) ? 'not a gateway' : 'not in the catalog';
        out.push({ path: at, message: `"${target}" is ${what}: tenants may reach only the gateway (allowed: ${gateways.join(', ')})` });
      } else if (apps.services[target]?.enabled === false) {
        out.push({ path: at, message: `"${target}" is disabled in this environment (apps.services.${target}.enabled)` });
      }
    });
  }
  return out;
}
