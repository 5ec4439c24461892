/**
 * Elasticsearch's alerting rules from its own metrics: elasticsearch_exporter (elasticsearch_cluster_health_*,
 * elasticsearch_filesystem_data_*). A rule whose metric is absent never fires; the generic StatefulSet rules
 * (charts/monitoring/rules.ts) still cover the store.
 */
import type { ElasticsearchConfig } from './context';
import { rule, type Rule, type StoreAlertKit } from '../../lib/alerts';

export function elasticsearchAlerts(c: ElasticsearchConfig, { n }: StoreAlertKit): Rule[] {
  const s = c.stores;
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
