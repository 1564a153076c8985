#!/usr/bin/env bash
# Does the modular monolith write as fast as the monolith? Creates tasks on release builds
# of phases 01 and 02 side by side, taking turns, and prints phase 02's throughput relative
# to phase 01's for each round and the median. Taking turns matters on a small machine:
# noise that comes and goes (another process, CPU frequency) then hits both phases alike.
# Needs wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk).
#
#   02-modular-monolith/scripts/bench-writes.sh [rounds, default 6] [seconds per run, default 4]
#
# Each phase gets a fresh SQLite file on a private port, rate limiting off, and one user;
# every run is `POST /api/v1/tasks` with wrk (1 thread), first with 1 connection, then 16.
set -euo pipefail

ROUNDS="${1:-6}"
SECONDS_PER_RUN="${2:-4}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA="$(mktemp -d)"
SECRET="bench-secret-bench-secret-bench-secret"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet -p monolith -p modular-monolith --manifest-path "$ROOT/Cargo.toml"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"' EXIT

# start PHASE-BINARY PORT: a fresh server, then a registered user; prints the user's token.
start() {
    local binary="$1" port="$2" base="http://127.0.0.1:$2"
    PORT="$port" DATABASE_URL="sqlite://${DATA}/${binary}.sqlite3?mode=rwc" RATE_LIMIT_PER_SECOND=0 \
        JWT_SECRET="$SECRET" RUST_LOG=warn "$ROOT/target/release/$binary" >"$DATA/$binary.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 50); do curl -fs "$base/health" >/dev/null && break; sleep 0.2; done
    curl -fs -X POST "$base/api/v1/auth/register" -H 'content-type: application/json' \
        -d '{"email":"bench@example.com","username":"bench","password":"bench-password"}' >/dev/null
    curl -fs -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
        -d '{"username":"bench","password":"bench-password"}' |
        sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}
# Not in $(...): the server must be a child of this shell, so the trap can stop it.
start monolith 18101 >"$DATA/token-01"
start modular-monolith 18102 >"$DATA/token-02"

cat >"$DATA/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"title":"benchmark task","priority":"high"}'
wrk.headers["Content-Type"] = "application/json"
EOF

# requests_per_second PORT CONNECTIONS TOKEN
requests_per_second() {
    wrk -t1 -c"$2" -d"${SECONDS_PER_RUN}s" -s "$DATA/post.lua" -H "Authorization: Bearer $3" \
        "http://127.0.0.1:$1/api/v1/tasks" | awk '/Requests\/sec/ {print $2}'
}

echo "POST /api/v1/tasks, ${ROUNDS} rounds of ${SECONDS_PER_RUN} s per phase and concurrency"
for round in $(seq "$ROUNDS"); do
    for connections in 1 16; do
        first=$(requests_per_second 18101 "$connections" "$(cat "$DATA/token-01")")
        second=$(requests_per_second 18102 "$connections" "$(cat "$DATA/token-02")")
        ratio=$(awk -v a="$first" -v b="$second" 'BEGIN {printf "%.3f", b / a}')
        echo "round ${round}, ${connections} connection(s): 01 ${first} req/s, 02 ${second} req/s, 02 vs 01 ${ratio}x"
        echo "$connections $ratio" >>"$DATA/ratios"
    done
done
for connections in 1 16; do
    awk -v c="$connections" '$1 == c {print $2}' "$DATA/ratios" | sort -n |
        awk -v c="$connections" '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
            printf "median, %s connection(s): 02 vs 01 %.3fx (lowest %.3fx, highest %.3fx)\n", c, m, v[1], v[NR]}'
done
