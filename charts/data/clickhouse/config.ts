/**
 * The `stores.clickhouse` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; shards, replicas and Keeper (./chart.ts, ./server-config.ts).
 */
import { z } from 'zod';
import { haMinimum, type Issue, type RuleContext } from '../kind';
import { computeResources, replicas, scheduledBackup, volume } from '../../../environments/values';

export const clickhouseSection = z.strictObject({
  shards: replicas(1), replicas: replicas(1), keepers: replicas(1), volume, resources: computeResources,
  /** ClickHouse Keeper: its own small volume (raft log and snapshots) and resources. */
  keeper: z.strictObject({ volume, resources: computeResources }),
  /** Cron schedule (UTC) of `BACKUP DATABASE … ON CLUSTER` to MinIO. */
  /** `BACKUP DATABASE … ON CLUSTER` to MinIO (charts/data/clickhouse/server-config.ts backupScript). */
  backup: scheduledBackup,
});

/** ClickHouse: a Keeper ensemble that can hold a majority (issue 9). */
export function clickhouseRules(section: z.infer<typeof clickhouseSection>, env: RuleContext, issue: Issue): void {
  haMinimum(env, issue, ['stores', 'clickhouse', 'replicas'], section.replicas, 2, 'every shard needs a second replica');
  haMinimum(env, issue, ['stores', 'clickhouse', 'keepers'], section.keepers, 3, 'Keeper\'s raft needs a majority');
  const ch = section;
  if (ch.keepers % 2 === 0) {
    issue(['stores', 'clickhouse', 'keepers'], `must be odd (1, 3 or 5): an ensemble of ${ch.keepers} tolerates no more failures than one of ${ch.keepers - 1} and can split evenly`);
  }
}
