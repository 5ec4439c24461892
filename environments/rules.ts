/**
 * An environment's cross-field rules, beside its shape (./schema.ts): what a single field's schema cannot say
 * (HA minimums, store topologies, the apps section against the service catalog). `environmentSchema` is the
 * shape with these rules: the one environments/index.ts validates with.
 */
import { z } from 'zod';
import { erasureLayout } from '../charts/data/minio/erasure';
import { parseCpu, parseMemory } from '../charts/lib/quantity';
import { CATALOG, isStore, resourceProblems, type CatalogEntry, type Path } from './catalog';
import { environmentShape, PG_PARAMETER, type EnvironmentConfig } from './schema';

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

  // HA means every store survives the loss of one pod (or one node) without losing quorum or data.
  if (c.ha) {
    const s = c.stores;
    const need = (path: (string | number)[], value: number, min: number, why: string) => {
      if (value < min) issue(ctx, path, `must be at least ${min} when ha is true (${why})`);
    };
    need(['stores', 'postgres', 'replicas'], s.postgres.replicas, 3, 'a leader plus a synchronous standby plus one spare');
    need(['stores', 'redis', 'replicas'], s.redis.replicas, 3, 'Sentinel needs a quorum of 2 out of 3');
    need(['stores', 'redis', 'sentinels'], s.redis.sentinels, 3, 'a failover needs a majority of Sentinels with one of them lost');
    need(['stores', 'redis', 'minReplicasToWrite'], s.redis.minReplicasToWrite, 1, 'a master cut off from its replicas must stop accepting writes it would lose');
    need(['stores', 'elasticsearch', 'masters'], s.elasticsearch.masters, 3, 'master election needs a majority');
    need(['stores', 'elasticsearch', 'data'], s.elasticsearch.data, 2, 'replica shards on a second data node');
    need(['stores', 'clickhouse', 'replicas'], s.clickhouse.replicas, 2, 'every shard needs a second replica');
    need(['stores', 'clickhouse', 'keepers'], s.clickhouse.keepers, 3, 'Keeper\'s raft needs a majority');
    need(['stores', 'kafka', 'brokers'], s.kafka.brokers, 3, 'min.insync.replicas 2 with one broker lost');
    need(['stores', 'kafka', 'minInsyncReplicas'], s.kafka.minInsyncReplicas, 2, 'an acknowledged write survives the loss of one broker');
    need(['cluster', 'nodes'], c.cluster.nodes, 3, 'replicas spread across nodes');
  }
  clusterRules(c, ctx);
  minioRules(c, ctx);
  elasticsearchRules(c, ctx);
  postgresRules(c, ctx);
  redisRules(c, ctx);
  clickhouseKafkaRules(c, ctx);
  // GitOps and installation
  if (c.addons.ingressNginx.enabled && c.cluster.flavour === 'k3s') {
    issue(ctx, ['addons', 'ingressNginx', 'enabled'], 'must be false on k3s, which ships Traefik as its ingress controller');
  }
  if (c.addons.ingressNginx.enabled && c.ingress.className !== 'nginx') {
    issue(ctx, ['ingress', 'className'], `must be "nginx" when addons.ingressNginx is enabled (got "${c.ingress.className}")`);
  }
  if (c.secrets.source === 'vault') {
    if (!c.secrets.vault) issue(ctx, ['secrets', 'vault'], 'is required when secrets.source is "vault"');
    if (!c.addons.externalSecrets.enabled) {
      issue(ctx, ['addons', 'externalSecrets', 'enabled'], 'must be true when secrets.source is "vault" (External Secrets reads Vault)');
    }
  }
  for (const [store, section] of Object.entries(c.stores)) {
    const r = section.resources;
    const at = ['stores', store, 'resources'];
    withinLimit(ctx, [...at, 'requests', 'cpu'], r.requests.cpu, r.limits.cpu, parseCpu, 'CPU');
    withinLimit(ctx, [...at, 'requests', 'memory'], r.requests.memory, r.limits.memory, parseMemory, 'memory');
  }
  for (const p of appsProblems(c.apps)) issue(ctx, p.path, p.message);
  for (const p of tenantPlanProblems(c.tenantPlans, c.apps)) issue(ctx, p.path, p.message);
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
  const open = pools.filter((p) => !p.taints.some((t) => t.effect !== 'PreferNoSchedule'));
  const count = open.reduce((n, p) => n + p.count, 0);
  if (pools.length && c.cluster.nodes !== count) {
    issue(ctx, ['cluster', 'nodes'], `must equal the nodes of the untainted pools in cluster.nodePools: ${count} (${open.map((p) => `${p.name}: ${p.count}`).join(', ') || 'none'})`);
  }
}

/** MinIO: every pool must form erasure sets MinIO accepts; in HA every pool keeps write quorum with a server down. */
function minioRules(c: EnvironmentConfig, ctx: Ctx): void {
  const m = c.stores.minio;
  const at = (i: number, f: string) => ['stores', 'minio', 'pools', i, f];
  const names = new Set<string>();
  m.pools.forEach((pool, i) => {
    if (names.has(pool.name)) issue(ctx, at(i, 'name'), `duplicates pool name "${pool.name}"`);
    names.add(pool.name);
    const drives = pool.servers * pool.drivesPerServer;
    if (drives === 1 && (c.ha || m.pools.length > 1)) {
      issue(ctx, at(i, 'servers'), 'one server with one drive is MinIO\'s single-drive mode: only for a single-pool, non-HA environment (use at least 4 drives)');
      return;
    }
    if (drives > 1 && drives < 4) {
      issue(ctx, at(i, 'drivesPerServer'), `gives ${drives} drives (${pool.servers} × ${pool.drivesPerServer}): an erasure-coded pool needs at least 4 drives`);
      return;
    }
    const layout = erasureLayout(pool, m.parity);
    if ('error' in layout) {
      const field = layout.error.startsWith('parity') ? ['stores', 'minio', 'parity'] : at(i, 'drivesPerServer');
      issue(ctx, field, `pool "${pool.name}" (${pool.servers} servers × ${pool.drivesPerServer} drives): ${layout.error}`);
      return;
    }
    if (c.ha && layout.serversTolerated < 1) {
      issue(ctx, at(i, 'servers'), `pool "${pool.name}" (${pool.servers} × ${pool.drivesPerServer}, erasure set ${layout.setSize}, EC:${layout.parity}) loses write quorum (${layout.writeQuorum} of ${layout.setSize}) when one server is down: use more servers or more parity (ha is true)`);
    }
    if (c.ha && pool.servers > c.cluster.nodes) {
      issue(ctx, at(i, 'servers'), `must be at most cluster.nodes (${c.cluster.nodes}) when ha is true: two servers of a pool on one node would both fall with it`);
    }
  });
}

/** Elasticsearch: an odd number of masters; a lone master holds every role; mmap choice matches Pod Security. */
function elasticsearchRules(c: EnvironmentConfig, ctx: Ctx): void {
  const es = c.stores.elasticsearch;
  if (es.masters % 2 === 0) {
    issue(ctx, ['stores', 'elasticsearch', 'masters'], 'must be odd (1, 3, 5): an even number of masters adds no failure tolerance over one fewer');
  }
  if (es.data === 0 && es.coordinating > 0) {
    issue(ctx, ['stores', 'elasticsearch', 'coordinating'], 'must be 0 when data is 0 (the masters then hold every role and serve HTTP themselves)');
  }
  const ns = c.namespaces.find((n) => n.name === 'db-elasticsearch');
  if (es.maxMapCount === 'sysctlInitContainer' && ns && ns.podSecurity !== 'privileged') {
    issue(ctx, ['stores', 'elasticsearch', 'maxMapCount'], `"sysctlInitContainer" runs a privileged init container, which namespace db-elasticsearch (podSecurity "${ns.podSecurity}") rejects: set its podSecurity to privileged with a reason, or use "disableMmap"`);
  }
}

/** Parameters the generator or Patroni owns: setting them would break replication, archiving or the pod. */
export const POSTGRES_MANAGED_PARAMETERS = [
  'listen_addresses', 'port', 'data_directory', 'hba_file', 'ident_file', 'config_file', 'unix_socket_directories',
  'archive_mode', 'archive_command', 'restore_command', 'primary_conninfo', 'primary_slot_name',
  'synchronous_standby_names', 'cluster_name', 'hot_standby', 'wal_level', 'wal_log_hints',
] as const;

function postgresRules(c: EnvironmentConfig, ctx: Ctx): void {
  const pg = c.stores.postgres;
  const at = ['stores', 'postgres'];
  if (pg.synchronousMode === 'on' && pg.replicas < 2) {
    issue(ctx, [...at, 'synchronousMode'], `"on" needs at least 2 replicas (stores.postgres.replicas is ${pg.replicas}): a synchronous standby must exist`);
  }
  if (pg.synchronousMode === 'strict' && pg.replicas < 3) {
    issue(ctx, [...at, 'synchronousMode'], `"strict" needs at least 3 replicas (stores.postgres.replicas is ${pg.replicas}), or losing one standby stops every write`);
  }
  if (c.ha && pg.pooler.replicas < 2) issue(ctx, [...at, 'pooler', 'replicas'], 'must be at least 2 when ha is true (spec 002 §7.1.1: the pooler must not be a single point of failure)');
  for (const name of Object.keys(pg.parameters)) {
    // Checked here, not in the record's key schema, whose error would not say what a valid name is.
    if (!PG_PARAMETER.test(name)) issue(ctx, [...at, 'parameters', name], 'must be a PostgreSQL parameter name such as work_mem (lowercase letters, digits, "_", one optional "." for an extension)');
    if ((POSTGRES_MANAGED_PARAMETERS as readonly string[]).includes(name)) {
      issue(ctx, [...at, 'parameters', name], 'is set by the generator and Patroni (replication, archiving, sockets) and cannot be overridden');
    }
  }
  if (pg.standby && pg.restore) issue(ctx, [...at, 'restore'], 'cannot be combined with standby: a standby cluster copies its source, a restore starts a new history');
  const sc = pg.standbyClients;
  if (sc?.service === 'NodePort' && sc.nodePort === undefined) issue(ctx, [...at, 'standbyClients', 'nodePort'], 'is required with service NodePort (the standby site connects to this fixed port)');
  if (sc && sc.service !== 'NodePort' && sc.nodePort !== undefined) issue(ctx, [...at, 'standbyClients', 'nodePort'], `only applies to service NodePort (service is ${sc.service})`);
  if (pg.standby?.sourceEnvironment === c.name) issue(ctx, [...at, 'standby', 'sourceEnvironment'], `must name another environment than "${c.name}" (a cluster cannot follow itself)`);
}

/** Redis: a master must be able to meet min-replicas-to-write (checked once replicas itself is acceptable). */
function redisRules(c: EnvironmentConfig, ctx: Ctx): void {
  const r = c.stores.redis;
  if (r.replicas < (c.ha ? 3 : 1)) return; // replicas itself is reported
  if (r.minReplicasToWrite > r.replicas - 1) {
    issue(ctx, ['stores', 'redis', 'minReplicasToWrite'],
      `must be at most replicas - 1 = ${r.replicas - 1} (a master with fewer replicas than that refuses every write)`);
  }
}

/** ClickHouse Keeper and Kafka topologies that cannot work (issue 9). */
function clickhouseKafkaRules(c: EnvironmentConfig, ctx: Ctx): void {
  const ch = c.stores.clickhouse;
  if (ch.keepers % 2 === 0) {
    issue(ctx, ['stores', 'clickhouse', 'keepers'], `must be odd (1, 3 or 5): an ensemble of ${ch.keepers} tolerates no more failures than one of ${ch.keepers - 1} and can split evenly`);
  }
  const k = c.stores.kafka;
  if (k.replicationFactor > k.brokers) {
    issue(ctx, ['stores', 'kafka', 'replicationFactor'], `must not exceed stores.kafka.brokers (${k.brokers}): every replica of a partition needs its own broker`);
  }
  if (k.minInsyncReplicas > k.replicationFactor) {
    issue(ctx, ['stores', 'kafka', 'minInsyncReplicas'], `must not exceed stores.kafka.replicationFactor (${k.replicationFactor}): no write could ever be acknowledged`);
  } else if (k.brokers > 1 && k.minInsyncReplicas >= k.replicationFactor) {
    issue(ctx, ['stores', 'kafka', 'minInsyncReplicas'], `must be below stores.kafka.replicationFactor (${k.replicationFactor}) with more than one broker, or losing one broker stops all writes`);
  }
  const seen = new Set<string>();
  k.topics.forEach((t, i) => {
    if (seen.has(t.name)) issue(ctx, ['stores', 'kafka', 'topics', i, 'name'], `"${t.name}" is declared twice`);
    seen.add(t.name);
    const rf = t.replicationFactor;
    if (rf === undefined) return;
    if (rf > k.brokers) {
      issue(ctx, ['stores', 'kafka', 'topics', i, 'replicationFactor'], `must not exceed stores.kafka.brokers (${k.brokers}): every replica of a partition needs its own broker`);
    } else if (rf < k.minInsyncReplicas) {
      issue(ctx, ['stores', 'kafka', 'topics', i, 'replicationFactor'], `must be at least stores.kafka.minInsyncReplicas (${k.minInsyncReplicas}): no write with acks=all could be acknowledged`);
    }
  });
}

/** Cross-field rules of an environment's `apps` section against the catalog (run by crossFieldRules above). */
export function appsProblems(apps: EnvironmentConfig['apps'], catalog: readonly CatalogEntry[] = CATALOG): { path: Path; message: string }[] {
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
    if ((o.minReplicas !== undefined || o.maxReplicas !== undefined) && !horizontal) {
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

/**
 * Tenant plans' network grants against the catalog: each platform endpoint must be a gateway (the entry point
 * where the plan's rate limit and the authentication apply: a tenant calling a service directly would bypass
 * both) that this environment runs.
 */
export function tenantPlanProblems(plans: EnvironmentConfig['tenantPlans'], apps: EnvironmentConfig['apps'], catalog: readonly CatalogEntry[] = CATALOG): { path: Path; message: string }[] {
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
