#!/usr/bin/env bash
# The local PostgreSQL and MariaDB servers the JDBC connector tests use (test/db, docs/jdbc.md):
# PostgreSQL on 127.0.0.1:5432 and MariaDB on 127.0.0.1:3306, both with a database `test`.
#
#   scripts/databases.sh ensure   start both servers if they are not running, wait until they answer,
#                                 create the `test` databases, and give PostgreSQL the prepared
#                                 transactions the exactly-once sink needs (max_prepared_transactions
#                                 > 0: ALTER SYSTEM and a restart, once)
#   scripts/databases.sh status   which servers answer (exit 0 when both do, 3 otherwise)
#
# Uses the Debian packages' servers (postgresql, mariadb-server) as installed on the CI machine.
# Environment: DB_START_TIMEOUT (seconds, default 60), PG_MAX_PREPARED (default 64).
set -euo pipefail

HOST=127.0.0.1
TIMEOUT="${DB_START_TIMEOUT:-60}"
MAX_PREPARED="${PG_MAX_PREPARED:-64}"

log() { echo "databases: $*"; }

pg_up() { pg_isready -q -h "$HOST" -p 5432 -t 2; }
maria_up() { mariadb -h "$HOST" -P 3306 -u root --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1; }
psql_admin() { psql -h "$HOST" -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -Atq "$@"; }

wait_for() {
  local name="$1" check="$2" waited=0
  until "$check"; do
    if [ "$waited" -ge "$TIMEOUT" ]; then
      log "$name did not answer within ${TIMEOUT}s"
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

pg_cluster_version() { ls /etc/postgresql | sort -V | tail -n 1; }

ensure_postgres() {
  if ! pg_up; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(pg_cluster_version)" main start
  fi
  wait_for PostgreSQL pg_up
  local current
  current="$(psql_admin -c 'SHOW max_prepared_transactions')"
  if [ "$current" = "0" ]; then
    log "max_prepared_transactions is 0: setting it to $MAX_PREPARED and restarting PostgreSQL"
    psql_admin -c "ALTER SYSTEM SET max_prepared_transactions = $MAX_PREPARED"
    pg_ctlcluster --skip-systemctl-redirect "$(pg_cluster_version)" main restart
    wait_for PostgreSQL pg_up
  fi
  if [ "$(psql_admin -c "SELECT count(*) FROM pg_database WHERE datname = 'test'")" = "0" ]; then
    psql_admin -c 'CREATE DATABASE test'
  fi
  log "PostgreSQL answers on $HOST:5432 (max_prepared_transactions $(psql_admin -c 'SHOW max_prepared_transactions'))"
}

ensure_mariadb() {
  if ! maria_up; then
    log "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  fi
  wait_for MariaDB maria_up
  mariadb -h "$HOST" -P 3306 -u root -e 'CREATE DATABASE IF NOT EXISTS test'
  log "MariaDB answers on $HOST:3306"
}

case "${1:-}" in
  ensure)
    ensure_postgres
    ensure_mariadb
    ;;
  status)
    status=0
    if pg_up; then log "PostgreSQL: running"; else log "PostgreSQL: not running"; status=3; fi
    if maria_up; then log "MariaDB: running"; else log "MariaDB: not running"; status=3; fi
    exit "$status"
    ;;
  *)
    echo "usage: scripts/databases.sh ensure|status" >&2
    exit 2
    ;;
esac
