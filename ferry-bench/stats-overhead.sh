#!/usr/bin/env bash
# What message_stats cost on the message path: the same PerfTest loads against two builds of Ferry,
# this tree (counters on queue threads and channel event loops, adders on exchanges and virtual
# hosts, rates sampled every 5 s) and a base commit without them, alternating runs so that both
# builds see the same machine (the order swaps every round). Prints a Markdown table of each
# build's median throughput and the ratio with / without, and the machine's load while it ran.
#
#   ferry-bench/stats-overhead.sh [BASE_REF] [ROUNDS] [SECONDS]
#       BASE_REF  the build without counters (default: the commit before message_stats, found as
#                 the parent of the first commit on this branch that touched ferry-core/.../stats)
#       ROUNDS    runs per build and scenario (default 3); SECONDS per run (default 15)
#
# Brokers listen on loopback (FERRY_BENCH_PORT, default 5697), start from fresh data directories
# and are stopped by PID when the script exits.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
first_stats_commit="$(git -C "$repo" log --format=%H --reverse -- ferry-core/src/main/java/dev/ferry/stats | head -1)"
base_ref="${1:-${first_stats_commit}~1}"
rounds="${2:-3}"
seconds="${3:-15}"
port="${FERRY_BENCH_PORT:-5697}"
PERFTEST_VERSION=2.22.1

work="$repo/ferry-bench/target/stats-overhead/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work"
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Two runnable trees: bin/ferry finds its jar beside itself.
install_build() { # install_build NAME SOURCE_TREE
  mkdir -p "$work/$1/bin" "$work/$1/ferry-server/target"
  cp "$repo/bin/ferry" "$work/$1/bin/ferry"
  cp "$2/ferry-server/target/ferry.jar" "$work/$1/ferry-server/target/ferry.jar"
}
log "building this tree"
(cd "$repo" && mvn -q -B -ntp -o -pl ferry-server -am package -DskipTests)
install_build with "$repo"
log "building $base_ref"
git -C "$repo" worktree add --detach -f "$work/base-src" "$base_ref" >/dev/null 2>&1
(cd "$work/base-src" && mvn -q -B -ntp -o -pl ferry-server -am package -DskipTests)
install_build without "$work/base-src"
git -C "$repo" worktree remove --force "$work/base-src"

PT_CP="$("$here/scripts/perftest-classpath.sh" "$PERFTEST_VERSION")"

broker_pid=""
stop_broker() {
  [ -n "$broker_pid" ] || return 0
  kill -TERM "$broker_pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=""
}
trap stop_broker EXIT
trap 'exit 130' INT TERM

start_broker() { # start_broker BUILD DIR
  mkdir -p "$2"
  "$work/$1/bin/ferry" --data-dir "$2/data" --bind 127.0.0.1 --amqp-port "$port" --kafka-port 0 --http-port 0 \
    --prometheus-port 0 > "$2/ferry.out" 2>&1 &
  broker_pid=$!
  for _ in $(seq 1 120); do
    grep -q "listening on amqp://127.0.0.1:$port" "$2/ferry.out" 2>/dev/null && return 0
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "stats-overhead: $1 did not start; see $2/ferry.out" >&2
  exit 1
}

# PerfTest's closing summary: "sending rate avg: N msg/s" and "receiving rate avg: N msg/s".
received_rate() { sed -n 's/.*receiving rate avg: \([0-9]*\) msg\/s.*/\1/p' "$1" | tail -1; }

declare -A SCENARIO=(
  [auto-ack]="-x 1 -y 1 -u stats-a -s 12 -a"
  [confirm-ack]="-x 1 -y 1 -u stats-b -s 12 -c 200 -q 200"
)
results="$work/results.tsv"
: > "$results"
loads=()
for round in $(seq 1 "$rounds"); do
  order=(without with)
  [ $((round % 2)) = 0 ] && order=(with without)
  for scenario in auto-ack confirm-ack; do
    for build in "${order[@]}"; do
      dir="$work/$build-$scenario-$round"
      start_broker "$build" "$dir"
      # shellcheck disable=SC2086
      timeout -s KILL $((seconds + 60)) java -cp "$PT_CP" com.rabbitmq.perf.PerfTest \
        -h "amqp://guest:guest@127.0.0.1:$port" ${SCENARIO[$scenario]} -z "$seconds" > "$dir/perftest.out" 2>&1 || true
      rate="$(received_rate "$dir/perftest.out")"
      loads+=("$(cut -d' ' -f1 /proc/loadavg)")
      stop_broker
      log "round $round $scenario $build: ${rate:-?} msg/s"
      printf '%s\t%s\t%s\t%s\n' "$scenario" "$build" "$round" "${rate:-0}" >> "$results"
    done
  done
done

median() { sort -n | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
echo "| scenario | without counters (msg/s, median of $rounds) | with counters | with / without | runs (without; with) |"
echo "| --- | ---: | ---: | ---: | --- |"
for scenario in auto-ack confirm-ack; do
  without="$(awk -F'\t' -v s="$scenario" '$1==s && $2=="without" {print $4}' "$results" | median)"
  with="$(awk -F'\t' -v s="$scenario" '$1==s && $2=="with" {print $4}' "$results" | median)"
  runs_without="$(awk -F'\t' -v s="$scenario" '$1==s && $2=="without" {print $4}' "$results" | paste -sd, -)"
  runs_with="$(awk -F'\t' -v s="$scenario" '$1==s && $2=="with" {print $4}' "$results" | paste -sd, -)"
  ratio="$(awk -v a="$with" -v b="$without" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')"
  echo "| $scenario: PerfTest ${SCENARIO[$scenario]} | $without | $with | $ratio | $runs_without; $runs_with |"
done
echo
echo "Base: $(git -C "$repo" rev-parse --short "$base_ref"); this tree: $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo ' (modified)');" \
  "$seconds s per run; 1-minute load average at the end of each run: ${loads[*]} (nproc $(nproc))."
