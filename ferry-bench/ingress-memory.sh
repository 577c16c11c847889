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
#   fanoutbacklog  the same flood with no consumers and 3,000 queues (FanOutFlood --no-consumers):
#             every copy stays ready, so what bounds memory is the broker-wide budget for ready
#             messages and then the memory alarm. Both brokers run as their defaults would on a
#             2 GiB host, so that a minute's load reaches those limits (on this 24 GiB machine they
#             would be a 2 GiB heap and a 9.6 GiB watermark): Ferry with bin/ferry's heap for 2 GiB
#             (FERRY_HEAP_MB=256 unless set; alarm at 40% of it in retained heap, ready messages
#             up to half of that), RabbitMQ with its default 40% of 2 GiB as an absolute watermark
#             (858993459 bytes, which it compares with its RSS; paging from half of it). The summary
#             adds Ferry's ready-message figures (JMX, scripts/ReadyMemoryWatch.java, once a second)
#             and the messages the queues took in. Not in the default list.
# During each, scripts/LatencyProbe.java runs an unrelated publisher/consumer pair on its own queue
# at 1,000 msg/s (3 warm-up seconds dropped) until about four seconds before the load ends. Three
# seconds before the load ends, `jcmd GC.run` forces a full collection: the heap it leaves is the
# live heap under load. Reported per scenario: that live heap, the largest heap left by any
# collection during the load (an upper bound of live data), GC pauses (count, longest, total), peak
# RSS (VmHWM), whether a memory alarm was raised and when it was raised and cleared (seconds after
# the publishing started, from the broker's log), the probe's p50/p99/p99.9, and RSS while idle
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
    -h|--help) sed -n '2,44p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# Broker memory settings of a scenario that needs them (see fanoutbacklog above); the caller's
# FERRY_HEAP_MB wins, and the caller's RABBITMQ_NODE_EXTRA_CONF lines come after (and so win).
scenario_heap_mb() { case "$1" in fanoutbacklog) echo "${FERRY_HEAP_MB:-256}" ;; *) echo "${FERRY_HEAP_MB:-}" ;; esac; }
scenario_rabbit_conf() {
  case "$1" in fanoutbacklog) echo "vm_memory_high_watermark.absolute = 858993459" ;; esac
  echo "${RABBITMQ_NODE_EXTRA_CONF:-}"
}

start_ferry() { # DIR
  local dir="$1"
  mkdir -p "$dir"
  FERRY_HEAP_MB="$(scenario_heap_mb "$scenario")" FERRY_JAVA_OPTS="${FERRY_JAVA_OPTS:-} -Xlog:gc:file=$dir/gc.log:uptime" "$repo/bin/ferry" --data-dir "$dir/data" \
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
  ferry_pid="$(RABBITMQ_NODE_EXTRA_CONF="$(scenario_rabbit_conf "$scenario")" "$here/rabbitmq-node.sh" start "$rabbit_dir" \
    "$PORT" | tail -1)"
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
    fanoutbacklog) nice -n "$LOAD_NICE" java -cp "$PROBE_CP" "$here/scripts/FanOutFlood.java" "$uri" 3000 100 "$seconds" \
             --no-consumers > "$output" 2>&1 & ;;
    *) echo "ingress-memory: unknown scenario $scenario" >&2; exit 2 ;;
  esac
  load_pid=$!
  pids+=("$load_pid")
}

# Epoch milliseconds of a log line's leading timestamp: Ferry's "2026-12-03T19:07:01.123Z WARN ...",
# RabbitMQ's "2026-12-03 19:07:01.123456+00:00 [warning] ...".
line_epoch_ms() {
  local stamp
  stamp="$(sed -n 's/^\([0-9-]*[T ][0-9:.]*\(Z\|[+-][0-9:]*\)\) .*/\1/p' <<< "$1")"
  [ -n "$stamp" ] && date -u -d "$stamp" +%s%3N
}
# The memory alarm's timeline: "raised@T cleared@T ..." in seconds after $2 (epoch ms; the
# publishing's start), from the broker's log ($1: ferry or rabbitmq). A load that holds the alarm
# to its end shows no "cleared" before its length in seconds; one cleared while the load goes on does.
alarm_timeline() {
  local broker="$1" start_ms="$2" pattern raised events="" line ms kind logs
  if [ "$broker" = ferry ]; then
    pattern='publishers blocked: .*heap|publishers unblocked'; raised='publishers blocked'; logs=("$dir/ferry.out")
  else
    # "cleared on node", not also "cleared across the cluster" (the same moment, logged twice).
    pattern='memory resource limit alarm (set|cleared) on node'; raised='alarm set'; logs=("$rabbit_dir"/log/*.log)
  fi
  while IFS= read -r line; do
    ms="$(line_epoch_ms "$line")" || continue
    kind=cleared; [[ "$line" == *"$raised"* ]] && kind=raised
    events="$events $kind@$(awk -v a="$ms" -v b="$start_ms" 'BEGIN {printf "%.1f", (a - b) / 1000}')"
  done < <(cat "${logs[@]}" 2>/dev/null | grep -E "$pattern" || true)
  echo "${events# }"
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
  start_probe() {
    java -cp "$PROBE_CP" "$here/scripts/LatencyProbe.java" "$uri" "$PROBE_RATE" "$(( SECONDS_LOAD - 5 ))" 3 > "$dir/probe.txt" 2>&1 &
    probe_pid=$!
    pids+=("$probe_pid")
  }
  watch_pid=""
  if [ "$broker" = ferry ] && [ "$scenario" = fanoutbacklog ]; then
    # Only here: the other scenarios' figures were taken without this JVM on the two cores.
    java "$here/scripts/ReadyMemoryWatch.java" "$ferry_pid" "$(( SECONDS_LOAD + IDLE + 240 ))" > "$dir/ready-memory.tsv" \
      2> "$dir/ready-memory.err" &
    watch_pid=$!
    pids+=("$watch_pid")
  fi
  load_start_ms="$(date +%s%3N)"
  if [[ "$scenario" == fanout* ]]; then
    # FanOutFlood first declares its queues and opens its connections (10-20 s with 3,000 queues
    # on this machine) and says when its publishers start: the probe, the RSS trace and the forced
    # collection keep to the publishing, not to the declarations (two minutes at most).
    start_load "$scenario" "$SECONDS_LOAD" "$dir/load.txt"
    for _ in $(seq 1 240); do
      grep -q '^start fanout_publishing_epoch_ms=' "$dir/load.txt" 2>/dev/null && break
      kill -0 "$load_pid" 2>/dev/null || break
      sleep 0.5
    done
    start_probe
  else
    start_probe
    start_load "$scenario" "$SECONDS_LOAD" "$dir/load.txt"
  fi
  : > "$dir/rss.tsv"
  live_mib=""
  for t in $(seq 1 "$SECONDS_LOAD"); do
    sleep 1
    printf '%d\t%s\n' "$t" "$(status_mib "$ferry_pid" VmRSS)" >> "$dir/rss.tsv"
    if [ "$broker" = ferry ] && [ "$t" = $(( SECONDS_LOAD - 3 )) ] && kill -0 "$ferry_pid" 2>/dev/null; then
      jcmd "$ferry_pid" GC.run > /dev/null || true
      jcmd "$ferry_pid" GC.heap_info > "$dir/heap-under-load.txt" 2>&1 || true
      # Read now: a load that outlasts the loop (FanOutFlood counting its queues) may be followed
      # by other full collections before the summary.
      live_mib="$(last_full_heap "$dir/gc.log")"
    fi
  done
  wait "$load_pid" || log "$scenario: load generator exited with $?"
  wait "$probe_pid" || log "$scenario: probe exited with $?"
  if [ "$broker" = ferry ]; then
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
  # The load's clock starts when its publishers do (FanOutFlood first declares its queues), else
  # when it was started.
  pub_start_ms="$(sed -n 's/^start fanout_publishing_epoch_ms=\([0-9]*\)$/\1/p' "$dir/load.txt")"
  pub_start_ms="${pub_start_ms:-$load_start_ms}"
  ready=""
  if [ -n "$watch_pid" ]; then
    # Ferry's ready messages in memory: its budget (start-up line and JMX), the most seen during the
    # load, and the last reading before the load ended.
    budget_line="$(sed -n 's/.*ready messages in memory up to \([0-9]*\) bytes in all.*/\1/p' "$dir/ferry.out" | head -1)"
    ready="$(awk -v s="$pub_start_ms" -v e="$(( pub_start_ms + SECONDS_LOAD * 1000 ))" \
      '$1 >= s && $1 <= e {if ($2 > m) m = $2; last = $2; b = $3; if ($4 > h) h = $4}
       END {printf "ready_memory_max_bytes=%s ready_memory_at_load_end_bytes=%s ready_memory_budget_jmx_bytes=%s heap_used_max_mib=%d",
            m + 0, last + 0, b + 0, h / 1048576}' "$dir/ready-memory.tsv")"
    ready="ready_memory_budget_log_bytes=${budget_line:-?} $ready"
  fi

  idle_trace=""
  for t in $(seq 10 10 "$IDLE"); do
    sleep 10
    idle_trace="$idle_trace $(status_mib "$ferry_pid" VmRSS)"
  done
  timeline="$(alarm_timeline "$broker" "$pub_start_ms")"
  [ -z "$watch_pid" ] || stop_pid "$watch_pid"
  stop_broker
  rm -rf "$dir/data" "$dir/node/mnesia"

  label="$scenario"; [ "$BROKERS" = ferry ] || label="$scenario $broker"
  line="$label: live_heap_mib=$live_mib max_heap_after_gc_mib=$max_after gc_pauses=$pauses gc_longest_ms=$longest"
  line="$line gc_total_ms=$total idle_rss_mib=$idle_rss peak_rss_mib=$peak_rss memory_alarms=$alarms oom_lines=$ooms"
  line="$line memory_alarm_timeline_s=[$timeline] load_s=$SECONDS_LOAD${ready:+ $ready}"
  line="$line probe_p50_us=$p50 probe_p99_us=$p99 probe_p999_us=$p999 probe_max_us=$pmax"
  [ "$LOAD_NICE" = 0 ] || line="$line load_nice=$LOAD_NICE"
  line="$line rss_after_load_every_10s_mib=[${idle_trace# }] load=\"$load_line\""
  echo "$line" | tee -a "$summary"
 done
done
log "results in $work (summary.txt, and per scenario: ferry.out, gc.log, rss.tsv, probe.txt, load.txt)"
