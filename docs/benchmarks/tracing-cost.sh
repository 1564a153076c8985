#!/usr/bin/env bash
# What tracing costs (issue 16, ADR 0018): one phase in three builds or settings, side by
# side, measured with wrk taking turns so that all three see the same noise.
#
#   docs/benchmarks/tracing-cost.sh PHASE BEFORE_BIN_DIR AFTER_BIN_DIR [rounds, default 4] [seconds, default 4]
#
#   PHASE            01, 02 or 03
#   BEFORE_BIN_DIR   release binaries from before tracing (e.g. a `git worktree` of the commit
#                    before it, built with `cargo build --release`)
#   AFTER_BIN_DIR    release binaries with tracing (this checkout's target/release)
#
# Three systems run at once on private ports, each on fresh SQLite files with one user and
# 100 tasks, rate limiting off, RUST_LOG=warn:
#   before   BEFORE_BIN_DIR
#   off      AFTER_BIN_DIR, OTEL_EXPORTER_OTLP_ENDPOINT unset (nothing exported)
#   on       AFTER_BIN_DIR, exporting every span over OTLP/HTTP to a local sink that accepts
#            and discards them (Python's http.server), every 5 s (the SDK's default)
# Round after round wrk runs GET /api/v1/tasks/{id} and GET /api/v1/stats on each, with 16
# connections; the script prints requests/s and p50 of each run, then the median ratios
# off/before (the cost of tracing when nothing is exported: should be within noise) and
# on/off (the cost of exporting). Needs wrk (apt-get install wrk), curl and python3.
set -euo pipefail

PHASE="$1"
BEFORE="$2"
AFTER="$3"
ROUNDS="${4:-4}"
SECONDS_PER_RUN="${5:-4}"
DATA="$(mktemp -d)"
export JWT_SECRET="bench-secret-bench-secret-bench-secret" RUST_LOG=warn RATE_LIMIT_PER_SECOND=0
unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_SERVICE_NAME

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"' EXIT

# The OTLP sink: 200 with an empty body (an empty ExportTraceServiceResponse) to every POST.
SINK_PORT=18399
python3 - "$SINK_PORT" >/dev/null 2>&1 <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
PY
pids+=("$!")

start() { # bin_dir binary port [VAR=value ...]
    local bin="$1" binary="$2" port="$3"
    shift 3
    env PORT="$port" "$@" "$bin/$binary" >"$DATA/$port.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.2; done
    echo "$binary did not start on $port; its log:" >&2
    cat "$DATA/$port.log" >&2
    exit 1
}
system() { # bin_dir base_port name [VAR=value ...]
    local bin="$1" p="$2" name="$3"
    shift 3
    case "$PHASE" in
    01) start "$bin" monolith "$p" DATABASE_URL="sqlite://$DATA/$name.sqlite3?mode=rwc" "$@" ;;
    02) start "$bin" modular-monolith "$p" DATABASE_URL="sqlite://$DATA/$name.sqlite3?mode=rwc" "$@" ;;
    03)
        start "$bin" user-service $((p + 1)) DATABASE_URL="sqlite://$DATA/$name-users.sqlite3?mode=rwc" "$@"
        start "$bin" task-service $((p + 2)) DATABASE_URL="sqlite://$DATA/$name-tasks.sqlite3?mode=rwc" "$@"
        start "$bin" stats-service $((p + 3)) TASK_SERVICE_URL=http://127.0.0.1:$((p + 2)) "$@"
        start "$bin" api-gateway "$p" USER_SERVICE_URL=http://127.0.0.1:$((p + 1)) \
            TASK_SERVICE_URL=http://127.0.0.1:$((p + 2)) STATS_SERVICE_URL=http://127.0.0.1:$((p + 3)) "$@"
        ;;
    *) echo "PHASE must be 01, 02 or 03" >&2; exit 1 ;;
    esac
}
system "$BEFORE" 18300 before
system "$AFTER" 18310 off
system "$AFTER" 18320 on OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$SINK_PORT

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
declare -A TOKEN ID PORT=([before]=18300 [off]=18310 [on]=18320)
for name in before off on; do
    read -r TOKEN[$name] ID[$name] < <(seed "http://127.0.0.1:${PORT[$name]}")
done

# run NAME PATH: prints "requests/s p50_ms".
run() {
    local out
    out=$(wrk -t2 -c16 -d"${SECONDS_PER_RUN}s" --latency -H "authorization: Bearer ${TOKEN[$1]}" \
        "http://127.0.0.1:${PORT[$1]}$2")
    local rps p50
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
    echo "$rps $p50"
}

declare -a off_before on_off
printf '%-8s %-22s %-7s %12s %10s\n' round endpoint system 'requests/s' 'p50 ms'
for round in $(seq "$ROUNDS"); do
    for endpoint in tasks stats; do
        declare -A rps=()
        for name in before off on; do
            path=/api/v1/stats
            [ "$endpoint" = tasks ] && path="/api/v1/tasks/${ID[$name]}"
            read -r r p < <(run "$name" "$path")
            rps[$name]=$r
            printf '%-8s %-22s %-7s %12s %10s\n' "$round" "GET /api/v1/$endpoint" "$name" "$r" "$p"
        done
        off_before+=("$(awk -v a="${rps[off]}" -v b="${rps[before]}" 'BEGIN {printf "%.3f", a / b}')")
        on_off+=("$(awk -v a="${rps[on]}" -v b="${rps[off]}" 'BEGIN {printf "%.3f", a / b}')")
    done
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
echo
echo "median requests/s ratio, export off / before: $(median "${off_before[@]}")  (${off_before[*]})"
echo "median requests/s ratio, export on / off:     $(median "${on_off[@]}")  (${on_off[*]})"
