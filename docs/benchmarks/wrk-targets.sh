#!/usr/bin/env bash
# The wrk measurements behind issue 20's targets, in one run: the ceiling (a bare axum route,
# tools/ceiling), phase 01, phase 02 and phase 03 (through its gateway), and optionally the same
# three built from an older commit, all on SQLite with fresh files, rate limiting off, logs to a file as a
# service's would. The targets take turns: every round measures each of them once per workload
# and connection count, so they all see the same noise. wrk: one thread, 4 s per measurement.
# Needs wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk) and release builds.
#
#   [BIN=folder] [WORKLOADS="read list"] docs/benchmarks/wrk-targets.sh [rounds, default 3] [folder]
#
# BIN: the release binaries to measure (default: build this checkout's). The optional folder
# holds the same phases' binaries from an older commit (monolith, modular-monolith and the
# four phase 03 processes): they run beside the others as p01-before, p02-before, p03-before.
#
# Workloads: GET /api/v1/tasks/{id} ("read", also on the ceiling), GET /api/v1/tasks?limit=20
# ("list", of 100 tasks), GET /api/v1/stats ("stats"), each at 1 and 16 connections, and
# POST /api/v1/auth/login ("login") at 1 connection. Prints every measurement, then medians
# and the ratios the issue asks for.
set -euo pipefail

ROUNDS="${1:-3}"
BEFORE="${2:-}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${BIN:-}" # a folder of release binaries to measure; empty: build this checkout's
DATA="$(mktemp -d)"
export JWT_SECRET="bench-secret-bench-secret-bench-secret" RATE_LIMIT_PER_SECOND=0
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
if [[ -z $BIN ]]; then
    BIN="$ROOT/target/release"
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" -p ceiling -p monolith \
        -p modular-monolith -p api-gateway -p user-service -p task-service -p stats-service
fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"' EXIT
start() { # binary port health_path [VAR=value ...]
    local binary="$1" port="$2" health="$3"
    shift 3
    env PORT="$port" "$@" "$binary" >"$DATA/$port.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port$health" >/dev/null && return; sleep 0.1; done
    echo "no answer from $binary on $port" >&2
    exit 1
}
sqlite() { echo "DATABASE_URL=sqlite://$DATA/$1.sqlite3?mode=rwc"; }

start "$BIN/ceiling" 18600 /api/v1/tasks/1
start "$BIN/monolith" 18601 /health "$(sqlite p01)"
start "$BIN/modular-monolith" 18603 /health "$(sqlite p02)"
start "$BIN/user-service" 18611 /health "$(sqlite p03-users)"
start "$BIN/task-service" 18612 /health "$(sqlite p03-tasks)"
start "$BIN/stats-service" 18613 /health TASK_SERVICE_URL=http://127.0.0.1:18612
start "$BIN/api-gateway" 18610 /health USER_SERVICE_URL=http://127.0.0.1:18611 \
    TASK_SERVICE_URL=http://127.0.0.1:18612 STATS_SERVICE_URL=http://127.0.0.1:18613
names=(p01 p02 p03); ports=(18601 18603 18610)
if [[ -n $BEFORE ]]; then # the same three phases, built from an older commit
    start "$BEFORE/monolith" 18602 /health "$(sqlite p01-before)"
    start "$BEFORE/modular-monolith" 18604 /health "$(sqlite p02-before)"
    start "$BEFORE/user-service" 18621 /health "$(sqlite p03-before-users)"
    start "$BEFORE/task-service" 18622 /health "$(sqlite p03-before-tasks)"
    start "$BEFORE/stats-service" 18623 /health TASK_SERVICE_URL=http://127.0.0.1:18622
    start "$BEFORE/api-gateway" 18620 /health USER_SERVICE_URL=http://127.0.0.1:18621 \
        TASK_SERVICE_URL=http://127.0.0.1:18622 STATS_SERVICE_URL=http://127.0.0.1:18623
    names+=(p01-before p02-before p03-before); ports+=(18602 18604 18620)
fi

# seed BASE_URL: one user with 100 tasks; prints "token last_task_id".
seed() {
    local token id
    curl -fs -X POST "$1/api/v1/auth/register" -H 'content-type: application/json' \
        -d '{"email":"bench@example.com","username":"bench","password":"bench-password"}' >/dev/null
    token=$(curl -fs -X POST "$1/api/v1/auth/login" -H 'content-type: application/json' \
        -d '{"username":"bench","password":"bench-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    for i in $(seq 100); do
        id=$(curl -fs -X POST "$1/api/v1/tasks" -H "authorization: Bearer $token" \
            -H 'content-type: application/json' -d "{\"title\":\"task $i\",\"description\":\"Numbers first\"}" |
            sed -E 's/.*"id":([0-9]+).*/\1/')
    done
    echo "$token $id"
}
declare -A token task
for i in "${!names[@]}"; do
    read -r "token[${names[$i]}]" "task[${names[$i]}]" < <(seed "http://127.0.0.1:${ports[$i]}")
done
cat >"$DATA/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '{"username":"bench","password":"bench-password"}'
LUA

# measure URL CONNECTIONS [wrk options...]: prints "requests/s p50_us non2xx"
measure() {
    local url="$1" conns="$2"
    shift 2
    wrk -t1 -c"$conns" -d4s --latency "$@" "$url" |
        awk '/Requests\/sec/ {rps=$2} /Non-2xx/ {bad=$NF}
             /^ +50%/ {p=$2; if (p ~ /us$/) {sub(/us/,"",p)} else if (p ~ /ms$/) {sub(/ms/,"",p); p*=1000} else if (p ~ /s$/) {sub(/s/,"",p); p*=1000000}}
             END {printf "%.0f %.0f %d\n", rps, p, bad}'
}
results="$DATA/results"
printf '%-5s %-10s %-7s %5s %9s %9s %6s\n' round target workload conns "req/s" "p50 µs" non2xx
record() { # round target workload conns url [wrk options...]
    local round="$1" target="$2" workload="$3" conns="$4" url="$5"
    shift 5
    read -r rps p50 bad < <(measure "$url" "$conns" "$@")
    printf '%-5s %-10s %-7s %5s %9s %9s %6s\n' "$round" "$target" "$workload" "$conns" "$rps" "$p50" "$bad"
    echo "$round $target $workload $conns $rps $p50" >>"$results"
}
# run ROUND TARGET WORKLOAD CONNS: one measurement of one target.
run() {
    local round="$1" n="$2" workload="$3" conns="$4" base
    if [[ $n == ceiling ]]; then
        [[ $workload == read ]] && record "$round" ceiling read "$conns" http://127.0.0.1:18600/api/v1/tasks/1
        return 0
    fi
    base="http://127.0.0.1:${port[$n]}/api/v1"
    case $workload in
        read) record "$round" "$n" read "$conns" "$base/tasks/${task[$n]}" -H "authorization: Bearer ${token[$n]}" ;;
        list) record "$round" "$n" list "$conns" "$base/tasks?limit=20" -H "authorization: Bearer ${token[$n]}" ;;
        stats) record "$round" "$n" stats "$conns" "$base/stats" -H "authorization: Bearer ${token[$n]}" ;;
        login) [[ $conns == 1 ]] && record "$round" "$n" login 1 "$base/auth/login" -s "$DATA/login.lua" ;;
    esac
    return 0
}
declare -A port
for i in "${!names[@]}"; do port[${names[$i]}]=${ports[$i]}; done
targets=(ceiling "${names[@]}")
for round in $(seq "$ROUNDS"); do
    # Each round starts with the next target, so that none is always measured first.
    shift_by=$(((round - 1) % ${#targets[@]}))
    order=("${targets[@]:$shift_by}" "${targets[@]:0:$shift_by}")
    for workload in ${WORKLOADS:-read list stats login}; do
        for conns in 1 16; do
            for n in "${order[@]}"; do run "$round" "$n" "$workload" "$conns"; done
        done
    done
done

median() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) exit; if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2}'; }
med() { # target workload conns column(5 = req/s, 6 = p50)
    awk -v t="$1" -v w="$2" -v c="$3" -v k="$4" '$2==t && $3==w && $4==c {print $k}' "$results" | median
}
# paired A B WORKLOAD CONNS COLUMN: the median over rounds of A's figure divided by B's in the
# same round (both saw the same noise), with the lowest and highest of those ratios.
paired() {
    awk -v a="$1" -v b="$2" -v w="$3" -v c="$4" -v k="$5" '
        $3==w && $4==c && $2==a {x[$1]=$k}
        $3==w && $4==c && $2==b {y[$1]=$k}
        END {for (r in x) if ((r in y) && y[r] > 0) print x[r] / y[r]}' "$results" |
        sort -n | awk '{v[NR]=$1} END {if (NR == 0) exit; m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.2fx (%.2f-%.2f)", m, v[1], v[NR]}'
}
echo
echo "medians over $ROUNDS rounds:"
printf '  %-10s %-7s %5s %9s %9s\n' target workload conns "req/s" "p50 µs"
for t in "${targets[@]}"; do
    for w in read list stats login; do
        for c in 1 16; do
            r=$(med "$t" "$w" "$c" 5)
            [[ -n $r ]] && printf '  %-10s %-7s %5s %9s %9s\n' "$t" "$w" "$c" "$r" "$(med "$t" "$w" "$c" 6)"
        done
    done
done
echo
echo "ratios (median over rounds of the same round's ratio, lowest-highest):"
if [[ " ${WORKLOADS:-read} " == *" read "* ]]; then
    echo "  p01 read at 16 connections, req/s against the ceiling's: $(paired p01 ceiling read 16 5) (target >= 0.30x)"
    echo "  p01 read p50 at 1 connection against the ceiling's: $(paired p01 ceiling read 1 6) (target <= 1.4x)"
fi
if [[ -n $BEFORE ]]; then
    for t in p01 p02 p03; do
        for w in read list stats; do
            for c in 1 16; do
                r=$(paired "$t" "$t-before" "$w" "$c" 5)
                [[ -n $r ]] && echo "  $t against $t-before, $w at $c connection(s), req/s: $r"
            done
        done
    done
fi
for t in p02 p03; do
    for w in read list stats; do
        for c in 1 16; do
            r=$(paired "$t" p01 "$w" "$c" 5)
            [[ -n $r ]] && echo "  $t against p01, $w at $c connection(s), req/s: $r"
        done
    done
    r=$(paired "$t" p01 login 1 6)
    [[ -n $r ]] && echo "  $t against p01, login p50 at 1 connection: $r"
done
