/**
 * The configuration files of the PostgreSQL tier, as plain data: Patroni's `patroni.yml`, PgBouncer's
 * `pgbouncer.ini` and the scripts they run. Pure functions of the environment, so the tests can start the real
 * programs with exactly what the pods get (test/postgres.server.test.ts).
 *
 * Everything that differs per pod (name, addresses) or is secret comes from `PATRONI_*` environment variables
 * set by the StatefulSet (see postgres-patroni.ts); Patroni lays them over this file.
 */
import type { PostgresConfig, PostgresRefs } from './context';
import { LABELS, selectorLabels, platformKeys } from '../../lib/labels';
import { parseMemory } from '../../lib/quantity';
import { POSTGRES_USERS } from '../refs';

/** The major version the pods run. The image carries several; the tests run Debian bookworm's, the same major. */
export const PG_MAJOR = 15;
export const PG_BIN_DIR = `/usr/lib/postgresql/${PG_MAJOR}/bin`;
/** The data volume's mount point; the cluster lives one level down, away from the volume's lost+found. */
export const PGDATA_MOUNT = '/home/postgres/pgdata';
export const PGDATA = `${PGDATA_MOUNT}/pgroot/data`;
export const SOCKET_DIR = '/var/run/postgresql';
export const CONFIG_DIR = '/etc/patroni';
export const PATRONI_PORT = 8008;
/** Patroni's label values on the member pods (Patroni 4 writes `primary` by default, 3 wrote `master`: be explicit). */
export const ROLE = { primary: 'primary', replica: 'replica' } as const;

/**
 * Encryption in transit (spec 002 §12): every pod creates its own key and self-signed certificate at start in
 * this memory-backed folder (init container `tls`); servers require TLS, clients use sslmode=require. Server
 * identity is not verified yet: that needs the internal CA's certificates in Secrets the installer does not
 * generate (see docs/postgres.md).
 */
export const TLS_DIR = '/run/tls';

export const POOLER_PORT = 6432;
export const POOLER_METRICS_PORT = 9127;
export const POOLER_CONFIG_DIR = '/etc/pgbouncer/config';
export const POOLER_AUTH_FILE = '/etc/pgbouncer/auth/userlist.txt';
/** postgres_exporter's port (its default, prometheus-community/postgres_exporter cmd/postgres_exporter/main.go at v0.20.1). */
export const EXPORTER_PORT = 9187;
/** The database role postgres_exporter connects as: pg_monitor only. */
export const EXPORTER_USER = 'postgres_exporter';

/** The admin-console user the exporter reads SHOW STATS with (a PgBouncer user only, not a database role). */
export const POOLER_STATS_USER = 'pgbouncer_exporter';

/**
 * Parameters PostgreSQL must have identical on every member; Patroni takes them from its DCS (set once at
 * bootstrap, changed later with `patronictl edit-config`), never from the local file.
 */
const DCS_PARAMETERS = new Set([
  'max_connections', 'max_locks_per_transaction', 'max_worker_processes', 'max_prepared_transactions',
  'wal_level', 'track_commit_timestamp', 'max_wal_senders', 'max_replication_slots', 'wal_keep_size', 'wal_log_hints',
]);

export type ParamValue = string | number | boolean;

/** The S3 prefix an environment's cluster archives to, inside the postgres backup bucket. */
export function walgPrefix(refs: PostgresRefs, environment: string, scope: string): string {
  return `s3://${refs.minio.buckets.backups.postgres}/${environment}/${scope}`;
}

/** A restore_command that replays WAL from another prefix (a source environment's archive). */
function walFetchFrom(prefix: string): string {
  return `WALG_S3_PREFIX=${prefix} wal-g wal-fetch "%f" "%p"`;
}

/** The source site's S3 keys in the standby's container (Secret `postgres-source-archive`). */
export const SOURCE_S3_ENV = { accessKey: 'SOURCE_AWS_ACCESS_KEY_ID', secretKey: 'SOURCE_AWS_SECRET_ACCESS_KEY' } as const;

/** restore_command of a standby: the source site's own MinIO, with the source's keys (set in the container). */
function walFetchFromSite(endpoint: string, prefix: string): string {
  return `AWS_ENDPOINT=${endpoint} AWS_ACCESS_KEY_ID="$${SOURCE_S3_ENV.accessKey}" AWS_SECRET_ACCESS_KEY="$${SOURCE_S3_ENV.secretKey}" ${walFetchFrom(prefix)}`;
}

/** All PostgreSQL parameters of the environment, split into the DCS-wide and the per-member ones. */
export function postgresParameters(config: PostgresConfig): { dcs: Record<string, ParamValue>; local: Record<string, ParamValue> } {
  const pg = config.stores.postgres;
  const memoryMi = Math.floor(parseMemory(pg.resources.limits.memory) / 2 ** 20);
  const all: Record<string, ParamValue> = {
    // Sized from the container's memory limit: a quarter for shared buffers, the page cache for the rest.
    shared_buffers: `${Math.max(32, Math.floor(memoryMi / 4))}MB`,
    effective_cache_size: `${Math.max(64, Math.floor((memoryMi * 3) / 4))}MB`,
    maintenance_work_mem: `${Math.max(16, Math.min(1024, Math.floor(memoryMi / 16)))}MB`,
    work_mem: '8MB',
    max_connections: 200,
    max_wal_senders: 10,
    max_replication_slots: 10,
    wal_keep_size: '1GB',
    wal_level: 'replica',
    wal_log_hints: 'on',
    hot_standby: 'on',
    hot_standby_feedback: 'on',
    password_encryption: 'scram-sha-256',
    ssl: 'on',
    ssl_cert_file: `${TLS_DIR}/server.crt`,
    ssl_key_file: `${TLS_DIR}/server.key`,
    ssl_min_protocol_version: 'TLSv1.2',
    unix_socket_directories: SOCKET_DIR,
    // Continuous archiving to MinIO: a WAL segment leaves the pod at the latest after archive_timeout.
    archive_mode: 'on',
    archive_command: 'wal-g wal-push "%p"',
    archive_timeout: '300s',
    checkpoint_timeout: '15min',
    max_wal_size: '4GB',
    // Container logging: everything on stderr, no collector writing files into the data volume.
    logging_collector: 'off',
    log_destination: 'stderr',
    log_line_prefix: '%m [%p] %q%u@%d ',
    log_min_duration_statement: '1s',
    log_checkpoints: 'on',
    log_lock_waits: 'on',
    log_autovacuum_min_duration: '10s',
    ...pg.parameters,
  };
  const dcs: Record<string, ParamValue> = {};
  const local: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(all)) (DCS_PARAMETERS.has(k) ? dcs : local)[k] = v;
  return { dcs, local };
}

export interface PatroniNames {
  /** Patroni's scope: the cluster name, the leader Endpoints and the primary Service. */
  readonly scope: string;
  readonly namespace: string;
}

/**
 * Password (SCRAM) authentication for everything, also on the socket, and TCP only over TLS (no `host` line
 * accepts, so a plain connection matches nothing and is refused); which pods may connect at all is the
 * NetworkPolicies' job (the pod network has no fixed range to list here). The superuser (SUPERUSER) is refused
 * over the network, for sessions and replication alike: Patroni (use_unix_socket), its post_bootstrap script
 * and the backup sidecar's WAL-G reach the server through the socket; replication, rewind and the applications
 * have their own users.
 */
export const SUPERUSER = POSTGRES_USERS['postgres-superuser'];
const PG_HBA = [
  'local all all scram-sha-256',
  `host all ${SUPERUSER} all reject`,
  `host replication ${SUPERUSER} all reject`,
  'hostssl replication all 0.0.0.0/0 scram-sha-256',
  'hostssl all all 0.0.0.0/0 scram-sha-256',
];

/** Timing of Patroni's leader lease; the tests shorten it to keep the live failover short. */
export const PATRONI_TIMING = { ttl: 30, loop_wait: 10, retry_timeout: 10 } as const;

/** `patroni.yml` as a pod reads it. */
export function patroniConfig(config: PostgresConfig, refs: PostgresRefs, n: PatroniNames): Record<string, unknown> {
  const pg = config.stores.postgres;
  const params = postgresParameters(config);
  const scripts = `${CONFIG_DIR}/scripts`;
  const id = refs.postgres.primary.pods;
  const { [LABELS.instance]: _instance, ...podLabels } = selectorLabels(id);

  const dcs: Record<string, unknown> = {
    ...PATRONI_TIMING,
    // A replica more than 1 MiB behind is never promoted (asynchronous environments).
    maximum_lag_on_failover: 1048576,
    // Keeps the primary running while the API server is unreachable, as long as every member still sees it.
    failsafe_mode: true,
    synchronous_mode: pg.synchronousMode !== 'off',
    synchronous_mode_strict: pg.synchronousMode === 'strict',
    synchronous_node_count: 1,
    postgresql: { use_pg_rewind: true, use_slots: true, parameters: params.dcs },
  };
  if (pg.standby) {
    dcs.standby_cluster = {
      host: pg.standby.host,
      port: pg.standby.port,
      // Streaming first; the source's WAL archive when the stream has moved past what the source still keeps.
      restore_command: walFetchFromSite(pg.standby.archive.endpoint, walgPrefix(refs, pg.standby.sourceEnvironment, n.scope)),
      create_replica_methods: ['basebackup'],
    };
  }

  const bootstrap: Record<string, unknown> = {
    dcs,
    initdb: ['data-checksums', { encoding: 'UTF8' }, { locale: 'C.UTF-8' }],
    // Patroni 3 requires it here (its validator); 4 takes postgresql.pg_hba. The same rules either way.
    pg_hba: PG_HBA,
    post_bootstrap: `${scripts}/post-bootstrap.sh`,
  };
  if (pg.restore) {
    bootstrap.method = 'walg_restore';
    bootstrap.walg_restore = {
      command: `${scripts}/restore.sh`,
      keep_existing_recovery_conf: false,
      recovery_conf: {
        restore_command: walFetchFrom(walgPrefix(refs, pg.restore.sourceEnvironment, n.scope)),
        recovery_target_timeline: 'latest',
        recovery_target_action: 'promote',
        ...(pg.restore.targetTime ? { recovery_target_time: pg.restore.targetTime } : {}),
      },
    };
  }

  return {
    scope: n.scope,
    restapi: { listen: `0.0.0.0:${PATRONI_PORT}` },
    kubernetes: {
      namespace: n.namespace,
      // Endpoints, not ConfigMaps: the leader Endpoints are the primary Service's, so clients follow the lock.
      use_endpoints: true,
      // Which pods are members: the stable identity, with the scope in the instance label.
      labels: podLabels,
      scope_label: LABELS.instance,
      role_label: platformKeys(config).role,
      leader_label_value: ROLE.primary,
      follower_label_value: ROLE.replica,
      standby_leader_label_value: ROLE.primary,
      ports: [{ name: refs.postgres.primary.portName, port: refs.postgres.primary.port }],
    },
    bootstrap,
    postgresql: {
      listen: `0.0.0.0:${refs.postgres.primary.port}`,
      data_dir: PGDATA,
      bin_dir: PG_BIN_DIR,
      pgpass: '/tmp/pgpass',
      use_unix_socket: true,
      // Rewind a failed primary instead of recloning; reclone only when rewind cannot help.
      remove_data_directory_on_rewind_failure: true,
      remove_data_directory_on_diverged_timelines: true,
      basebackup: [{ checkpoint: 'fast' }],
      parameters: params.local,
      pg_hba: PG_HBA,
    },
    // No /dev/watchdog in a restricted pod; the lease (ttl) and failsafe mode bound a stale primary instead.
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

/** `pgbouncer.ini`: transaction pooling in front of the primary Service. */
export function pgbouncerIni(config: PostgresConfig, refs: PostgresRefs): string {
  const p = config.stores.postgres.pooler;
  const primary = refs.postgres.primary;
  const lines = [
    '[databases]',
    `${refs.postgres.database} = host=${primary.host} port=${primary.port} dbname=${refs.postgres.database}`,
    '',
    '[pgbouncer]',
    'listen_addr = 0.0.0.0',
    `listen_port = ${POOLER_PORT}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${POOLER_AUTH_FILE}`,
    `stats_users = ${POOLER_STATS_USER}`,
    // TLS both ways: clients must use it, and PgBouncer uses it towards PostgreSQL (which requires it).
    'client_tls_sslmode = require',
    `client_tls_key_file = ${TLS_DIR}/server.key`,
    `client_tls_cert_file = ${TLS_DIR}/server.crt`,
    'server_tls_sslmode = require',
    'pool_mode = transaction',
    // Protocol-level prepared statements (asyncpg, SQLAlchemy, node-postgres named queries) survive transaction
    // pooling: PgBouncer (>= 1.21) tracks them per client and prepares them on whichever server it hands out.
    'max_prepared_statements = 200',
    `default_pool_size = ${p.defaultPoolSize}`,
    'reserve_pool_size = 5',
    'reserve_pool_timeout = 3',
    `max_client_conn = ${p.maxClientConn}`,
    'ignore_startup_parameters = extra_float_digits,options',
    // After a failover the primary Service points at the new leader; these make PgBouncer let go of the old one:
    // server connections are recycled, checked before reuse, and dead peers are noticed by TCP keepalives.
    'server_lifetime = 300',
    'server_idle_timeout = 60',
    'server_check_delay = 5',
    'server_check_query = select 1',
    'server_connect_timeout = 5',
    'server_login_retry = 1',
    'query_wait_timeout = 30',
    'dns_max_ttl = 5',
    'tcp_keepalive = 1',
    'tcp_keepidle = 10',
    'tcp_keepintvl = 5',
    'tcp_keepcnt = 3',
    'log_connections = 0',
    'log_disconnections = 0',
    'log_pooler_errors = 1',
    '',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Scripts (mounted from the ConfigMap; POSIX sh, the images have no bash guarantee)
// ---------------------------------------------------------------------------------------------------------

/** Run once by Patroni on the member that initialised the cluster: the application role and database. */
export const POST_BOOTSTRAP_SH = `#!/bin/sh
# Patroni passes a superuser connection URL; idempotent, so a restored cluster can run it again.
set -eu
# The password Patroni puts into its pgpass file for this call is keyed by the socket directory, which libpq
# never matches when that directory is its compiled-in default (/var/run/postgresql): pass it directly
# (taken from SUPERUSER_PASSWORD, because Patroni removes the PATRONI_* variables from its environment).
export PGPASSWORD="\${SUPERUSER_PASSWORD}"
psql "$1" -X -q -v ON_ERROR_STOP=1 -v app_user="$APP_USER" -v app_pw="$APP_PASSWORD" -v db="$APP_DATABASE" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'app_user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user')
\\gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app_user', :'app_pw')
\\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'app_user') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
\\gexec
SQL
`;

/**
 * The exporter's role (with `stores.postgres.exporter`): login, pg_monitor (read every statistics view, setting
 * and the WAL directory listing; no table, no function beyond those: PostgreSQL 15 "Predefined Roles"), a few
 * connections at most. Idempotent; the password is the Secret's (EXPORTER_PASSWORD).
 */
const EXPORTER_ROLE_SQL = `psql "$1" -X -q -v ON_ERROR_STOP=1 -v exporter_user="$EXPORTER_USER" -v exporter_pw="$EXPORTER_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'exporter_user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'exporter_user')
\\gexec
SELECT format('ALTER ROLE %I PASSWORD %L CONNECTION LIMIT 3', :'exporter_user', :'exporter_pw')
\\gexec
SELECT format('GRANT pg_monitor TO %I', :'exporter_user') WHERE NOT pg_has_role(:'exporter_user', 'pg_monitor', 'MEMBER')
\\gexec
SQL
`;

/**
 * The post-bootstrap script of an environment: POST_BOOTSTRAP_SH, then (where the section lists any) the
 * extensions and schemas created in the application database, as the superuser, idempotently.
 */
export function postBootstrapSh(config: PostgresConfig): string {
  const { extensions, schemas, exporter } = config.stores.postgres;
  // Before the extensions: an extension the image lacks must not cost the cluster its monitoring.
  const script = exporter ? `${POST_BOOTSTRAP_SH}${EXPORTER_ROLE_SQL}` : POST_BOOTSTRAP_SH;
  if (!extensions.length && !schemas.length) return script;
  const ident = (x: string) => `"${x.replace(/"/g, '""')}"`;
  return `${script}psql "$1" -X -q -v ON_ERROR_STOP=1 -v app_user="$APP_USER" -v db="$APP_DATABASE" <<'SQL'
\\connect :"db"
${[
    ...extensions.map((e) => `CREATE EXTENSION IF NOT EXISTS ${ident(e)};`),
    ...schemas.map((x) => `CREATE SCHEMA IF NOT EXISTS ${ident(x)} AUTHORIZATION :"app_user";`),
  ].join('\n')}
SQL
`;
}

/** Patroni's custom bootstrap: fetch a base backup of the source environment (WAL replay follows). */
export const RESTORE_SH = `#!/bin/sh
# Patroni calls: restore.sh --scope=<scope> --datadir=<dir>
set -eu
datadir=
for arg in "$@"; do
  case "$arg" in --datadir=*) datadir="\${arg#--datadir=}" ;; esac
done
[ -n "$datadir" ] || { echo "restore.sh: no --datadir given" >&2; exit 2; }
echo "restore.sh: fetching backup $RESTORE_BACKUP from $RESTORE_S3_PREFIX into $datadir" >&2
WALG_S3_PREFIX="$RESTORE_S3_PREFIX" exec wal-g backup-fetch "$datadir" "$RESTORE_BACKUP"
`;

/** Pruning after a backup with a recovery window (`backup.retentionDays`): the newest n full backups stay. */
const PRUNE_WINDOW = 'wal-g delete retain FULL "$BACKUP_RETAIN_FULL" --confirm';

/**
 * The backup sidecar: every member runs it, only the current primary (Patroni's /primary answers 200 there)
 * pushes a base backup, then prunes what is older than the retention. A heartbeat file feeds the probes.
 */
export const BACKUP_LOOP_SH = backupLoopWith(PRUNE_WINDOW);

/**
 * The backup loop of an environment: pruning by window (BACKUP_LOOP_SH), or with tiers (`backup.retention`) by
 * BACKUP_RETENTION_SH, run right after each successful push so that it never races a backup in progress.
 */
export function backupLoopSh(config: PostgresConfig): string {
  if (!config.stores.postgres.backup.retention) return BACKUP_LOOP_SH;
  // In the background with the heartbeat going, like the push: with many backups it takes a while.
  return backupLoopWith(`/bin/sh ${CONFIG_DIR}/scripts/backup-retention.sh &
    push=$!
    while kill -0 "$push" 2>/dev/null; do beat; nap 10; done
    wait "$push"`);
}

/**
 * Tiered retention of the WAL-G base backups (`backup.retention`), run by the backup loop after each push:
 * lists the backups with their metadata, plans with jq (which the Spilo image carries) and applies the plan.
 *
 * The plan (`backup-retention.sh plan < list.json` prints it without touching the storage; the tests run it):
 *   keep NAME TIERS  kept by these tiers (the newest backup of each of the last BACKUP_KEEP_HOURLY hours,
 *                    _DAILY days, _WEEKLY ISO weeks, _MONTHLY months, UTC, that have a backup)
 *   mark NAME        kept and older than the floor: made permanent, so WAL-G keeps it and only its own WAL
 *   unmark NAME      permanent but no longer kept: made impermanent first, so that it can be deleted
 *   delete NAME      not kept, newer than the floor: `wal-g delete target` (WAL-G deletes no WAL for it)
 *   expire NAME      not kept, older than the floor: removed by the sweep below
 *   before NAME      the floor, the oldest backup of the hourly and daily tiers (else the newest backup):
 *                    `wal-g delete before` removes every impermanent backup and WAL segment older than it
 * Point-in-time recovery therefore reaches back to the floor; older kept backups restore to their own end.
 * WAL-G v3.0.5 (the Spilo image's WALG_VERSION, zalando/spilo postgres-appliance/Dockerfile at 4.0-p3), read in
 * wal-g/wal-g at v3.0.5: `backup-list --detail --json` prints start_time (UTC) and is_permanent
 * (internal/databases/postgres/backup_detail.go, backup_sentinel_dto.go); `delete target` removes only that
 * backup's objects and refuses a permanent one; `delete before` skips permanent backups and the WAL between
 * their start and finish LSN (internal/delete_handler.go, internal/databases/postgres/delete_util.go);
 * `backup-mark [--impermanent]` (cmd/pg/backup_mark.go). Only full backups are taken (no WALG_DELTA_*), so no
 * kept backup depends on a deleted one. Any failing step stops the script before anything is deleted after it.
 */
export const BACKUP_RETENTION_SH = `#!/bin/sh
set -eu
plan() {
  jq -r --argjson hourly "\${BACKUP_KEEP_HOURLY:-0}" --argjson daily "\${BACKUP_KEEP_DAILY:-0}" \\
    --argjson weekly "\${BACKUP_KEEP_WEEKLY:-0}" --argjson monthly "\${BACKUP_KEEP_MONTHLY:-0}" '
    # RFC 3339 (Go time.Time, any fraction, Z or an offset) to seconds since the epoch.
    def epoch:
      (capture("^(?<s>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\\\\.[0-9]+)?(?<z>Z|[+-][0-9]{2}:[0-9]{2})$")
        // error("backup-retention: unreadable time \\(.)")) as $m
      | ($m.s + "Z" | fromdateiso8601)
        - (if $m.z == "Z" then 0 else (if $m.z[0:1] == "-" then -1 else 1 end) * (($m.z[1:3] | tonumber) * 3600 + ($m.z[4:6] | tonumber) * 60) end);
    # When the backup started; the storage time for a backup without metadata (Go zero time).
    def started: (.start_time // "") as $s | if $s == "" or ($s | startswith("0001-")) then .time else $s end | epoch;
    # The newest backup of each of the last $n periods (strftime $fmt of the start, UTC) that have one.
    def tier($all; $n; $fmt):
      if $n <= 0 then [] else
        reduce $all[] as $b ({seen: {}, keep: []};
          ($b.t | strftime($fmt)) as $k
          | if (.seen | has($k)) or (.seen | length) >= $n then . else .seen[$k] = true | .keep += [$b.name] end)
        | .keep
      end;
    def set: map({(.): true}) | add // {};
    [.[] | {name: .backup_name, t: started, permanent: (.is_permanent == true)}]
    | sort_by(.t, .name) | reverse
    | . as $all
    | {hourly: tier($all; $hourly; "%Y-%m-%dT%H"), daily: tier($all; $daily; "%Y-%m-%d"),
       weekly: tier($all; $weekly; "%G-W%V"), monthly: tier($all; $monthly; "%Y-%m")} as $tiers
    | ($tiers | map_values(set)) as $in
    | (($tiers.hourly + $tiers.daily) | set) as $recent
    | ([range(0; $all | length) | select($recent[$all[.].name])] | last // 0) as $floor
    | range(0; $all | length) as $i | $all[$i] as $b
    | ([("hourly", "daily", "weekly", "monthly") | select($in[.][$b.name])]) as $by
    | if ($by | length) > 0 then
        "keep \\($b.name) \\($by | join(","))",
        (if $i > $floor and ($b.permanent | not) then "mark \\($b.name)" else empty end)
      else
        (if $b.permanent then "unmark \\($b.name)" else empty end),
        (if $i < $floor then "delete \\($b.name)" else "expire \\($b.name)" end)
      end,
      (if $i == ($all | length) - 1 then "before \\($all[$floor].name)" else empty end)
  '
}
if [ "\${1:-}" = plan ]; then plan; exit; fi

list=$(wal-g backup-list --detail --json)
if [ -z "$list" ] || [ "$list" = null ]; then echo "backup-retention: no backups" >&2; exit 0; fi
steps=$(printf '%s\\n' "$list" | plan)
printf '%s\\n' "$steps" | sed 's/^/backup-retention: /' >&2
# Marks first: nothing may be deleted while a backup that must stay is still impermanent.
for b in $(printf '%s\\n' "$steps" | sed -n 's/^unmark //p'); do wal-g backup-mark --impermanent "$b"; done
for b in $(printf '%s\\n' "$steps" | sed -n 's/^mark //p'); do wal-g backup-mark "$b"; done
for b in $(printf '%s\\n' "$steps" | sed -n 's/^delete //p'); do wal-g delete target "$b" --confirm; done
floor=$(printf '%s\\n' "$steps" | sed -n 's/^before //p')
wal-g delete before "$floor" --confirm
`;

function backupLoopWith(prune: string): string {
  return `#!/bin/sh
set -u
interval=$((BACKUP_INTERVAL_HOURS * 3600))
heartbeat=/tmp/backup-heartbeat
child=
push=
# PID 1 ignores SIGTERM without a handler: stop at once, with our children, when the pod stops (an unfinished
# base backup is simply not listed; the next primary takes a new one).
stop() { for p in $child $push; do kill "$p" 2>/dev/null; done; exit 0; }
trap stop TERM INT
nap() { sleep "$1" & child=$!; wait "$child"; child=; }
beat() { touch "$heartbeat"; }
is_primary() { curl -fsS -o /dev/null "http://127.0.0.1:$PATRONI_PORT/primary"; }
backup() {
  echo "backup: base backup to $WALG_S3_PREFIX" >&2
  wal-g backup-push "$PGDATA" &
  push=$!
  while kill -0 "$push" 2>/dev/null; do beat; nap 10; done
  if wait "$push"; then
    ${prune} || echo "backup: pruning failed" >&2
  else
    echo "backup: backup-push failed" >&2
  fi
  push=
}
beat
while :; do
  # The first primary takes a base backup at once: point-in-time recovery needs one to start from.
  if is_primary && ! wal-g backup-list 2>/dev/null | grep -q base_; then backup; fi
  now=$(date +%s)
  next=$(( (now / interval + 1) * interval ))
  while [ "$(date +%s)" -lt "$next" ]; do beat; nap 30; done
  if is_primary; then backup; fi
done
`;
}

/** Writes PgBouncer's auth file from the Secrets in the environment, then becomes PgBouncer. */
export const PGBOUNCER_START_SH = `#!/bin/sh
set -eu
auth_file=\${PGBOUNCER_AUTH_FILE:-${POOLER_AUTH_FILE}}
quote() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
umask 077
{
  printf '%s %s\\n' "$(quote "$APP_USER")" "$(quote "$APP_PASSWORD")"
  printf '%s %s\\n' "$(quote "$STATS_USER")" "$(quote "$STATS_PASSWORD")"
} > "$auth_file"
exec pgbouncer "\${1:-${POOLER_CONFIG_DIR}/pgbouncer.ini}"
`;

/** Init container `tls`: a fresh private key and self-signed certificate for this pod (see TLS_DIR). */
export const TLS_INIT_SH = `#!/bin/sh
set -eu
dir=\${TLS_DIR:-${TLS_DIR}}
umask 077
openssl req -new -x509 -nodes -days 3650 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \\
  -subj "/CN=\${POD_NAME:-localhost}" -keyout "$dir/server.key" -out "$dir/server.crt" 2>/dev/null
chmod 0600 "$dir/server.key"
chmod 0644 "$dir/server.crt"
echo "tls: created a self-signed certificate for \${POD_NAME:-localhost} in $dir"
`;
