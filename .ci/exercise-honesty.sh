#!/usr/bin/env bash
# The exercises' honesty suite, timed: every checker fails its starter, passes its solution
# (brought into a copy of the starter), and rejects every wrong-answer fixture under
# exercises/checker/fixtures/ for its stated reason. `cargo test --workspace` runs all of it
# too; this script runs the same tests alone and reports how long they took and how loaded
# the machine was, so the "under 10 minutes on 2 cores" budget can be watched. Exits non-zero
# on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
started=$(date +%s)
cargo build --quiet -p exercise-checker --tests
built=$(date +%s)
echo "built the checker and its tests in $((built - started)) s"
cargo test --quiet -p exercise-checker -- --test-threads 2
finished=$(date +%s)
echo "honesty suite (starters, solutions, fixtures): $((finished - built)) s after the build; $((finished - started)) s in all"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
