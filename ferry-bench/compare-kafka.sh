#!/usr/bin/env bash
# Side-by-side benchmark: Ferry's Kafka front against Apache Kafka (KRaft, one node) on this
# machine, in one run, driven by Kafka's own tools (ProducerPerformance, ConsumerPerformance,
# EndToEndLatency) with identical parameters for both brokers.
#
#   ferry-bench/compare-kafka.sh           # full run; writes docs/benchmarks/kafka-comparison.md
#   ferry-bench/compare-kafka.sh --quick   # small counts; checks the harness; writes under
#                                          # ferry-bench/target/ only
#
# Options: --quick, --out DIR (where the report and raw results go), --no-build (use the jars that
# are there). Ports: KAFKA_BENCH_PORT (default 9192; the controller uses PORT+1) and
# FERRY_BENCH_KAFKA_PORT (9292). FERRY_BENCH_ARGS: more bin/ferry options, for an A/B of one setting.
# KAFKA_BENCH_PROPS: more lines for Kafka's server.properties, e.g. "log.flush.interval.messages=1"
# to have Kafka fsync every append before it answers, as Ferry's acks=all does (the report says so).
# Kafka's jars come from Maven Central (scripts/kafka-classpath.sh).
#
# Each broker starts on loopback with a fresh data directory and nothing dirty in the page cache
# (sync), runs every scenario, and is stopped by PID (also when the script exits early, whatever
# the reason); its data directory is removed once its size is recorded. Kafka runs with the heap and
# collector its own start script gives it (-Xmx1G -Xms1G, G1); Ferry runs through bin/ferry.
set -euo pipefail

KAFKA_VERSION=4.3.1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
command_line="ferry-bench/compare-kafka.sh $*"

. "$here/scripts/comparison-options.sh"
parse_comparison_options "$@"

if [ "$quick" = 1 ]; then
  SMALL_RECORDS=200000; LARGE_RECORDS=50000; LATENCY_RECORDS=2000; PRODUCE_ROUNDS="${PRODUCE_ROUNDS:-1}"
else
  SMALL_RECORDS=3000000; LARGE_RECORDS=500000; LATENCY_RECORDS=20000; PRODUCE_ROUNDS="${PRODUCE_ROUNDS:-3}"
fi
KAFKA_PORT="${KAFKA_BENCH_PORT:-9192}"
FERRY_PORT="${FERRY_BENCH_KAFKA_PORT:-9292}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
work="$repo/ferry-bench/target/compare-kafka/$stamp-$([ "$quick" = 1 ] && echo quick || echo full)"
if [ -z "$out_dir" ]; then
  out_dir="$([ "$quick" = 1 ] && echo "$work/report" || echo "$repo/docs/benchmarks")"
fi
mkdir -p "$work" "$out_dir"
results="$work/results.tsv"
printf 'broker\tscenario\tmetric\tvalue\n' > "$results"

log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$work/run.log" >&2; }

broker_pid=""
stop_broker() {
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill "$broker_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$broker_pid" 2>/dev/null || true
  fi
  broker_pid=""
}
trap stop_broker EXIT

if [ "$build" = 1 ]; then
  log "building Ferry (mvn -o -q -B -DskipTests package)"
  (cd "$repo" && mvn -o -q -B -DskipTests package)
fi
KCP="$("$here/scripts/kafka-classpath.sh" "$KAFKA_VERSION")"
tool() { java -Xmx512m -cp "$KCP" "$@"; }

await_port() {
  local port="$1" what="$2"
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    kill -0 "$broker_pid" 2>/dev/null || { log "$what exited before listening; see $work"; exit 1; }
    sleep 0.1
  done
  log "$what did not listen on $port within 60 s"; exit 1
}

start_kafka() {
  local dir="$work/kafka"
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$((KAFKA_PORT + 1))
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$((KAFKA_PORT + 1))
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
${KAFKA_BENCH_PROPS:-}
PROPS
  java -cp "$KCP" kafka.tools.StorageTool format -t "$(java -cp "$KCP" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
    -c "$dir/server.properties" > "$dir/format.log" 2>&1
  java -Xmx1G -Xms1G -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true -cp "$KCP" kafka.Kafka "$dir/server.properties" \
    > "$dir/broker.log" 2>&1 &
  broker_pid=$!
  await_port "$KAFKA_PORT" "Kafka"
}

start_ferry() {
  local dir="$work/ferry"
  mkdir -p "$dir"
  # Every other listener on a free port: other brokers (and other people's) may hold the defaults.
  # No initial rebalance delay, as Kafka's server.properties above: both default to 3 s, which would
  # otherwise be counted into one side's consume rate only.
  "$repo/bin/ferry" --data-dir "$dir/data" --bind 127.0.0.1 --amqp-port 0 --http-port 0 --prometheus-port 0 \
    --kafka-port "$FERRY_PORT" --group-initial-rebalance-delay-ms 0 ${FERRY_BENCH_ARGS:-} > "$dir/broker.log" 2>&1 &
  broker_pid=$!
  await_port "$FERRY_PORT" "Ferry"
}

record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$results"; }

cpu_seconds() {
  # utime + stime of the broker, in seconds (clock ticks per second from getconf).
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$broker_pid/stat"
}

run_scenarios() {
  local broker="$1" bootstrap="127.0.0.1:$2" dir="$work/$1"
  for topic in small large; do
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --create --topic "$topic" \
      --partitions 3 --replication-factor 1 >> "$dir/tools.log" 2>&1
  done
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --create --topic latency \
    --partitions 1 --replication-factor 1 >> "$dir/tools.log" 2>&1

  local line
  warm_up "$broker" "$bootstrap" "$dir"
  produce_rounds "$broker" "$bootstrap" "$dir" "1. produce 100 B acks=1" small "$SMALL_RECORDS" 100 acks=1
  produce_rounds "$broker" "$bootstrap" "$dir" "2. produce 1000 B acks=all idempotent" large "$LARGE_RECORDS" 1000 \
    acks=all enable.idempotence=true

  consume_rounds "$broker" "$bootstrap" "$dir"

  log "$broker: end-to-end latency, $LATENCY_RECORDS x 100 B one at a time, acks=1"
  line="$(tool org.apache.kafka.tools.EndToEndLatency "$bootstrap" latency "$LATENCY_RECORDS" 1 100 \
    2>>"$dir/tools.log" | tee -a "$dir/tools.log" | grep -i 'percentiles' | tail -1)"
  # "Percentiles: 50th = 1, 99th = 9, 99.9th = 12"
  record "$broker" "4. end-to-end latency" "p50 ms" "$(echo "$line" | sed -E 's/.*50th = ([0-9.]+).*/\1/')"
  record "$broker" "4. end-to-end latency" "p99 ms" "$(echo "$line" | sed -E 's/.*99th = ([0-9.]+),.*/\1/')"
  record "$broker" "4. end-to-end latency" "p99.9 ms" "$(echo "$line" | sed -E 's/.*99\.9th = ([0-9.]+).*/\1/')"

  record "$broker" "all" "peak RSS MiB" "$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$broker_pid/status")"
  record "$broker" "all" "disk used MiB" "$(du -sm "$dir/data" 2>/dev/null | cut -f1)"
}

warm_up() {
  # One untimed pass of each kind of work first, on a topic of its own: the JIT of either broker
  # compiles the produce, idempotence and fetch paths during its first seconds, and without this
  # the same build and broker measured 35k then 49k records/s in two back-to-back 1000 B runs.
  local broker="$1" bootstrap="$2" dir="$3"
  log "$broker: warm-up (untimed): $((SMALL_RECORDS / 3)) x 100 B, $((LARGE_RECORDS / 2)) x 1000 B idempotent, one group read"
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --create --topic warmup \
    --partitions 3 --replication-factor 1 >> "$dir/tools.log" 2>&1
  tool org.apache.kafka.tools.ProducerPerformance --topic warmup --num-records "$((SMALL_RECORDS / 3))" --record-size 100 \
    --throughput -1 --command-property bootstrap.servers="$bootstrap" acks=1 >> "$dir/warmup.log" 2>&1
  tool org.apache.kafka.tools.ProducerPerformance --topic warmup --num-records "$((LARGE_RECORDS / 2))" --record-size 1000 \
    --throughput -1 --command-property bootstrap.servers="$bootstrap" acks=all enable.idempotence=true >> "$dir/warmup.log" 2>&1
  tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$bootstrap" --topic warmup \
    --num-records "$((SMALL_RECORDS / 3 + LARGE_RECORDS / 2))" --timeout 120000 --group "warmup-$broker" >> "$dir/warmup.log" 2>&1
}

median_run() {
  # Of the runs given ("rate<TAB>..." each), the one with the median rate.
  printf '%s\n' "$@" | sort -t$'\t' -k1,1n | sed -n "$(( ($# + 1) / 2 ))p"
}

consume_rounds() {
  # PRODUCE_ROUNDS group reads of the small topic, each by a group of its own (so each reads from
  # the start); the read with the median records/s is recorded, every read's rate goes to
  # rounds.tsv. One read is one fresh consumer JVM, and its rate moved by a third from read to read
  # (2026-12-04: 1.48M records/s from Ferry in one full run, 2.07-2.31M in four reads alternating
  # with Kafka's on the same data right after).
  local broker="$1" bootstrap="$2" dir="$3" scenario="3. consume 100 B"
  local round cpu0 line rate lines=()
  for round in $(seq 1 "$PRODUCE_ROUNDS"); do
    log "$broker: consume the $SMALL_RECORDS small records in a group, round $round of $PRODUCE_ROUNDS"
    cpu0="$(cpu_seconds)"
    line="$(tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$bootstrap" --topic small \
      --num-records "$SMALL_RECORDS" --timeout 120000 --group "perf-$broker-$round" 2>>"$dir/tools.log" | tee -a "$dir/tools.log" | tail -1)"
    # start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
    rate="$(echo "$line" | awk -F', *' '{ printf "%.0f", $6 }')"
    printf '%s\t%s\t%s\t%s\n' "$broker" "$scenario" "$round" "$rate" >> "$work/rounds.tsv"
    lines+=("$rate"$'\t'"$cpu0"$'\t'"$(cpu_seconds)"$'\t'"$line")
  done
  local median
  median="$(median_run "${lines[@]}")"
  line="$(echo "$median" | cut -f4-)"
  record "$broker" "$scenario" "records/s" "$(echo "$median" | cut -f1)"
  record "$broker" "$scenario" "records" "$(echo "$line" | awk -F', *' '{ print $5 }')"
  # ConsumerPerformance's records/s include joining the group; the fetch-only rate and the join time
  # say which of the two a difference comes from.
  record "$broker" "$scenario" "group join ms" "$(echo "$line" | awk -F', *' '{ print $7 }')"
  record "$broker" "$scenario" "fetch-only records/s" "$(echo "$line" | awk -F', *' '{ printf "%.0f", $10 }')"
  record "$broker" "$scenario" "broker CPU µs/record" \
    "$(awk -v a="$(echo "$median" | cut -f2)" -v b="$(echo "$median" | cut -f3)" -v n="$SMALL_RECORDS" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')"
}

produce_rounds() {
  # PRODUCE_ROUNDS runs of one produce scenario; the run with the median records/s is the one
  # recorded (all its metrics, so that they belong together), every run's rate goes to rounds.tsv.
  # One run of either broker moved by a third from run to run on a quiet machine.
  local broker="$1" bootstrap="$2" dir="$3" scenario="$4" topic="$5" count="$6" size="$7"
  shift 7
  local round cpu0 line rate lines=()
  for round in $(seq 1 "$PRODUCE_ROUNDS"); do
    log "$broker: $scenario ($count records), round $round of $PRODUCE_ROUNDS"
    cpu0="$(cpu_seconds)"
    line="$(tool org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$count" --record-size "$size" \
      --throughput -1 --command-property bootstrap.servers="$bootstrap" "$@" 2>>"$dir/tools.log" | tee -a "$dir/tools.log" | tail -1)"
    rate="$(producer_rate "$line")"
    printf '%s\t%s\t%s\t%s\n' "$broker" "$scenario" "$round" "$rate" >> "$work/rounds.tsv"
    lines+=("$rate"$'\t'"$cpu0"$'\t'"$(cpu_seconds)"$'\t'"$line")
  done
  local median
  median="$(median_run "${lines[@]}")"
  parse_producer "$broker" "$scenario" "$(echo "$median" | cut -f4-)" "$(echo "$median" | cut -f2)" "$count" \
    "$(echo "$median" | cut -f3)"
}

producer_rate() {
  echo "$1" | sed -E 's/.* ([0-9.]+) records\/sec.*/\1/' | awk '{ printf "%.0f", $1 }'
}

parse_producer() {
  # "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, p50 ms 50th, p95 ms 95th, p99 ms 99th, p999 ms 99.9th."
  local broker="$1" scenario="$2" line="$3" cpu0="$4" count="$5" cpu1="$6"
  record "$broker" "$scenario" "records/s" "$(producer_rate "$line")"
  record "$broker" "$scenario" "MB/s" "$(echo "$line" | sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/')"
  record "$broker" "$scenario" "latency p50 ms" "$(echo "$line" | sed -E 's/.* ([0-9]+) ms 50th.*/\1/')"
  record "$broker" "$scenario" "latency p99 ms" "$(echo "$line" | sed -E 's/.* ([0-9]+) ms 99th.*/\1/')"
  record "$broker" "$scenario" "broker CPU µs/record" \
    "$(awk -v a="$cpu0" -v b="$cpu1" -v n="$count" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')"
}

settle_page_cache() {
  # Kafka leaves what it wrote to the page cache (gigabytes in a full run) and the kernel writes it
  # back within about 30 s: without this, that writeback ran in Ferry's phase, on the same disk and
  # cores, and Ferry's fsyncs waited behind it. Each broker starts with nothing dirty.
  log "dirty before $1: $(awk '/^Dirty:/ { print $2 " kB" }' /proc/meminfo); sync"
  sync
}

log "Kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$KAFKA_PORT"
settle_page_cache kafka
start_kafka
run_scenarios kafka "$KAFKA_PORT"
stop_broker
rm -rf "$work/kafka/data"

log "Ferry (bin/ferry) on 127.0.0.1:$FERRY_PORT"
settle_page_cache ferry
start_ferry
run_scenarios ferry "$FERRY_PORT"
stop_broker
rm -rf "$work/ferry/data"

# ---- report: one table, Ferry / Kafka per metric
report="$out_dir/kafka-comparison.md"
{
  echo "# Ferry and Apache Kafka side by side"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M') UTC by \`$command_line\` on $(nproc) cores, load average"
  echo "$(cut -d' ' -f1-3 /proc/loadavg) at the end. Kafka $KAFKA_VERSION in KRaft mode (one node, its start"
  echo "script's JVM flags) and Ferry ($(git -C "$repo" rev-parse --short HEAD), \`bin/ferry\`) ran one after the"
  echo "other on loopback with fresh data directories, driven by Kafka's own tools on the same cores."
  if [ -n "${KAFKA_BENCH_PROPS:-}" ]; then
    echo "Kafka ran with these settings beyond its defaults: \`$(echo "$KAFKA_BENCH_PROPS" | paste -sd' ')\`."
  fi
  echo
  echo "**Caveats.** Kafka acknowledges acks=all once the record is in its page cache (it fsyncs"
  echo "later, by default never on the produce path); Ferry acknowledges acks=all only after the fsync"
  echo "that covers the batch (acks=1, as Kafka, once written), and its consumers see a record only once"
  echo "it is fsynced. Before each broker starts the script syncs, so neither pays for"
  echo "writing back what the other left in the page cache. Each broker first gets an untimed warm-up (a third of the"
  echo "small records, half of the large ones, one group read) so that neither is measured while its JIT"
  echo "compiles; both run without an initial rebalance delay, whose 3 s default would otherwise land in"
  echo "the consume rate. The machine is shared: compare ratios within one run."
  echo
  echo "![Ferry / Kafka per metric](kafka-comparison.png)"
  echo
  echo "| scenario | metric | Kafka | Ferry | Ferry / Kafka |"
  echo "| --- | --- | ---: | ---: | ---: |"
  awk -F'\t' 'NR > 1 { key = $2 "\t" $3; if (!(key in seen)) { order[++n] = key; seen[key] = 1 } v[$1 "\t" key] = $4 }
    END {
      for (i = 1; i <= n; i++) {
        split(order[i], parts, "\t"); k = v["kafka\t" order[i]]; f = v["ferry\t" order[i]];
        ratio = (k + 0 > 0 && f != "") ? sprintf("%.2f×", f / k) : "—";
        printf "| %s | %s | %s | %s | %s |\n", parts[1], parts[2], k, f, ratio
      }
    }' "$results"
  echo
  echo "Produce and consume scenarios: $PRODUCE_ROUNDS runs each (PRODUCE_ROUNDS) on a warm broker, each read by a"
  echo "group of its own; the table gives the run with the median records/s. Every run, records/s:"
  echo
  echo "| scenario | broker | runs |"
  echo "| --- | --- | --- |"
  awk -F'\t' '{ key = $2 "\t" $1; if (!(key in runs)) order[++n] = key; runs[key] = runs[key] (runs[key] == "" ? "" : ", ") $4 }
    END { for (i = 1; i <= n; i++) { split(order[i], p, "\t"); printf "| %s | %s | %s |\n", p[1], p[2], runs[order[i]] } }' \
    "$work/rounds.tsv"
  echo
  echo "Raw tool output and broker logs: \`ferry-bench/target/compare-kafka/$(basename "$work")\`."
} > "$report"
cp "$results" "$out_dir/kafka-comparison.tsv"
java "$here/scripts/RenderKafkaChart.java" "$results" "$out_dir/kafka-comparison.png"
log "report: $report"
