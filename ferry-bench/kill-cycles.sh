#!/usr/bin/env bash
# The kill -9 soak: scripts/KillCycles.java against bin/ferry on a fresh data directory. Each cycle
# publishes persistent messages with confirms (and acks part of them), SIGKILLs the broker at a
# random moment, restarts it and drains every queue; confirmed messages missing afterwards are
# counted as lost (the script exits 1 if there is any).
#
#   ferry-bench/kill-cycles.sh                         # 50 cycles, random seed
#   ferry-bench/kill-cycles.sh --cycles 200 --seed 7   # options go to KillCycles.java
#   ferry-bench/kill-cycles.sh --paging                # tiny in-memory limits: most messages paged
# Output: ferry-bench/target/kill-cycles/<time>/{soak.txt, data.broker.log}. --no-build skips mvn.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
PERFTEST_VERSION=2.22.1
build=1
args=()
for arg in "$@"; do
  if [ "$arg" = --no-build ]; then build=0; else args+=("$arg"); fi
done
if ! printf '%s\n' "${args[@]:-}" | grep -q -- '--cycles'; then args+=(--cycles 50); fi
if [ "$build" = 1 ]; then
  (cd "$repo" && mvn -o -q -B -DskipTests package)
fi
work="$repo/ferry-bench/target/kill-cycles/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work"
cp_client="$("$here/scripts/perftest-classpath.sh" "$PERFTEST_VERSION" --client-only)"
java -cp "$cp_client" "$here/scripts/KillCycles.java" --ferry "$repo/bin/ferry" --data "$work/data" \
  --port "${FERRY_BENCH_PORT:-5698}" "${args[@]}" | tee "$work/soak.txt"
