#!/usr/bin/env bash
# Every phase's OpenAPI document against the running phase, with schemathesis (issue 15,
# item 8): `st run <url>/openapi.json --checks all` must find zero failures.
#
#   bash .ci/schemathesis.sh            all runs below
#   bash .ci/schemathesis.sh 01 03      only those phases (01, 01-postgres, 02, 03)
#
# Each run builds nothing new beyond the phase binaries (one `cargo build`), starts the phase
# natively on a fresh SQLite file (phase 03: all four processes, tested through the gateway),
# registers and logs in one account for a token, and runs schemathesis with a fixed seed and a
# bounded number of examples per operation. Phase 01 runs a second time on PostgreSQL: on
# the server $TEST_POSTGRES_URL names, else on the one `.ci/postgres.sh` starts (and stops).
#
# What is switched off for the run, and why, is in .ci/schemathesis.toml: the per-client
# rate limit and the per-account login limit (settings below), nothing else.
#
# Standalone: installs its own pinned schemathesis in a virtualenv, exits non-zero on the first
# failing run, and works from the repository root or anywhere else.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." # the repository root
ROOT=$PWD

SCHEMATHESIS_VERSION=4.32.5
# Fixed, so a failure found in CI is found again on a laptop.
SEED=20261203
# Per operation and phase; the whole script stays within a few minutes on 2 cores.
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
SECRET="schemathesis-run-secret-at-least-32-bytes-long"
RUNS=("${@:-01 01-postgres 02 03}")
read -r -a RUNS <<<"${RUNS[*]}"

log() { echo "[schemathesis.sh] $*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# --- schemathesis, pinned, in its own virtualenv --------------------------------------------
VENV="${TMPDIR:-/tmp}/tasktracker-schemathesis-${SCHEMATHESIS_VERSION}"
if [[ ! -x "$VENV/bin/st" ]]; then
    log "installing schemathesis ${SCHEMATHESIS_VERSION} into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "schemathesis==${SCHEMATHESIS_VERSION}"
fi
"$VENV/bin/st" --version

# --- the binaries (SCHEMATHESIS_BIN=<folder> runs other builds instead, e.g. before/after) ---
if [[ -n "${SCHEMATHESIS_BIN:-}" ]]; then
    BIN="$SCHEMATHESIS_BIN"
else
    cargo build --locked --bins -p monolith -p modular-monolith \
        -p user-service -p task-service -p stats-service -p api-gateway
    BIN="$ROOT/target/debug"
fi

# --- processes: started in the background, all stopped when the script exits -----------------
DATA="$(mktemp -d)"
PIDS=()
STARTED_POSTGRES=0
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ $STARTED_POSTGRES == 1 ]]; then "$ROOT/.ci/postgres.sh" stop || true; fi
    rm -rf "$DATA"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME PORT VAR=VALUE...: runs target/debug/NAME with the settings every run shares
# (the limits that would turn generated traffic away are off: see .ci/schemathesis.toml).
start() {
    local name=$1 port=$2
    shift 2
    env JWT_SECRET="$SECRET" PORT="$port" RUST_LOG=warn \
        RATE_LIMIT_PER_SECOND=0 LOGIN_MAX_FAILURES=0 "$@" \
        "$BIN/$name" >"$DATA/$name-$port.log" 2>&1 &
    PIDS+=($!)
    local i
    for i in $(seq 1 100); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$port/health"; then return 0; fi
        sleep 0.2
    done
    cat "$DATA/$name-$port.log" >&2
    die "$name did not answer /health on port $port"
}

stop_all() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
}

# token BASE_URL: registers one account and prints its bearer token.
token() {
    local base=$1
    curl -fsS -o /dev/null -H 'content-type: application/json' \
        -d '{"email":"schemathesis@example.com","username":"schemathesis","password":"schemathesis-password"}' \
        "$base/api/v1/auth/register"
    curl -fsS -H 'content-type: application/json' \
        -d '{"username":"schemathesis","password":"schemathesis-password"}' \
        "$base/api/v1/auth/login" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# schemathesis NAME BASE_URL: the run itself.
schemathesis() {
    local name=$1 base=$2
    local bearer
    bearer="$(token "$base")"
    log "$name: st run $base/openapi.json (seed $SEED, $MAX_EXAMPLES examples per operation)"
    "$VENV/bin/st" --config-file "$ROOT/.ci/schemathesis.toml" run "$base/openapi.json" \
        --checks all --seed "$SEED" --max-examples "$MAX_EXAMPLES" --no-shrink \
        --header "Authorization: Bearer $bearer" \
        --report junit --report-dir "$DATA/report-$name" ||
        die "$name: schemathesis found failures (see above)"
}

postgres_database() {
    local admin
    admin="${TEST_POSTGRES_URL:-}"
    if [[ -z "$admin" ]]; then
        if ! "$ROOT/.ci/postgres.sh" status >/dev/null 2>&1; then
            "$ROOT/.ci/postgres.sh" start
            STARTED_POSTGRES=1
        fi
        admin="$("$ROOT/.ci/postgres.sh" url)"
    fi
    local psql database
    psql="$(command -v psql || ls -1 /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)"
    database="schemathesis_$(date +%s)_$$"
    "$psql" -X -q "$admin" -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$database\"" >&2
    echo "${admin%/*}/$database"
}

for run in "${RUNS[@]}"; do
    port="$(free_port)"
    case "$run" in
    01)
        start monolith "$port" DATABASE_URL="sqlite://$DATA/01.sqlite3?mode=rwc"
        schemathesis "01" "http://127.0.0.1:$port"
        ;;
    01-postgres)
        start monolith "$port" DATABASE_URL="$(postgres_database)"
        schemathesis "01-postgres" "http://127.0.0.1:$port"
        ;;
    02)
        start modular-monolith "$port" DATABASE_URL="sqlite://$DATA/02.sqlite3?mode=rwc"
        schemathesis "02" "http://127.0.0.1:$port"
        ;;
    03)
        users="$(free_port)" tasks="$(free_port)" stats="$(free_port)"
        start user-service "$users" DATABASE_URL="sqlite://$DATA/03-users.sqlite3?mode=rwc"
        start task-service "$tasks" DATABASE_URL="sqlite://$DATA/03-tasks.sqlite3?mode=rwc"
        start stats-service "$stats" TASK_SERVICE_URL="http://127.0.0.1:$tasks"
        start api-gateway "$port" USER_SERVICE_URL="http://127.0.0.1:$users" \
            TASK_SERVICE_URL="http://127.0.0.1:$tasks" STATS_SERVICE_URL="http://127.0.0.1:$stats"
        schemathesis "03" "http://127.0.0.1:$port"
        ;;
    *) die "unknown run '$run' (01, 01-postgres, 02, 03)" ;;
    esac
    stop_all
done
log "zero failures in: ${RUNS[*]}"
