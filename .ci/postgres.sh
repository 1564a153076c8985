#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, on a private port, with no Docker.
#
#   .ci/postgres.sh start    install PostgreSQL if missing, create a fresh cluster, start it
#   .ci/postgres.sh stop     stop it and delete its data (safe to run when nothing is running)
#   .ci/postgres.sh status   tell whether it is running
#   .ci/postgres.sh url      print the admin URL the tests want in TEST_POSTGRES_URL
#
# Used by .ci/run; instructors can run it locally too (Debian/Ubuntu):
#
#   .ci/postgres.sh start
#   TEST_POSTGRES_URL=$(.ci/postgres.sh url) cargo test --workspace
#   .ci/postgres.sh stop
#
# The cluster lives in a fresh `mktemp -d` folder, listens on localhost only, and trusts the
# user `app` without a password: fine for a disposable test database, never for a real one.
# Settings (environment): PGPORT (default 55432), PGUSER_NAME (default app).
set -euo pipefail

PORT="${PGPORT:-55432}"
DB_USER="${PGUSER_NAME:-app}"
# Remembers where the running cluster's data lives, so `stop` (even from a later run)
# finds it. One file per port.
STATE_FILE="${TMPDIR:-/tmp}/tasktracker-postgres-${PORT}.state"
export DEBIAN_FRONTEND=noninteractive

log() { echo "[postgres.sh] $*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# The newest installed server's bin directory (Debian keeps them in /usr/lib/postgresql/NN/bin,
# not on PATH).
find_pg_bin() {
    local initdb
    initdb="$(ls -1 /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$initdb" ]] && dirname "$initdb"
}

# Runs a PostgreSQL server command as the cluster's owner: initdb and the server refuse to
# run as root, so as root we switch to the `postgres` system user the package created.
as_owner() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

install_if_missing() {
    if find_pg_bin >/dev/null; then
        return
    fi
    [[ $EUID -eq 0 ]] || die "PostgreSQL is not installed; run: sudo apt-get install postgresql"
    log "PostgreSQL not found; installing it from Debian's packages"
    apt-get update -q
    apt-get install -y -q --no-install-recommends postgresql
    find_pg_bin >/dev/null || die "installed postgresql, but found no /usr/lib/postgresql/*/bin/initdb"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null
}

# Data directory of the cluster recorded in the state file ("" if none).
recorded_dir() {
    if [[ -f "$STATE_FILE" ]]; then cat "$STATE_FILE"; fi
}

cmd_stop() {
    local dir pg_bin
    dir="$(recorded_dir)"
    if [[ -z "$dir" ]]; then
        log "no cluster recorded for port ${PORT}; nothing to stop"
        return 0
    fi
    pg_bin="$(find_pg_bin || true)"
    if [[ -n "$pg_bin" && -f "$dir/data/postmaster.pid" ]]; then
        log "stopping the cluster in $dir"
        as_owner "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
            log "pg_ctl stop failed (already stopped?)"
    fi
    case "$dir" in
    */tasktracker-postgres.*) rm -rf -- "$dir" ;; # only ever a folder this script made
    *) log "not deleting unexpected path '$dir' from $STATE_FILE" ;;
    esac
    rm -f -- "$STATE_FILE"
    log "stopped; removed $dir"
}

cmd_start() {
    install_if_missing
    local pg_bin dir
    pg_bin="$(find_pg_bin)"
    log "using $("$pg_bin/postgres" --version)"

    # A leftover from an earlier run on this machine (say, a run that was killed): stop it.
    if [[ -n "$(recorded_dir)" ]]; then
        log "found a cluster left over from an earlier run"
        cmd_stop
    fi
    if port_in_use; then
        die "port ${PORT} is already in use by something this script did not start; stop it, or pick another port with PGPORT=..."
    fi

    dir="$(mktemp -d "${TMPDIR:-/tmp}/tasktracker-postgres.XXXXXX")"
    echo "$dir" >"$STATE_FILE" # recorded first, so `stop` cleans up even if the start fails
    mkdir -p "$dir/data"
    if [[ $EUID -eq 0 ]]; then chown -R postgres:postgres "$dir"; fi
    chmod 700 "$dir/data"

    # --auth=trust: no passwords (local test cluster only); -U: the superuser is `app`;
    # --no-sync: skip fsync while creating it (faster, and the data is thrown away anyway).
    as_owner "$pg_bin/initdb" -D "$dir/data" -U "$DB_USER" --auth=trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    }

    # -k /tmp: the Unix socket goes to /tmp (Debian's default /var/run/postgresql may not
    # exist); listen_addresses stays the default, localhost only. fsync and friends are off
    # because a crash only loses test data. The log lives in the data folder, which the
    # server's user can write.
    local options="-p ${PORT} -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    as_owner "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -o "$options" -w -t 60 start >/dev/null || {
        tail -n 50 "$dir/data/server.log" >&2 || true
        die "the server did not start"
    }

    # pg_ctl -w already waited; double-check from the client side that `app` can log in.
    local i
    for i in $(seq 1 30); do
        if "$pg_bin/pg_isready" -q -h localhost -p "$PORT" -U "$DB_USER" -d postgres; then
            break
        fi
        [[ $i -eq 30 ]] && die "the server never became ready on port ${PORT}"
        sleep 1
    done
    "$pg_bin/psql" -X -q -h localhost -p "$PORT" -U "$DB_USER" -d postgres -v ON_ERROR_STOP=1 \
        -c 'select 1' >/dev/null || die "cannot log in as ${DB_USER}"

    log "ready on port ${PORT} (data in $dir)"
    log "TEST_POSTGRES_URL=$(cmd_url)"
}

cmd_status() {
    local dir
    dir="$(recorded_dir)"
    if [[ -n "$dir" && -f "$dir/data/postmaster.pid" ]] && port_in_use; then
        echo "running on port ${PORT} (data in $dir)"
    else
        echo "not running"
        return 1
    fi
}

cmd_url() {
    echo "postgres://${DB_USER}@localhost:${PORT}/postgres"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
url) cmd_url ;;
*)
    echo "usage: $0 start|stop|status|url" >&2
    exit 2
    ;;
esac
