/**
 * The ClickHouse cluster's topology and the configuration files generated from it: the server's config.d and
 * users.d, the Keeper configuration, and the entry scripts that give each pod its identity.
 *
 * Every file is the same for all pods of a kind; what differs per pod (shard, replica, raft id, the pod's own
 * DNS name) reaches ClickHouse through `from_env` attributes filled from the pod's environment, so one
 * ConfigMap serves a whole StatefulSet and a changed topology is one rendered diff.
 */
import type { ClickhouseConfig, ClickhouseRefs } from './context';
import { podHost, serviceHost } from '../../lib/naming';
import { parseMemory } from '../../lib/quantity';
import { kafkaTopics } from '../kafka/server-config';
import { CLICKHOUSE_USERS, KAFKA_CLIENT_USER, NAMESPACES } from '../refs';
import { el, xmlDocument } from './xml';

export const CLICKHOUSE_PORTS = {
  http: 8123,
  native: 9000,
  interserver: 9009,
  metrics: 9363,
} as const;

export const KEEPER_PORTS = {
  client: 9181,
  raft: 9234,
  metrics: 9363,
} as const;

/** The environment variables that carry each pod's identity and secrets into `from_env`. */
export const CLICKHOUSE_ENV = {
  shard: 'CLICKHOUSE_SHARD',
  replica: 'CLICKHOUSE_REPLICA',
  podName: 'POD_NAME',
  interserverHost: 'CLICKHOUSE_INTERSERVER_HOST',
  interserverPassword: 'CLICKHOUSE_INTERSERVER_PASSWORD',
  clusterSecret: 'CLICKHOUSE_CLUSTER_SECRET',
  adminPassword: 'CLICKHOUSE_ADMIN_PASSWORD',
  appPassword: 'CLICKHOUSE_APP_PASSWORD',
  adminPasswordSha256: 'CLICKHOUSE_ADMIN_PASSWORD_SHA256',
  appPasswordSha256: 'CLICKHOUSE_APP_PASSWORD_SHA256',
  kafkaPassword: 'KAFKA_PASSWORD',
  backupAccessKey: 'BACKUP_S3_ACCESS_KEY',
  backupSecretKey: 'BACKUP_S3_SECRET_KEY',
} as const;

export const KEEPER_ENV = { serverId: 'KEEPER_SERVER_ID' } as const;

/** Where the files land in the containers. */
export const CLICKHOUSE_PATHS = {
  data: '/var/lib/clickhouse',
  configD: '/etc/clickhouse-server/config.d',
  usersD: '/etc/clickhouse-server/users.d',
  scripts: '/opt/clickhouse-scripts',
  /** The backup job's tools copied from other images (mc). */
  tools: '/opt/tools',
  keeperConfig: '/etc/clickhouse-keeper',
  keeperData: '/var/lib/clickhouse-keeper',
} as const;

/** The named disk that backups are written to (an `s3_plain` disk in MinIO's ClickHouse bucket). */
export const BACKUP_DISK = 'backups';
/**
 * Named collection of a declared topic that ClickHouse ingests (`stores.kafka.topics[].clickhouse`):
 * `ENGINE = Kafka(kafka_invoice_events)`. Only declared topics get one, so a table cannot wait on a topic that the
 * topics Job never creates.
 */
export const kafkaCollection = (topic: string): string => `kafka_${topic.replace(/[.-]/g, '_')}`;

export interface ClickhousePod {
  readonly name: string;
  /** The pod's stable DNS name behind the headless Service. */
  readonly host: string;
}

export interface ClickhouseShard {
  /** 0-based, as in the StatefulSet name and the shard label. */
  readonly index: number;
  readonly statefulSet: string;
  /** The `{shard}` macro: unique per shard, part of every replicated table's Keeper path. */
  readonly macro: string;
  readonly replicas: readonly ClickhousePod[];
}

export interface KeeperMember extends ClickhousePod {
  /** The raft server id (ordinal + 1; raft ids never change for a pod). */
  readonly id: number;
}

export interface ClickhouseTopology {
  readonly namespace: string;
  /** Governing headless Service of every server StatefulSet. */
  readonly headless: string;
  readonly keeperStatefulSet: string;
  readonly keeperHeadless: string;
  readonly shards: readonly ClickhouseShard[];
  readonly keepers: readonly KeeperMember[];
}

export function clickhouseTopology(config: ClickhouseConfig): ClickhouseTopology {
  const c = config.stores.clickhouse;
  const namespace = NAMESPACES.clickhouse;
  const headless = 'clickhouse-headless';
  const keeperStatefulSet = 'clickhouse-keeper';
  const keeperHeadless = 'clickhouse-keeper-headless';
  const shards = Array.from({ length: c.shards }, (_, s): ClickhouseShard => {
    const statefulSet = `clickhouse-shard${s}`;
    return {
      index: s,
      statefulSet,
      macro: `shard${s}`,
      replicas: Array.from({ length: c.replicas }, (_, r) => ({
        name: `${statefulSet}-${r}`,
        host: podHost(config, statefulSet, r, headless, namespace),
      })),
    };
  });
  const keepers = Array.from({ length: c.keepers }, (_, i): KeeperMember => ({
    id: i + 1,
    name: `${keeperStatefulSet}-${i}`,
    host: podHost(config, keeperStatefulSet, i, keeperHeadless, namespace),
  }));
  return { namespace, headless, keeperStatefulSet, keeperHeadless, shards, keepers };
}

/** The DNS domain of the server pods (`<pod>.<this>`), for the interserver host of each pod. */
export function serverPodDomain(config: ClickhouseConfig, t: ClickhouseTopology): string {
  return serviceHost(config, t.headless, t.namespace);
}

const fromEnv = (name: string) => ({ from_env: name });
const prometheus = (port: number) => el('prometheus',
  el('endpoint', '/metrics'), el('port', port), el('metrics', 'true'), el('events', 'true'), el('asynchronous_metrics', 'true'));
// Logs go to the console only (kubectl logs, the log collector); nothing grows on the root or data volume.
const consoleLogger = () => el('logger', el('level', 'information'), el('console', '1'), el('log', { remove: '1' }), el('errorlog', { remove: '1' }));

/** config.d/cluster.xml: ports, cluster, macros, Keeper, distributed DDL, metrics, Kafka and backups. */
export function serverConfigXml(config: ClickhouseConfig, refs: ClickhouseRefs): string {
  const t = clickhouseTopology(config);
  const ch = refs.clickhouse;
  const kafka = refs.kafka;
  const root = el('clickhouse',
    consoleLogger(),
    // IPv4 only: k3s and kubeadm default to IPv4 pod networks, where listening on :: fails.
    el('listen_host', '0.0.0.0'),
    el('http_port', CLICKHOUSE_PORTS.http),
    el('tcp_port', CLICKHOUSE_PORTS.native),
    el('interserver_http_port', CLICKHOUSE_PORTS.interserver),
    // Replicas fetch parts from each other at this name: the pod's stable DNS name, never its IP.
    el('interserver_http_host', fromEnv(CLICKHOUSE_ENV.interserverHost)),
    el('interserver_http_credentials', el('user', 'interserver'), el('password', fromEnv(CLICKHOUSE_ENV.interserverPassword))),
    el('timezone', 'UTC'),
    el('macros',
      el('cluster', ch.cluster),
      el('shard', fromEnv(CLICKHOUSE_ENV.shard)),
      el('replica', fromEnv(CLICKHOUSE_ENV.replica))),
    // `ReplicatedMergeTree()` without arguments lands in a per-shard path and names the replica after the pod.
    // {uuid} (ClickHouse's own default, programs/server/config.xml of ClickHouse/ClickHouse v24.8): a table dropped
    // and re-created under the same name gets a new Keeper path instead of REPLICA_ALREADY_EXISTS. ON CLUSTER DDL
    // gives every replica the same UUID, so the replicas of a shard still share one path.
    el('default_replica_path', '/clickhouse/tables/{uuid}/{shard}'),
    el('default_replica_name', '{replica}'),
    el('remote_servers',
      el(ch.cluster,
        // Servers authenticate distributed queries with a shared secret and run them as the initial user.
        el('secret', fromEnv(CLICKHOUSE_ENV.clusterSecret)),
        ...t.shards.map((s) => el('shard',
          // Inserts through a Distributed table go to one replica; ReplicatedMergeTree copies them.
          el('internal_replication', 'true'),
          ...s.replicas.map((r) => el('replica', el('host', r.host), el('port', CLICKHOUSE_PORTS.native))))))),
    el('zookeeper',
      ...t.keepers.map((k) => el('node', el('host', k.host), el('port', KEEPER_PORTS.client))),
      el('session_timeout_ms', 30000),
      el('operation_timeout_ms', 10000)),
    el('distributed_ddl',
      el('path', '/clickhouse/task_queue/ddl'),
      el('cleanup_delay_period', 60),
      el('task_max_lifetime', 604800),
      el('max_tasks_in_queue', 1000)),
    // Users and grants created with SQL are stored in Keeper and so exist on every server.
    el('user_directories',
      el('local_directory', { remove: '1' }),
      el('replicated', el('zookeeper_path', '/clickhouse/access/'))),
    prometheus(CLICKHOUSE_PORTS.metrics),
    // librdkafka settings of every Kafka engine table: SASL to the platform's Kafka.
    el('kafka',
      el('security_protocol', kafka.securityProtocol.toLowerCase()),
      el('sasl_mechanism', kafka.saslMechanism),
      el('sasl_username', KAFKA_CLIENT_USER),
      el('sasl_password', fromEnv(CLICKHOUSE_ENV.kafkaPassword))),
    el('named_collections',
      ...kafkaTopics(config).filter((t) => t.clickhouse).map((t) => el(kafkaCollection(t.name),
        el('kafka_broker_list', kafka.bootstrapServers),
        el('kafka_topic_list', t.name),
        el('kafka_group_name', `clickhouse-${t.name}`),
        el('kafka_format', 'JSONEachRow'),
        // Malformed messages go to the _error virtual column instead of stopping the consumer.
        el('kafka_handle_error_mode', 'stream')))),
    // Backups: an s3_plain disk in MinIO (plain object names, restorable into a new cluster).
    el('storage_configuration',
      el('disks',
        el(BACKUP_DISK,
          el('type', 's3_plain'),
          el('endpoint', `${refs.minio.url}/${refs.minio.buckets.backups.clickhouse}/${config.name}/`),
          el('access_key_id', fromEnv(CLICKHOUSE_ENV.backupAccessKey)),
          el('secret_access_key', fromEnv(CLICKHOUSE_ENV.backupSecretKey)),
          // MinIO being down must not keep ClickHouse from starting; a backup then fails loudly instead.
          el('skip_access_check', 'true')))),
    el('backups', el('allowed_disk', BACKUP_DISK)),
  );
  return xmlDocument(root, `Generated by charts/data/clickhouse-config.ts for environment ${config.name}: ${t.shards.length} shard(s) x ${config.stores.clickhouse.replicas} replica(s), ${t.keepers.length} Keeper(s).`);
}

/** users.d/users.xml: no default user; admin and app with SHA-256 password hashes from the environment. */
export function usersXml(config: ClickhouseConfig, refs: ClickhouseRefs): string {
  const anyNetwork = () => el('networks', el('ip', '::/0'));
  const root = el('clickhouse',
    el('profiles',
      el('app',
        el('profile', 'default'),
        el('max_execution_time', 300),
        // One application query may use half of the server's memory, so it cannot starve merges and ingestion.
        el('max_memory_usage', Math.floor(parseMemory(config.stores.clickhouse.resources.limits.memory) / 2)))),
    el('users',
      // The image's passwordless `default` user would be reachable from every pod that may open port 9000.
      el('default', { remove: '1' }),
      el(CLICKHOUSE_USERS.admin,
        el('password_sha256_hex', fromEnv(CLICKHOUSE_ENV.adminPasswordSha256)),
        anyNetwork(),
        el('profile', 'default'),
        el('quota', 'default'),
        el('access_management', 1),
        el('named_collection_control', 1),
        el('show_named_collections', 1)),
      el(CLICKHOUSE_USERS.app,
        el('password_sha256_hex', fromEnv(CLICKHOUSE_ENV.appPasswordSha256)),
        anyNetwork(),
        el('profile', 'app'),
        el('quota', 'default'),
        el('grants',
          // Its own database only; Kafka engine tables and users are created by admin (migrations).
          el('query', `GRANT SELECT, INSERT, ALTER, CREATE TABLE, CREATE VIEW, DROP TABLE, DROP VIEW, TRUNCATE, OPTIMIZE, SHOW ON ${refs.clickhouse.database}.*`)))),
  );
  return xmlDocument(root, `Generated for environment ${config.name}. Passwords: SHA-256 computed at start from the Secrets ${refs.clickhouse.adminSecret.name} and ${refs.clickhouse.secret.name}.`);
}

/** keeper.xml: the whole Keeper configuration; the raft server list names every Keeper pod by DNS name. */
export function keeperConfigXml(config: ClickhouseConfig): string {
  const t = clickhouseTopology(config);
  const root = el('clickhouse',
    consoleLogger(),
    el('listen_host', '0.0.0.0'),
    el('path', `${CLICKHOUSE_PATHS.keeperData}/`),
    el('keeper_server',
      el('tcp_port', KEEPER_PORTS.client),
      el('server_id', fromEnv(KEEPER_ENV.serverId)),
      el('storage_path', `${CLICKHOUSE_PATHS.keeperData}/`),
      el('log_storage_path', `${CLICKHOUSE_PATHS.keeperData}/coordination/log`),
      el('snapshot_storage_path', `${CLICKHOUSE_PATHS.keeperData}/coordination/snapshots`),
      // Probes use ruok; operators use mntr, stat and the rest, plus snapshot (csnp) and leadership moves
      // (rqld, ydld) for maintenance. Not rcvr: forcing recovery mode is a decision made with the config file.
      el('four_letter_word_white_list', 'conf,cons,crst,envi,ruok,srst,srvr,stat,wchs,dirs,mntr,isro,apiv,csnp,lgif,rqld,ydld'),
      el('coordination_settings',
        el('operation_timeout_ms', 10000),
        el('session_timeout_ms', 30000),
        // A member waits this long for a quorum before it gives up and restarts: long enough for the next
        // member's volume and image during a first start, where members join one by one.
        el('startup_timeout', KEEPER_STARTUP_TIMEOUT_MS),
        el('raft_logs_level', 'information')),
      el('raft_configuration',
        ...t.keepers.map((k) => el('server', el('id', k.id), el('hostname', k.host), el('port', KEEPER_PORTS.raft))))),
    prometheus(KEEPER_PORTS.metrics),
  );
  return xmlDocument(root, `Generated for environment ${config.name}: ${t.keepers.length} Keeper server(s); raft id = pod ordinal + 1.`);
}

/**
 * The server's entry script: hashes the passwords so that only their SHA-256 reaches ClickHouse's
 * preprocessed configuration (written to the data volume), then replaces itself with the server.
 */
export function serverEntryScript(): string {
  const e = CLICKHOUSE_ENV;
  return `#!/bin/sh
# Generated by charts/data/clickhouse-config.ts.
set -eu
sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
: "\${${e.adminPassword}:?is not set (Secret key password of the admin Secret)}"
: "\${${e.appPassword}:?is not set (Secret key password of the app Secret)}"
${e.adminPasswordSha256}="$(sha256 "$${e.adminPassword}")"
${e.appPasswordSha256}="$(sha256 "$${e.appPassword}")"
export ${e.adminPasswordSha256} ${e.appPasswordSha256}
unset ${e.adminPassword} ${e.appPassword}
exec "\${CLICKHOUSE_SERVER_BIN:-/usr/bin/clickhouse-server}" --config-file=/etc/clickhouse-server/config.xml
`;
}

/** How long a Keeper member waits for a quorum at start before it exits (coordination_settings.startup_timeout). */
export const KEEPER_STARTUP_TIMEOUT_MS = 600000;

/**
 * Keeper's probe (readiness and liveness). A standalone Keeper opens its client port only once it has joined
 * a quorum; until then (at most startup_timeout, after which it exits by itself) only the raft port listens.
 * So a member is healthy when it answers `ruok` with `imok`, or while it is still waiting for a quorum: that
 * lets OrderedReady start member 1 while member 0 waits for it. It is unhealthy when the client port is open
 * but does not answer, or when not even the raft port listens.
 */
export function keeperProbeScript(): string {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  return `#!/bin/sh
# Generated by charts/data/clickhouse-config.ts.
set -u
net="\${PROC_NET:-/proc/net}"
# Is a TCP socket (IPv4 or IPv6) listening on this port? Ports in /proc/net/tcp* are hexadecimal; 0A = LISTEN.
listening() {
  cat "$net/tcp" "$net/tcp6" 2>/dev/null | awk -v port=":$1" '$4 == "0A" && substr($2, length($2) - 4) == port { found = 1 } END { exit !found }'
}
if [ "$(echo ruok | nc -w 2 127.0.0.1 ${KEEPER_PORTS.client} 2>/dev/null)" = imok ]; then
  exit 0
fi
if ! listening ${hex(KEEPER_PORTS.client)} && listening ${hex(KEEPER_PORTS.raft)}; then
  echo "waiting for a raft quorum (client port ${KEEPER_PORTS.client} not open yet)"
  exit 0
fi
echo "keeper does not answer ruok on ${KEEPER_PORTS.client}" >&2
exit 1
`;
}

/** Keeper's entry script: the raft server id is the pod's ordinal + 1, read from its name. */
export function keeperEntryScript(): string {
  return `#!/bin/sh
# Generated by charts/data/clickhouse-config.ts.
set -eu
: "\${POD_NAME:?is not set (the downward API gives the pod name)}"
ordinal="\${POD_NAME##*-}"
case "$ordinal" in
  ''|*[!0-9]*) echo "cannot derive the raft server id from pod name '$POD_NAME' (expected <statefulset>-<ordinal>)" >&2; exit 1 ;;
esac
${KEEPER_ENV.serverId}=$((ordinal + 1))
export ${KEEPER_ENV.serverId}
exec "\${KEEPER_BIN:-/usr/bin/clickhouse-keeper}" --config-file=${CLICKHOUSE_PATHS.keeperConfig}/keeper.xml
`;
}

/**
 * The backup job: one `BACKUP DATABASE … ON CLUSTER` per run into a folder named after the run's UTC time.
 * ClickHouse coordinates it through Keeper so that each shard is written once, by one of its replicas.
 * After a successful backup it prunes the folders older than `backup.retentionDays` with mc (copied into the pod
 * by an init container): the bucket is versioned, so this leaves delete markers and the bucket's
 * noncurrent-version rule frees the space. A failed backup prunes nothing, so the newest good backup is kept.
 */
export function backupScript(config: ClickhouseConfig, refs: ClickhouseRefs): string {
  const ch = refs.clickhouse;
  const days = config.stores.clickhouse.backup.retentionDays;
  return `#!/bin/sh
# Generated by charts/data/clickhouse-config.ts.
set -eu
name="$(date -u +%Y%m%dT%H%M%SZ)"
echo "backing up database ${ch.database} of cluster ${ch.cluster} to disk ${BACKUP_DISK} as $name"
"\${CLICKHOUSE_CLIENT_BIN:-/usr/bin/clickhouse-client}" \\
  --host "${ch.native.host}" --port "${ch.native.port}" \\
  --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" \\
  --query "BACKUP DATABASE ${ch.database} ON CLUSTER '${ch.cluster}' TO Disk('${BACKUP_DISK}', '$name')"

# Retention: ${days} days. Folder names are UTC times, so they compare as 14-digit numbers (T and Z removed).
mc="\${MC_BIN:-${CLICKHOUSE_PATHS.tools}/mc}"
export MC_CONFIG_DIR="\${HOME:-/tmp}/.mc"
prefix="backups/${refs.minio.buckets.backups.clickhouse}/${config.name}"
"$mc" alias set backups "${refs.minio.url}" "$${CLICKHOUSE_ENV.backupAccessKey}" "$${CLICKHOUSE_ENV.backupSecretKey}" >/dev/null
cutoff="$(date -u -d "@$(( $(date -u +%s) - ${days} * 86400 ))" +%Y%m%d%H%M%S)"
# A listing that fails stops the job (a pipe into the loop would hide it).
list="$(mktemp)"
"$mc" ls "$prefix/" >"$list"
while read -r line; do
  folder="\${line##* }"
  folder="\${folder%/}"
  case "$folder" in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z) ;;
    *) continue ;;
  esac
  stamp="\${folder%%T*}\${folder#*T}"
  stamp="\${stamp%Z}"
  if [ "$stamp" -lt "$cutoff" ] && [ "$folder" != "$name" ]; then
    echo "removing backup $folder (older than ${days} days)"
    "$mc" rm --recursive --force "$prefix/$folder/"
  fi
done <"$list"
rm -f "$list"
`;
}
