/**
 * The Kafka cluster's topology and its generated configuration: a KRaft cluster of combined broker/controller
 * nodes (no ZooKeeper). `server.properties` holds everything the nodes share; the entry script appends what
 * is per pod (node.id from the ordinal, advertised listeners by pod DNS name) and the SASL JAAS lines whose
 * passwords come from Secrets, then formats the storage on first start and starts the server.
 */
import { createHash } from 'crypto';
import type { KafkaConfig, KafkaRefs } from './context';
import { podHost, serviceHost } from '../../lib/naming';
import { parseMemory } from '../../lib/quantity';
import { KAFKA_CLIENT_USER, NAMESPACES } from '../refs';

export const KAFKA_PORTS = {
  /** Clients (SASL PLAIN): the bootstrap port of refs.kafka. */
  client: 9092,
  /** The KRaft controller quorum. */
  controller: 9093,
  /** Replication between brokers. */
  internal: 9094,
  /** kafka-exporter's metrics. */
  exporter: 9308,
} as const;

/** Listener names as they appear in server.properties (and, lower-cased, in listener.name.* keys). */
export const KAFKA_LISTENERS = { client: 'CLIENT', controller: 'CONTROLLER', internal: 'INTERNAL' } as const;

/** The user brokers and controllers authenticate each other with. */
export const KAFKA_BROKER_USER = 'broker';

export const KAFKA_ENV = {
  headlessDomain: 'KAFKA_HEADLESS_DOMAIN',
  clusterId: 'KAFKA_CLUSTER_ID',
  clientPassword: 'KAFKA_CLIENT_PASSWORD',
  brokerPassword: 'KAFKA_BROKER_PASSWORD',
} as const;

export const KAFKA_PATHS = {
  config: '/etc/kafka/generated',
  /**
   * The claim's mount: exactly the image's `VOLUME /var/lib/kafka/data` (apache/kafka 3.9.1, docker/jvm/Dockerfile).
   * Mounted anywhere above it, the claim would be shadowed there by the image's anonymous volume (containerd),
   * and the partitions would live on the node.
   */
  data: '/var/lib/kafka/data',
  /**
   * log.dirs, and with it the KRaft metadata log (metadata.log.dir defaults to the first log dir): a sub-folder
   * of the claim, so the volume's lost+found never looks like a log directory. Named `data` because that is where
   * the claim held it before (mounted at /var/lib/kafka): on runtimes that never shadowed it (CRI-O creates
   * image volumes as plain directories) an existing broker finds its partitions where they were.
   */
  logDir: '/var/lib/kafka/data/data',
  /** The per-pod configuration (contains the JAAS passwords): an in-memory emptyDir. */
  runtime: '/var/run/kafka',
  home: '/opt/kafka',
} as const;

export interface KafkaNode {
  readonly id: number;
  readonly pod: string;
  readonly host: string;
}

export interface KafkaTopology {
  readonly namespace: string;
  readonly statefulSet: string;
  readonly headless: string;
  readonly nodes: readonly KafkaNode[];
  /** `id@host:port,…` */
  readonly quorumVoters: string;
  /** The KRaft cluster id: 16 bytes, base64url without padding, stable per environment. */
  readonly clusterId: string;
}

export function kafkaTopology(config: KafkaConfig): KafkaTopology {
  const namespace = NAMESPACES.kafka;
  const statefulSet = 'kafka';
  const headless = 'kafka-headless';
  const nodes = Array.from({ length: config.stores.kafka.brokers }, (_, i) => ({
    id: i, pod: `${statefulSet}-${i}`, host: podHost(config, statefulSet, i, headless, namespace),
  }));
  const quorumVoters = nodes.map((n) => `${n.id}@${n.host}:${KAFKA_PORTS.controller}`).join(',');
  // Not a secret: it only keeps nodes of different clusters from joining each other. Derived, so re-rendering
  // never changes it (a changed id would make every formatted node refuse to start).
  const clusterId = createHash('sha256').update(`kafka/${config.name}`).digest().subarray(0, 16).toString('base64url');
  return { namespace, statefulSet, headless, nodes, quorumVoters, clusterId };
}

export function kafkaHeadlessDomain(config: KafkaConfig, t: KafkaTopology): string {
  return serviceHost(config, t.headless, t.namespace);
}

/** The JVM heap: half of the memory limit, the rest is page cache and direct buffers Kafka relies on. */
export function kafkaHeapMiB(config: KafkaConfig): number {
  return Math.floor(parseMemory(config.stores.kafka.resources.limits.memory) / 2 / 2 ** 20);
}

/** server.properties shared by every node (no per-pod key, no secret). */
export function kafkaServerProperties(config: KafkaConfig, refs: KafkaRefs): string {
  const k = config.stores.kafka;
  const t = kafkaTopology(config);
  const L = KAFKA_LISTENERS;
  const mech = refs.kafka.saslMechanism;
  const lines: [string, string | number | boolean][] = [
    ['process.roles', 'broker,controller'],
    ['controller.quorum.voters', t.quorumVoters],
    ['listeners', `${L.client}://:${KAFKA_PORTS.client},${L.internal}://:${KAFKA_PORTS.internal},${L.controller}://:${KAFKA_PORTS.controller}`],
    ['listener.security.protocol.map', `${L.client}:SASL_PLAINTEXT,${L.internal}:SASL_PLAINTEXT,${L.controller}:SASL_PLAINTEXT`],
    ['inter.broker.listener.name', L.internal],
    ['controller.listener.names', L.controller],
    ['sasl.enabled.mechanisms', mech],
    ['sasl.mechanism.inter.broker.protocol', mech],
    ['sasl.mechanism.controller.protocol', mech],
    ['log.dirs', KAFKA_PATHS.logDir],
    // Durability (from the environment): every acknowledged write is on minInsyncReplicas brokers.
    ['default.replication.factor', k.replicationFactor],
    ['min.insync.replicas', k.minInsyncReplicas],
    ['offsets.topic.replication.factor', k.replicationFactor],
    ['transaction.state.log.replication.factor', k.replicationFactor],
    ['transaction.state.log.min.isr', k.minInsyncReplicas],
    ['unclean.leader.election.enable', false],
    // Topics are created deliberately (by the applications' migrations), never by a typo in a producer.
    ['auto.create.topics.enable', false],
    ['num.partitions', Math.max(3, k.brokers)],
    ['log.retention.hours', 168],
    ['log.segment.bytes', 1073741824],
    ['group.initial.rebalance.delay.ms', k.brokers > 1 ? 3000 : 0],
    // A broker that stops moves its partition leaderships away first.
    ['controlled.shutdown.enable', true],
  ];
  return `# Generated by charts/data/kafka-config.ts for environment ${config.name}.\n`
    + '# Per pod, the entry script appends node.id, advertised.listeners and the SASL JAAS configuration.\n'
    + lines.map(([key, v]) => `${key}=${v}`).join('\n') + '\n';
}

/** log4j: the console only (kubectl logs); the image's default writes ever-growing files under LOG_DIR. */
export function kafkaLog4j(): string {
  return [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka=INFO',
    'log4j.logger.org.apache.kafka=INFO',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.state.change.logger=INFO',
    '',
  ].join('\n');
}

/**
 * The entry script (bash, as the image's own scripts): per-pod settings, JAAS from the Secrets' passwords,
 * storage format on first start, then the server in the foreground.
 */
export function kafkaEntryScript(): string {
  const P = KAFKA_PORTS;
  const L = KAFKA_LISTENERS;
  const E = KAFKA_ENV;
  const plain = 'org.apache.kafka.common.security.plain.PlainLoginModule required';
  return `#!/bin/bash
# Generated by charts/data/kafka-config.ts.
set -euo pipefail
kafka_home="\${KAFKA_HOME:-${KAFKA_PATHS.home}}"
runtime="\${KAFKA_RUNTIME_DIR:-${KAFKA_PATHS.runtime}}"
template="\${KAFKA_CONFIG_TEMPLATE:-${KAFKA_PATHS.config}/server.properties}"
log_dir="\${KAFKA_LOG_DIR:-${KAFKA_PATHS.logDir}}"

ordinal="\${HOSTNAME##*-}"
if ! [[ "$ordinal" =~ ^[0-9]+$ ]]; then
  echo "cannot derive node.id from host name '$HOSTNAME' (expected <statefulset>-<ordinal>)" >&2
  exit 1
fi
: "\${${E.headlessDomain}:?is not set}" "\${${E.clusterId}:?is not set}"
: "\${${E.clientPassword}:?is not set (Secret key password of the client credentials)}"
: "\${${E.brokerPassword}:?is not set (Secret key password of the broker credentials)}"
for pw in "$${E.clientPassword}" "$${E.brokerPassword}"; do
  # JAAS values are quoted strings: a quote or backslash would end or escape them.
  case "$pw" in *'"'*|*\\\\*) echo 'a Kafka password contains " or \\, which JAAS cannot quote' >&2; exit 1 ;; esac
done
fqdn="$HOSTNAME.$${E.headlessDomain}"
broker="username=\\"${KAFKA_BROKER_USER}\\" password=\\"\${${E.brokerPassword}}\\" user_${KAFKA_BROKER_USER}=\\"\${${E.brokerPassword}}\\""

mkdir -p "$runtime" "$log_dir"
umask 077
{
  cat "$template"
  echo "node.id=$ordinal"
  echo "advertised.listeners=${L.client}://$fqdn:${P.client},${L.internal}://$fqdn:${P.internal}"
  echo "listener.name.${L.client.toLowerCase()}.plain.sasl.jaas.config=${plain} user_${KAFKA_CLIENT_USER}=\\"\${${E.clientPassword}}\\";"
  echo "listener.name.${L.internal.toLowerCase()}.plain.sasl.jaas.config=${plain} $broker;"
  echo "listener.name.${L.controller.toLowerCase()}.plain.sasl.jaas.config=${plain} $broker;"
} > "$runtime/server.properties"
unset ${E.clientPassword} ${E.brokerPassword} broker

if [ ! -f "$log_dir/meta.properties" ]; then
  echo "formatting $log_dir for cluster $${E.clusterId} as node $ordinal"
  "$kafka_home/bin/kafka-storage.sh" format --config "$runtime/server.properties" --cluster-id "$${E.clusterId}" --ignore-formatted
fi
exec "$kafka_home/bin/kafka-server-start.sh" "$runtime/server.properties"
`;
}

/** A declared topic with the environment's defaults filled in. */
export interface ResolvedTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** retention.ms, or undefined for the brokers' default. */
  readonly retentionMs: number | undefined;
  readonly clickhouse: boolean;
}

export function kafkaTopics(config: KafkaConfig): ResolvedTopic[] {
  const k = config.stores.kafka;
  return k.topics.map((t) => ({
    name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor ?? k.replicationFactor,
    retentionMs: t.retentionHours === undefined ? undefined : t.retentionHours * 3600 * 1000, clickhouse: t.clickhouse,
  }));
}

/** The topics Job's data file: `<name> <partitions> <replication factor> <retention.ms or ->` a line. */
export function kafkaTopicsFile(config: KafkaConfig): string {
  return kafkaTopics(config).map((t) => `${t.name} ${t.partitions} ${t.replicationFactor} ${t.retentionMs ?? '-'}\n`).join('');
}

/**
 * The topics Job (bash, in the Kafka image): waits for the cluster, then for every declared topic
 * `kafka-topics.sh --create --if-not-exists`, raises the partition count when the declaration grew (Kafka cannot
 * lower it: that is reported, not fatal) and sets retention.ms. Every step is idempotent; it runs after each sync.
 */
export function kafkaTopicsScript(refs: KafkaRefs): string {
  const k = refs.kafka;
  return `#!/bin/bash
# Generated by charts/data/kafka-config.ts.
set -euo pipefail
bin="\${KAFKA_BIN:-${KAFKA_PATHS.home}/bin}"
topics="\${KAFKA_TOPICS_FILE:-${KAFKA_PATHS.config}/topics.txt}"
bootstrap="${k.bootstrapServers}"
: "\${KAFKA_PASSWORD:?is not set (Secret key password of the client credentials)}"
case "$KAFKA_PASSWORD" in *'"'*|*\\\\*) echo 'the Kafka password contains " or \\, which JAAS cannot quote' >&2; exit 1 ;; esac
umask 077
client="$(mktemp)"
trap 'rm -f "$client"' EXIT
cat >"$client" <<PROPERTIES
security.protocol=${k.securityProtocol}
sasl.mechanism=${k.saslMechanism}
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${KAFKA_CLIENT_USER}" password="\${KAFKA_PASSWORD}";
PROPERTIES
unset KAFKA_PASSWORD
kt() { "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --command-config "$client" "$@"; }

tries=0
until kt --list >/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -ge "\${KAFKA_WAIT_TRIES:-60}" ]; then echo "kafka at $bootstrap does not answer" >&2; exit 1; fi
  sleep "\${KAFKA_WAIT_SECONDS:-5}"
done

while read -r name partitions replication retention <&3; do
  kt --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor "$replication"
  current="$(kt --describe --topic "$name" | sed -n 's/.*PartitionCount: *\\([0-9][0-9]*\\).*/\\1/p' | head -n 1)"
  if [ -z "$current" ]; then echo "topic $name: cannot read its partition count" >&2; exit 1; fi
  if [ "$current" -lt "$partitions" ]; then
    echo "topic $name: partitions $current -> $partitions"
    kt --alter --topic "$name" --partitions "$partitions"
  elif [ "$current" -gt "$partitions" ]; then
    echo "topic $name has $current partitions, more than the $partitions declared (Kafka cannot remove partitions); left as is" >&2
  fi
  if [ "$retention" != - ]; then
    "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --command-config "$client" \\
      --alter --entity-type topics --entity-name "$name" --add-config "retention.ms=$retention"
  fi
# The list is read on fd 3 so that the Kafka tools cannot consume it from stdin.
done 3<"$topics"
echo "topics ready: $(cut -d ' ' -f 1 "$topics" | tr '\\n' ' ')"
`;
}
