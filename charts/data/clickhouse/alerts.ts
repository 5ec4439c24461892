/**
 * ClickHouse's alerting rules from its own metrics: the built-in endpoint (ClickHouseMetrics_*,
 * ClickHouseAsyncMetrics_*). A rule whose metric is absent never fires; the generic StatefulSet rules
 * (charts/monitoring/rules.ts) still cover the store.
 */
import type { ClickhouseConfig } from './context';
import { rule, type Rule, type StoreAlertKit } from '../../lib/alerts';

export function clickhouseAlerts(_c: ClickhouseConfig, { n }: StoreAlertKit): Rule[] {
  return [
    rule('ClickHouseReadonlyReplica', 'critical', '5m', `max by (pod) (ClickHouseMetrics_ReadonlyReplica{${n}}) > 0`,
      'ClickHouse replica {{ $labels.pod }} is read-only', 'The replica lost its Keeper session (Keeper quorum lost or unreachable): inserts fail.'),
    rule('ClickHouseReplicationLag', 'warning', '10m', `max by (pod) (ClickHouseAsyncMetrics_ReplicasMaxAbsoluteDelay{${n}}) > 300`,
      'ClickHouse replica {{ $labels.pod }} lags', 'A replicated table is more than 5 minutes behind.'),
    rule('ClickHouseKeeperNoLeader', 'critical', '2m', `(sum(ClickHouseAsyncMetrics_KeeperIsLeader{${n}}) or vector(0)) < 1 and on () (count(ClickHouseAsyncMetrics_KeeperIsLeader{${n}}) > 0)`,
      'ClickHouse Keeper has no leader', 'Keeper lost its raft quorum: replicated tables become read-only.'),
  ];
}
