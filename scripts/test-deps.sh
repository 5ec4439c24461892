#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real (servers and linters), only those missing.
# Runs as root (CI and the development machines are root); elsewhere it says what to install and stops.
set -euo pipefail

# command → Debian package
declare -A NEED=(
  [shellcheck]=shellcheck

  # postgres (issue 3): Debian keeps the server binaries out of PATH, hence the absolute path
  [/usr/lib/postgresql/15/bin/postgres]=postgresql-15
  [patroni]=patroni
  [pgbouncer]=pgbouncer
  [etcd]=etcd-server
  [etcdctl]=etcd-client
  # the tiered backup retention plans with jq (the Spilo image carries it; Ubuntu 22.04 and Debian 12 ship jq 1.6)
  [jq]=jq
  # to build PgBouncer 1.24 (below): bookworm's 1.18 lacks max_prepared_statements, which the rendered ini sets
  [gcc]=gcc
  [make]=make
  [pkg-config]=pkg-config
  [/usr/include/event2/event.h]=libevent-dev
  [/usr/include/ares.h]=libc-ares-dev
  [/usr/include/openssl/ssl.h]=libssl-dev
  # to build pgvector (below) against PostgreSQL 15: bookworm packages none (arbor's `vector` extension, issue 20)
  [/usr/include/postgresql/15/server/postgres.h]=postgresql-server-dev-15

  # redis (issue 4)
  [redis-server]=redis-server
  [redis-sentinel]=redis-sentinel
  [redis-cli]=redis-tools
  # the Redis tests make a throw-away CA and certificates (TLS only, issue 13)
  [openssl]=openssl

  # minio and elasticsearch (issue 5): the provisioning script is POSIX sh, checked with dash -n and run by dash
  [dash]=dash

  # clickhouse and kafka (issue 9): a real XML parser for the generated ClickHouse and Keeper configuration
  [xmllint]=libxml2-utils

  # others
  # applications and ingress (issue 6): the frontend's nginx.conf runs on nginx; the gateway's Lua on Lua 5.1
  [nginx]=nginx-light
  [lua5.1]=lua5.1
  # gitops and monitoring (issue 8): promtool checks and unit-tests the generated alerting rules
  [promtool]=prometheus
  # alert routing (Alertmanager's receivers): amtool checks the rendered configuration and tests its routes
  [amtool]=prometheus-alertmanager
  # Argo CD runs resource health checks in Lua 5.1 (gopher-lua): the Application health check is run for real
  [lua5.1]=lua5.1
)

# chDB (ClickHouse built as a library, from the npm registry) loads the generated ClickHouse configuration for
# real. It is ~550 MB, so it lives outside the project's dependencies (synth never needs it), pinned, in .build/.
CHDB_VERSION=3.4.0
CHDB_DIR="$(cd "$(dirname "$0")/.." && pwd)/.build/test-deps"
if [ "$(node -p "try { require('$CHDB_DIR/node_modules/chdb/package.json').version } catch { '' }")" != "$CHDB_VERSION" ]; then
  echo "test-deps: installing chdb@$CHDB_VERSION into .build/test-deps" >&2
  mkdir -p "$CHDB_DIR"
  [ -f "$CHDB_DIR/package.json" ] || echo '{"private":true}' >"$CHDB_DIR/package.json"
  npm install --prefix "$CHDB_DIR" --no-audit --no-fund --save-exact --loglevel=error "chdb@$CHDB_VERSION" >/dev/null
fi

# PgBouncer as in the pooler image (1.24.1), built from Debian's source tarball (trixie's), into .build/, once.
build_pgbouncer() {
  local version=1.24.1 sha=da72a3aba13072876d055a3e58dd4aba4a5de4ed6148e73033185245598fd3e0
  local prefix="$CHDB_DIR/pgbouncer" src="$CHDB_DIR/pgbouncer-src"
  "$prefix/bin/pgbouncer" --version 2>/dev/null | grep -q "^PgBouncer $version$" && return 0
  echo "test-deps: building pgbouncer $version into .build/test-deps/pgbouncer" >&2
  rm -rf "$src" && mkdir -p "$src"
  curl -fsSL "http://deb.debian.org/debian/pool/main/p/pgbouncer/pgbouncer_$version.orig.tar.gz" -o "$src.tar.gz"
  echo "$sha  $src.tar.gz" | sha256sum -c --quiet
  tar xzf "$src.tar.gz" -C "$src" --strip-components=1
  (cd "$src" && ./configure -q --prefix="$prefix" --without-systemd --without-pam --with-cares >/dev/null \
    && make -s -j2 >/dev/null && make -s install >/dev/null)
  rm -rf "$src" "$src.tar.gz"
}

# pgvector (the `vector` extension arbor creates), built from Debian's source tarball (trixie's 0.8.0) and installed
# into PostgreSQL 15's own extension and library directories (extensions load only from there), once. OPTFLAGS=""
# as Debian builds it: pgvector's default -march=native would tie the build to this CPU.
build_pgvector() {
  local version=0.8.0 sha=867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0
  local pg_config=/usr/lib/postgresql/15/bin/pg_config src="$CHDB_DIR/pgvector-src"
  grep -qs "^default_version = '$version'" "$("$pg_config" --sharedir)/extension/vector.control" \
    && [ -f "$("$pg_config" --pkglibdir)/vector.so" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-deps: pgvector $version must be installed into PostgreSQL 15's directories: run this script as root" >&2
    exit 1
  fi
  echo "test-deps: building pgvector $version into PostgreSQL 15" >&2
  rm -rf "$src" && mkdir -p "$src"
  curl -fsSL "http://deb.debian.org/debian/pool/main/p/pgvector/pgvector_$version.orig.tar.gz" -o "$src.tar.gz"
  echo "$sha  $src.tar.gz" | sha256sum -c --quiet
  tar xzf "$src.tar.gz" -C "$src" --strip-components=1
  (cd "$src" && make -s -j2 PG_CONFIG="$pg_config" OPTFLAGS="" >/dev/null && make -s install PG_CONFIG="$pg_config" >/dev/null)
  rm -rf "$src" "$src.tar.gz"
}

missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -f "$cmd" ] || missing+=("${NEED[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && { build_pgbouncer; build_pgvector; exit 0; }

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
  echo "test-deps: missing Debian packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "test-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
build_pgbouncer
build_pgvector
