#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real (servers and linters), only those missing.
# Runs as root (CI and the development machines are root); elsewhere it says what to install and stops.
set -euo pipefail

# command → Debian package
declare -A NEED=(
  [shellcheck]=shellcheck

  # postgres (issue 3)

  # redis (issue 4)

  # minio and elasticsearch (issue 5)

  # clickhouse and kafka (issue 9)

  # others
  # gitops and monitoring (issue 8): promtool checks and unit-tests the generated alerting rules
  [promtool]=prometheus
  # Argo CD runs resource health checks in Lua 5.1 (gopher-lua): the Application health check is run for real
  [lua5.1]=lua5.1
)

missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
  echo "test-deps: missing Debian packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "test-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
