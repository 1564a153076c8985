#!/usr/bin/env bash
# Where a request's time goes in phase 03: the same two reads measured at every hop of
# their way, next to the monolith, with wrk at concurrency 1 (latency, not throughput).
# Needs wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk).
#
#   03-microservices/scripts/bench-hops.sh [rounds, default 4] [seconds per run, default 4]
#
# It starts release builds of phase 01 and of phase 03's four services on private ports,
# with fresh SQLite files and rate limiting off, seeds one user with 100 tasks in each
# phase, then, round after round, takes the p50 latency of:
#   GET /api/v1/stats        at the monolith, the gateway, stats-service, and task-service's
#                            /internal/v1/task-counts (what stats-service asks for)
#   GET /api/v1/tasks/{id}   at the monolith, the gateway and task-service
#   GET /api/v1/tasks/{id} with a malformed token, at task-service and at the gateway: the
#                            service refuses it (401) before any work, so the difference
#                            is what a hop costs by itself, with nothing to do behind it
# The difference between two neighbours is the cost of the hop between them.
set -euo pipefail

ROUNDS="${1:-4}"
SECONDS_PER_RUN="${2:-4}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="$ROOT/target/release"
DATA="$(mktemp -d)"
export JWT_SECRET="bench-secret-bench-secret-bench-secret" RUST_LOG=warn RATE_LIMIT_PER_SECOND=0

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet -p monolith -p user-service -p task-service -p stats-service \
    -p api-gateway --manifest-path "$ROOT/Cargo.toml"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"' EXIT
start() { # binary port [VAR=value ...]
    local binary="$1" port="$2"
    shift 2
    env PORT="$port" "$@" "$BIN/$binary" >"$DATA/$binary.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
}
start monolith 18201 DATABASE_URL="sqlite://$DATA/monolith.sqlite3?mode=rwc"
start user-service 18211 DATABASE_URL="sqlite://$DATA/users.sqlite3?mode=rwc"
start task-service 18212 DATABASE_URL="sqlite://$DATA/tasks.sqlite3?mode=rwc"
start stats-service 18213 TASK_SERVICE_URL=http://127.0.0.1:18212
start api-gateway 18210 USER_SERVICE_URL=http://127.0.0.1:18211 \
    TASK_SERVICE_URL=http://127.0.0.1:18212 STATS_SERVICE_URL=http://127.0.0.1:18213

# seed BASE_URL: one user with 100 tasks; prints the user's token.
seed() {
    local token
    curl -fs -X POST "$1/api/v1/auth/register" -H 'content-type: application/json' \
        -d '{"email":"bench@example.com","username":"bench","password":"bench-password"}' >/dev/null
    token=$(curl -fs -X POST "$1/api/v1/auth/login" -H 'content-type: application/json' \
        -d '{"username":"bench","password":"bench-password"}' |
        sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    for i in $(seq 100); do
        curl -fs -X POST "$1/api/v1/tasks" -H "authorization: Bearer $token" \
            -H 'content-type: application/json' -d "{\"title\":\"task $i\"}" >/dev/null
    done
    echo "$token"
}
MONOLITH_TOKEN=$(seed http://127.0.0.1:18201)
SERVICES_TOKEN=$(seed http://127.0.0.1:18210)

# p50_us URL TOKEN: wrk's median latency in microseconds.
p50_us() {
    wrk -t1 -c1 -d"${SECONDS_PER_RUN}s" --latency -H "authorization: Bearer $2" "$1" |
        awk '/ 50% / {v = $2; if (v ~ /ms$/) {sub(/ms/, "", v); v *= 1000} else if (v ~ /us$/) {sub(/us/, "", v)} else {sub(/s$/, "", v); v *= 1000000}; print v}'
}

printf '%-6s | %-31s | %-23s | %-15s\n' "" "GET /api/v1/stats (p50 us)" "GET /api/v1/tasks/{id}" "bad token (401)"
printf '%-6s | %7s %7s %7s %7s | %7s %7s %7s | %7s %7s\n' round 01 gateway stats counts 01 gateway tasks gateway tasks
for round in $(seq "$ROUNDS"); do
    printf '%-6s | %7s %7s %7s %7s | %7s %7s %7s | %7s %7s\n' "$round" \
        "$(p50_us http://127.0.0.1:18201/api/v1/stats "$MONOLITH_TOKEN")" \
        "$(p50_us http://127.0.0.1:18210/api/v1/stats "$SERVICES_TOKEN")" \
        "$(p50_us http://127.0.0.1:18213/api/v1/stats "$SERVICES_TOKEN")" \
        "$(p50_us http://127.0.0.1:18212/internal/v1/task-counts "$SERVICES_TOKEN")" \
        "$(p50_us http://127.0.0.1:18201/api/v1/tasks/1 "$MONOLITH_TOKEN")" \
        "$(p50_us http://127.0.0.1:18210/api/v1/tasks/1 "$SERVICES_TOKEN")" \
        "$(p50_us http://127.0.0.1:18212/api/v1/tasks/1 "$SERVICES_TOKEN")" \
        "$(p50_us http://127.0.0.1:18210/api/v1/tasks/1 not-a-token)" \
        "$(p50_us http://127.0.0.1:18212/api/v1/tasks/1 not-a-token)"
done
echo "01 = the monolith; gateway, stats and tasks = the same request sent to that process directly;"
echo "counts = task-service's /internal/v1/task-counts, the call stats-service makes;"
echo "bad token = refused by task-service before any work: the hop's own cost, with nothing behind it"
