#!/usr/bin/env bash
# Runs phase 03 natively: user-service (8001), task-service (8002), stats-service (8003)
# and the api-gateway (8000), with ONE shared, freshly generated JWT_SECRET, so every
# service accepts the tokens user-service issues. Ctrl-C stops all four.
#
#   bash 03-microservices/scripts/run-all.sh        (from anywhere in the repository)
#
# Each service keeps its data in its own SQLite file in its own folder. One DATABASE_URL
# cannot name two databases, so to use PostgreSQL set USERS_DATABASE_URL and
# TASKS_DATABASE_URL, e.g.
#   USERS_DATABASE_URL=postgres://app@localhost:5432/users \
#   TASKS_DATABASE_URL=postgres://app@localhost:5432/tasks bash 03-microservices/scripts/run-all.sh
# Set JWT_SECRET yourself to keep tokens valid across restarts.
set -euo pipefail

cd "$(dirname "$0")/../.."

# Build once, up front, so the services start together instead of one compile at a time.
cargo build -p user-service -p task-service -p stats-service -p api-gateway --bins
bin="${CARGO_TARGET_DIR:-target}/debug"

if [[ -z "${JWT_SECRET:-}" ]]; then
    JWT_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "[run-all] generated a JWT_SECRET for this run (tokens end with it)"
fi
export JWT_SECRET

pids=()
stop_all() {
    trap - INT TERM EXIT
    echo "[run-all] stopping ${#pids[@]} service(s)"
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

start() { # name, then VAR=value settings
    local name="$1"
    shift
    env "$@" "$bin/$name" &
    pids+=("$!")
}

start user-service PORT=8001 ${USERS_DATABASE_URL:+DATABASE_URL=$USERS_DATABASE_URL}
start task-service PORT=8002 ${TASKS_DATABASE_URL:+DATABASE_URL=$TASKS_DATABASE_URL}
start stats-service PORT=8003 TASK_SERVICE_URL=http://127.0.0.1:8002
start api-gateway PORT=8000 \
    USER_SERVICE_URL=http://127.0.0.1:8001 \
    TASK_SERVICE_URL=http://127.0.0.1:8002 \
    STATS_SERVICE_URL=http://127.0.0.1:8003

echo "[run-all] TaskTracker (phase 03) on http://127.0.0.1:8000 — docs at http://127.0.0.1:8000/docs; Ctrl-C stops everything"
# Wait until any service exits (or Ctrl-C); then stop the others too.
wait -n "${pids[@]}" || true
echo "[run-all] a service stopped; stopping the rest"
