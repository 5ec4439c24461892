/**
 * The `stores.kafka` section of an environment: its shape and field rules (zod), registered in
 * charts/data/stores.ts; the brokers and the topics the platform declares (./chart.ts, ./server-config.ts).
 */
import { z } from 'zod';
import { externalStoreFields, haMinimum, type Issue, type RuleContext } from '../kind';
import { computeResources, dnsName, replicas, volume } from '../../../environments/values';

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

// A Kafka cluster has no single address: the brokers list replaces `host`.
const { host: _oneHost, ...kafkaEndpointFields } = externalStoreFields;

/**
 * Kafka as a managed service (`external.kafka`), e.g. Amazon MSK, reached with SASL/SCRAM over TLS (SASL_SSL,
 * SCRAM-SHA-512) on the brokers' SCRAM listener, MSK's port 9096 (AWS MSK developer guide, "Port information": 9094
 * is TLS, 9096 SASL/SCRAM, 9098 IAM). SCRAM rather than the TLS listener: on 9094 a client is authenticated only by a
 * client certificate (mutual TLS from an ACM Private CA the site would have to run and rotate into every pod), or
 * not at all; SCRAM keeps the in-cluster model, a username and password from a Secret, and MSK turns TLS on for all
 * its traffic ("How sign-in credentials authentication works"). Not IAM (9098): it needs AWS's SASL signer in every
 * client, which few non-Java clients have. `credentialsSecret` (keys username, password) holds the same pair as the
 * MSK secret (`AmazonMSK_…` in Secrets Manager, `{ "username", "password" }`). Topics are the site's to create
 * (MSK's default is auto.create.topics.enable=false): nothing here runs the in-cluster topics Job.
 */
export const externalKafkaSection = z.strictObject({
  ...kafkaEndpointFields,
  /** The brokers of the bootstrap string (`aws kafka get-bootstrap-brokers`: BootstrapBrokerStringSaslScram), without ports. */
  brokers: z.array(dnsName).min(1, { message: 'must list at least one broker (MSK: one per availability zone)' }),
  /** The SCRAM listener of every broker. @default 9096 */
  port: externalStoreFields.port.default(9096),
});
