/**
 * Kafka's alerting rules from its own metrics: the JMX exporter's standard Kafka rules (kafka_controller_*,
 * kafka_server_replicamanager_*). A rule whose metric is absent never fires; the generic StatefulSet rules
 * (charts/monitoring/rules.ts) still cover the store.
 */
import type { KafkaConfig } from './context';
import { rule, type Rule, type StoreAlertKit } from '../../lib/alerts';

export function kafkaAlerts(_c: KafkaConfig, { n }: StoreAlertKit): Rule[] {
  return [
    rule('KafkaNoActiveController', 'critical', '1m', `sum(kafka_controller_kafkacontroller_activecontrollercount{${n}}) != 1`, 'Kafka has no single active controller', 'Exactly one broker must be the controller.'),
    rule('KafkaOfflinePartitions', 'critical', '1m', `sum(kafka_controller_kafkacontroller_offlinepartitionscount{${n}}) > 0`, 'Kafka partitions offline', '{{ $value }} partitions have no leader.'),
    rule('KafkaUnderMinIsr', 'critical', '2m', `sum(kafka_server_replicamanager_underminisrpartitioncount{${n}}) > 0`, 'Kafka partitions below min.insync.replicas', 'Producers with acks=all are rejected.'),
    rule('KafkaUnderReplicatedPartitions', 'warning', '10m', `sum(kafka_server_replicamanager_underreplicatedpartitions{${n}}) > 0`, 'Kafka partitions under-replicated', '{{ $value }} partitions are missing replicas.'),
  ];
}
