/**
 * The `stores.clickhouse` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; shards, replicas and Keeper (./chart.ts, ./server-config.ts).
 */
import { z } from 'zod';
import { computeResources, cronSchedule, replicas, volume } from '../../../environments/values';

export const clickhouseSection = z.strictObject({
  shards: replicas(1), replicas: replicas(1), keepers: replicas(1), volume, resources: computeResources,
  /** ClickHouse Keeper: its own small volume (raft log and snapshots) and resources. */
  keeper: z.strictObject({ volume, resources: computeResources }),
  /** Cron schedule (UTC) of `BACKUP DATABASE … ON CLUSTER` to MinIO. */
  backupSchedule: cronSchedule,
  /** Days a backup is kept; the backup job removes older ones after a successful run. */
  backupRetentionDays: z.number().int().min(1, { message: 'must be at least 1 day: the job would remove the backup it just wrote' }).max(3650).default(14),
});
