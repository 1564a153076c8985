#!/usr/bin/env bash
# A login flood from one client against task reads from another: what the flood costs the
# other client, for several numbers of password-hashing slots (HASH_SLOTS). Release build,
# SQLite, wrk for both clients on the same machine as the server.
# Needs wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk) and Linux (/proc).
#
#   01-monolith/scripts/bench-login-flood.sh [seconds, default 20] [slot counts, default "1 2 4"]
#
# Environment: FLOOD_CONNECTIONS (default 64), READ_CONNECTIONS (default 4), HASH_QUEUE_MAX
# (default: the server's), BINARY (default: build and use target/release/monolith).
#
# For each slot count it starts a fresh server (per-IP rate limit and login limit off, so
# the whole flood reaches the hashing), registers one user with one task, then:
#   1. reads GET /api/v1/tasks/{id} alone for the given time: the reader's p99 without flood;
#   2. floods POST /api/v1/auth/login with wrong passwords for new usernames (every one is
#      hashed, or refused by the full queue), and reads the same task meanwhile: p99 with it;
#   3. takes the server's peak resident memory (VmHWM in /proc/<pid>/status).
# One line per slot count: the reader's p99 alone and under the flood, their ratio, the
# reader's requests/s and errors, the flood's answers by status, and the peak memory.
set -euo pipefail

SECONDS_EACH="${1:-20}"
SLOTS="${2:-1 2 4}"
FLOOD_CONNECTIONS="${FLOOD_CONNECTIONS:-64}"
READ_CONNECTIONS="${READ_CONNECTIONS:-4}"
PORT="${BENCH_PORT:-18090}"
BASE="http://127.0.0.1:${PORT}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA="$(mktemp -d)"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
if [[ -z "${BINARY:-}" ]]; then
    cargo build --release --quiet -p monolith --manifest-path "$ROOT/Cargo.toml"
    BINARY="$ROOT/target/release/monolith"
fi

SERVER=""
trap '[[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"' EXIT

# The flood: every request a new username, so neither limit but the hashing queue applies.
# Counts the answers by status across wrk's threads.
cat >"$DATA/flood.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local threads = {}
function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end
function init(args)
    counter = 0
    statuses = {}
end
function request()
    counter = counter + 1
    local body = string.format('{"username":"flood-%d-%d","password":"wrong password"}', id, counter)
    return wrk.format(nil, nil, nil, body)
end
function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
        for status, count in pairs(thread:get("statuses")) do
            total[status] = (total[status] or 0) + count
        end
    end
    local parts = {}
    for status, count in pairs(total) do
        table.insert(parts, string.format("%d:%d", status, count))
    end
    table.sort(parts)
    print("flood-statuses " .. table.concat(parts, ","))
end
LUA

# read URL TOKEN SECONDS: "p99_ms requests_per_second errors"
read_task() {
    wrk -t1 -c"$READ_CONNECTIONS" -d"$3s" --latency -H "authorization: Bearer $2" "$1" |
        awk '/Requests\/sec/ {rps=$2}
             /^ +99%/ {p=$2; if (p ~ /us$/) {sub(/us/,"",p); p/=1000} else if (p ~ /ms$/) {sub(/ms/,"",p)} else if (p ~ /s$/) {sub(/s/,"",p); p*=1000}}
             /Non-2xx/ {err+=$NF} /Socket errors/ {gsub(/,/,""); err+=$4+$6+$8+$10}
             END {printf "%.2f %.0f %d\n", p, rps, err}'
}

echo "machine: $(nproc) cores; server, reader (wrk -t1 -c${READ_CONNECTIONS}) and flood (wrk -t1 -c${FLOOD_CONNECTIONS}) on one machine; ${SECONDS_EACH} s each"
printf '%-6s %12s %12s %7s %11s %11s %8s  %s\n' slots "p99 alone" "p99 flood" ratio "reads/s" "read errs" "peak MiB" "flood answers (status:count)"
for slots in $SLOTS; do
    rm -f "$DATA/bench.sqlite3"*
    env PORT="$PORT" DATABASE_URL="sqlite://$DATA/bench.sqlite3?mode=rwc" RATE_LIMIT_PER_SECOND=0 \
        LOGIN_MAX_FAILURES=0 HASH_SLOTS="$slots" ${HASH_QUEUE_MAX:+HASH_QUEUE_MAX="$HASH_QUEUE_MAX"} \
        JWT_SECRET="bench-secret-bench-secret-bench-secret" RUST_LOG=warn \
        "$BINARY" >"$DATA/server-$slots.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 300); do curl -fs "$BASE/health" >/dev/null && break; sleep 0.1; done
    curl -fs "$BASE/health" >/dev/null || { echo "the server did not start:" >&2; cat "$DATA/server-$slots.log" >&2; exit 1; }
    curl -fs -X POST "$BASE/api/v1/auth/register" -H 'content-type: application/json' \
        -d '{"email":"bench@example.com","username":"bench","password":"bench-password"}' >/dev/null
    token=$(curl -fs -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
        -d '{"username":"bench","password":"bench-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    id=$(curl -fs -X POST "$BASE/api/v1/tasks" -H "authorization: Bearer $token" -H 'content-type: application/json' \
        -d '{"title":"Write the report"}' | sed -E 's/.*"id":([0-9]+).*/\1/')
    url="$BASE/api/v1/tasks/$id"

    read -r alone_p99 _ _ < <(read_task "$url" "$token" "$SECONDS_EACH")
    # The flood starts first and ends last, so the reader is measured under it throughout.
    wrk -t1 -c"$FLOOD_CONNECTIONS" -d"$((SECONDS_EACH + 2))s" -s "$DATA/flood.lua" "$BASE/api/v1/auth/login" \
        >"$DATA/flood-$slots.txt" &
    flood=$!
    sleep 1
    read -r flood_p99 flood_rps flood_errors < <(read_task "$url" "$token" "$SECONDS_EACH")
    wait "$flood"
    peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
    statuses=$(awk '/flood-statuses/ {print $2}' "$DATA/flood-$slots.txt")
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
    awk -v s="$slots" -v a="$alone_p99" -v f="$flood_p99" -v r="$flood_rps" -v e="$flood_errors" -v m="$peak_kib" -v st="$statuses" \
        'BEGIN {printf "%-6s %9.2f ms %9.2f ms %6.1fx %11s %11s %8.0f  %s\n", s, a, f, f/a, r, e, m/1024, st}'
done
