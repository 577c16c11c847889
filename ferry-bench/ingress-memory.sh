#!/usr/bin/env bash
# Ingress memory benchmark: does the broker's memory stay bounded whoever publishes, and does an
# unrelated publisher/consumer pair keep its latency meanwhile? (Issue 9, section 3.)
#
#   ferry-bench/ingress-memory.sh                          # all scenarios, 60 s load + 60 s idle each
#   ferry-bench/ingress-memory.sh --scenarios large --seconds 20 --idle 30
#   options: --seconds N (load), --idle N (watching RSS after the load), --scenarios LIST,
#            --warmup N (the same load for N seconds first, unmeasured, default 0), --no-build,
#            --out DIR (default: ferry-bench/target/ingress-memory/STAMP),
#            --broker ferry|rabbitmq|both (default ferry): rabbitmq runs the same load and probe
#            against Debian's RabbitMQ 3.10 (rabbitmq-node.sh, an isolated node); both alternates
#            the two per scenario, Ferry first
#            --load-nice N: runs the load generator at nice N (default 0, as fast as the rest). On two
#            shared cores the generator's 20 client threads compete with the broker and the probe;
#            a niced generator stands in for clients on other hosts. Figures taken with it say so.
#
# Scenarios, each on a fresh broker started by bin/ferry (its JVM flags, plus a GC log):
#   perftest  RabbitMQ PerfTest, 4 publishers, 1 KiB messages, no consumer (-x 4 -y 0 -s 1024)
#   rawflood  scripts/RawFlood.java: 4 raw sockets writing pre-encoded 1 KiB publishes, no consumer
#   large     scripts/LargeBurst.java: 20 connections publishing maximum-size (16 MiB) messages back
#             to back, one consumer draining them
#   largebacklog  the same with no consumer: every body is paged to disk (not in the default list)
#   fanout    scripts/FanOutFlood.java: 100 connections publishing empty persistent messages to a fanout
#             of 1,500 queues, each consumed without acks or prefetch limit (the RabbitMQ Java client's
#             Bug19219Test for a set time; not in the default list)
# During each, scripts/LatencyProbe.java runs an unrelated publisher/consumer pair on its own queue
# at 1,000 msg/s (3 warm-up seconds dropped) until about four seconds before the load ends. Three
# seconds before the load ends, `jcmd GC.run` forces a full collection: the heap it leaves is the
# live heap under load. Reported per scenario: that live heap, the largest heap left by any
# collection during the load (an upper bound of live data), GC pauses (count, longest, total), peak
# RSS (VmHWM), whether a memory alarm was raised, the probe's p50/p99/p99.9, and RSS while idle
# after the load (every 10 s). Every process it starts is stopped by PID; broker data directories
# are removed after each scenario.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
PERFTEST_VERSION=2.22.1
SECONDS_LOAD=60
IDLE=60
WARMUP=0
SCENARIOS="perftest,rawflood,large"
PROBE_RATE=1000
MAX_MESSAGE_BYTES=16777216
BROKERS=ferry
LOAD_NICE=0
build=1
out_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_LOAD="${2:?--seconds needs a number}"; shift ;;
    --idle) IDLE="${2:?--idle needs a number}"; shift ;;
    --warmup) WARMUP="${2:?--warmup needs a number}"; shift ;;
    --scenarios) SCENARIOS="${2:?--scenarios needs a list}"; shift ;;
    --no-build) build=0 ;;
    --out) out_dir="${2:?--out needs a directory}"; shift ;;
    --load-nice) LOAD_NICE="${2:?--load-nice needs a number}"; shift ;;
    --broker) BROKERS="${2:?--broker needs ferry, rabbitmq or both}"; shift ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ingress-memory: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$BROKERS" in
  ferry|rabbitmq) ;;
  both) BROKERS="ferry rabbitmq" ;;
  *) echo "ingress-memory: --broker takes ferry, rabbitmq or both" >&2; exit 2 ;;
esac
PORT="${FERRY_BENCH_PORT:-5699}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
work="${out_dir:-$repo/ferry-bench/target/ingress-memory/$stamp}"
mkdir -p "$work"
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

PT_CP="$("$here/scripts/perftest-classpath.sh" "$PERFTEST_VERSION")"
PROBE_CP="$("$here/scripts/perftest-classpath.sh" "$PERFTEST_VERSION" --client-only)"
if [ "$build" = 1 ] && [[ " $BROKERS " == *" ferry "* ]]; then
  log "building Ferry (mvn -o -q -B -DskipTests package)"
  (cd "$repo" && mvn -o -q -B -DskipTests package)
fi

ferry_pid=""
rabbit_dir=""
pids=()
stop_pid() { # PID: SIGTERM, then SIGKILL after 20 s
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  set +e
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  [ -n "$ferry_pid" ] && stop_pid "$ferry_pid"
  [ -n "$rabbit_dir" ] && "$here/rabbitmq-node.sh" stop "$rabbit_dir" > /dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_ferry() { # DIR
  local dir="$1"
  mkdir -p "$dir"
  FERRY_JAVA_OPTS="${FERRY_JAVA_OPTS:-} -Xlog:gc:file=$dir/gc.log:uptime" "$repo/bin/ferry" --data-dir "$dir/data" \
    --amqp-port "$PORT" > "$dir/ferry.out" 2>&1 &
  ferry_pid=$!
  for _ in $(seq 1 120); do
    grep -q "listening on amqp://127.0.0.1:$PORT" "$dir/ferry.out" 2>/dev/null && return 0
    kill -0 "$ferry_pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "ingress-memory: Ferry did not start; see $dir/ferry.out" >&2
  exit 1
}

start_rabbitmq() { # DIR: sets ferry_pid to the node's Erlang VM (the process measured) and rabbit_dir
  local dir="$1"
  mkdir -p "$dir"
  rabbit_dir="$dir/node"
  ferry_pid="$("$here/rabbitmq-node.sh" start "$rabbit_dir" "$PORT" | tail -1)"
}

stop_broker() {
  if [ -n "$rabbit_dir" ]; then
    "$here/rabbitmq-node.sh" stop "$rabbit_dir" > /dev/null 2>&1 || true
    rabbit_dir=""
  else
    stop_pid "$ferry_pid"
  fi
  ferry_pid=""
}

# A value of /proc/PID/status in MiB, or "exited" once the broker is gone (a run that killed it says so).
status_mib() { awk -v k="$2:" '$1 == k {printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo exited; }
# The heap after the last full collection in a GC log ("Pause Full (System.gc()) 95M->9M(40M)").
last_full_heap() { grep 'Pause Full' "$1" | tail -1 | sed -n 's/.*->\([0-9]*\)M(.*/\1/p'; }
# Pause count, longest and total (ms) of the log lines after line $2.
gc_pauses() {
  tail -n +"$(( $2 + 1 ))" "$1" | grep 'Pause' | sed -n 's/.* \([0-9.]*\)ms$/\1/p' \
    | awk '{n++; t += $1; if ($1 > m) m = $1} END {printf "%d %.1f %.0f", n, m, t}'
}
# The largest heap any collection left after line $2 (an upper bound of live data).
gc_max_after() {
  tail -n +"$(( $2 + 1 ))" "$1" | grep 'Pause' | sed -n 's/.*->\([0-9]*\)M(.*/\1/p' | sort -n | tail -1
}

# Starts scenario $1's load generator for $2 seconds in the background, its output in $3; sets load_pid.
start_load() {
  local scenario="$1" seconds="$2" output="$3"
  case "$scenario" in
    perftest) nice -n "$LOAD_NICE" java -cp "$PT_CP" com.rabbitmq.perf.PerfTest -h "$uri" -x 4 -y 0 -s 1024 -u flood -ad false \
                -z "$seconds" > "$output" 2>&1 & ;;
    rawflood) nice -n "$LOAD_NICE" java "$here/scripts/RawFlood.java" 127.0.0.1 "$PORT" rawflood 4 "$seconds" 1024 \
                > "$output" 2>&1 & ;;
    large) nice -n "$LOAD_NICE" java -Xmx1g -cp "$PROBE_CP" "$here/scripts/LargeBurst.java" "$uri" large 20 "$seconds" \
             "$MAX_MESSAGE_BYTES" > "$output" 2>&1 & ;;
    largebacklog) nice -n "$LOAD_NICE" java -Xmx1g -cp "$PROBE_CP" "$here/scripts/LargeBurst.java" "$uri" large 20 "$seconds" \
             "$MAX_MESSAGE_BYTES" noconsumer > "$output" 2>&1 & ;;
    fanout) nice -n "$LOAD_NICE" java -cp "$PROBE_CP" "$here/scripts/FanOutFlood.java" "$uri" 1500 100 "$seconds" \
             > "$output" 2>&1 & ;;
    *) echo "ingress-memory: unknown scenario $scenario" >&2; exit 2 ;;
  esac
  load_pid=$!
  pids+=("$load_pid")
}

summary="$work/summary.txt"
: > "$summary"
for scenario in ${SCENARIOS//,/ }; do
 for broker in $BROKERS; do
  if [ "$BROKERS" = ferry ]; then dir="$work/$scenario"; else dir="$work/$scenario-$broker"; fi
  if [ "$broker" = ferry ]; then start_ferry "$dir"; else start_rabbitmq "$dir"; fi
  sleep 3
  idle_rss="$(status_mib "$ferry_pid" VmRSS)"
  uri="amqp://guest:guest@127.0.0.1:$PORT"
  if [ "$WARMUP" -gt 0 ]; then
    # A broker that has run a while has compiled its hot paths; without this, the first ~20 s of
    # load share the two cores with the JIT compiler threads.
    log "$scenario: warm-up load for $WARMUP s (not measured)"
    start_load "$scenario" "$WARMUP" "$dir/warmup.txt"
    wait "$load_pid" || log "$scenario: warm-up load exited with $?"
    sleep 3
  fi
  gc_start=0
  [ -f "$dir/gc.log" ] && gc_start="$(wc -l < "$dir/gc.log")"
  log "$scenario ($broker): broker PID $ferry_pid, idle RSS $idle_rss MiB; load for $SECONDS_LOAD s"

  # The probe (its JVM starts in about a second) stops before the forced collection below: that
  # pause (50-65 ms with the serial collector) is the benchmark measuring the heap, not the broker.
  java -cp "$PROBE_CP" "$here/scripts/LatencyProbe.java" "$uri" "$PROBE_RATE" "$(( SECONDS_LOAD - 5 ))" 3 > "$dir/probe.txt" 2>&1 &
  probe_pid=$!
  pids+=("$probe_pid")
  start_load "$scenario" "$SECONDS_LOAD" "$dir/load.txt"
  : > "$dir/rss.tsv"
  for t in $(seq 1 "$SECONDS_LOAD"); do
    sleep 1
    printf '%d\t%s\n' "$t" "$(status_mib "$ferry_pid" VmRSS)" >> "$dir/rss.tsv"
    if [ "$broker" = ferry ] && [ "$t" = $(( SECONDS_LOAD - 3 )) ] && kill -0 "$ferry_pid" 2>/dev/null; then
      jcmd "$ferry_pid" GC.run > /dev/null || true
      jcmd "$ferry_pid" GC.heap_info > "$dir/heap-under-load.txt" 2>&1 || true
    fi
  done
  wait "$load_pid" || log "$scenario: load generator exited with $?"
  wait "$probe_pid" || log "$scenario: probe exited with $?"
  if [ "$broker" = ferry ]; then
    live_mib="$(last_full_heap "$dir/gc.log")"
    live_mib="${live_mib:-?}"
    read -r pauses longest total <<< "$(gc_pauses "$dir/gc.log" "$gc_start")"
    max_after="$(gc_max_after "$dir/gc.log" "$gc_start")"
    alarms="$(grep -c 'publishers blocked' "$dir/ferry.out" || true)"
    ooms="$(grep -c 'OutOfMemoryError' "$dir/ferry.out" || true)"
  else
    # No JVM heap or GC log: the node's RSS and its memory alarm are what compare.
    live_mib=-; max_after=-; pauses=-; longest=-; total=-; ooms=-
    alarms="$(cat "$rabbit_dir"/log/*.log 2>/dev/null | grep -c 'memory resource limit alarm set' || true)"
  fi
  peak_rss="$(status_mib "$ferry_pid" VmHWM)"
  probe="$(sed -n 's/.*p50_us=\([0-9]*\) p99_us=\([0-9]*\) p999_us=\([0-9]*\) max_us=\([0-9]*\).*/\1 \2 \3 \4/p' "$dir/probe.txt")"
  read -r p50 p99 p999 pmax <<< "${probe:-- - - -}"
  load_line="$(grep -E '^(rawflood|largeburst|fanout)|sending rate avg' "$dir/load.txt" | tail -1 || true)"

  idle_trace=""
  for t in $(seq 10 10 "$IDLE"); do
    sleep 10
    idle_trace="$idle_trace $(status_mib "$ferry_pid" VmRSS)"
  done
  stop_broker
  rm -rf "$dir/data" "$dir/node/mnesia"

  label="$scenario"; [ "$BROKERS" = ferry ] || label="$scenario $broker"
  line="$label: live_heap_mib=$live_mib max_heap_after_gc_mib=$max_after gc_pauses=$pauses gc_longest_ms=$longest"
  line="$line gc_total_ms=$total idle_rss_mib=$idle_rss peak_rss_mib=$peak_rss memory_alarms=$alarms oom_lines=$ooms"
  line="$line probe_p50_us=$p50 probe_p99_us=$p99 probe_p999_us=$p999 probe_max_us=$pmax"
  [ "$LOAD_NICE" = 0 ] || line="$line load_nice=$LOAD_NICE"
  line="$line rss_after_load_every_10s_mib=[${idle_trace# }] load=\"$load_line\""
  echo "$line" | tee -a "$summary"
 done
done
log "results in $work (summary.txt, and per scenario: ferry.out, gc.log, rss.tsv, probe.txt, load.txt)"
