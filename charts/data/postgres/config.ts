/**
 * The `stores.postgres` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; the Patroni cluster, PgBouncer, WAL-G backups and the DR standby (./chart.ts and the files
 * beside it).
 */
import { z } from 'zod';
import { haMinimum, type Issue, type RuleContext } from '../kind';
import { cidr, computeResources, dnsLabel, replicas, volume } from '../../../environments/values';

export const PG_PARAMETER = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/;
const postgresHost = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
  message: 'must be a DNS name or an IPv4 address',
});
/** How many periods of one retention tier are kept. @default 0 (the tier keeps nothing) */
const tier = z.number().int({ message: 'must be a whole number' }).min(0, { message: 'must be at least 0' }).max(1000, { message: 'must be at most 1000' }).default(0);
export const postgresSection = z.strictObject({
  /** The platform's database, and the name of its application role (set in the platform's base.ts). */
  database: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a PostgreSQL database name such as app' }),
  replicas: replicas(1), volume, resources: computeResources,
  /** `on`: Patroni promotes only the synchronous standby; `strict`: no commit is acknowledged without one. */
  synchronousMode: z.enum(['off', 'on', 'strict']),
  /** PostgreSQL parameters over the generator's (validated by `postgres -C` in the tests). */
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /**
   * Extensions created in the application database when the cluster is bootstrapped, by the superuser (some,
   * such as pgvector's `vector`, are not trusted: the application's role cannot create them). @default none
   */
  extensions: z.array(z.string().regex(/^[a-z][a-z0-9_-]*$/, { message: 'must be an extension name such as pg_trgm or uuid-ossp' })).default([]),
  /** Schemas created in the application database at bootstrap, owned by the application's role. @default none */
  schemas: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/, { message: 'must be a lowercase schema name such as shared' })).default([]),
  /**
   * A postgres_exporter sidecar in every member (spec 003 "Infrastructure Monitoring"), reading the member's own
   * server as the least-privileged role `postgres_exporter` (pg_monitor; its password a generated Secret),
   * scraped by Prometheus on port 9187. The role is created by the post-bootstrap script. @default false
   */
  exporter: z.boolean().default(false),
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
    /**
     * Point-in-time recovery window: full backups (and their WAL) are kept this long (WAL-G `delete retain FULL n`).
     * Either this or `retention`.
     */
    retentionDays: replicas(1).optional(),
    /**
     * Tiered retention instead of a window: the newest backup of each of the last `hourly` hours, `daily` days,
     * `weekly` ISO weeks and `monthly` months (UTC) that have one; a backup can count in several tiers. Backups
     * older than the hourly and daily tiers are marked permanent, so only their own WAL is kept: point-in-time
     * recovery reaches back to the oldest hourly or daily backup (docs/postgres.md "Tiered retention").
     */
    retention: z.strictObject({ hourly: tier, daily: tier, weekly: tier, monthly: tier }).optional(),
  }),
  /** DR: run as a Patroni standby cluster following another environment's primary. */
  standby: z.strictObject({
    /** The other site's primary, reachable from this cluster (a load balancer or routed address). */
    host: postgresHost,
    port: z.number().int().min(1).max(65535).default(5432),
    /** Addresses the source primary is reached at (the egress NetworkPolicy allows exactly these). */
    cidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
    /** Whose WAL archive to replay when streaming falls behind (its prefix in the source's backup bucket). */
    sourceEnvironment: dnsLabel,
    /**
     * The source site's MinIO (S3 API), read directly by restore_command: nothing copies the archive into this
     * site. Keys: Secret `postgres-source-archive` (the source's `minio-postgres` values); egress allows `cidrs`.
     */
    archive: z.strictObject({
      endpoint: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://minio.example.com:9000' }),
      cidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
    }),
  }).optional(),
  /**
   * The other site's standby cluster streams from this primary: NetworkPolicy ingress on the PostgreSQL port from
   * `cidrs`, and (unless `service` is `none`) an external Service in front of the primary. Its traffic policy is
   * Local, so the standby's source address survives and the ingress rule matches it.
   */
  standbyClients: z.strictObject({
    cidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
    /** `none`: the standby reaches the pod network by routing, or through a load balancer of the site's own. */
    service: z.enum(['LoadBalancer', 'NodePort', 'none']).default('LoadBalancer'),
    /** The fixed node port (the standby's `standby.port`); only with `service: NodePort`, which requires it. */
    nodePort: z.number().int().min(30000, { message: 'must be in the node port range 30000-32767' }).max(32767, { message: 'must be in the node port range 30000-32767' }).optional(),
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

/** Parameters the generator or Patroni owns: setting them would break replication, archiving or the pod. */
export const POSTGRES_MANAGED_PARAMETERS = [
  'listen_addresses', 'port', 'data_directory', 'hba_file', 'ident_file', 'config_file', 'unix_socket_directories',
  'archive_mode', 'archive_command', 'restore_command', 'primary_conninfo', 'primary_slot_name',
  'synchronous_standby_names', 'cluster_name', 'hot_standby', 'wal_level', 'wal_log_hints',
] as const;

export function postgresRules(section: z.infer<typeof postgresSection>, env: RuleContext, issue: Issue): void {
  haMinimum(env, issue, ['stores', 'postgres', 'replicas'], section.replicas, 3, 'a leader plus a synchronous standby plus one spare');
  const pg = section;
  const at = ['stores', 'postgres'];
  if (pg.synchronousMode === 'on' && pg.replicas < 2) {
    issue([...at, 'synchronousMode'], `"on" needs at least 2 replicas (stores.postgres.replicas is ${pg.replicas}): a synchronous standby must exist`);
  }
  if (pg.synchronousMode === 'strict' && pg.replicas < 3) {
    issue([...at, 'synchronousMode'], `"strict" needs at least 3 replicas (stores.postgres.replicas is ${pg.replicas}), or losing one standby stops every write`);
  }
  if (env.ha && pg.pooler.replicas < 2) issue([...at, 'pooler', 'replicas'], 'must be at least 2 when ha is true (spec 002 §7.1.1: the pooler must not be a single point of failure)');
  for (const name of Object.keys(pg.parameters)) {
    // Checked here, not in the record's key schema, whose error would not say what a valid name is.
    if (!PG_PARAMETER.test(name)) issue([...at, 'parameters', name], 'must be a PostgreSQL parameter name such as work_mem (lowercase letters, digits, "_", one optional "." for an extension)');
    if ((POSTGRES_MANAGED_PARAMETERS as readonly string[]).includes(name)) {
      issue([...at, 'parameters', name], 'is set by the generator and Patroni (replication, archiving, sockets) and cannot be overridden');
    }
  }
  const b = pg.backup;
  if (b.retentionDays === undefined && !b.retention) issue([...at, 'backup'], 'needs retentionDays (a recovery window) or retention (tiers: hourly, daily, weekly, monthly)');
  if (b.retentionDays !== undefined && b.retention) issue([...at, 'backup', 'retention'], `cannot be combined with retentionDays (${b.retentionDays}): choose a recovery window or tiers`);
  if (b.retention && Object.values(b.retention).every((n) => n === 0)) issue([...at, 'backup', 'retention'], 'must keep at least one tier (hourly, daily, weekly or monthly above 0)');
  if (pg.standby && pg.restore) issue([...at, 'restore'], 'cannot be combined with standby: a standby cluster copies its source, a restore starts a new history');
  const sc = pg.standbyClients;
  if (sc?.service === 'NodePort' && sc.nodePort === undefined) issue([...at, 'standbyClients', 'nodePort'], 'is required with service NodePort (the standby site connects to this fixed port)');
  if (sc && sc.service !== 'NodePort' && sc.nodePort !== undefined) issue([...at, 'standbyClients', 'nodePort'], `only applies to service NodePort (service is ${sc.service})`);
  if (pg.standby?.sourceEnvironment === env.name) issue([...at, 'standby', 'sourceEnvironment'], `must name another environment than "${env.name}" (a cluster cannot follow itself)`);
}
