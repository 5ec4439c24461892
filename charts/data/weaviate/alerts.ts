/**
 * Weaviate's alerting rules from its own metrics (PROMETHEUS_MONITORING_ENABLED, port 2112; names from
 * usecases/monitoring/prometheus.go and cluster/store metrics of weaviate/weaviate v1.38.11) and from
 * kube-state-metrics for the backup CronJob. A rule whose metric is absent never fires; the generic StatefulSet
 * rules (charts/monitoring/rules.ts: members not ready, quorum lost, volumes filling up) still cover the store.
 */
import { rule, type Rule, type StoreAlertKit } from '../../lib/alerts';
import type { WeaviateConfig } from './context';

export function weaviateAlerts(c: WeaviateConfig, { n }: StoreAlertKit): Rule[] {
  const w = c.stores.weaviate;
  const members = `up{${n}, container="weaviate"}`;
  return [
    rule('WeaviateDown', 'critical', '2m', `${members} == 0`, 'Weaviate is down on {{ $labels.pod }}', 'Its metrics endpoint does not answer.'),
    rule('WeaviateMembersMissing', 'warning', '10m', `(count(${members} == 1) or vector(0)) < ${w.replicas}`,
      'Weaviate has fewer nodes up than configured', `Expected ${w.replicas} nodes: shards with copies there run with fewer.`),
    rule('WeaviateRaftApplyFailing', 'critical', '5m', `sum(increase(weaviate_cluster_store_fsm_apply_failures_total{${n}}[10m])) > 0`,
      'Weaviate fails to apply Raft log entries', 'Schema or cluster metadata changes are not applied on {{ $labels.pod }}.'),
    rule('WeaviateRaftLagging', 'warning', '15m',
      `max(weaviate_cluster_store_raft_last_applied_index{${n}}) - min(weaviate_cluster_store_raft_last_applied_index{${n}}) > 1000`,
      'A Weaviate node lags behind the Raft log', 'One node has applied far fewer Raft entries than the others for 15 minutes.'),
    rule('WeaviateShardsLoading', 'warning', '30m', `sum(shards_loading{${n}}) > 0`,
      'Weaviate shards have been loading for 30 minutes', 'Queries to the classes of those shards fail until they are loaded.'),
    rule('WeaviateBackupFailed', 'critical', '0m', `max(kube_job_status_failed{${n}, job_name=~"weaviate-backup-.*"}) > 0`,
      'A Weaviate backup failed', 'The last weaviate-backup Job failed: see its logs (backup status FAILED or MinIO unreachable).'),
    rule('WeaviateBackupMissing', 'warning', '1h', `time() - max(kube_cronjob_status_last_successful_time{${n}, cronjob="weaviate-backup"}) > 2 * 86400`,
      'No Weaviate backup succeeded for two days', 'The weaviate-backup CronJob has not completed successfully for more than 48 hours.'),
  ];
}
