/**
 * Alerting rules for the stores' health: replication lag, failover, quorum and disk.
 *
 * Two layers. Generic rules per StatefulSet that holds data, from kube-state-metrics and the kubelet (always
 * present with the Prometheus stack, whatever exporter a store uses): members not ready, quorum lost, volumes
 * filling up, pods restarting. Store-specific rules from each store's own metrics, rendered when the store's
 * namespace has workloads; the metric names are those of the exporter each store is expected to expose:
 *
 *  - PostgreSQL: Patroni's REST API `/metrics` (patroni_primary, patroni_standby_leader, patroni_postgres_streaming,
 *    patroni_postgres_timeline, patroni_xlog_*; patroni/patroni v4.0.4 patroni/api.py, the image's Patroni)
 *  - Redis: redis_exporter (redis_up, redis_instance_info{role}, redis_master_link_up, redis_sentinel_*)
 *  - MinIO: `/minio/v2/metrics/cluster` (minio_cluster_*)
 *  - Elasticsearch: elasticsearch_exporter (elasticsearch_cluster_health_*, elasticsearch_filesystem_data_*)
 *  - ClickHouse: the built-in endpoint (ClickHouseMetrics_*, ClickHouseAsyncMetrics_*)
 *  - Kafka: the JMX exporter's standard Kafka rules (kafka_controller_*, kafka_server_replicamanager_*)
 * A rule whose metric is absent never fires; the generic layer still covers the store.
 */
import type { EnvironmentConfig } from '../../environments/schema';
import { NAMESPACES } from '../data/refs';
import type { Manifest } from '../lib/manifest';

export interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'critical' | 'warning';
  readonly summary: string;
  readonly description: string;
}

export interface RuleGroup { readonly name: string; readonly namespace: string; readonly rules: readonly Rule[] }

const rule = (alert: string, severity: Rule['severity'], forDuration: string, expr: string, summary: string, description: string): Rule =>
  ({ alert, expr, for: forDuration, severity, summary, description });

/** Generic rules for one StatefulSet that holds data. */
export function statefulSetRules(sts: Manifest): Rule[] {
  const ns: string = sts.metadata.namespace;
  const name: string = sts.metadata.name;
  const replicas: number = sts.spec.replicas ?? 1;
  const sel = `namespace="${ns}", statefulset="${name}"`;
  const claims: string[] = (sts.spec.volumeClaimTemplates ?? []).map((t: Manifest) => t.metadata.name);
  const pvc = `namespace="${ns}", persistentvolumeclaim=~"(${claims.join('|')})-${name}-[0-9]+"`;
  const id = camel(name);
  const rules: Rule[] = [
    rule(`${id}MembersNotReady`, 'warning', '10m',
      `kube_statefulset_status_replicas_ready{${sel}} < kube_statefulset_replicas{${sel}}`,
      `${ns}/${name}: members not ready`,
      `{{ $value }} of ${replicas} members of ${name} are ready: redundancy is reduced.`),
    rule(`${id}PodsRestarting`, 'warning', '0m',
      `sum(increase(kube_pod_container_status_restarts_total{namespace="${ns}", pod=~"${name}-[0-9]+"}[30m])) > 3`,
      `${ns}/${name}: pods restarting`, `Members of ${name} restarted {{ $value }} times in 30 minutes.`),
  ];
  if (replicas >= 3) {
    const quorum = Math.floor(replicas / 2) + 1;
    rules.push(rule(`${id}QuorumLost`, 'critical', '1m',
      `kube_statefulset_status_replicas_ready{${sel}} < ${quorum}`,
      `${ns}/${name}: quorum lost`,
      `Fewer than ${quorum} of ${replicas} members of ${name} are ready: the cluster cannot elect a leader or acknowledge writes.`));
  }
  if (claims.length) {
    const free = `kubelet_volume_stats_available_bytes{${pvc}} / kubelet_volume_stats_capacity_bytes{${pvc}}`;
    rules.push(
      rule(`${id}VolumeFillingUp`, 'warning', '5m', `${free} < 0.15`,
        `${ns}/${name}: volume {{ $labels.persistentvolumeclaim }} is more than 85 % full`, 'Grow the volume (the storage class must allow expansion) or free space.'),
      rule(`${id}VolumeAlmostFull`, 'critical', '2m', `${free} < 0.05`,
        `${ns}/${name}: volume {{ $labels.persistentvolumeclaim }} is more than 95 % full`, 'The store will stop accepting writes when the volume is full.'),
      rule(`${id}VolumeFullIn24h`, 'warning', '30m',
        `predict_linear(kubelet_volume_stats_available_bytes{${pvc}}[6h], 24 * 3600) < 0 and ${free} < 0.4`,
        `${ns}/${name}: volume {{ $labels.persistentvolumeclaim }} fills up within 24 hours`, 'At the growth rate of the last 6 hours.'),
    );
  }
  return rules;
}

/** Rules from each store's own metrics. */
export function storeRules(c: EnvironmentConfig, store: keyof typeof NAMESPACES): Rule[] {
  const ns = NAMESPACES[store];
  const n = `namespace="${ns}"`;
  const s = c.stores;
  const down = (alert: string, metric: string, what: string) =>
    rule(alert, 'critical', '2m', `${metric}{${n}} == 0`, `${what} is down on {{ $labels.pod }}`, `${what} on {{ $labels.pod }} does not respond to its exporter.`);
  const failover = (alert: string, leaderSeries: string, what: string) =>
    rule(alert, 'warning', '0m', `count(count_over_time(${leaderSeries}[15m])) > 1`,
      `${what}: the leader changed`, `More than one member was ${what}'s leader in the last 15 minutes (failover or switchover): check why the previous leader left.`);
  switch (store) {
    case 'postgres': {
      const primary = `patroni_primary{${n}}`;
      // A standby cluster (dr) has no primary until it is promoted: its leader reports patroni_standby_leader, and
      // no member is a synchronous standby (Patroni keeps a standby cluster asynchronous).
      const standbyCluster = s.postgres.standby !== undefined;
      const standbyLeader = `patroni_standby_leader{${n}}`;
      // What the site has of the newest WAL: the primary's position, or on a standby cluster what its standby
      // leader has received from its source (the other site's primary, whose own position this Prometheus cannot
      // see). Every replica, and the standby leader's replay itself, is measured against it.
      const newest = `max(patroni_xlog_location{${n}} or (patroni_xlog_received_location{${n}} and on (pod) (${standbyLeader} == 1)))`;
      const following = `(patroni_replica{${n}} == 1 or ${standbyLeader} == 1)`;
      return [
        down('PostgresNotRunning', 'patroni_postgres_running', 'PostgreSQL'),
        standbyCluster
          ? rule('PostgresNoLeader', 'critical', '1m', `(sum(${primary}) or vector(0)) + (sum(${standbyLeader}) or vector(0)) < 1`,
            'PostgreSQL has no leader', 'No Patroni member holds the leader lock, as standby leader or (once promoted) as primary: nothing follows the source site.')
          : rule('PostgresNoPrimary', 'critical', '1m', `(sum(${primary}) or vector(0)) < 1`, 'PostgreSQL has no primary', 'No Patroni member holds the leader lock: writes fail.'),
        rule('PostgresSeveralPrimaries', 'critical', '1m', `sum(${primary}) > 1`, 'PostgreSQL has more than one primary', 'Split brain: more than one member runs as primary.'),
        rule('PostgresFailover', 'warning', '0m', `max(changes(patroni_postgres_timeline{${n}}[15m])) > 0`, 'PostgreSQL failed over', 'The timeline changed in the last 15 minutes: a replica was promoted.'),
        rule('PostgresReplicationLag', 'warning', '5m',
          `((scalar(${newest}) - patroni_xlog_replayed_location{${n}}) > 67108864) and on (pod) ${following}`,
          'PostgreSQL member {{ $labels.pod }} lags', standbyCluster
            ? 'The member has replayed {{ $value | humanize1024 }}B less WAL than this site has received from its source.'
            : 'The replica has replayed {{ $value | humanize1024 }}B less WAL than the primary has written.'),
        ...(standbyCluster ? [rule('PostgresStandbyNotStreaming', 'critical', '5m',
          `(patroni_postgres_streaming{${n}} == 0) and on (pod) (${standbyLeader} == 1)`,
          'PostgreSQL standby leader {{ $labels.pod }} does not stream from its source',
          'The standby cluster receives no WAL from the source site\'s primary (at best it replays the archive): its lag behind the source grows unseen.')] : []),
        // Only where there is a primary: a standby cluster has no synchronous standby until it is promoted.
        ...(c.ha ? [rule('PostgresNoSynchronousStandby', 'critical', '5m',
          `(sum(patroni_sync_standby{${n}}) or vector(0)) < 1 and on () (sum(${primary}) >= 1)`,
          'PostgreSQL has no synchronous standby', 'Commits wait for a synchronous standby that does not exist: writes stall or lose their zero-data-loss guarantee.')] : []),
      ];
    }
    case 'redis':
      return [
        down('RedisDown', 'redis_up', 'Redis'),
        rule('RedisNoMaster', 'critical', '1m', `(count(redis_instance_info{${n}, role="master"}) or vector(0)) < 1`, 'Redis has no master', 'Sentinel has not promoted a replica: writes fail.'),
        rule('RedisSeveralMasters', 'critical', '1m', `count(redis_instance_info{${n}, role="master"}) > 1`, 'Redis has more than one master', 'Split brain: more than one node accepts writes.'),
        failover('RedisFailover', `redis_instance_info{${n}, role="master"}`, 'Redis'),
        rule('RedisReplicationBroken', 'critical', '2m', `redis_master_link_up{${n}} == 0`, 'Redis replica {{ $labels.pod }} lost its master', 'The replica is not replicating.'),
        ...(s.redis.replicas > 1 ? [rule('RedisMissingReplicas', 'warning', '5m', `sum(redis_connected_slaves{${n}}) < ${s.redis.replicas - 1}`,
          'Redis has fewer replicas than configured', `Expected ${s.redis.replicas - 1} replicas attached to the master.`)] : []),
        rule('RedisSentinelQuorum', 'critical', '2m', `redis_sentinel_master_ok_sentinels{${n}} < ${Math.floor(s.redis.replicas / 2) + 1}`,
          'Redis Sentinel below quorum', 'Too few Sentinels agree on the master: no failover can happen.'),
      ];
    case 'minio':
      return [
        rule('MinioNodesOffline', 'critical', '5m', `max(minio_cluster_nodes_offline_total{${n}}) > 0`, 'MinIO servers offline', '{{ $value }} MinIO servers are offline.'),
        rule('MinioDrivesOffline', 'warning', '5m', `max(minio_cluster_drive_offline_total{${n}} or minio_cluster_disk_offline_total{${n}}) > 0`,
          'MinIO drives offline', '{{ $value }} drives are offline: erasure coding is using its parity.'),
        rule('MinioWriteQuorum', 'critical', '1m', `min(minio_cluster_health_erasure_set_online_drives{${n}} - minio_cluster_health_erasure_set_write_quorum{${n}}) < 0`,
          'MinIO lost write quorum', 'An erasure set has fewer online drives than its write quorum: uploads fail.'),
        rule('MinioCapacityLow', 'warning', '15m', `min(minio_cluster_capacity_usable_free_bytes{${n}} / minio_cluster_capacity_usable_total_bytes{${n}}) < 0.15`,
          'MinIO is more than 85 % full', 'Backups and documents will fail to upload when it is full.'),
      ];
    case 'elasticsearch': {
      const es = s.elasticsearch;
      const nodes = es.masters + es.data + es.coordinating;
      return [
        rule('ElasticsearchClusterRed', 'critical', '2m', `max(elasticsearch_cluster_health_status{${n}, color="red"}) == 1`, 'Elasticsearch cluster is red', 'Some primary shards are unassigned: searches and writes to them fail.'),
        rule('ElasticsearchClusterYellow', 'warning', '20m', `max(elasticsearch_cluster_health_status{${n}, color="yellow"}) == 1`, 'Elasticsearch cluster is yellow', 'Some replica shards are unassigned: one more node loss may lose data.'),
        rule('ElasticsearchNodesMissing', 'critical', '5m', `max(elasticsearch_cluster_health_number_of_nodes{${n}}) < ${nodes}`, 'Elasticsearch nodes missing', `Fewer than the ${nodes} configured nodes are in the cluster.`),
        rule('ElasticsearchUnassignedShards', 'warning', '15m', `max(elasticsearch_cluster_health_unassigned_shards{${n}}) > 0`, 'Elasticsearch has unassigned shards', '{{ $value }} shards are unassigned.'),
        rule('ElasticsearchDiskWatermark', 'warning', '5m', `min by (name) (elasticsearch_filesystem_data_available_bytes{${n}} / elasticsearch_filesystem_data_size_bytes{${n}}) < 0.15`,
          'Elasticsearch node {{ $labels.name }} passes the high disk watermark', 'Above 85 % Elasticsearch stops allocating shards to the node, above 95 % it makes indices read-only.'),
      ];
    }
    case 'clickhouse':
      return [
        rule('ClickHouseReadonlyReplica', 'critical', '5m', `max by (pod) (ClickHouseMetrics_ReadonlyReplica{${n}}) > 0`,
          'ClickHouse replica {{ $labels.pod }} is read-only', 'The replica lost its Keeper session (Keeper quorum lost or unreachable): inserts fail.'),
        rule('ClickHouseReplicationLag', 'warning', '10m', `max by (pod) (ClickHouseAsyncMetrics_ReplicasMaxAbsoluteDelay{${n}}) > 300`,
          'ClickHouse replica {{ $labels.pod }} lags', 'A replicated table is more than 5 minutes behind.'),
        rule('ClickHouseKeeperNoLeader', 'critical', '2m', `(sum(ClickHouseAsyncMetrics_KeeperIsLeader{${n}}) or vector(0)) < 1 and on () (count(ClickHouseAsyncMetrics_KeeperIsLeader{${n}}) > 0)`,
          'ClickHouse Keeper has no leader', 'Keeper lost its raft quorum: replicated tables become read-only.'),
      ];
    case 'kafka':
      return [
        rule('KafkaNoActiveController', 'critical', '1m', `sum(kafka_controller_kafkacontroller_activecontrollercount{${n}}) != 1`, 'Kafka has no single active controller', 'Exactly one broker must be the controller.'),
        rule('KafkaOfflinePartitions', 'critical', '1m', `sum(kafka_controller_kafkacontroller_offlinepartitionscount{${n}}) > 0`, 'Kafka partitions offline', '{{ $value }} partitions have no leader.'),
        rule('KafkaUnderMinIsr', 'critical', '2m', `sum(kafka_server_replicamanager_underminisrpartitioncount{${n}}) > 0`, 'Kafka partitions below min.insync.replicas', 'Producers with acks=all are rejected.'),
        rule('KafkaUnderReplicatedPartitions', 'warning', '10m', `sum(kafka_server_replicamanager_underreplicatedpartitions{${n}}) > 0`, 'Kafka partitions under-replicated', '{{ $value }} partitions are missing replicas.'),
      ];
    default:
      return [];
  }
}

/** `postgres-database` → `PostgresDatabase`, for alert names. */
function camel(s: string): string {
  return s.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

/** The platform's delivery: Argo CD Applications (metrics of the Argo CD add-on) and certificates (cert-manager). */
export function platformRules(c: EnvironmentConfig): Rule[] {
  const env = `name=~"${c.name}-.*"`;
  const rules: Rule[] = [
    rule('ArgoCdApplicationUnhealthy', 'warning', '15m', `max by (name, health_status) (argocd_app_info{${env}, health_status!~"Healthy|Progressing"}) == 1`,
      'Argo CD Application {{ $labels.name }} is {{ $labels.health_status }}', 'Some of its objects are not healthy: `argocd app get {{ $labels.name }}` shows which.'),
    rule('ArgoCdApplicationSyncFailed', 'critical', '0m', `max by (name) (increase(argocd_app_sync_total{${env}, phase=~"Error|Failed"}[15m])) > 0`,
      'Argo CD failed to sync {{ $labels.name }}', 'A sync ended in error in the last 15 minutes (retries included).'),
  ];
  // Where Argo CD syncs by itself, OutOfSync for long means self-heal cannot converge; elsewhere it awaits approval.
  if (c.gitops.autoSync) {
    rules.push(rule('ArgoCdApplicationOutOfSync', 'warning', '30m', `max by (name) (argocd_app_info{${env}, sync_status="OutOfSync"}) == 1`,
      'Argo CD Application {{ $labels.name }} stays OutOfSync', 'Automated sync does not converge: a field is changed by something else, or the sync fails.'));
  }
  if (c.addons.certManager.enabled) {
    rules.push(
      rule('CertificateExpiresSoon', 'warning', '1h', '(certmanager_certificate_expiration_timestamp_seconds - time()) < 14 * 24 * 3600',
        'Certificate {{ $labels.namespace }}/{{ $labels.name }} expires within 14 days', 'cert-manager renews 30 days ahead by default: renewal is failing.'),
      rule('CertificateNotReady', 'critical', '15m', 'max by (namespace, name) (certmanager_certificate_ready_status{condition="False"}) == 1',
        'Certificate {{ $labels.namespace }}/{{ $labels.name }} is not ready', '`kubectl describe certificate` shows why the issuer refused it.'),
    );
  }
  return rules;
}
