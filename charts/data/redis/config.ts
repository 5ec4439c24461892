/**
 * The `stores.redis` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; the Redis servers and their Sentinels (./chart.ts documents each field's use).
 */
import { z } from 'zod';
import { computeResources, cronSchedule, replicas, volume } from '../../../environments/values';

/** Redis servers (one master, the rest replicas) and their Sentinels; ./chart.ts documents each use. */
export const redisSection = z.strictObject({
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
  backup: z.strictObject({
    schedule: cronSchedule,
    retentionDays: replicas(1),
  }),
  volume,
  resources: computeResources,
});
