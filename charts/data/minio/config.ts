/**
 * The `stores.minio` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; its server pools (./chart.ts; pools are appended, never resized: ./guard.ts).
 */
import { z } from 'zod';
import { type Issue, type RuleContext } from '../kind';
import { erasureLayout } from './erasure';
import { cidr, computeResources, cronSchedule, dnsLabel, replicas, volume } from '../../../environments/values';

/** Who may use MinIO: each gets its own user, limited to its own bucket (./refs.ts). */
export const MINIO_CLIENTS = ['postgres', 'clickhouse', 'elasticsearch', 'redis', 'documents', 'logs', 'weaviate'] as const;
export type MinioClient = typeof MINIO_CLIENTS[number];

/**
 * A standby site's copy of its source site's objects (./mirror.ts): the buckets of these clients, brought from the
 * source's MinIO into this one on a schedule while the site is a standby (`apps.standby`).
 */
export const minioMirror = z.strictObject({
  /** The environment followed (the same bucket names there). */
  sourceEnvironment: dnsLabel,
  /** The source site's MinIO (S3 API), reachable from this cluster. */
  endpoint: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://minio.example.com:9000' }),
  /** Its addresses (the mirror's egress NetworkPolicy allows exactly these). */
  cidrs: z.array(cidr).min(1, { message: 'must list at least one CIDR' }),
  /** Whose buckets to follow: the services' documents, a store's backups (to restore it here after a failover). */
  clients: z.array(z.enum(MINIO_CLIENTS)).min(1, { message: 'must list at least one client' }),
  /** How often changes are brought over: the objects' recovery point. @default every 15 minutes */
  schedule: cronSchedule.default('*/15 * * * *'),
});

/** One MinIO server pool: a StatefulSet of `servers` pods with `drivesPerServer` volumes each. Never resized in place. */
export const minioPool = z.strictObject({
  /** Stable name (the StatefulSet is `minio-<name>`); pools are added, never renamed. */
  name: dnsLabel.refine((n) => n.length <= 40, { message: 'must be at most 40 characters' }),
  servers: replicas(1),
  drivesPerServer: replicas(1).max(32, { message: 'must be at most 32' }),
  volume,
});
export type MinioPool = z.infer<typeof minioPool>;

export const minioSection = z.strictObject({
  /** Server pools, oldest first. Capacity grows by appending a pool (see docs/minio.md). */
  pools: z.array(minioPool).min(1, { message: 'must list at least one pool' }),
  /** Parity of the STANDARD storage class (EC:N). @default MinIO's default for the smallest erasure set */
  parity: z.number().int({ message: 'must be a whole number' }).min(0, { message: 'must be at least 0' }).optional(),
  resources: computeResources,
  mirror: minioMirror.optional(),
});

/** MinIO: every pool must form erasure sets MinIO accepts; in HA every pool keeps write quorum with a server down. */
export function minioRules(section: z.infer<typeof minioSection>, env: RuleContext, issue: Issue): void {
  const m = section;
  const at = (i: number, f: string) => ['stores', 'minio', 'pools', i, f];
  m.mirror?.clients.forEach((client, i) => {
    if (m.mirror!.clients.indexOf(client) !== i) issue(['stores', 'minio', 'mirror', 'clients', i], `duplicates "${client}"`);
    // The standby cluster's own WAL-G writes its timeline there; it reads the source's archive directly.
    if (client === 'postgres') issue(['stores', 'minio', 'mirror', 'clients', i], 'cannot be mirrored: a PostgreSQL standby reads its source\'s WAL archive directly (stores.postgres.standby.archive) and archives its own timeline here');
  });
  const names = new Set<string>();
  m.pools.forEach((pool, i) => {
    if (names.has(pool.name)) issue(at(i, 'name'), `duplicates pool name "${pool.name}"`);
    names.add(pool.name);
    const drives = pool.servers * pool.drivesPerServer;
    if (drives === 1 && (env.ha || m.pools.length > 1)) {
      issue(at(i, 'servers'), 'one server with one drive is MinIO\'s single-drive mode: only for a single-pool, non-HA environment (use at least 4 drives)');
      return;
    }
    if (drives > 1 && drives < 4) {
      issue(at(i, 'drivesPerServer'), `gives ${drives} drives (${pool.servers} × ${pool.drivesPerServer}): an erasure-coded pool needs at least 4 drives`);
      return;
    }
    const layout = erasureLayout(pool, m.parity);
    if ('error' in layout) {
      const field = layout.error.startsWith('parity') ? ['stores', 'minio', 'parity'] : at(i, 'drivesPerServer');
      issue(field, `pool "${pool.name}" (${pool.servers} servers × ${pool.drivesPerServer} drives): ${layout.error}`);
      return;
    }
    if (env.ha && layout.serversTolerated < 1) {
      issue(at(i, 'servers'), `pool "${pool.name}" (${pool.servers} × ${pool.drivesPerServer}, erasure set ${layout.setSize}, EC:${layout.parity}) loses write quorum (${layout.writeQuorum} of ${layout.setSize}) when one server is down: use more servers or more parity (ha is true)`);
    }
    if (env.ha && pool.servers > env.nodes) {
      issue(at(i, 'servers'), `must be at most cluster.nodes (${env.nodes}) when ha is true: two servers of a pool on one node would both fall with it`);
    }
  });
}
