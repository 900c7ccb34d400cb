#!/usr/bin/env bash
# Starts a PostgreSQL server on 127.0.0.1 for the SQL source tests (test/Source.Sql.test.ts).
#
# Idempotent; run as root (CI). Installs Debian's `postgresql` package only when no server is installed, creates
# (or starts) the `main` cluster of the newest installed version, waits until it accepts connections, creates or
# updates a login role with CREATEDB (the test suite creates and drops its own database), and a database of the
# same name owned by it (PostgreSQL ≥ 15 lets only the owner create tables in `postgres`'s public schema).
#
# Progress goes to stderr. stdout is one line for `eval`:
#   export POLAROID_PG_URL='postgres://polaroid:polaroid@127.0.0.1:5432/polaroid'
# Usage in .ci/run:  eval "$(bash .ci/postgres.sh)"
#
# Environment (optional): POLAROID_PG_USER (polaroid), POLAROID_PG_PASSWORD (polaroid), POLAROID_PG_CLUSTER (main),
# POLAROID_PG_PORT (5432, used only when the cluster has to be created).
set -euo pipefail

PG_USER="${POLAROID_PG_USER:-polaroid}"
PG_PASSWORD="${POLAROID_PG_PASSWORD:-polaroid}"
PG_PORT="${POLAROID_PG_PORT:-5432}"
CLUSTER="${POLAROID_PG_CLUSTER:-main}"

log() { echo "[postgres.sh] $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (it installs packages and starts the cluster as the postgres user)"
  exit 1
fi

installed_versions() { ls /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n || true; }

if [ -z "$(installed_versions)" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing postgresql from the Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y --no-install-recommends postgresql >&2
fi

VERSION="$(installed_versions | tail -n 1)"
if [ -z "$VERSION" ]; then
  log "no PostgreSQL server found under /usr/lib/postgresql after installation"
  exit 1
fi

# `pg_lsclusters -h`: Ver Cluster Port Status Owner Data Log
cluster_field() { pg_lsclusters -h 2>/dev/null | awk -v v="$VERSION" -v c="$CLUSTER" -v f="$1" '$1 == v && $2 == c { print $f }'; }

if [ -z "$(cluster_field 1)" ]; then
  log "creating cluster $VERSION/$CLUSTER on port $PG_PORT"
  pg_createcluster "$VERSION" "$CLUSTER" --port="$PG_PORT" >&2
fi

PORT="$(cluster_field 3)"
if [ "$(cluster_field 4)" != "online" ]; then
  log "starting cluster $VERSION/$CLUSTER (port $PORT)"
  # Containers without systemd: pg_ctlcluster starts the postmaster directly as the postgres user.
  mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then break; fi
  sleep 0.5
done
if ! pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  log "server did not become ready on 127.0.0.1:$PORT"
  exit 1
fi

# The role may already exist from an earlier run: (re)set its password and rights either way.
runuser -u postgres -- psql -q -p "$PORT" -v ON_ERROR_STOP=1 \
  -v user="$PG_USER" -v password="$PG_PASSWORD" >&2 <<'SQL'
SELECT format('CREATE ROLE %I', :'user')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'password') \gexec
-- the suite drops its databases WITH (FORCE), which must also end an autovacuum worker busy in them (no role's
-- process: without pg_signal_backend, "must be a member of the role whose process is being terminated")
SELECT format('GRANT pg_signal_backend TO %I', :'user') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'user', :'user')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'user') \gexec
SQL

log "ready: PostgreSQL $VERSION on 127.0.0.1:$PORT, role $PG_USER"
echo "export POLAROID_PG_URL='postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${PORT}/${PG_USER}'"
