#!/usr/bin/env bash
# Load-tests a release build of phase 01 with wrk, the numbers behind the README's
# benchmark note. Needs wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk).
#
#   01-monolith/scripts/bench.sh [duration, default 10s] [connections, default 32]
#
# It starts its own server on a private port with a fresh SQLite file, seeds one user with
# 100 tasks, then drives GET /api/v1/tasks/{id} and GET /api/v1/stats. Rate limiting is
# switched off (RATE_LIMIT_PER_SECOND=0): every request comes from one IP, and we are
# measuring the service, not the limiter.
set -euo pipefail

DURATION="${1:-10s}"
CONNECTIONS="${2:-32}"
PORT="${BENCH_PORT:-18080}"
BASE="http://127.0.0.1:${PORT}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA="$(mktemp -d)"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

cargo build --release --quiet -p monolith --manifest-path "$ROOT/Cargo.toml"
PORT="$PORT" DATABASE_URL="sqlite://${DATA}/bench.sqlite3?mode=rwc" RATE_LIMIT_PER_SECOND=0 \
    JWT_SECRET="bench-secret-bench-secret-bench-secret" RUST_LOG=warn \
    "$ROOT/target/release/monolith" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT

for _ in $(seq 50); do curl -fs "$BASE/health" >/dev/null && break; sleep 0.2; done

json() { curl -fs -H 'content-type: application/json' "$@"; }
json -X POST "$BASE/api/v1/auth/register" \
    -d '{"email":"bench@example.com","username":"bench","password":"bench-password"}' >/dev/null
TOKEN=$(json -X POST "$BASE/api/v1/auth/login" -d '{"username":"bench","password":"bench-password"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
AUTH="Authorization: Bearer $TOKEN"
STATUSES=(todo in_progress done)
PRIORITIES=(low medium high)
for i in $(seq 1 100); do
    json -X POST "$BASE/api/v1/tasks" -H "$AUTH" -d "{\"title\":\"task $i\",\"status\":\"${STATUSES[i%3]}\",\"priority\":\"${PRIORITIES[i%3]}\",\"due_date\":\"2026-01-0$((i%9+1))T00:00:00Z\"}" >/dev/null
done
TASK_ID=$(json "$BASE/api/v1/tasks?limit=1" -H "$AUTH" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

echo "machine: $(nproc) cores, $(uname -m); wrk and server on the same machine"
for path in "/api/v1/tasks/${TASK_ID}" "/api/v1/stats"; do
    echo
    echo "=== GET ${path}  (wrk -t2 -c${CONNECTIONS} -d${DURATION} --latency)"
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "$AUTH" "${BASE}${path}" |
        grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors|requests in'
done
