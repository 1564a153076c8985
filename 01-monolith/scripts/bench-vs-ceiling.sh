#!/usr/bin/env bash
# Phase 01's task read against the ceiling (a bare axum route, tools/ceiling), with wrk
# taking turns between the targets: one thread, 4 s per measurement, 1 and 16 connections.
# Needs wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk).
#
#   01-monolith/scripts/bench-vs-ceiling.sh [rounds, default 3] [monolith binaries ...]
#
# Without binaries it builds and measures target/release/monolith. With several (say, before
# and after a change) each one runs on its own port with its own fresh SQLite file, one user
# and one task, logs to a file (as a service's logs would), and the rounds take turns
# between the ceiling and each of them. Prints req/s and p50 per measurement, then medians.
set -euo pipefail

ROUNDS="${1:-3}"
shift || true
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA="$(mktemp -d)"
export JWT_SECRET="bench-secret-bench-secret-bench-secret" RATE_LIMIT_PER_SECOND=0
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
if (($# == 0)); then
    cargo build --release --quiet -p monolith -p ceiling --manifest-path "$ROOT/Cargo.toml"
    set -- "$ROOT/target/release/monolith"
else
    cargo build --release --quiet -p ceiling --manifest-path "$ROOT/Cargo.toml"
fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"' EXIT
wait_for() { for _ in $(seq 100); do curl -fs "$1" >/dev/null && return; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

PORT=18500 "$ROOT/target/release/ceiling" >"$DATA/ceiling.log" 2>&1 &
pids+=("$!")
wait_for http://127.0.0.1:18500/api/v1/tasks/1
names=(ceiling); urls=(http://127.0.0.1:18500/api/v1/tasks/1); tokens=(none)
port=18501
for binary in "$@"; do
    PORT=$port DATABASE_URL="sqlite://$DATA/$port.sqlite3?mode=rwc" "$binary" >"$DATA/$port.log" 2>&1 &
    pids+=("$!")
    base="http://127.0.0.1:$port"
    wait_for "$base/health"
    curl -fs -X POST "$base/api/v1/auth/register" -H 'content-type: application/json' \
        -d '{"email":"bench@example.com","username":"bench","password":"bench-password"}' >/dev/null
    token=$(curl -fs -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
        -d '{"username":"bench","password":"bench-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    id=$(curl -fs -X POST "$base/api/v1/tasks" -H "authorization: Bearer $token" -H 'content-type: application/json' \
        -d '{"title":"Write the report","description":"Numbers first"}' | sed -E 's/.*"id":([0-9]+).*/\1/')
    names+=("$(basename "$binary")@$port"); urls+=("$base/api/v1/tasks/$id"); tokens+=("$token")
    port=$((port + 1))
done

# measure URL TOKEN CONNECTIONS: prints "requests/s p50_us"
measure() {
    wrk -t1 -c"$3" -d4s --latency -H "authorization: Bearer $2" "$1" |
        awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p=$2; if (p ~ /us$/) {sub(/us/,"",p)} else if (p ~ /ms$/) {sub(/ms/,"",p); p*=1000} else if (p ~ /s$/) {sub(/s/,"",p); p*=1000000}} END {printf "%.0f %.0f\n", rps, p}'
}

printf '%-6s %-28s %6s %10s %9s\n' round target conns "req/s" "p50 µs"
results="$DATA/results"
for round in $(seq "$ROUNDS"); do
    for conns in 1 16; do
        for i in "${!names[@]}"; do
            read -r rps p50 < <(measure "${urls[$i]}" "${tokens[$i]}" "$conns")
            printf '%-6s %-28s %6s %10s %9s\n' "$round" "${names[$i]}" "$conns" "$rps" "$p50"
            echo "${names[$i]} $conns $rps $p50" >>"$results"
        done
    done
done
echo
echo "medians over $ROUNDS rounds (and as a share of the ceiling):"
median() { sort -n | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2}'; }
for conns in 1 16; do
    c_rps=$(awk -v n=ceiling -v c="$conns" '$1==n && $2==c {print $3}' "$results" | median)
    c_p50=$(awk -v n=ceiling -v c="$conns" '$1==n && $2==c {print $4}' "$results" | median)
    for name in "${names[@]}"; do
        rps=$(awk -v n="$name" -v c="$conns" '$1==n && $2==c {print $3}' "$results" | median)
        p50=$(awk -v n="$name" -v c="$conns" '$1==n && $2==c {print $4}' "$results" | median)
        awk -v n="$name" -v c="$conns" -v r="$rps" -v p="$p50" -v cr="$c_rps" -v cp="$c_p50" \
            'BEGIN {printf "  %-28s %2s conns: %8.0f req/s (%3.0f%% of ceiling), p50 %5.0f µs (%.2fx the ceiling)\n", n, c, r, 100*r/cr, p, p/cp}'
    done
done
