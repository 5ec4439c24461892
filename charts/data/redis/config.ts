/**
 * The `stores.redis` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; the Redis servers and their Sentinels (./chart.ts documents each field's use).
 */
import { z } from 'zod';
import { externalStoreFields, haMinimum, type Issue, type RuleContext } from '../kind';
import { computeResources, replicas, scheduledBackup, volume } from '../../../environments/values';

/** Redis servers (one master, the rest replicas) and their Sentinels; ./chart.ts documents each use. */
export const redisSection = z.strictObject({
  /** Sentinel's name of the master group, which clients ask for (set in the platform's base.ts). */
  masterSet: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, { message: 'must be a name such as app (lowercase letters, digits, "-")' }),
  replicas: replicas(1),
  /** Sentinel processes (own StatefulSet); the quorum is their majority. Odd: an even count adds no tolerance. */
  sentinels: replicas(1).refine((n) => n % 2 === 1, { message: 'must be odd (an even number of Sentinels tolerates no more failures than one fewer)' }),
  /** A master refuses writes unless this many replicas acknowledged within minReplicasMaxLagSeconds (0: never). */
  minReplicasToWrite: replicas(0),
  minReplicasMaxLagSeconds: replicas(1),
  /** How long a master must be unreachable before a Sentinel considers it down. */
  downAfterMilliseconds: z.number().int({ message: 'must be a whole number' }).min(1000, { message: 'must be at least 1000 (shorter fails over on a node that is merely slow for a moment)' }),
  failoverTimeoutMilliseconds: z.number().int({ message: 'must be a whole number' }).min(10000, { message: 'must be at least 10000' }),
  /** RDB backups to MinIO (`refs.minio.buckets.backups.redis`), taken from a replica; older ones are pruned. */
  backup: scheduledBackup,
  volume,
  resources: computeResources,
});

/** Redis: a master must be able to meet min-replicas-to-write (checked once replicas itself is acceptable). */
export function redisRules(section: z.infer<typeof redisSection>, env: RuleContext, issue: Issue): void {
  haMinimum(env, issue, ['stores', 'redis', 'replicas'], section.replicas, 3, 'Sentinel needs a quorum of 2 out of 3');
  haMinimum(env, issue, ['stores', 'redis', 'sentinels'], section.sentinels, 3, 'a failover needs a majority of Sentinels with one of them lost');
  haMinimum(env, issue, ['stores', 'redis', 'minReplicasToWrite'], section.minReplicasToWrite, 1, 'a master cut off from its replicas must stop accepting writes it would lose');
  const r = section;
  if (r.replicas < (env.ha ? 3 : 1)) return; // replicas itself is reported
  if (r.minReplicasToWrite > r.replicas - 1) {
    issue(['stores', 'redis', 'minReplicasToWrite'],
      `must be at most replicas - 1 = ${r.replicas - 1} (a master with fewer replicas than that refuses every write)`);
  }
}

/**
 * Redis as a managed service in cluster mode (`external.redis`), e.g. ElastiCache for Redis 7.0 with cluster mode
 * enabled (spec 004 "Database Specifications": 3 shards, 1 replica per shard). `host` is the cluster's
 * configuration endpoint (`clustercfg.<name>.<id>.<region>.cache.amazonaws.com`): clients discover every shard's
 * nodes from it (CLUSTER SLOTS) and follow MOVED redirections. The key space is split across the shards, so a
 * Sentinel or single-node client cannot work: the consumers are wired for cluster mode (./client.ts). Always TLS:
 * ElastiCache accepts an AUTH token only with in-transit encryption on (AWS ElastiCache guide, "Authenticating
 * with the AUTH command"). `credentialsSecret` holds that token (key password).
 */
export const externalRedisSection = z.strictObject({
  ...externalStoreFields,
  /** @default 6379 */
  port: externalStoreFields.port.default(6379),
  /** Only cluster mode is wired (a primary/reader endpoint pair of a non-clustered group is not). */
  mode: z.enum(['cluster']),
  /** Node groups (ElastiCache NumNodeGroups, 1–500): what the site provisioned; clients discover them. */
  shards: z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }).max(500),
  /** Replicas of each shard (ElastiCache ReplicasPerNodeGroup, 0–5); without one a shard's failure loses its keys. */
  replicasPerShard: z.number().int({ message: 'must be a whole number' }).min(0).max(5),
});
