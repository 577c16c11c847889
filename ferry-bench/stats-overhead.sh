#!/usr/bin/env bash
# What message_stats cost on the message path, two ways, each against two builds of Ferry: this
# tree (counters on queue threads and channel event loops, adders on exchanges and virtual hosts,
# rates sampled every 5 s) and a base commit without them, alternating runs so that both builds
# see the same machine (the order swaps every round):
#   1. JMH, QueueCycleBenchmark.batchAck100 (channelCredit=unlimited, as an AMQP consumer has): a
#      message enqueued, delivered and acked by one queue's state machine in process (the base's
#      ferry-core jar put first on the class path), throughput and CPU per message;
#   2. PerfTest against a started broker (transient 12 B messages; auto-ack, and confirms + acks).
# Prints Markdown tables of each build's median and the ratio with / without, and the machine's
# load while it ran.
#
#   ferry-bench/stats-overhead.sh [BASE_REF] [ROUNDS] [SECONDS]
#       BASE_REF  the build without counters (default: the commit before message_stats, found as
#                 the parent of the first commit on this branch that touched ferry-core/.../stats)
#       ROUNDS    runs per build and scenario (default 3); SECONDS per run (default 15)
#
# STATS_OVERHEAD_REUSE=DIR reuses the base build of an earlier run's work directory.
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
(cd "$repo" && mvn -q -B -ntp -o -pl ferry-server,ferry-bench -am package -DskipTests)
install_build with "$repo"
cp "$repo/ferry-bench/target/benchmarks.jar" "$work/benchmarks.jar"
if [ -n "${STATS_OVERHEAD_REUSE:-}" ]; then
  log "reusing the base build in $STATS_OVERHEAD_REUSE"
  cp -r "$STATS_OVERHEAD_REUSE/without" "$STATS_OVERHEAD_REUSE/without-core.jar" "$work/"
else
  log "building $base_ref"
  git -C "$repo" worktree add --detach -f "$work/base-src" "$base_ref" >/dev/null 2>&1
  (cd "$work/base-src" && mvn -q -B -ntp -o -pl ferry-server -am package -DskipTests)
  install_build without "$work/base-src"
  cp "$work"/base-src/ferry-core/target/ferry-core-*.jar "$work/without-core.jar"
  git -C "$repo" worktree remove --force "$work/base-src"
fi

PT_CP="$("$here/scripts/perftest-classpath.sh" "$PERFTEST_VERSION")"

median() { sort -n | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
loads=()

# 1. JMH: the queue's own work per message.
jmh="$work/jmh.tsv"
: > "$jmh"
for round in $(seq 1 "$rounds"); do
  order=(without with)
  [ $((round % 2)) = 0 ] && order=(with without)
  for build in "${order[@]}"; do
    classpath="$work/benchmarks.jar"
    [ "$build" = without ] && classpath="$work/without-core.jar:$classpath"
    java -cp "$classpath" org.openjdk.jmh.Main 'QueueCycleBenchmark.batchAck100' -p channelCredit=unlimited \
      -f 1 -wi 2 -i 3 -w 2s -r 2s \
      -rf csv -rff "$work/jmh-$build-$round.csv" > "$work/jmh-$build-$round.out" 2>&1
    # Line 2: messages per second; line 3: the thread's CPU nanoseconds per second (AuxCounters).
    score="$(sed -n 2p "$work/jmh-$build-$round.csv" | awk -F, '{printf "%.0f", $5}')"
    cpu_ns="$(sed -n 3p "$work/jmh-$build-$round.csv" | awk -F, -v s="$score" '{printf "%.1f", (s > 0 ? $5 / s : 0)}')"
    loads+=("$(cut -d' ' -f1 /proc/loadavg)")
    log "JMH round $round $build: $score msg/s, $cpu_ns ns CPU/msg"
    printf '%s\t%s\t%s\t%s\n' "$build" "$round" "$score" "$cpu_ns" >> "$jmh"
  done
done


# shellcheck source=scripts/ferry-broker.sh
. "$here/scripts/ferry-broker.sh"
start_broker() { start_ferry "$work/$1/bin/ferry" "$2" "$port" stats-overhead; } # start_broker BUILD DIR

# PerfTest's closing summary: "sending rate avg: N msg/s" and "receiving rate avg: N msg/s".
received_rate() { sed -n 's/.*receiving rate avg: \([0-9]*\) msg\/s.*/\1/p' "$1" | tail -1; }
# The broker's CPU time so far (user + system), in clock ticks: less sensitive to a busy machine
# than throughput, so the report gives CPU per message too.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$broker_pid/stat"; }

declare -A SCENARIO=(
  [auto-ack]="-x 1 -y 1 -u stats-a -s 12 -a"
  [confirm-ack]="-x 1 -y 1 -u stats-b -s 12 -c 200 -q 200"
)
results="$work/results.tsv"
: > "$results"
for round in $(seq 1 "$rounds"); do
  order=(without with)
  [ $((round % 2)) = 0 ] && order=(with without)
  for scenario in auto-ack confirm-ack; do
    for build in "${order[@]}"; do
      dir="$work/$build-$scenario-$round"
      start_broker "$build" "$dir"
      cpu_before="$(cpu_ticks)"
      # shellcheck disable=SC2086
      timeout -s KILL $((seconds + 60)) java -cp "$PT_CP" com.rabbitmq.perf.PerfTest \
        -h "amqp://guest:guest@127.0.0.1:$port" ${SCENARIO[$scenario]} -z "$seconds" > "$dir/perftest.out" 2>&1 || true
      rate="$(received_rate "$dir/perftest.out")"
      cpu_after="$(cpu_ticks)"
      # CPU microseconds per message received: ticks / CLK_TCK over rate × seconds.
      cpu_us="$(awk -v t=$((cpu_after - cpu_before)) -v hz="$(getconf CLK_TCK)" -v r="${rate:-0}" -v s="$seconds" \
        'BEGIN {printf "%.2f", (r > 0 ? t / hz * 1e6 / (r * s) : 0)}')"
      loads+=("$(cut -d' ' -f1 /proc/loadavg)")
      stop_broker
      log "round $round $scenario $build: ${rate:-?} msg/s, $cpu_us us CPU/msg"
      printf '%s\t%s\t%s\t%s\t%s\n' "$scenario" "$build" "$round" "${rate:-0}" "$cpu_us" >> "$results"
    done
  done
done

# row TITLE FILE FILTER COLUMN: one table row for the rows of FILE whose first column is FILTER
# (or any, when empty) and whose build column says without / with: the two medians of COLUMN,
# their ratio, then every run.
row() {
  values() { awk -F'\t' -v f="$3" -v b="$1" -v c="$4" '(f == "" || $1 == f) && $(f == "" ? 1 : 2) == b {print $c}' "$2"; }
  local without with
  without="$(values without "$2" "$3" "$4" | median)"
  with="$(values with "$2" "$3" "$4" | median)"
  echo "| $1 | $without | $with | $(awk -v a="$with" -v b="$without" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}') |" \
    "$(values without "$2" "$3" "$4" | paste -sd, -); $(values with "$2" "$3" "$4" | paste -sd, -) |"
}
echo "| JMH QueueCycleBenchmark.batchAck100, channelCredit=unlimited (enqueue, deliver, ack; 12 B) | without counters (median of $rounds) | with counters | with / without | runs (without; with) |"
echo "| --- | ---: | ---: | ---: | --- |"
row "throughput, msg/s" "$jmh" "" 3
row "CPU per message, ns" "$jmh" "" 4
for measure in "msg/s received:4" "broker CPU per message, us:5"; do
  echo
  echo "| PerfTest, ${measure%%:*} | without counters (median of $rounds) | with counters | with / without | runs (without; with) |"
  echo "| --- | ---: | ---: | ---: | --- |"
  for scenario in auto-ack confirm-ack; do
    row "$scenario: ${SCENARIO[$scenario]}" "$results" "$scenario" "${measure##*:}"
  done
done
echo
echo "Base: $(git -C "$repo" rev-parse --short "$base_ref"); this tree: $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo ' (modified)');" \
  "$seconds s per run; 1-minute load average at the end of each run: ${loads[*]} (nproc $(nproc))."
