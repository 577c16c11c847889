#!/usr/bin/env bash
# Many durable queues under a low descriptor limit: N durable queues are declared and given one
# persistent message each, the broker is restarted, and every queue is drained, all under
# `ulimit -n LIMIT`. Reports the time to fill, the broker's start-up time with N queues to
# recover, the time to drain, and the most descriptors and memory the broker used.
#
#   ferry-bench/many-queues.sh                          # 100,000 queues, ulimit -n 1024
#   ferry-bench/many-queues.sh --queues 10000           # shorter
#   options: --limit N (descriptor limit, default 1024), --threads T (client connections, default 32),
#            --kill (restart by SIGKILL instead of SIGTERM), --no-build
#
# 1. Starts Ferry as bin/ferry does (same JVM flags), under `ulimit -n LIMIT`, on a fresh data directory.
# 2. scripts/ManyQueues.java declares the queues and publishes one persistent message to each,
#    with publisher confirms, over T connections (each durable declare waits for a metadata fsync,
#    so they are spread over connections to overlap).
# 3. Stops the broker (SIGTERM, or SIGKILL with --kill), starts it again under the same limit and
#    times the start: from launch to "listening" (every durable queue is recovered before the
#    listener opens).
# 4. Drains every queue with basic.get + ack and checks each message.
# A sampler records the broker's open descriptors (/proc/PID/fd) and RSS every second. Prints a
# Markdown table; every process it starts is stopped by PID.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
PERFTEST_VERSION=2.22.1
QUEUES=100000
LIMIT=1024
THREADS=32
STOP_SIGNAL=TERM
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --queues) QUEUES="${2:?--queues needs a count}"; shift ;;
    --limit) LIMIT="${2:?--limit needs a count}"; shift ;;
    --threads) THREADS="${2:?--threads needs a count}"; shift ;;
    --kill) STOP_SIGNAL=KILL ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "many-queues: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
PORT="${FERRY_BENCH_PORT:-5698}"
work="$repo/ferry-bench/target/many-queues/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work"
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

CLIENT_CP="$("$here/scripts/perftest-classpath.sh" "$PERFTEST_VERSION" --client-only)"
if [ "$build" = 1 ]; then
  log "building Ferry"
  (cd "$repo" && mvn -o -q -B -DskipTests package)
fi

ferry_pid=""
sampler_pid=""
start_ferry() { # OUT_FILE; sets ferry_pid and start_seconds
  local out="$1"
  local started
  started=$(date +%s.%N)
  bash -c 'ulimit -n "$1" && shift && exec "$@"' limit "$LIMIT" \
    "$repo/bin/ferry" --data-dir "$work/data" --amqp-port "$PORT" > "$out" 2>&1 &
  ferry_pid=$!
  while ! grep -q "listening on amqp://127.0.0.1:$PORT" "$out" 2>/dev/null; do
    if ! kill -0 "$ferry_pid" 2>/dev/null; then
      echo "many-queues: Ferry exited before listening; see $out" >&2
      exit 1
    fi
    sleep 0.2
  done
  start_seconds=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  ( while kill -0 "$ferry_pid" 2>/dev/null; do
      fds=$(ls "/proc/$ferry_pid/fd" 2>/dev/null | wc -l)
      rss=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$ferry_pid/status" 2>/dev/null || echo 0)
      printf '%s\t%s\t%s\n' "$(date +%s)" "$fds" "${rss:-0}"
      sleep 1
    done ) >> "$work/samples.tsv" 2>/dev/null &
  sampler_pid=$!
}
stop_ferry() { # SIGNAL
  [ -n "$ferry_pid" ] || return 0
  kill -"$1" "$ferry_pid" 2>/dev/null || true
  for _ in $(seq 1 600); do kill -0 "$ferry_pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$ferry_pid" 2>/dev/null || true
  wait "$ferry_pid" 2>/dev/null || true
  ferry_pid=""
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
}
cleanup() {
  set +e
  stop_ferry KILL
}
trap cleanup EXIT
trap 'exit 130' INT TERM
client() { java -cp "$CLIENT_CP" "$here/scripts/ManyQueues.java" "amqp://guest:guest@127.0.0.1:$PORT" "$@"; }

log "starting Ferry under ulimit -n $LIMIT"
start_ferry "$work/ferry-1.out"
first_start=$start_seconds
log "declaring $QUEUES durable queues, one persistent message each ($THREADS connections)"
fill_line=$(client fill "$QUEUES" "$THREADS" | tail -1)
log "$fill_line"
data_bytes=$(du -sb "$work/data" | awk '{print $1}')
log "restarting (SIG$STOP_SIGNAL)"
stop_ferry "$STOP_SIGNAL"
start_ferry "$work/ferry-2.out"
restart_seconds=$start_seconds
log "started again in $restart_seconds s; draining"
drain_status=0
drain_line=$(client drain "$QUEUES" "$THREADS" | tail -1) || drain_status=$?
log "$drain_line"
errors=$( (grep -c -E "Too many open files|ERROR" "$work/ferry-1.out" "$work/ferry-2.out" || true) | awk -F: '{s += $2} END {print s + 0}')
stop_ferry TERM
max_fds=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$work/samples.tsv")
max_rss=$(awk 'BEGIN {m = 0} $3 > m {m = $3} END {printf "%.0f", m / 1024}' "$work/samples.tsv")

field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
cat <<TABLE

Measured $(date -u +%Y-%m-%d) by \`ferry-bench/many-queues.sh --queues $QUEUES --limit $LIMIT --threads $THREADS$([ "$STOP_SIGNAL" = KILL ] && echo " --kill")\`
on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(java -version 2>&1 | head -1). Work directory: $work

| | value |
|---|---|
| durable queues, one persistent message each | $QUEUES |
| descriptor limit (ulimit -n) | $LIMIT |
| first start (empty data directory) | ${first_start} s |
| declare + publish with confirms | $(field "$fill_line" seconds) s |
| data directory | $((data_bytes / 1024 / 1024)) MiB |
| restart (SIG$STOP_SIGNAL), launch to listening, all queues recovered | ${restart_seconds} s |
| drain: messages found / wrong or missing | $(field "$drain_line" found) / $(field "$drain_line" wrong) |
| drain (basic.get + ack of every queue) | $(field "$drain_line" seconds) s |
| most descriptors the broker held (sampled each second) | $max_fds |
| most RSS (sampled each second) | ${max_rss} MiB |
| "Too many open files" or ERROR lines in the broker's output | $errors |
TABLE
exit "$drain_status"
