/**
 * The files of the `redis-config` ConfigMap: redis.conf, sentinel.conf, topology.env and redis-ha.sh.
 *
 * No file here holds a password: the start-up script reads it from the mounted Secret and writes the runtime
 * configuration (template + passwords + role) into a memory-backed emptyDir. The same files are what the
 * real-server test (test/redis.server.test.ts) starts Debian's redis-server and redis-sentinel with.
 */

/** Where the pods mount things; the script takes each from an environment variable with these defaults. */
export const REDIS_PATHS = {
  config: '/etc/redis',
  run: '/run/redis',
  data: '/data',
  passwordFile: '/etc/redis-auth/password',
  /** The pod's certificate Secret (tls.crt, tls.key, ca.crt of the internal CA). */
  tls: '/etc/redis-tls',
} as const;

export const REDIS_SCRIPT = 'redis-ha.sh';

export interface RedisConfProps {
  readonly port: number;
  /** `maxmemory` in bytes: below the container limit, leaving room for the fork of a rewrite or snapshot. */
  readonly maxmemoryBytes: number;
  readonly minReplicasToWrite: number;
  readonly minReplicasMaxLagSeconds: number;
}

/**
 * TLS on every connection (spec 002 §12, encryption in transit): the plain port is off; clients, replicas,
 * Sentinels and the script all use the pod's certificate from the internal CA (Certificate `redis-tls`).
 * A client certificate is checked when presented but not required: the password authenticates, and any
 * namespace can obtain a certificate from the same ClusterIssuer, so requiring one would prove nothing more.
 * The pinned image is built with TLS (docker-library/redis, 7.2/debian/Dockerfile at "Update 7.2 to 7.2.5":
 * BUILD_TLS=yes); so is Debian's, which the real-server tests run.
 */
function tlsConf(port: number): string {
  return `port 0
tls-port ${port}
tls-cert-file ${REDIS_PATHS.tls}/tls.crt
tls-key-file ${REDIS_PATHS.tls}/tls.key
tls-ca-cert-file ${REDIS_PATHS.tls}/ca.crt
tls-auth-clients optional
tls-replication yes
tls-protocols "TLSv1.2 TLSv1.3"`;
}

/** The static part of every server's configuration; the script appends announce address, passwords and role. */
export function redisConf(p: RedisConfProps): string {
  return `# Redis server of the platform's Sentinel group (rendered by charts/data/redis-config.ts).
# redis-ha.sh copies this file and appends replica-announce-ip, requirepass/masterauth from the Secret and, on
# a replica, replicaof <master>. Never put a password here.
bind * -::*
${tlsConf(p.port)}
tcp-keepalive 60
timeout 0
dir ${REDIS_PATHS.data}

# Persistence: the AOF (fsync once a second, RDB preamble for fast loading) is what a restart loads; the RDB
# snapshots are for backups. A crashed process loses nothing already written to the AOF; a crashed node up to
# one second of writes (hence WAIT for writes that must survive, see docs/redis.md).
appendonly yes
appendfsync everysec
appenddirname "appendonlydir"
aof-use-rdb-preamble yes
save 3600 1 300 100 60 10000
dbfilename dump.rdb

# A master refuses writes (NOREPLICAS) unless ${p.minReplicasToWrite} replica(s) acknowledged within ${p.minReplicasMaxLagSeconds} s: a
# master cut off from its replicas stops accepting writes that the failover on the other side would discard.
min-replicas-to-write ${p.minReplicasToWrite}
min-replicas-max-lag ${p.minReplicasMaxLagSeconds}

replica-read-only yes
replica-serve-stale-data yes
# Diskless full syncs without the default 5 s wait for more replicas: a replica is back within a second.
repl-diskless-sync yes
repl-diskless-sync-delay 0
repl-timeout 60

# Keys with a TTL (cache entries, sessions, rate-limit windows) are evicted under memory pressure; keys
# without one never are: a write then fails instead of silently dropping data.
maxmemory ${p.maxmemoryBytes}
maxmemory-policy volatile-lru

# On SIGTERM a master waits up to 10 s for its replicas to catch up before it exits.
shutdown-timeout 10
enable-debug-command no
loglevel notice
`;
}

export interface SentinelConfProps {
  readonly port: number;
  readonly masterSet: string;
  readonly quorum: number;
  readonly downAfterMilliseconds: number;
  readonly failoverTimeoutMilliseconds: number;
}

/** Sentinel's template: the script fills the @…@ fields and appends the password lines. */
export function sentinelConf(p: SentinelConfProps): string {
  return `# Sentinel of the Redis group "${p.masterSet}" (rendered by charts/data/redis-config.ts).
# redis-ha.sh fills @ANNOUNCE_HOST@ (this pod's stable DNS name) and @MASTER_HOST@/@MASTER_PORT@ (the master
# the other Sentinels or the servers name), appends requirepass and auth-pass from the Secret, and writes the
# result to a writable emptyDir: Sentinel rewrites its configuration file and exits if it cannot.
bind * -::*
# Clients, and the other Sentinels (tls-replication applies to every connection Sentinel makes), over TLS.
${tlsConf(p.port)}
dir ${REDIS_PATHS.run}
# Pod IPs change on every restart: Sentinel stores and announces the pods' DNS names instead.
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip @ANNOUNCE_HOST@
sentinel monitor ${p.masterSet} @MASTER_HOST@ @MASTER_PORT@ ${p.quorum}
sentinel down-after-milliseconds ${p.masterSet} ${p.downAfterMilliseconds}
sentinel failover-timeout ${p.masterSet} ${p.failoverTimeoutMilliseconds}
sentinel parallel-syncs ${p.masterSet} 1
sentinel deny-scripts-reconfig yes
`;
}

export interface TopologyProps {
  readonly masterSet: string;
  /** `host:port` of every server, in ordinal order. */
  readonly servers: readonly string[];
  /** `host:port` of every Sentinel, in ordinal order. */
  readonly sentinels: readonly string[];
  /** Seconds a starting server keeps asking the Sentinels before it falls back (full start). */
  readonly startupAttempts: number;
  /** Seconds a stopping master waits for the failover it asked for. */
  readonly preStopWaitSeconds: number;
  /** Seconds a restarting old master waits for the failover away from it that the Sentinels are running. */
  readonly failoverWaitSeconds: number;
}

export function topologyEnv(p: TopologyProps): string {
  return `# Who is who, in ordinal order (rendered by charts/data/redis-config.ts; sourced by ${REDIS_SCRIPT}).
MASTER_SET=${p.masterSet}
REDIS_NODES="${p.servers.join(' ')}"
SENTINEL_NODES="${p.sentinels.join(' ')}"
STARTUP_ATTEMPTS=${p.startupAttempts}
PRESTOP_WAIT_SECONDS=${p.preStopWaitSeconds}
FAILOVER_WAIT_SECONDS=${p.failoverWaitSeconds}
`;
}

/**
 * Start-up, probes and preStop of the servers and Sentinels, in POSIX sh (the image's /bin/sh is dash).
 * Written as a plain string: `\${` is a shell parameter expansion, not a template placeholder.
 */
export const REDIS_HA_SH = `#!/bin/sh
# Start-up, probes and preStop of the Redis servers and their Sentinels (rendered by charts/data/redis-config.ts).
#   redis-ha.sh redis | sentinel | pre-stop | redis-live | redis-ready | sentinel-live | sentinel-ready | backup
#   redis-ha.sh <master set> <role> <state> <from host> <from port> <to host> <to port>: Sentinel's
#   client-reconfig-script, run by Sentinel after every change of master (saves its state).
# POD_NAME (…-<ordinal>) says which entry of REDIS_NODES or SENTINEL_NODES (topology.env) this process is.
# The node lists are split into words on purpose (globbing is off):
# shellcheck disable=SC2086
set -euf

CONFIG_DIR=\${REDIS_CONFIG_DIR:-${REDIS_PATHS.config}}
RUN_DIR=\${REDIS_RUN_DIR:-${REDIS_PATHS.run}}
DATA_DIR=\${REDIS_DATA_DIR:-${REDIS_PATHS.data}}
PASSWORD_FILE=\${REDIS_PASSWORD_FILE:-${REDIS_PATHS.passwordFile}}
TLS_DIR=\${REDIS_TLS_DIR:-${REDIS_PATHS.tls}}
# shellcheck source=/dev/null
. "$CONFIG_DIR/topology.env"

REDISCLI_AUTH=$(cat "$PASSWORD_FILE")
export REDISCLI_AUTH
POD_NAME=\${POD_NAME:-}
ORDINAL=\${POD_NAME##*-}
# A cold-start candidate replicates from this name, which never resolves (RFC 6761 reserves .invalid): it loads
# its data and answers its peers, read-only, without following anyone yet.
CANDIDATE_HOST=candidate.redis-ha.invalid
# Redis' default replica-priority, which redis.conf keeps.
REPLICA_PRIORITY=100
SENTINEL_STATE="$DATA_DIR/sentinel-state.conf"

log() { echo "redis-ha: $*" >&2; }
count() { echo "$#"; }
# nth N WORD...: the Nth word, counting from 0.
nth() { n=$1; shift; [ "$n" -lt "$#" ] || return 1; shift "$n"; printf '%s\\n' "$1"; }
host_of() { printf '%s\\n' "\${1%:*}"; }
port_of() { printf '%s\\n' "\${1##*:}"; }
now() { date +%s; }
# resolves_within SECONDS HOST: whether HOST has an address, asking once a second.
resolves_within() {
  t=0
  until getent hosts "$2" >/dev/null 2>&1; do [ "$t" -ge "$1" ] && return 1; t=$((t + 1)); sleep 1; done
}
# A value for a configuration file: double-quoted, with \\ and " escaped.
quoted() { printf '"%s"\\n' "$(printf '%s' "$1" | sed 's/[\\\\"]/\\\\&/g')"; }

# redis-cli over TLS with this pod's certificate (split into words where used).
TLS_ARGS="--tls --cacert $TLS_DIR/ca.crt --cert $TLS_DIR/tls.crt --key $TLS_DIR/tls.key"

# cli HOST:PORT COMMAND...: one command with a 3 s bound; the reply in raw form (empty when unreachable).
cli() {
  addr=$1; shift
  timeout 3 redis-cli $TLS_ARGS --no-auth-warning --raw -h "$(host_of "$addr")" -p "$(port_of "$addr")" "$@" 2>/dev/null || true
}

# What the Sentinels say, as "<epoch> <master host:port> <flags>": of every Sentinel that answers, the view with
# the highest config epoch (a Sentinel that has just started may still hold an older one), and the flags of
# all of them (one Sentinel that sees the master down is enough to wait for). The address is the one
# GET-MASTER-ADDR-BY-NAME gives: during a failover, the promoted replica. Skips SKIP_SENTINEL (ourselves).
sentinel_view() {
  best=""; best_epoch=-1; flags=""
  for s in $SENTINEL_NODES; do
    [ "$s" = "\${SKIP_SENTINEL:-}" ] && continue
    addr=$(cli "$s" SENTINEL GET-MASTER-ADDR-BY-NAME "$MASTER_SET" | awk 'NR == 1 { h = $0 } NR == 2 && /^[0-9]+$/ { print h ":" $0 }')
    [ -n "$addr" ] || continue
    view=$(cli "$s" SENTINEL MASTER "$MASTER_SET" | awk -v addr="$addr" 'NR % 2 == 1 { k = $0; next }
      k == "config-epoch" { e = $0 } k == "flags" { f = $0 }
      END { if (e ~ /^[0-9]+$/) print e, addr, f }')
    [ -n "$view" ] || continue
    epoch=\${view%% *}
    flags="$flags,$(printf '%s\\n' "$view" | cut -d' ' -f3)"
    if [ "$epoch" -gt "$best_epoch" ]; then best_epoch=$epoch; best=$(printf '%s\\n' "$view" | cut -d' ' -f1-2); fi
  done
  [ -n "$best" ] && printf '%s %s\\n' "$best" "$flags"
}

# The master the Sentinels name (see sentinel_view).
sentinel_master() { view=$(sentinel_view) && printf '%s\\n' "$view" | cut -d' ' -f2; }

# Whether another server holds the data of the current master: a replica that has been linked to its master
# since it started (master_link_down_since_seconds is -1 until a replica's first sync). A replica that has
# just restarted holds nothing newer than its AOF, possibly far behind: failing over to it loses writes.
peer_synced() {
  for n in $REDIS_NODES; do
    [ "$n" = "$SELF" ] && continue
    info=$(cli "$n" INFO replication | tr -d '\\r')
    printf '%s\\n' "$info" | grep -qx 'role:slave' || continue
    printf '%s\\n' "$info" | grep -qx 'master_link_status:up' && return 0
    printf '%s\\n' "$info" | grep -q '^master_link_down_since_seconds:[0-9]' && return 0
  done
  return 1
}

# The master according to the servers themselves (when no Sentinel answers): a server that answers as master,
# the one most replicas follow (ties: lowest ordinal); if none answers as master, the one most replicas name,
# not counting cold-start candidates and their votes (servers that answer as replicas are no master).
servers_master() {
  i=0; lines=""
  for n in $REDIS_NODES; do
    out=$(cli "$n" ROLE)
    case $(printf '%s\\n' "$out" | sed -n 1p) in
      master) lines="$lines
M $i $n" ;;
      slave) lines="$lines
S $n
R x $(printf '%s\\n' "$out" | sed -n 2p):$(printf '%s\\n' "$out" | sed -n 3p)" ;;
    esac
    i=$((i + 1))
  done
  printf '%s\\n' "$lines" | awk -v nodes=" $REDIS_NODES " '
    $1 == "M" { alive[$3] = $2; if (!($3 in votes)) votes[$3] = 0 }
    $1 == "S" { slave[$2] = 1 }
    $1 == "R" { votes[$3]++ }
    END {
      best = ""
      for (a in alive) if (best == "" || votes[a] > votes[best] || (votes[a] == votes[best] && alive[a] < alive[best])) best = a
      if (best == "") for (a in votes) {
        if ((a in slave) || index(nodes, " " a " ") == 0) continue
        if (best == "" || votes[a] > votes[best] || (votes[a] == votes[best] && a < best)) best = a
      }
      if (best != "") print best
    }' | grep .
}

# Another server that answers as master (the Sentinels are all down, e.g. being rescheduled).
peer_master() {
  for n in $REDIS_NODES; do
    [ "$n" = "$SELF" ] && continue
    [ "$(cli "$n" ROLE | sed -n 1p)" = master ] && { printf '%s\\n' "$n"; return 0; }
  done
  return 1
}

# Restore: an RDB file placed as <dir>/restore.rdb becomes the data set of a server that starts as master.
# With appendonly on, Redis loads only the AOF (a lone dump.rdb is ignored), so the file becomes the base of a
# fresh AOF; the previous AOF is kept as appendonlydir.before-restore. A replica ignores it (it resyncs).
restore_if_asked() {
  data=$(awk '$1 == "dir" { print $2 }' "$CONFIG_DIR/redis.conf")
  [ -f "$data/restore.rdb" ] || return 0
  if [ "$master" != "$SELF" ]; then log "restore.rdb ignored: this server does not start as the master"; return 0; fi
  log "restoring the data set from restore.rdb"
  rm -rf "$data/appendonlydir.before-restore"
  if [ -d "$data/appendonlydir" ]; then mv "$data/appendonlydir" "$data/appendonlydir.before-restore"; fi
  mkdir "$data/appendonlydir"
  mv "$data/restore.rdb" "$data/appendonlydir/appendonly.aof.1.base.rdb"
  echo 'file appendonly.aof.1.base.rdb seq 1 type b' > "$data/appendonlydir/appendonly.aof.manifest"
}

# replicaof HOST:PORT | replicaof NO ONE: this server follows HOST:PORT, or becomes master. The reply is "OK",
# or "OK Already connected to specified master".
replicaof() {
  case $(if [ "$1" = NO ]; then cli "$SELF" REPLICAOF NO ONE; else cli "$SELF" REPLICAOF "$(host_of "$1")" "$(port_of "$1")"; fi) in
    OK*) return 0 ;;
    *) return 1 ;;
  esac
}

# A cold start: no Sentinel names a master and no server answers as one. Every server that starts now runs
# as a candidate (a replica of CANDIDATE_HOST) and they elect one master among those that answer:
#  - a candidate decides only after it has been visible to its peers for SETTLE seconds, longer than any
#    decision takes (a ROLE of 3 s at most per server, and the promotion): a server that became visible after
#    another's last look at it looks itself only once that other is already master, and follows it;
#  - the best candidate it sees (highest replication offset, then lowest ordinal) gets its vote: it becomes a
#    replica of that candidate (which cannot sync from a candidate, so nothing is copied before the decision)
#    and keeps that vote while the candidate answers;
#  - a candidate that sees none better promotes itself once a majority of all servers (itself included) vote
#    for it. Every server votes once, so two candidates never both hold a majority: at most one master.
# Whoever knows better ends the election at once: a master the Sentinels name, or a server answering as master.
cold_start() {
  n=$(count $REDIS_NODES); need=$((n / 2 + 1)); settle=$((3 * n + 5))
  visible=""; silent=0
  while :; do
    sleep 1
    mine=$(cli "$SELF" ROLE)
    case $(printf '%s\\n' "$mine" | sed -n 1p) in
      master) return 0 ;;
      slave) ;;
      *) continue ;; # still loading its data: not visible yet
    esac
    [ -n "$visible" ] || { visible=$(now); log "cold start: candidate, deciding in $settle s"; }
    if m=$(sentinel_master) || m=$(peer_master); then
      if [ "$m" = "$SELF" ]; then
        replicaof NO && { log "the Sentinels name this server: master"; return 0; }
      else
        replicaof "$m" && { log "$m is master: replica of it"; return 0; }
      fi
      continue
    fi
    [ $(($(now) - visible)) -ge "$settle" ] || continue
    vote=$(printf '%s\\n' "$mine" | sed -n 2p):$(printf '%s\\n' "$mine" | sed -n 3p)
    if [ "$(host_of "$vote")" != "$CANDIDATE_HOST" ]; then
      # Voted: keep the vote while that candidate answers; withdraw it after SETTLE s of silence.
      if [ -n "$(cli "$vote" ROLE)" ]; then silent=0; continue; fi
      silent=$((silent + 1))
      [ "$silent" -ge "$settle" ] || continue
      log "cold start: $vote stopped answering, withdrawing the vote"
      replicaof "$CANDIDATE_HOST:$(port_of "$SELF")" || true
      visible=""; silent=0
      continue
    fi
    best=""; best_offset=-2; votes=0; i=0
    for s in $REDIS_NODES; do
      if [ "$s" = "$SELF" ]; then out=$mine; else out=$(cli "$s" ROLE); fi
      role=$(printf '%s\\n' "$out" | sed -n 1p)
      target=$(printf '%s\\n' "$out" | sed -n 2p):$(printf '%s\\n' "$out" | sed -n 3p)
      offset=$(printf '%s\\n' "$out" | sed -n 5p)
      case $offset in ''|*[!0-9-]*) offset=-1 ;; esac
      if [ "$role" = slave ] && [ "$(host_of "$target")" = "$CANDIDATE_HOST" ]; then
        if [ "$offset" -gt "$best_offset" ]; then best=$s; best_offset=$offset; fi
        [ "$s" = "$SELF" ] && votes=$((votes + 1))
      elif [ "$role" = slave ] && [ "$target" = "$SELF" ]; then
        votes=$((votes + 1))
      fi
      i=$((i + 1))
    done
    if [ "$best" != "$SELF" ]; then
      if replicaof "$best"; then log "cold start: voting for $best"; fi
    elif [ "$votes" -ge "$need" ]; then
      replicaof NO && { log "cold start: elected with $votes of $n votes: master"; return 0; }
    fi
  done
}

# cert-manager renews the certificate in the mounted Secret; Redis reads its files only at start and on a
# CONFIG SET of a tls-* setting. CERT_MARK holds the checksum of the certificate the process loaded.
CERT_MARK="$RUN_DIR/tls.sha256"
certificate_sum() { sha256sum < "$TLS_DIR/tls.crt"; }
certificate_renewed() { [ "$(certificate_sum)" != "$(cat "$CERT_MARK" 2>/dev/null || true)" ]; }

# A replica starts unpromotable (replica-priority 0) and becomes promotable once it has synced from its master.
# Restarted together with the others after an outage it holds only its own AOF, and the Sentinels cannot tell
# (Redis keeps no replication offset across a restart): without this they could promote it over the master
# that holds every acknowledged write, while that master is still starting. After FAILOVER_WAIT_SECONDS
# without a sync (that master is not coming back), it becomes promotable anyway: a replica is the best left.
promotable_once_synced() {
  waited=0
  while [ "$waited" -lt "$FAILOVER_WAIT_SECONDS" ] && kill -0 "$pid" 2>/dev/null; do
    cli "$SELF" INFO replication | tr -d '\\r' | grep -qx 'master_link_status:up' && break
    waited=$((waited + 1)); sleep 1
  done
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$(cli "$SELF" CONFIG SET replica-priority "$REPLICA_PRIORITY")" = OK ]; then
      if [ "$waited" -ge "$FAILOVER_WAIT_SECONDS" ]; then log "not synced within $FAILOVER_WAIT_SECONDS s: promotable anyway"; else log "synced: promotable"; fi
      return 0
    fi
    sleep 1
  done
}

# Runs the server with the cold-start election (candidate) or promotable_once_synced (replica) beside it:
# this shell stays PID 1 and hands SIGTERM on.
serve_with() {
  redis-server "$conf" &
  pid=$!
  trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT
  if [ "$1" = candidate ]; then cold_start & else promotable_once_synced & fi
  status=0
  while kill -0 "$pid" 2>/dev/null; do wait "$pid" || status=$?; done
  exit "$status"
}

start_redis() {
  SELF=$(nth "$ORDINAL" $REDIS_NODES)
  master=""; candidate=""
  if [ "$(count $REDIS_NODES)" -gt 1 ]; then
    # Never assume we are the master: a restarted old master must rejoin as a replica of the new one.
    attempt=0; waited=0
    while [ -z "$master" ] && [ "$attempt" -lt "$STARTUP_ATTEMPTS" ]; do
      if ! view=$(sentinel_view); then attempt=$((attempt + 1)); sleep 1; continue; fi
      master=$(printf '%s\\n' "$view" | cut -d' ' -f2)
      # The Sentinels still name us although we were down long enough for them to notice: a failover away
      # from us is under way (or about to be). Wait for it while a replica holds our data (one that has
      # restarted too would be promoted with less than we have).
      case " $(printf '%s\\n' "$view" | cut -d' ' -f3) " in
        *s_down*|*o_down*|*failover_in_progress*)
          if [ "$master" = "$SELF" ] && [ "$waited" -lt "$FAILOVER_WAIT_SECONDS" ] && peer_synced; then
            [ "$waited" -eq 0 ] && log "the Sentinels see us down: waiting for their failover"
            master=""; waited=$((waited + 1)); sleep 1
          fi ;;
      esac
    done
    if [ -n "$master" ]; then log "the Sentinels name $master as master"; fi
    if [ -z "$master" ]; then
      if master=$(peer_master); then log "no Sentinel answered; $master answers as master"; else master=""; fi
    fi
    if [ -z "$master" ]; then
      candidate=yes
      log "no Sentinel and no master answered: cold start"
    fi
  else
    master=$SELF
  fi
  if [ -z "$candidate" ]; then restore_if_asked; fi
  umask 077
  mkdir -p "$RUN_DIR"
  certificate_sum > "$CERT_MARK"
  conf="$RUN_DIR/redis.conf"
  {
    cat "$CONFIG_DIR/redis.conf"
    echo "replica-announce-ip $(host_of "$SELF")"
    echo "requirepass $(quoted "$REDISCLI_AUTH")"
    echo "masterauth $(quoted "$REDISCLI_AUTH")"
    if [ -n "$candidate" ]; then
      echo "replicaof $CANDIDATE_HOST $(port_of "$SELF")"
    elif [ "$master" != "$SELF" ]; then
      echo "replicaof $(host_of "$master") $(port_of "$master")"
      echo "replica-priority 0"
    fi
  } > "$conf"
  if [ -n "$candidate" ]; then serve_with candidate; fi
  if [ "$master" = "$SELF" ]; then log "starting as master"; exec redis-server "$conf"; fi
  log "starting as replica of $master, promotable once synced"
  serve_with replica
}

# Sentinel's state (the master, the epochs, the known replicas and Sentinels) without the password lines,
# on the Sentinel's own volume: a full restart resumes it instead of guessing.
save_sentinel_state() {
  conf="$RUN_DIR/sentinel.conf"
  [ -f "$conf" ] || return 0
  umask 077
  grep -E '^sentinel (myid|current-epoch|monitor|config-epoch|leader-epoch|known-replica|known-sentinel) ' "$conf" > "$SENTINEL_STATE.tmp" || true
  if grep -q '^sentinel monitor ' "$SENTINEL_STATE.tmp"; then mv "$SENTINEL_STATE.tmp" "$SENTINEL_STATE"; else rm -f "$SENTINEL_STATE.tmp"; fi
}

# Run by Sentinel (client-reconfig-script) after it switched to a new master: save once its file names it.
sentinel_reconfigured() {
  to="$6:$7"
  n=0
  while [ "$n" -lt 20 ]; do
    if [ "$(awk -v set="$MASTER_SET" '$1 == "sentinel" && $2 == "monitor" && $3 == set { print $4 ":" $5 }' "$RUN_DIR/sentinel.conf")" = "$to" ]; then break; fi
    n=$((n + 1)); sleep 0.5
  done
  save_sentinel_state
}

start_sentinel() {
  SELF=$(nth "$ORDINAL" $SENTINEL_NODES)
  SKIP_SENTINEL=$SELF
  master=""
  if [ -f "$SENTINEL_STATE" ]; then
    master=$(awk -v set="$MASTER_SET" '$1 == "sentinel" && $2 == "monitor" && $3 == set { print $4 ":" $5 }' "$SENTINEL_STATE")
    if [ -n "$master" ] && ! resolves_within 30 "$(host_of "$master")"; then
      log "the saved master $master has no address (its pod is gone): asking the others instead"; master=""
    fi
    if [ -n "$master" ]; then log "resuming the saved state: $master is master"; fi
  fi
  if [ -z "$master" ]; then master=$(sentinel_master) || master=""; fi
  while [ -z "$master" ]; do
    master=$(servers_master) || { log "waiting for a Redis server to answer as master"; sleep 1; }
  done
  log "monitoring $master"
  host=$(host_of "$master")
  # Sentinel refuses a configuration whose hostnames do not resolve (a pod that has no IP yet).
  resolves_within 30 "$host" || true
  umask 077
  mkdir -p "$RUN_DIR"
  certificate_sum > "$CERT_MARK"; rm -f "$CERT_MARK.seen"
  conf="$RUN_DIR/sentinel.conf"
  sed -e "s|@ANNOUNCE_HOST@|$(host_of "$SELF")|" -e "s|@MASTER_HOST@|$host|" -e "s|@MASTER_PORT@|$(port_of "$master")|" \\
    "$CONFIG_DIR/sentinel.conf" > "$conf"
  {
    # A stable identity per pod: the other Sentinels recognise a restarted one instead of counting a new one.
    echo "sentinel myid $(printf '%s' "$SELF" | sha256sum | cut -c1-40)"
    if [ -f "$SENTINEL_STATE" ]; then
      # Known replicas and Sentinels whose pods have no address now are left out (Sentinel would refuse
      # them); they are rediscovered when they return.
      grep -E '^sentinel (current-epoch|config-epoch|leader-epoch|known-replica|known-sentinel) ' "$SENTINEL_STATE" |
        while read -r line; do
          case $line in "sentinel known-"*) resolves_within 0 "$(printf '%s\\n' "$line" | cut -d' ' -f4)" || continue ;; esac
          printf '%s\\n' "$line"
        done
    fi
    echo "sentinel client-reconfig-script $MASTER_SET $0"
    echo "requirepass $(quoted "$REDISCLI_AUTH")"
    echo "sentinel auth-pass $MASTER_SET $(quoted "$REDISCLI_AUTH")"
  } >> "$conf"
  mkdir -p "$DATA_DIR"
  save_sentinel_state
  exec redis-sentinel "$conf"
}

# A terminating master hands over first: ask a Sentinel for a failover and wait until another server is master.
pre_stop() {
  SELF=$(nth "$ORDINAL" $REDIS_NODES)
  [ "$(count $REDIS_NODES)" -gt 1 ] || return 0
  [ "$(cli "$SELF" ROLE | sed -n 1p)" = master ] || return 0
  log "this master is stopping: asking the Sentinels to fail over"
  waited=0; asked=""
  while [ "$waited" -lt "$PRESTOP_WAIT_SECONDS" ]; do
    # A Sentinel refuses while it sees no good replica (one that just resynced) or runs another failover:
    # ask again each second until one accepts.
    if [ -z "$asked" ]; then
      for s in $SENTINEL_NODES; do
        if [ "$(cli "$s" SENTINEL FAILOVER "$MASTER_SET")" = OK ]; then asked=$s; break; fi
      done
    fi
    m=$(sentinel_master) || m=""
    if [ -n "$m" ] && [ "$m" != "$SELF" ]; then log "failed over to $m"; return 0; fi
    waited=$((waited + 1)); sleep 1
  done
  log "no failover within $PRESTOP_WAIT_SECONDS s; stopping anyway"
}

# Backup: an RDB of the data set into BACKUP_DIR, taken from a synced replica (it costs the master nothing)
# or, without one, from the master; checked with redis-check-rdb before anything uploads it.
backup() {
  out=\${BACKUP_DIR:-/backup}
  if ! master=$(sentinel_master); then log "no Sentinel answered"; return 1; fi
  source=$master
  for n in $REDIS_NODES; do
    [ "$n" = "$master" ] && continue
    info=$(cli "$n" INFO replication | tr -d '\\r')
    if printf '%s\\n' "$info" | grep -qx 'master_link_status:up' && printf '%s\\n' "$info" | grep -qx 'master_sync_in_progress:0'; then
      source=$n; break
    fi
  done
  file="$out/redis-$(date -u +%Y%m%dT%H%M%SZ).rdb"
  redis-cli $TLS_ARGS --no-auth-warning -h "$(host_of "$source")" -p "$(port_of "$source")" --rdb "$file" >&2
  redis-check-rdb "$file" >&2
  log "wrote $file from $source"
}

case \${1:-} in
  redis) start_redis ;;
  sentinel) start_sentinel ;;
  pre-stop) pre_stop ;;
  redis-live)
    # LOADING (reading the AOF) and MASTERDOWN are alive; only no answer at all is not.
    case $(cli "$(nth "$ORDINAL" $REDIS_NODES)" PING) in PONG|LOADING*|MASTERDOWN*) exit 0 ;; *) exit 1 ;; esac ;;
  redis-ready)
    self=$(nth "$ORDINAL" $REDIS_NODES)
    # A renewed certificate is loaded in place (the same path set again reloads every TLS file).
    if certificate_renewed && [ "$(cli "$self" CONFIG SET tls-cert-file "$TLS_DIR/tls.crt")" = OK ]; then
      certificate_sum > "$CERT_MARK"; log "loaded the renewed certificate"
    fi
    # A master is ready; a replica once it is linked to its master and done with the initial sync.
    info=$(cli "$self" INFO replication | tr -d '\\r')
    printf '%s\\n' "$info" | grep -qx 'role:master' && exit 0
    printf '%s\\n' "$info" | grep -qx 'master_link_status:up' && printf '%s\\n' "$info" | grep -qx 'master_sync_in_progress:0' ;;
  sentinel-live)
    # Sentinel cannot reload its certificate: after a renewal it is restarted (its state is saved), one
    # Sentinel a minute in ordinal order so that the others keep their quorum meanwhile.
    if certificate_renewed; then
      [ -f "$CERT_MARK.seen" ] || now > "$CERT_MARK.seen"
      if [ $(($(now) - $(cat "$CERT_MARK.seen"))) -ge $((ORDINAL * 60)) ]; then log "the certificate was renewed: restarting"; exit 1; fi
    fi
    [ "$(cli "$(nth "$ORDINAL" $SENTINEL_NODES)" PING)" = PONG ] ;;
  sentinel-ready)
    # Ready once it can tell clients where the master is.
    [ -n "$(cli "$(nth "$ORDINAL" $SENTINEL_NODES)" SENTINEL GET-MASTER-ADDR-BY-NAME "$MASTER_SET")" ] ;;
  backup) backup ;;
  "$MASTER_SET") sentinel_reconfigured "$@" ;;
  *) echo "usage: $0 redis|sentinel|pre-stop|redis-live|redis-ready|sentinel-live|sentinel-ready|backup" >&2; exit 2 ;;
esac
`;
