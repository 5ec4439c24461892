/**
 * The EnvironmentConfig type and its runtime validation.
 *
 * zod gives us one declaration for both the TypeScript type and the runtime check, reports every problem at
 * once with its path, and rejects unknown (misspelt) keys with `strictObject`. Cross-field rules live in
 * `crossFieldRules` below so that the shape and the rules read separately.
 */
import { z } from 'zod';
import { parseCpu, parseMemory } from '../charts/lib/quantity';

// ---------------------------------------------------------------------------------------------------------
// Primitive value types, each with the "what is allowed" wording used in error messages.
// ---------------------------------------------------------------------------------------------------------

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CPU = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[0-9]+(Ki|Mi|Gi|Ti)$/;
const CIDR = /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/;
const REGISTRY = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/;

export const dnsLabel = z.string().regex(DNS_LABEL, {
  message: 'must be a DNS label: lowercase letters, digits and "-", starting with a letter, at most 63 characters',
});
export const dnsName = z.string().regex(DNS_NAME, { message: 'must be a lowercase DNS name such as example.com' });
export const cpu = z.string().regex(CPU, { message: 'must be a CPU quantity such as 250m or 2' });
export const memory = z.string().regex(MEMORY, { message: 'must be a memory quantity in Ki, Mi, Gi or Ti such as 512Mi' });
export const storage = memory;
export const cidr = z.string().regex(CIDR, { message: 'must be an IPv4 CIDR such as 10.43.0.1/32' });
export const replicas = (min: number) => z.number().int({ message: 'must be a whole number' }).min(min, { message: `must be at least ${min}` });

export const computeResources = z.strictObject({
  requests: z.strictObject({ cpu, memory }),
  limits: z.strictObject({ cpu, memory }),
});
export type ComputeResources = z.infer<typeof computeResources>;

// ---------------------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------------------

/** The tier decides a namespace's default Pod Security level and its quota floor. */
export const namespaceTier = z.enum(['system', 'app', 'data']);
export const podSecurityLevel = z.enum(['restricted', 'baseline', 'privileged']);

export const namespaceSpec = z.strictObject({
  name: dnsLabel,
  tier: namespaceTier,
  /** @default 'restricted' */
  podSecurity: podSecurityLevel.default('restricted'),
  /** Required when podSecurity is not `restricted`: the reason is rendered as an annotation. */
  podSecurityReason: z.string().min(1).optional(),
  /** Whether workloads run here (add-ons included): such namespaces get default-deny NetworkPolicies. */
  runsPods: z.boolean().default(true),
});

/** Quota floor of a tier: added on top of what the rendered workloads need (see charts/namespaces.ts). */
export const quotaFloor = z.strictObject({
  requestsCpu: cpu,
  requestsMemory: memory,
  limitsCpu: cpu,
  limitsMemory: memory,
  storage,
  pods: replicas(0),
  persistentVolumeClaims: replicas(0),
});

export const limitRangeDefaults = z.strictObject({
  defaultRequest: z.strictObject({ cpu, memory }),
  default: z.strictObject({ cpu, memory }),
});

export const tenantPlan = z.strictObject({
  requestsCpu: cpu,
  requestsMemory: memory,
  limitsCpu: cpu,
  limitsMemory: memory,
  storage,
  pods: replicas(1),
  persistentVolumeClaims: replicas(0),
  /** Per-container defaults inside the tenant namespace. */
  limitRange: limitRangeDefaults,
  /** API requests per minute at the gateway (spec 002 §10.3.1). */
  rateLimitPerMinute: replicas(1),
});

export const tenant = z.strictObject({
  id: dnsLabel.refine((id) => id.length <= 56, { message: 'must be at most 56 characters (the namespace is "tenant-<id>")' }),
  plan: z.string(),
  displayName: z.string().min(1).optional(),
});

export const clusterSection = z.strictObject({
  /** k3s ships local-path storage, Traefik and an enforcing NetworkPolicy controller; kubeadm ships none. */
  flavour: z.enum(['k3s', 'kubeadm']),
  /** @default 'cluster.local' */
  clusterDomain: dnsName.default('cluster.local'),
  /** Address ranges of the Kubernetes API server (a pod selector cannot match it). */
  apiServerCidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
  /** Schedulable nodes: spreading is required (not just preferred) when there are enough of them. */
  nodes: replicas(1),
  /** Argo CD destination of this environment. */
  server: z.url({ message: 'must be a URL such as https://kubernetes.default.svc' }),
});

export const ingressSection = z.strictObject({
  className: dnsLabel,
  baseDomain: dnsName,
  /** `acme` where the cluster reaches the internet; `selfSigned` or `ca` for air-gapped installs. */
  tlsIssuer: z.enum(['acme', 'selfSigned', 'ca']),
  acmeEmail: z.email({ message: 'must be an e-mail address' }).optional(),
});

export const imagesSection = z.strictObject({
  /** Empty: pull from the upstream registries; otherwise every image is rewritten to `<registry>/<path>:<tag>`. */
  registry: z.union([z.literal(''), z.string().regex(REGISTRY, { message: 'must be a registry host[:port][/path]' })]),
  pullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']),
});

export const gitopsSection = z.strictObject({
  repoURL: z.string().min(1),
  targetRevision: z.string().min(1),
  /** Automated sync with prune and self-heal; false means a person approves each sync. */
  autoSync: z.boolean(),
});

export const podSecuritySection = z.strictObject({
  /** The Pod Security Admission version pinned on every namespace, e.g. v1.27. */
  version: z.string().regex(/^v1\.[0-9]+$/, { message: 'must be a Kubernetes minor version such as v1.27' }),
});

const volume = z.strictObject({ size: storage });

// One section per store; each store's construct documents what its fields do.

// PostgreSQL (charts/data/postgres*.ts): Patroni cluster, PgBouncer, WAL-G backups, DR standby.
const PG_PARAMETER = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/;
const postgresHost = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
  message: 'must be a DNS name or an IPv4 address',
});
export const postgresSection = z.strictObject({
  replicas: replicas(1), volume, resources: computeResources,
  /** `on`: Patroni promotes only the synchronous standby; `strict`: no commit is acknowledged without one. */
  synchronousMode: z.enum(['off', 'on', 'strict']),
  /** PostgreSQL parameters over the generator's (validated by `postgres -C` in the tests). */
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  pooler: z.strictObject({
    replicas: replicas(1),
    /** Server connections per user/database pair. */
    defaultPoolSize: replicas(1),
    maxClientConn: replicas(1),
    resources: computeResources,
  }),
  backup: z.strictObject({
    /** A full base backup every this many hours (WAL is archived continuously in between). */
    intervalHours: z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }).max(168, { message: 'must be at most 168 (a week)' }),
    /** Point-in-time recovery window: full backups (and their WAL) are kept this long. */
    retentionDays: replicas(1),
  }),
  /** DR: run as a Patroni standby cluster following another environment's primary. */
  standby: z.strictObject({
    /** The other site's primary, reachable from this cluster (a load balancer or routed address). */
    host: postgresHost,
    port: z.number().int().min(1).max(65535).default(5432),
    /** Addresses the source primary is reached at (the egress NetworkPolicy allows exactly these). */
    cidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
    /** Whose WAL archive to replay when streaming falls behind (its prefix in this site's backup bucket). */
    sourceEnvironment: dnsLabel,
  }).optional(),
  /** Bootstrap a NEW cluster from a backup instead of initdb (see docs/postgres.md, "Restore"). */
  restore: z.strictObject({
    sourceEnvironment: dnsLabel,
    /** WAL-G backup name; @default LATEST */
    backup: z.string().regex(/^(LATEST|base_[0-9A-F]{24}(_D_[0-9A-F]{24})?)$/, { message: 'must be LATEST or a WAL-G backup name such as base_000000010000000000000004' }).default('LATEST'),
    /** Point in time to recover to (ISO 8601 with zone); @default the end of the archive */
    targetTime: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time with a zone such as 2026-01-31T12:00:00Z' }).optional(),
  }).optional(),
});

export const redisSection = z.strictObject({ replicas: replicas(1), volume, resources: computeResources });

export const minioSection = z.strictObject({ servers: replicas(1), drivesPerServer: replicas(1), volume, resources: computeResources });

export const elasticsearchSection = z.strictObject({
  masters: replicas(1), data: replicas(0), coordinating: replicas(0), volume, resources: computeResources,
});

export const clickhouseSection = z.strictObject({
  shards: replicas(1), replicas: replicas(1), keepers: replicas(1), volume, resources: computeResources,
});

export const kafkaSection = z.strictObject({ brokers: replicas(1), volume, resources: computeResources });

export const storesSection = z.strictObject({
  postgres: postgresSection,

  redis: redisSection,

  minio: minioSection,

  elasticsearch: elasticsearchSection,

  clickhouse: clickhouseSection,

  kafka: kafkaSection,
});

export const environmentShape = z.strictObject({
  name: dnsLabel,
  description: z.string().min(1),
  /** Production-grade availability: stores must run as real HA clusters. */
  ha: z.boolean(),
  cluster: clusterSection,
  storageClass: dnsName,
  ingress: ingressSection,
  images: imagesSection,
  gitops: gitopsSection,
  podSecurity: podSecuritySection,
  namespaces: z.array(namespaceSpec).min(1),
  quota: z.strictObject({
    /** Fraction added to what the rendered workloads need, for rolling updates and jobs (0.25 = 25 %). */
    headroom: z.number().min(0).max(4),
    floors: z.strictObject({ system: quotaFloor, app: quotaFloor, data: quotaFloor }),
    limitRange: z.strictObject({ system: limitRangeDefaults, app: limitRangeDefaults, data: limitRangeDefaults }),
  }),
  tenantPlans: z.record(dnsLabel, tenantPlan),
  tenants: z.array(tenant),
  stores: storesSection,
});

export type EnvironmentConfig = z.infer<typeof environmentShape>;
export type EnvironmentInput = z.input<typeof environmentShape>;
// `when` makes the cross-field rules run even when some field failed, so one run reports every problem. The
// data may then be malformed in places; a rule that trips over that is skipped (the field error says why).
export const environmentSchema = environmentShape.superRefine((cfg, ctx) => {
  try {
    crossFieldRules(cfg, ctx);
  } catch {
    // malformed input already reported by the shape check
  }
}, { when: () => true });
export type NamespaceSpec = z.infer<typeof namespaceSpec>;
export type TenantPlan = z.infer<typeof tenantPlan>;
export type Tenant = z.infer<typeof tenant>;

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
    need(['stores', 'minio', 'servers'], s.minio.servers, 4, 'an erasure set that keeps write quorum with one server down');
    need(['stores', 'elasticsearch', 'masters'], s.elasticsearch.masters, 3, 'master election needs a majority');
    need(['stores', 'clickhouse', 'replicas'], s.clickhouse.replicas, 2, 'every shard needs a second replica');
    need(['stores', 'clickhouse', 'keepers'], s.clickhouse.keepers, 3, 'Keeper\'s raft needs a majority');
    need(['stores', 'kafka', 'brokers'], s.kafka.brokers, 3, 'min.insync.replicas 2 with one broker lost');
    need(['cluster', 'nodes'], c.cluster.nodes, 3, 'replicas spread across nodes');
  }
  postgresRules(c, ctx);

  for (const [store, section] of Object.entries(c.stores)) {
    const r = section.resources;
    const at = ['stores', store, 'resources'];
    withinLimit(ctx, [...at, 'requests', 'cpu'], r.requests.cpu, r.limits.cpu, parseCpu, 'CPU');
    withinLimit(ctx, [...at, 'requests', 'memory'], r.requests.memory, r.limits.memory, parseMemory, 'memory');
  }
}

function withinLimit(
  ctx: Ctx, path: (string | number)[], request: string, limit: string, parse: (q: string) => number, what: string,
): void {
  if (parse(request) > parse(limit)) issue(ctx, path, `must not exceed the ${what} limit ${limit}`);
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
  if (pg.standby?.sourceEnvironment === c.name) issue(ctx, [...at, 'standby', 'sourceEnvironment'], `must name another environment than "${c.name}" (a cluster cannot follow itself)`);
}
