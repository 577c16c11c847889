#!/usr/bin/env bash
# Backlog benchmark: does a queue with millions of waiting messages and no consumer stay within a
# bounded heap, and does a low memory watermark still block publishers?
#
#   ferry-bench/backlog-heap.sh                     # 10,000,000 messages (~3-4 minutes)
#   ferry-bench/backlog-heap.sh --messages 1000000  # shorter
#   options: --out DIR (default docs/benchmarks), --no-build
#
# 1. Starts Ferry as bin/ferry does (same JVM flags, plus a GC log) on a fresh data directory.
# 2. Measures the live heap of the idle broker (after a full GC).
# 3. PerfTest publishes N 12-byte messages to a durable queue with no consumer; heap use (jstat)
#    and RSS are sampled every second.
# 4. With the whole backlog waiting: live heap after a full GC, and the data directory's size.
# 5. PerfTest drains the queue (manual acks, prefetch 1000).
# 6. Restarts Ferry with paging effectively off (very large --queue-memory-* limits) and a low
#    --memory-high-watermark, and checks with scripts/BlockedProbe.java that a publisher receives
#    connection.blocked before the heap runs out.
# Writes backlog.md into the output directory. Every process it starts is stopped by PID.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
PERFTEST_VERSION=2.22.1
MESSAGES=10000000
build=1
out_dir="$repo/docs/benchmarks"
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) MESSAGES="${2:?--messages needs a count}"; shift ;;
    --out) out_dir="${2:?--out needs a directory}"; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "backlog-heap: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
PORT="${FERRY_BENCH_PORT:-5697}"
LOW_WATERMARK=0.05
work="$repo/ferry-bench/target/backlog-heap/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work" "$out_dir"
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# PerfTest's jar does not run alone: resolve it with its dependencies.
PT_CP="$("$here/scripts/perftest-classpath.sh" "$PERFTEST_VERSION")"
PROBE_CP="$("$here/scripts/perftest-classpath.sh" "$PERFTEST_VERSION" --client-only)"

if [ "$build" = 1 ]; then
  log "building Ferry"
  (cd "$repo" && mvn -o -q -B -DskipTests package)
fi

ferry_pid=""
start_ferry() { # DIR ARGS...
  local dir="$1"; shift
  mkdir -p "$dir"
  FERRY_JAVA_OPTS="-Xlog:gc:file=$dir/gc.log" "$repo/bin/ferry" --data-dir "$dir/data" --amqp-port "$PORT" "$@" \
    > "$dir/ferry.out" 2>&1 &
  ferry_pid=$!
  for _ in $(seq 1 120); do
    grep -q "listening on amqp://127.0.0.1:$PORT" "$dir/ferry.out" 2>/dev/null && return 0
    kill -0 "$ferry_pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "backlog-heap: Ferry did not start; see $dir/ferry.out" >&2
  exit 1
}
stop_ferry() {
  [ -n "$ferry_pid" ] || return 0
  kill -TERM "$ferry_pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$ferry_pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$ferry_pid" 2>/dev/null || true
  wait "$ferry_pid" 2>/dev/null || true
  ferry_pid=""
}
sampler_pid=""
cleanup() {
  set +e
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null
  stop_ferry
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
# Live heap: a full GC, then what the heap holds (KiB).
live_heap_kib() {
  jcmd "$ferry_pid" GC.run > /dev/null
  # Serial prints a young and a tenured generation, G1 one "garbage-first heap": sum their "used".
  jcmd "$ferry_pid" GC.heap_info | awk '/(generation|heap) +total/ {
      for (i = 1; i < NF; i++) if ($i == "used") {v = $(i + 1); gsub(/[^0-9]/, "", v); sum += v}}
    END {print sum + 0}'
}
rss_kib() { awk '$1 == "VmRSS:" {print $2}' "/proc/$ferry_pid/status"; }
hwm_kib() { awk '$1 == "VmHWM:" {print $2}' "/proc/$ferry_pid/status"; }
perftest() { java -cp "$PT_CP" com.rabbitmq.perf.PerfTest -h "amqp://guest:guest@127.0.0.1:$PORT" "$@"; }

# --- 1-5: the backlog -------------------------------------------------------------------------
start_ferry "$work/backlog"
log "Ferry started (PID $ferry_pid)"
jvm_flags="$(tr '\0' ' ' < "/proc/$ferry_pid/cmdline" | sed 's/^java //; s/ -jar .*//')"
idle_live=$(live_heap_kib)
# Heap in use (young + old, garbage included) every second, from jstat; and RSS.
( while kill -0 "$ferry_pid" 2>/dev/null; do
    used=$(jstat -gc "$ferry_pid" 2>/dev/null | awk 'NR == 2 {printf "%.0f", $3 + $4 + $6 + $8}')
    printf '%s\t%s\t%s\n' "$(date +%s)" "${used:-0}" "$(rss_kib)"
    sleep 1
  done ) > "$work/samples.tsv" 2>/dev/null &
sampler_pid=$!

log "publishing $MESSAGES messages with no consumer"
perftest -x 1 -y 0 -u backlog -ad false -s 12 -C "$MESSAGES" -z 900 > "$work/publish.txt" 2>&1
publish_rate=$(awk '/sending rate avg/ {print $(NF-1)}' "$work/publish.txt")
full_live=$(live_heap_kib)
data_bytes=$(du -sb "$work/backlog/data" | awk '{print $1}')
log "draining"
perftest -x 0 -y 1 -u backlog -ad false -p -q 1000 -A 100 -D "$MESSAGES" -z 900 > "$work/drain.txt" 2>&1
drain_rate=$(awk '/receiving rate avg/ {print $(NF-1)}' "$work/drain.txt")
kill "$sampler_pid" 2>/dev/null; sampler_pid=""
peak_heap=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$work/samples.tsv")
peak_rss=$(hwm_kib)
drained_live=$(live_heap_kib)
stop_ferry

# --- 6: a low watermark blocks publishers -------------------------------------------------------
log "low watermark: paging off, --memory-high-watermark $LOW_WATERMARK"
start_ferry "$work/watermark" --memory-high-watermark "$LOW_WATERMARK" \
  --queue-memory-messages 2000000000 --queue-memory-bytes 100000000000
blocked_line=$(java -cp "$PROBE_CP" "$here/scripts/BlockedProbe.java" "amqp://guest:guest@127.0.0.1:$PORT" \
  watermark-probe 120 2>&1 | tail -1 || true)
blocked_alive=no
kill -0 "$ferry_pid" 2>/dev/null && blocked_alive=yes
stop_ferry

out="$out_dir/backlog.md"
{
  echo "# Backlog benchmark: heap with $MESSAGES waiting messages"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`ferry-bench/backlog-heap.sh --messages $MESSAGES\` on $(nproc) cores,"
  echo "$(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(java -version 2>&1 | head -1), Ferry's JVM flags from bin/ferry: \`$jvm_flags\`."
  echo "Default paging limits (8192 messages / 8 MiB in memory per queue). One run on a shared machine."
  echo
  echo "| | value |"
  echo "|---|---|"
  echo "| messages published (12 B, no consumer) | $MESSAGES |"
  echo "| publish rate, msg/s | ${publish_rate:-?} |"
  echo "| live heap, idle broker (after full GC) | $(mib "$idle_live") MiB |"
  echo "| live heap, whole backlog waiting (after full GC) | $(mib "$full_live") MiB |"
  echo "| peak heap in use during publishing (garbage included, jstat) | $(mib "$peak_heap") MiB |"
  echo "| peak RSS over the whole run | $(mib "$peak_rss") MiB |"
  echo "| data directory with the backlog | $((data_bytes / 1024 / 1024)) MiB |"
  echo "| drain rate (1 consumer, prefetch 1000, multi-ack 100), msg/s | ${drain_rate:-?} |"
  echo "| live heap after the drain | $(mib "$drained_live") MiB |"
  echo
  echo "Low watermark (\`--memory-high-watermark $LOW_WATERMARK\`, paging limits raised so that the heap grows):"
  echo "BlockedProbe reported \`$blocked_line\`; broker still running afterwards: $blocked_alive."
  echo
  echo "Raw files: \`$work\`."
} > "$out"
cat "$out"
