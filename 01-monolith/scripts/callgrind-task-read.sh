#!/usr/bin/env bash
# Instructions per `GET /api/v1/tasks/{id}`, counted by valgrind's callgrind: a figure that,
# unlike a latency, does not move with whatever else the machine is doing.
#
#   01-monolith/scripts/callgrind-task-read.sh [requests, default 2000] [binary, default target/release/monolith]
#
# Two runs of the same release binary under callgrind, each on a fresh SQLite file and
# seeded the same way (one user, one task, one login):
#   busy: then N task reads, one after another on one keep-alive connection (curl);
#   idle: then nothing for as long as the busy run's reads took.
# (busy - idle) / N is what one task read costs. The busy run's profile is kept for
# `callgrind_annotate` (the path is printed), to see where those instructions go.
set -euo pipefail

N="${1:-2000}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${2:-$ROOT/target/release/monolith}"
OUT="$(mktemp -d)"
PORT="${CALLGRIND_PORT:-18477}"
export JWT_SECRET="callgrind-secret-callgrind-secret-callgrind" RATE_LIMIT_PER_SECOND=0

command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
[[ -x "$BIN" ]] || { echo "no binary at $BIN: cargo build --release -p monolith" >&2; exit 1; }

server=""
trap '[[ -n "$server" ]] && kill -9 "$server" 2>/dev/null; rm -rf "$OUT"' EXIT

# run NAME SECONDS_IDLE: starts the binary under callgrind, seeds, then reads N times
# (SECONDS_IDLE empty) or sleeps; prints the instruction total, then seconds spent reading.
run() {
    local name="$1" idle="$2" pid token id started
    rm -f "$OUT/$name".sqlite3*
    env PORT="$PORT" DATABASE_URL="sqlite://$OUT/$name.sqlite3?mode=rwc" \
        valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.out" "$BIN" >"$OUT/$name.log" 2>&1 &
    pid=$!
    server=$pid
    for _ in $(seq 300); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
    curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/register" -H 'content-type: application/json' \
        -d '{"email":"cg@example.com","username":"callgrind","password":"callgrind-password"}' >/dev/null
    token=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
        -d '{"username":"callgrind","password":"callgrind-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    id=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/tasks" -H "authorization: Bearer $token" \
        -H 'content-type: application/json' -d '{"title":"profile me","description":"a task"}' |
        sed -E 's/.*"id":([0-9]+).*/\1/')
    started=$(date +%s.%N)
    if [[ -z "$idle" ]]; then
        { echo "header = \"authorization: Bearer $token\""
          for _ in $(seq "$N"); do echo "url = \"http://127.0.0.1:$PORT/api/v1/tasks/$id\""; echo 'output = "/dev/null"'; done
        } >"$OUT/requests.cfg"
        curl -fs --config "$OUT/requests.cfg"
    else
        sleep "$idle"
    fi
    local elapsed
    elapsed=$(echo "$(date +%s.%N) - $started" | bc)
    kill -TERM "$pid"
    wait "$pid" || true
    server=""
    echo "$(awk '/^(summary|totals):/ {print $2; exit}' "$OUT/$name.out") $elapsed"
}

run busy "" >"$OUT/busy.result"
read -r busy busy_seconds <"$OUT/busy.result"
run idle "$busy_seconds" >"$OUT/idle.result"
read -r idle _ <"$OUT/idle.result"
echo "busy run: $busy instructions ($N reads in ${busy_seconds}s under callgrind)"
echo "idle run: $idle instructions"
echo "per task read: $(( (busy - idle) / N )) instructions"
profile="${CALLGRIND_PROFILE:-callgrind-task-read.out}"
cp "$OUT/busy.out" "$profile"
cp "$OUT/idle.out" "${profile%.out}.idle.out"
echo "profiles: $profile (busy), ${profile%.out}.idle.out (idle); see callgrind_annotate --inclusive=yes FILE"
