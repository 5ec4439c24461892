/**
 * The `stores.postgres` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; the Patroni cluster, PgBouncer, WAL-G backups and the DR standby (./chart.ts and the files
 * beside it).
 */
import { z } from 'zod';
import { cidr, computeResources, dnsLabel, replicas, volume } from '../../../environments/values';

export const PG_PARAMETER = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/;
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
