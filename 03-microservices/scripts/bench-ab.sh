#!/usr/bin/env bash
# Phase 03 against itself: two builds of the four processes (say, before and after a
# refactoring), side by side, measured with wrk taking turns, so both see the same noise.
# Needs wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk).
#
#   03-microservices/scripts/bench-ab.sh A_BIN_DIR B_BIN_DIR [rounds, default 4] [seconds, default 4]
#
# Each BIN_DIR holds release binaries user-service, task-service, stats-service and
# api-gateway (e.g. target/release of two checkouts). Both systems start on private ports
# with fresh SQLite files and rate limiting off, one user with 100 tasks each. Then, round
# after round and A before B, wrk runs GET /api/v1/tasks/{id} and GET /api/v1/stats through
# each gateway, with 1 and with 16 connections, and the script prints requests/s and p50
# per run, then the median of the B/A ratios.
set -euo pipefail

A_BIN="$1"
B_BIN="$2"
ROUNDS="${3:-4}"
SECONDS_PER_RUN="${4:-4}"
DATA="$(mktemp -d)"
export JWT_SECRET="bench-secret-bench-secret-bench-secret" RUST_LOG=warn RATE_LIMIT_PER_SECOND=0

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"' EXIT
start() { # bin_dir binary port [VAR=value ...]
    local bin="$1" binary="$2" port="$3"
    shift 3
    env PORT="$port" "$@" "$bin/$binary" >"$DATA/$port.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
}
system() { # bin_dir base_port name
    local bin="$1" p="$2" name="$3"
    start "$bin" user-service $((p + 1)) DATABASE_URL="sqlite://$DATA/$name-users.sqlite3?mode=rwc"
    start "$bin" task-service $((p + 2)) DATABASE_URL="sqlite://$DATA/$name-tasks.sqlite3?mode=rwc"
    start "$bin" stats-service $((p + 3)) TASK_SERVICE_URL=http://127.0.0.1:$((p + 2))
    start "$bin" api-gateway "$p" USER_SERVICE_URL=http://127.0.0.1:$((p + 1)) \
        TASK_SERVICE_URL=http://127.0.0.1:$((p + 2)) STATS_SERVICE_URL=http://127.0.0.1:$((p + 3))
}
system "$A_BIN" 18300 a
system "$B_BIN" 18310 b

# seed BASE_URL: one user with 100 tasks; prints "token task_id".
seed() {
    local token id
    curl -fs -X POST "$1/api/v1/auth/register" -H 'content-type: application/json' \
        -d '{"email":"bench@example.com","username":"bench","password":"bench-password"}' >/dev/null
    token=$(curl -fs -X POST "$1/api/v1/auth/login" -H 'content-type: application/json' \
        -d '{"username":"bench","password":"bench-password"}' |
        sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    for i in $(seq 100); do
        id=$(curl -fs -X POST "$1/api/v1/tasks" -H "authorization: Bearer $token" \
            -H 'content-type: application/json' -d "{\"title\":\"task $i\"}" |
            sed -E 's/.*"id":([0-9]+).*/\1/')
    done
    echo "$token $id"
}
read -r A_TOKEN A_ID < <(seed http://127.0.0.1:18300)
read -r B_TOKEN B_ID < <(seed http://127.0.0.1:18310)

# measure URL TOKEN CONNECTIONS: prints "requests/s p50_ms"
measure() {
    wrk -t1 -c"$3" -d"${SECONDS_PER_RUN}s" --latency -H "authorization: Bearer $2" "$1" |
        awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p=$2; if (p ~ /us$/) {sub(/us/,"",p); p/=1000} else if (p ~ /ms$/) {sub(/ms/,"",p)} else if (p ~ /s$/) {sub(/s/,"",p); p*=1000}} END {printf "%.0f %.3f\n", rps, p}'
}

printf '%-6s %-12s %-5s %12s %10s %12s %10s %8s\n' round workload conns "A req/s" "A p50 ms" "B req/s" "B p50 ms" "B/A"
declare -A ratios
for round in $(seq "$ROUNDS"); do
    for workload in task stats; do
        for conns in 1 16; do
            if [[ $workload == task ]]; then
                a_url="http://127.0.0.1:18300/api/v1/tasks/$A_ID"; b_url="http://127.0.0.1:18310/api/v1/tasks/$B_ID"
            else
                a_url="http://127.0.0.1:18300/api/v1/stats"; b_url="http://127.0.0.1:18310/api/v1/stats"
            fi
            read -r a_rps a_p50 < <(measure "$a_url" "$A_TOKEN" "$conns")
            read -r b_rps b_p50 < <(measure "$b_url" "$B_TOKEN" "$conns")
            ratio=$(awk -v a="$a_rps" -v b="$b_rps" 'BEGIN {printf "%.2f", b / a}')
            ratios["$workload-$conns"]+="$ratio "
            printf '%-6s %-12s %-5s %12s %10s %12s %10s %8s\n' "$round" "$workload" "$conns" "$a_rps" "$a_p50" "$b_rps" "$b_p50" "${ratio}x"
        done
    done
done
echo
echo "median B/A (requests/s) over $ROUNDS rounds:"
for key in task-1 task-16 stats-1 stats-16; do
    median=$(echo "${ratios[$key]}" | tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2] + v[NR/2+1]) / 2}')
    echo "  $key: ${median}x"
done
