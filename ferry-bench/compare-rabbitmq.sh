#!/usr/bin/env bash
# Side-by-side benchmark: Ferry against RabbitMQ on this machine, in one run, driven by
# RabbitMQ's own load generator (PerfTest) with identical parameters for both brokers.
#
#   ferry-bench/compare-rabbitmq.sh           # full run (~20 s per scenario, ~8-10 minutes);
#                                             # writes docs/benchmarks/rabbitmq-comparison.{md,png}
#   ferry-bench/compare-rabbitmq.sh --quick   # ~5 s per scenario, 100k backlog; checks the
#                                             # harness; writes under ferry-bench/target/ only
#
# Options: --quick, --out DIR (where the .md/.png/raw summaries go), --no-build (use the
# ferry.jar that is there). Ports: FERRY_BENCH_PORT (default 5695), RABBIT_BENCH_PORT (5692;
# the node also uses PORT+1 for its epmd and PORT+20000 for distribution).
#
# Both brokers are started here on loopback with fresh data directories and stopped by PID when
# the script exits, whatever the reason. See docs/benchmarks/README.md for what each scenario is
# and how to read the table.
set -euo pipefail

# ---------------------------------------------------------------------------------------------
# Caveats printed in the report. One line per entry; keep them true for the commit you run.
CAVEATS=(
  "Both brokers are durable in scenario 2: Ferry appends persistent messages in durable queues to the queue's log and confirms after the fsync that covers them (--fsync always, group commit across queues), as RabbitMQ confirms after its message store."
  "Both brokers slow publishers that outrun their queues: RabbitMQ by credit flow between its processes, Ferry by no longer reading a publishing connection while a queue it reaches has more than 1024 publishes (or 1 MiB) waiting for its thread, or three quarters of its in-memory limit (8192 messages) waiting and a consumer taking messages."
  "Ferry keeps at most 8192 waiting messages (8 MiB) per queue on the heap; the rest of a backlog waits in the queue's log, as RabbitMQ 3.10's classic queues page to disk under memory pressure."
)
# ---------------------------------------------------------------------------------------------

PERFTEST_VERSION=2.22.1   # newest PerfTest that Maven Central serves here (2.21.0 is not available)
# Ferry runs through bin/ferry, so it gets the JVM flags users get; the report shows them as the
# broker's command line had them (read from /proc once it runs).
FERRY_JVM_FLAGS=""

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
command_line="ferry-bench/compare-rabbitmq.sh $*"

. "$here/scripts/comparison-options.sh"
parse_comparison_options "$@"

if [ "$quick" = 1 ]; then
  DURATION=5; BACKLOG=100000; PROBE_WARMUP=1; WARMUP=3; mode=quick
else
  DURATION=20; BACKLOG=1000000; PROBE_WARMUP=3; WARMUP=10; mode=full
fi
BACKLOG_LIMIT_S=240         # upper bound for each backlog phase
FERRY_PORT="${FERRY_BENCH_PORT:-5695}"
RABBIT_PORT="${RABBIT_BENCH_PORT:-5692}"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
work="$repo/ferry-bench/target/compare-rabbitmq/$stamp-$mode"
if [ -z "$out_dir" ]; then
  if [ "$quick" = 1 ]; then out_dir="$work/report"; else out_dir="$repo/docs/benchmarks"; fi
fi
mkdir -p "$work/raw" "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
raw_out="$out_dir/raw/rabbitmq-comparison"
rm -rf "$raw_out"; mkdir -p "$raw_out"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$FERRY_PORT" "$RABBIT_PORT" $((RABBIT_PORT + 1)); do
  if port_in_use "$p"; then
    echo "compare-rabbitmq: port $p on 127.0.0.1 is already in use; set FERRY_BENCH_PORT / RABBIT_BENCH_PORT" >&2
    exit 1
  fi
done

# PerfTest's jar does not run alone: resolve it with its dependencies.
PT_CP="$("$here/scripts/perftest-classpath.sh" "$PERFTEST_VERSION")"
PROBE_CP="$("$here/scripts/perftest-classpath.sh" "$PERFTEST_VERSION" --client-only)"

# --- Ferry -------------------------------------------------------------------------------------
if [ "$build" = 1 ]; then
  log "building Ferry (mvn -o -q -B -DskipTests package)"
  (cd "$repo" && mvn -o -q -B -DskipTests package)
fi
ferry_jar="$repo/ferry-server/target/ferry.jar"
[ -f "$ferry_jar" ] || { echo "compare-rabbitmq: $ferry_jar is missing" >&2; exit 1; }

ferry_pid=""
rabbit_dir="$work/rabbitmq"
rabbit_started=0
ferry_starts=0

start_ferry() {
  ferry_starts=$((ferry_starts + 1))
  local dir="$work/ferry-$ferry_starts"
  mkdir -p "$dir"
  # bin/ferry execs java, so $! is the broker's PID. GC logging (to a file, one line per pause)
  # is the only flag beyond bin/ferry's; it lets the report show the pauses behind Ferry's latency tail.
  FERRY_JAVA_OPTS="-Xlog:gc:file=$dir/gc.log" "$repo/bin/ferry" --data-dir "$dir/data" --amqp-port "$FERRY_PORT" \
    > "$dir/ferry.out" 2>&1 &
  ferry_pid=$!
  ferry_log="$dir/ferry.out"
  ferry_gc_log="$dir/gc.log"
  for _ in $(seq 1 120); do
    if grep -q "listening on amqp://127.0.0.1:$FERRY_PORT" "$ferry_log" 2>/dev/null; then
      log "Ferry started (PID $ferry_pid, data $dir/data)"
      FERRY_JVM_FLAGS="$(tr '\0' ' ' < "/proc/$ferry_pid/cmdline" | sed 's/^java //; s/ -jar .*//') "
      return 0
    fi
    kill -0 "$ferry_pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "compare-rabbitmq: Ferry did not start; see $ferry_log" >&2
  exit 1
}

stop_ferry() {
  [ -n "$ferry_pid" ] || return 0
  if kill -0 "$ferry_pid" 2>/dev/null; then
    kill -TERM "$ferry_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$ferry_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$ferry_pid" 2>/dev/null || true
  fi
  wait "$ferry_pid" 2>/dev/null || true
  ferry_pid=""
}

cleanup() {
  set +e
  stop_ferry
  if [ "$rabbit_started" = 1 ]; then "$here/rabbitmq-node.sh" stop "$rabbit_dir" >/dev/null 2>&1; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_ferry
log "starting RabbitMQ node on 127.0.0.1:$RABBIT_PORT"
rabbit_pid="$("$here/rabbitmq-node.sh" start "$rabbit_dir" "$RABBIT_PORT" | tail -1)"
rabbit_started=1
log "RabbitMQ started (PID $rabbit_pid)"

# --- measurement helpers ---------------------------------------------------------------------
clk_tck="$(getconf CLK_TCK)"
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# Resets the process's peak-RSS mark (VmHWM) so that it covers one scenario only.
reset_peak() { echo 5 > "/proc/$1/clear_refs" 2>/dev/null; }

broker_pid() { if [ "$1" = ferry ]; then echo "$ferry_pid"; else echo "$rabbit_pid"; fi; }
broker_port() { if [ "$1" = ferry ]; then echo "$FERRY_PORT"; else echo "$RABBIT_PORT"; fi; }

results="$work/results.tsv"
printf 'scenario\tbroker\tsent_rate\trecv_rate\tp50_us\tp99_us\tp999_us\tconfirm_p50_us\tconfirm_p99_us\trss_peak_kib\trss_end_kib\tcpu_s\telapsed_s\tmessages\tstop\tgc_pauses\tgc_max_ms\tgc_total_ms\tgc_heap_mib\n' > "$results"
scenarios="$work/scenarios.tsv"
: > "$scenarios"

# Keeps the lines of a run's output that summarise it (no per-second lines) for the report's
# raw folder; the full output stays under ferry-bench/target.
keep_summary() {
  grep -vE '^id: [^,]*, (time [0-9.]+ s,|starting )|^[[:space:]]+at |^[[:space:]]*\.\.\. [0-9]+ more' "$1" \
    | grep -v 'DEBUG' | head -40 > "$2" || true
}

# ensure_alive BROKER: Ferry is restarted with a fresh data directory if a previous scenario
# killed it (the row that killed it says so); a dead RabbitMQ ends the run.
ensure_alive() {
  if [ "$1" = ferry ] && ! kill -0 "$ferry_pid" 2>/dev/null; then
    log "Ferry is not running any more; starting a fresh one for the remaining scenarios"
    wait "$ferry_pid" 2>/dev/null || true
    start_ferry
  elif [ "$1" = rabbitmq ] && ! kill -0 "$rabbit_pid" 2>/dev/null; then
    echo "compare-rabbitmq: the RabbitMQ node died; see $rabbit_dir" >&2
    exit 1
  fi
}

# measure BROKER SCENARIO KIND LIMIT_S [ARGS...]: runs one PerfTest (KIND=perftest) or probe
# (KIND=probe) against BROKER and appends one row to results.tsv.
measure() {
  local broker="$1" scenario="$2" kind="$3" limit="$4"; shift 4
  ensure_alive "$broker"
  local pid port out rc=0 peak_note=""
  pid="$(broker_pid "$broker")"; port="$(broker_port "$broker")"
  out="$work/raw/$scenario-$broker.txt"
  local uri="amqp://guest:guest@127.0.0.1:$port"
  if [ "${NO_PEAK_RESET:-0}" != 1 ]; then reset_peak "$pid" || peak_note=" (peak since broker start)"; fi
  local c0 t0 c1 t1 gc0=0
  if [ "$broker" = ferry ] && [ -f "$ferry_gc_log" ]; then gc0="$(wc -l < "$ferry_gc_log")"; fi
  c0="$(cpu_ticks "$pid")"; t0="$(date +%s.%N)"
  log "$scenario on $broker"
  if [ "$kind" = probe ]; then
    timeout -s KILL "$limit" java -cp "$PROBE_CP" "$here/scripts/LatencyProbe.java" "$uri" "$@" > "$out" 2>&1 || rc=$?
  else
    timeout -s KILL "$limit" java -cp "$PT_CP" com.rabbitmq.perf.PerfTest -h "$uri" "$@" > "$out" 2>&1 || rc=$?
  fi
  t1="$(date +%s.%N)"
  local alive=1
  if kill -0 "$pid" 2>/dev/null; then
    c1="$(cpu_ticks "$pid")"
  else
    alive=0; c1="$c0"
  fi
  local sent="" recv="" p50="" p99="" p999="" cp50="" cp99="" elapsed="" msgs="" stop=""
  if [ "$kind" = probe ]; then
    local line; line="$(grep '^probe ' "$out" | tail -1 || true)"
    field() { sed -n "s/.* $1=\\([0-9-]*\\).*/\\1/p" <<<"$line"; }
    if [ -n "$line" ]; then
      local secs; secs="$(field seconds)"
      sent="$(field rate)"; recv="$(awk -v r="$(field received)" -v s="$secs" 'BEGIN{printf "%d", r / s}')"
      p50="$(field p50_us)"; p99="$(field p99_us)"; p999="$(field p999_us)"
      elapsed="$secs"; msgs="$(field received)"
      stop="completed: $(field received) of $(field sent) received"
    fi
  else
    sent="$(sed -n 's/.*sending rate avg: \([0-9]*\) msg\/s.*/\1/p' "$out" | tail -1)"
    recv="$(sed -n 's/.*receiving rate avg: \([0-9]*\) msg\/s.*/\1/p' "$out" | tail -1)"
    local lat; lat="$(sed -n 's/.* consumer latency min\/median\/75th\/95th\/99th \([0-9/]*\) .*/\1/p' "$out" | tail -1)"
    if [ -n "$lat" ]; then p50="$(cut -d/ -f2 <<<"$lat")"; p99="$(cut -d/ -f5 <<<"$lat")"; fi
    local clat; clat="$(sed -n 's/.* confirm latency min\/median\/75th\/95th\/99th \([0-9/]*\) .*/\1/p' "$out" | tail -1)"
    if [ -n "$clat" ]; then cp50="$(cut -d/ -f2 <<<"$clat")"; cp99="$(cut -d/ -f5 <<<"$clat")"; fi
    elapsed="$(sed -n 's/.*, time \([0-9.]*\) s,.*/\1/p' "$out" | tail -1)"
    stop="$(sed -n 's/^test stopped (\(.*\))/\1/p' "$out" | tail -1)"
    if [[ "$stop" == *"reached message limit"* ]] && [ -n "${MSG_LIMIT:-}" ]; then
      msgs="$MSG_LIMIT"
    elif [ -n "$elapsed" ]; then
      local rate="$recv"; [ "${recv:-0}" = 0 ] && rate="$sent"
      msgs="$(awk -v r="${rate:-0}" -v e="$elapsed" 'BEGIN{printf "%d", r * e}')"
    fi
  fi
  [ -n "$stop" ] || stop="no summary (exit code $rc)"
  [ "$rc" = 137 ] && stop="killed by the harness after ${limit} s"
  # Producer-only and consumer-only runs: the other side's rate and latency mean nothing.
  case "${ROLE:-}" in
    producer) recv=""; p50=""; p99="" ;;
    consumer) sent=""; p50=""; p99="" ;;
  esac
  local errors; errors="$(grep -cE '\bERROR\b|^Exception' "$out" || true)"
  [ "${errors:-0}" -gt 0 ] && stop="$stop; $errors ERROR lines in client output"
  [ "$alive" = 0 ] && stop="$stop; BROKER PROCESS DIED"
  # Ferry's GC pauses during this scenario: count, longest and total, from the lines the GC log
  # gained (e.g. "GC(12) Pause Young (Normal) (G1 Evacuation Pause) 300M->40M(1024M) 3.456ms").
  local gc_stats=$'\t\t\t'
  if [ "$broker" = ferry ] && [ -f "$ferry_gc_log" ]; then
    # Also the largest committed heap the pauses report ("(1024M)"), to tell heap from off-heap RSS.
    gc_stats="$(tail -n +$((gc0 + 1)) "$ferry_gc_log" | awk '/ Pause / && $NF ~ /ms$/ {
        v = $NF; sub(/ms$/, "", v); n++; t += v; if (v > m) m = v
        h = $(NF - 1); if (h ~ /\([0-9]+M\)$/) { sub(/.*\(/, "", h); sub(/M\)$/, "", h); if (h + 0 > hm) hm = h + 0 } }
      END { printf "%d\t%.1f\t%.0f\t%s", n, m, t, (hm > 0 ? hm : "") }')"
  fi
  local rss_peak="" rss_end=""
  if [ "$alive" = 1 ]; then rss_peak="$(status_kib "$pid" VmHWM)"; rss_end="$(status_kib "$pid" VmRSS)"; fi
  local cpu; cpu="$(awk -v a="$c0" -v b="$c1" -v t="$clk_tck" 'BEGIN{printf "%.2f", (b - a) / t}')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$scenario" "$broker" \
    "$sent" "$recv" "$p50" "$p99" "$p999" "$cp50" "$cp99" "$rss_peak" "$rss_end" "$cpu" \
    "$elapsed" "$msgs" "$stop$peak_note" >> "$results"
  printf '\t%s\n' "$gc_stats" >> "$results"
  keep_summary "$out" "$raw_out/$scenario-$broker.txt"
  log "  sent ${sent:-?}/s received ${recv:-?}/s p50 ${p50:-?}us p99 ${p99:-?}us peak RSS ${rss_peak:-?} KiB CPU ${cpu}s ($stop)"
  sleep 2
}

# scenario ID TITLE KIND LIMIT ARGS...: records the definition, then runs it on Ferry, then on
# RabbitMQ.
scenario() {
  local id="$1" title="$2" kind="$3" limit="$4"; shift 4
  local shown="$*"
  [ "$kind" = probe ] && shown="LatencyProbe.java URI $*" || shown="PerfTest -h URI $*"
  printf '%s\t%s\t%s\n' "$id" "$title" "$shown" >> "$scenarios"
  for broker in ferry rabbitmq; do
    measure "$broker" "$id" "$kind" "$limit" "$@"
  done
}

# Warm-up, not recorded: Ferry's JIT would otherwise compile its message path during scenario 1
# and charge that scenario with it; RabbitMQ gets the same run for fairness.
for broker in ferry rabbitmq; do
  log "warm-up on $broker (${WARMUP} s, not recorded)"
  timeout -s KILL $((WARMUP + 60)) java -cp "$PT_CP" com.rabbitmq.perf.PerfTest \
    -h "amqp://guest:guest@127.0.0.1:$(broker_port "$broker")" -x 2 -y 2 -qp 'bench-warmup-%d' -qpf 1 -qpt 2 \
    -s 12 -a -z "$WARMUP" > "$work/raw/warmup-$broker.txt" 2>&1 || true
done
sleep 2

D="$DURATION"; L=$((DURATION + 60))
scenario s1 "1. transient, 1 producer / 1 consumer, 12 B, auto-ack" perftest "$L" \
  -x 1 -y 1 -u bench-s1 -s 12 -a -z "$D"
scenario s2 "2. persistent 1 KiB to a durable queue, confirms (200 in flight), manual ack (prefetch 200)" perftest "$L" \
  -x 1 -y 1 -u bench-s2 -s 1024 -f persistent -c 200 -q 200 -z "$D"
scenario s3 "3. fan-out: 1 producer, fanout exchange, 5 queues with a consumer each, 12 B, auto-ack" perftest "$L" \
  -x 1 -y 5 -e bench-fanout -t fanout -qp 'bench-s3-%d' -qpf 1 -qpt 5 -s 12 -a -z "$D"
scenario s4 "4. 4 producers / 4 consumers on 4 queues, 12 B, auto-ack" perftest "$L" \
  -x 4 -y 4 -qp 'bench-s4-%d' -qpf 1 -qpt 4 -s 12 -a -z "$D"
scenario s5 "5. latency at a fixed 5,000 msg/s, 12 B, auto-ack (PerfTest: p50, p99)" perftest "$L" \
  -x 1 -y 1 -u bench-s5 -s 12 -a -r 5000 -z "$D"
scenario s5p "5b. latency at a fixed 5,000 msg/s, 12 B, auto-ack (probe: p50, p99, p99.9)" probe "$L" \
  5000 "$D" "$PROBE_WARMUP"

# Backlog: both phases on one broker back to back, so the peak mark is reset only before the
# publish phase and the drain row's peak covers the whole backlog's life.
printf '%s\t%s\t%s\n' s6a "6a. backlog: $BACKLOG x 12 B published, no consumer" \
  "PerfTest -h URI -x 1 -y 0 -u bench-s6 -ad false -s 12 -C $BACKLOG -z $BACKLOG_LIMIT_S" >> "$scenarios"
printf '%s\t%s\t%s\n' s6b "6b. backlog drained by 1 consumer (manual ack, prefetch 1000, multi-ack 100)" \
  "PerfTest -h URI -x 0 -y 1 -u bench-s6 -ad false -p -q 1000 -A 100 -D $BACKLOG -z $BACKLOG_LIMIT_S" >> "$scenarios"
for broker in ferry rabbitmq; do
  ROLE=producer MSG_LIMIT="$BACKLOG" measure "$broker" s6a perftest $((BACKLOG_LIMIT_S + 60)) \
    -x 1 -y 0 -u bench-s6 -ad false -s 12 -C "$BACKLOG" -z "$BACKLOG_LIMIT_S"
  ROLE=consumer MSG_LIMIT="$BACKLOG" NO_PEAK_RESET=1 measure "$broker" s6b perftest $((BACKLOG_LIMIT_S + 60)) \
    -x 0 -y 1 -u bench-s6 -ad false -p -q 1000 -A 100 -D "$BACKLOG" -z "$BACKLOG_LIMIT_S"
done

# --- what Ferry logged ----------------------------------------------------------------------
ferry_logs=("$work"/ferry-*/ferry.out)
grep -hE ' (WARN|ERROR) ' "${ferry_logs[@]}" | head -30 > "$raw_out/ferry-warnings.txt" || true
ferry_warn_count="$(cat "${ferry_logs[@]}" | grep -cE ' (WARN|ERROR) ' || true)"
grep -hE 'OutOfMemory|Exception' "${ferry_logs[@]}" | sort | uniq -c | sort -rn | head -10 >> "$raw_out/ferry-warnings.txt" || true

# --- the machine and versions ----------------------------------------------------------------
meta="$work/meta.properties"
{
  echo "date=$(date -u +'%Y-%m-%d %H:%M UTC')"
  echo "mode=$mode"
  echo "command=$command_line"
  echo "duration_s=$DURATION"
  echo "backlog=$BACKLOG"
  echo "nproc=$(nproc)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "memory=$(free -h | awk '/^Mem:/ {print $2}')"
  echo "kernel=$(uname -r)"
  echo "loadavg_at_end=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "ferry_commit=$(cd "$repo" && git rev-parse --short HEAD) (broker sources last changed in $(cd "$repo" && git log -1 --format=%h -- ferry-core ferry-amqp ferry-server))$(cd "$repo" && git diff --quiet HEAD -- ferry-core ferry-amqp ferry-server || echo ', with uncommitted changes')"
  echo "ferry_jvm=bin/ferry: ${FERRY_JVM_FLAGS}(MALLOC_ARENA_MAX=2)"
  echo "ferry_restarts=$((ferry_starts - 1))"
  echo "ferry_warn_lines=$ferry_warn_count"
  echo "rabbitmq=$(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo unknown)"
  echo "erlang=$(dpkg-query -W -f='${Version}' erlang-base 2>/dev/null || echo unknown)"
  echo "jdk=$(java -version 2>&1 | head -1)"
  echo "perftest=$PERFTEST_VERSION"
} > "$meta"
caveats="$work/caveats.txt"
printf '%s\n' "${CAVEATS[@]}" > "$caveats"
[ "$quick" = 1 ] && echo "Quick mode: ${DURATION} s per scenario and a backlog of $BACKLOG messages; for checking the harness, not for quoting." >> "$caveats"

cp "$results" "$raw_out/results.tsv"
cp "$meta" "$raw_out/meta.properties"

# Stop the brokers before rendering, so the chart's JVM does not compete with them (and the
# trap has nothing left to do).
cleanup
trap - EXIT

java "$here/scripts/RenderComparison.java" "$results" "$scenarios" "$meta" "$caveats" \
  "$out_dir/rabbitmq-comparison.md" "$out_dir/rabbitmq-comparison.png"
log "report: $out_dir/rabbitmq-comparison.md and .png; raw summaries: $raw_out; full output: $work"
