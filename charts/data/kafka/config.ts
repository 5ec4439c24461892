/**
 * The `stores.kafka` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; the brokers and the topics the platform declares (./chart.ts, ./server-config.ts).
 */
import { z } from 'zod';
import { haMinimum, type Issue, type RuleContext } from '../kind';
import { computeResources, replicas, volume } from '../../../environments/values';

/** A Kafka topic the platform declares (auto.create.topics.enable is false: the topics Job creates these). */
export const kafkaTopic = z.strictObject({
  /** Lower case letters, digits, '.' and '-' (Kafka also allows '_', which collides with '.' in metric names). */
  name: z.string().max(249).regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, { message: "must be lower case letters, digits, '.' and '-', starting and ending with a letter or digit" }),
  partitions: z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }).max(1000),
  /** @default stores.kafka.replicationFactor */
  replicationFactor: replicas(1).optional(),
  /** retention.ms of the topic in hours. @default the brokers' log.retention.hours (168) */
  retentionHours: z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }).optional(),
  /** ClickHouse ingests it: a named collection kafka_<name> for its Kafka engine table. */
  clickhouse: z.boolean().default(false),
});

export const kafkaSection = z.strictObject({
  brokers: replicas(1), volume, resources: computeResources,
  /** Replicas of every topic (default.replication.factor and the internal topics). */
  replicationFactor: replicas(1),
  /** Replicas that must acknowledge a write with acks=all; below it producers are refused rather than lose data. */
  minInsyncReplicas: replicas(1),
  /** The topics the platform uses, created (if missing) by the kafka-topics Job after every sync. */
  topics: z.array(kafkaTopic).default([]),
});

/** Kafka: replication that can work with the brokers there are (issue 9). */
export function kafkaRules(section: z.infer<typeof kafkaSection>, env: RuleContext, issue: Issue): void {
  haMinimum(env, issue, ['stores', 'kafka', 'brokers'], section.brokers, 3, 'min.insync.replicas 2 with one broker lost');
  haMinimum(env, issue, ['stores', 'kafka', 'minInsyncReplicas'], section.minInsyncReplicas, 2, 'an acknowledged write survives the loss of one broker');
  const k = section;
  if (k.replicationFactor > k.brokers) {
    issue(['stores', 'kafka', 'replicationFactor'], `must not exceed stores.kafka.brokers (${k.brokers}): every replica of a partition needs its own broker`);
  }
  if (k.minInsyncReplicas > k.replicationFactor) {
    issue(['stores', 'kafka', 'minInsyncReplicas'], `must not exceed stores.kafka.replicationFactor (${k.replicationFactor}): no write could ever be acknowledged`);
  } else if (k.brokers > 1 && k.minInsyncReplicas >= k.replicationFactor) {
    issue(['stores', 'kafka', 'minInsyncReplicas'], `must be below stores.kafka.replicationFactor (${k.replicationFactor}) with more than one broker, or losing one broker stops all writes`);
  }
  const seen = new Set<string>();
  k.topics.forEach((t, i) => {
    if (seen.has(t.name)) issue(['stores', 'kafka', 'topics', i, 'name'], `"${t.name}" is declared twice`);
    seen.add(t.name);
    const rf = t.replicationFactor;
    if (rf === undefined) return;
    if (rf > k.brokers) {
      issue(['stores', 'kafka', 'topics', i, 'replicationFactor'], `must not exceed stores.kafka.brokers (${k.brokers}): every replica of a partition needs its own broker`);
    } else if (rf < k.minInsyncReplicas) {
      issue(['stores', 'kafka', 'topics', i, 'replicationFactor'], `must be at least stores.kafka.minInsyncReplicas (${k.minInsyncReplicas}): no write with acks=all could be acknowledged`);
    }
  });
}
