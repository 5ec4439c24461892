/**
 * The `stores.kafka` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; the brokers and the topics the platform declares (./chart.ts, ./server-config.ts).
 */
import { z } from 'zod';
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
