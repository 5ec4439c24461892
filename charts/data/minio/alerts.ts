/**
 * MinIO's alerting rules from its own metrics: `/minio/v2/metrics/cluster` (minio_cluster_*). A rule whose metric
 * is absent never fires; the generic StatefulSet rules (charts/monitoring/rules.ts) still cover the store.
 */
import type { MinioConfig } from './context';
import { rule, type Rule, type StoreAlertKit } from '../../lib/alerts';
import { MIRROR_NAME } from './mirror';

export function minioAlerts(c: MinioConfig, { n }: StoreAlertKit): Rule[] {
  const mirror = c.apps.standby ? c.stores.minio.mirror : undefined;
  return [
    // A standby's copy of its source's objects (./mirror.ts): a failed run, or none successful for two hours.
    ...(mirror ? [
      rule('MinioMirrorFailed', 'warning', '0m', `max(kube_job_status_failed{${n}, job_name=~"${MIRROR_NAME}-.*"}) > 0`,
        `MinIO mirror from ${mirror.sourceEnvironment} failed`, `A run of ${MIRROR_NAME} failed: its logs name the bucket (one container per bucket).`),
      rule('MinioMirrorStale', 'critical', '15m', `time() - max(kube_cronjob_status_last_successful_time{${n}, cronjob="${MIRROR_NAME}"}) > 7200`,
        `MinIO mirror from ${mirror.sourceEnvironment} is behind`, `No run of ${MIRROR_NAME} succeeded for two hours: a failover now would lose the objects written since.`),
    ] : []),
    rule('MinioNodesOffline', 'critical', '5m', `max(minio_cluster_nodes_offline_total{${n}}) > 0`, 'MinIO servers offline', '{{ $value }} MinIO servers are offline.'),
    rule('MinioDrivesOffline', 'warning', '5m', `max(minio_cluster_drive_offline_total{${n}} or minio_cluster_disk_offline_total{${n}}) > 0`,
      'MinIO drives offline', '{{ $value }} drives are offline: erasure coding is using its parity.'),
    rule('MinioWriteQuorum', 'critical', '1m', `min(minio_cluster_health_erasure_set_online_drives{${n}} - minio_cluster_health_erasure_set_write_quorum{${n}}) < 0`,
      'MinIO lost write quorum', 'An erasure set has fewer online drives than its write quorum: uploads fail.'),
    rule('MinioCapacityLow', 'warning', '15m', `min(minio_cluster_capacity_usable_free_bytes{${n}} / minio_cluster_capacity_usable_total_bytes{${n}}) < 0.15`,
      'MinIO is more than 85 % full', 'Backups and documents will fail to upload when it is full.'),
  ];
}
