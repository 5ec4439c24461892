/**
 * Alerting rules for the stores' health: replication lag, failover, quorum and disk.
 *
 * Two layers. Generic rules per StatefulSet that holds data, from kube-state-metrics and the kubelet (always
 * present with the Prometheus stack, whatever exporter a store uses): members not ready, quorum lost, volumes
 * filling up, pods restarting. Store-specific rules from each store's own metrics, rendered when the store's
 * namespace has workloads; the metric names are those of the exporter each store is expected to expose:
 *
 * The store-specific rules live with each store kind (charts/data/<kind>/alerts.ts); their metrics are:
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
import { storeKind } from '../data';
import { hasStores } from '../context';
import { NAMESPACES, type StoreName } from '../data/refs';
import { alertId, rule, storeAlertKit, type Rule } from '../lib/alerts';
import type { Manifest } from '../lib/manifest';
import { deploymentName } from '../lib/naming';
import { needsArgoRollouts } from '../gitops/addons/argo-rollouts';

export type { Rule };

export interface RuleGroup { readonly name: string; readonly namespace: string; readonly rules: readonly Rule[] }

/** Generic rules for one StatefulSet that holds data. */
export function statefulSetRules(sts: Manifest): Rule[] {
  const ns: string = sts.metadata.namespace;
  const name: string = sts.metadata.name;
  const replicas: number = sts.spec.replicas ?? 1;
  const sel = `namespace="${ns}", statefulset="${name}"`;
  const claims: string[] = (sts.spec.volumeClaimTemplates ?? []).map((t: Manifest) => t.metadata.name);
  const pvc = `namespace="${ns}", persistentvolumeclaim=~"(${claims.join('|')})-${name}-[0-9]+"`;
  const id = alertId(name);
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

/** Rules from each store's own metrics: the store kind's alerts (charts/data/<kind>/alerts.ts). */
export function storeRules(c: EnvironmentConfig, store: StoreName): Rule[] {
  const kind = storeKind(store);
  if (!hasStores(c, kind.uses)) return [];
  return kind.alerts(c, storeAlertKit(NAMESPACES[store]));
}

/** The platform's delivery: Argo CD Applications (metrics of the Argo CD add-on) and certificates (cert-manager). */
export function platformRules(c: EnvironmentConfig): Rule[] {
  const env = `name=~"${deploymentName(c)}-.*"`;
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
  if (needsArgoRollouts(c)) {
    // argoproj/argo-rollouts v1.7.2 controller/metrics/rollouts.go: `rollout_info` is 1 for each Rollout, its
    // `phase` label computed from the Progressing condition (Abort for RolloutAborted, Timeout for a missed
    // progress deadline; status.phase reads Degraded for both). The chart's ServiceMonitor (argo-helm
    // argo-rollouts-2.37.7 templates/controller/servicemonitor.yaml) does not honour the metric's labels, so the
    // Rollout's namespace is `exported_namespace`.
    const by = 'max by (exported_namespace, name)';
    rules.push(
      rule('RolloutAborted', 'critical', '0m', `${by} (rollout_info{phase="Abort"}) == 1`,
        'Rollout {{ $labels.exported_namespace }}/{{ $labels.name }} was aborted: its new version is rolled back',
        'Its canary failed its analysis, or a person aborted it: all traffic is on the stable version. `kubectl argo rollouts get rollout {{ $labels.name }} -n {{ $labels.exported_namespace }}` shows which measurement failed.'),
      rule('RolloutTimedOut', 'warning', '0m', `${by} (rollout_info{phase="Timeout"}) == 1`,
        'Rollout {{ $labels.exported_namespace }}/{{ $labels.name }} made no progress within its deadline',
        'Its new pods did not become ready within progressDeadlineSeconds.'),
    );
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
