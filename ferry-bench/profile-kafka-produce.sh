#!/usr/bin/env bash
# Where a Kafka producer's time goes in Ferry: starts bin/ferry (loopback, fresh data directory,
# stopped by PID) with async-profiler's wall-clock sampler (every thread, running or waiting, from
# Maven Central's tools.profiler:async-profiler jar), drives it with Kafka's ProducerPerformance and
# prints, per broker thread that matters, the share of its samples in each innermost frame.
#
#   ferry-bench/profile-kafka-produce.sh [RECORDS] [SIZE] [ACKS] [PRODUCER PROPERTY...]
#   ferry-bench/profile-kafka-produce.sh 1500000 100 1          # scenario 1 of compare-kafka.sh
#   ferry-bench/profile-kafka-produce.sh 300000 1000 all enable.idempotence=true
#
# PROFILE_EVENT=cpu samples CPU time instead. Output under ferry-bench/target/profile-kafka-produce/
# <time>/: profile.collapsed (one line per stack, for any flame graph tool), producer.out, broker.log.
# Port: FERRY_BENCH_KAFKA_PORT (default 9292). Uses the jars that are built (mvn -DskipTests package).
set -euo pipefail
records="${1:-1500000}"; size="${2:-100}"; acks="${3:-1}"
shift $(( $# < 3 ? $# : 3 ))
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
port="${FERRY_BENCH_KAFKA_PORT:-9292}"
work="$repo/ferry-bench/target/profile-kafka-produce/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work"

KCP="$("$here/scripts/kafka-classpath.sh" 4.3.1)"
profiler_jar="$("$here/scripts/maven-classpath.sh" async-profiler tools.profiler:async-profiler:3.0 | tr ':' '\n' | grep async-profiler)"
(cd "$work" && unzip -q -o "$profiler_jar" linux-x64/libasyncProfiler.so)

broker_pid=""
stop_broker() {
  [ -n "$broker_pid" ] || return 0
  kill "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=""
}
trap stop_broker EXIT

agent="$work/linux-x64/libasyncProfiler.so=start,event=${PROFILE_EVENT:-wall},interval=2ms,threads,collapsed"
FERRY_JAVA_OPTS="-agentpath:$agent,file=$work/profile.collapsed" "$repo/bin/ferry" --data-dir "$work/data" \
  --bind 127.0.0.1 --amqp-port 0 --kafka-port "$port" --http-port 0 --prometheus-port 0 > "$work/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 600); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  kill -0 "$broker_pid" 2>/dev/null || { echo "Ferry exited; see $work/broker.log" >&2; exit 1; }
  sleep 0.1
done
java -Xmx512m -cp "$KCP" org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --create \
  --topic profiled --partitions 3 --replication-factor 1 > "$work/tools.log" 2>&1
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx512m -cp "$KCP" org.apache.kafka.tools.ProducerPerformance --topic profiled --num-records "$records" \
  --record-size "$size" --throughput -1 --print-metrics --command-property bootstrap.servers="127.0.0.1:$port" \
  acks="$acks" "$@" > "$work/producer.out" 2>> "$work/tools.log"
grep 'records sent' "$work/producer.out" | tail -1
grep -E '^producer-metrics:(request-latency-avg|records-per-request-avg|request-rate|io-wait-ratio):' \
  "$work/producer.out" | sed 's/{client-id=[^}]*}//'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
stop_broker

# Per thread (event loops, partition owners, fsync threads), the innermost two frames by share.
for thread in ferry-fsync ferry-partition kafka-io; do
  echo "== $thread*"
  grep "^\[$thread" "$work/profile.collapsed" | awk '{
      n = $NF; $NF = ""; k = split($0, frames, ";"); key = frames[k - 1] ";" frames[k]
      total += n; share[key] += n
    } END { for (key in share) if (share[key] * 100 >= total) printf "%5.1f%%  %s\n", share[key] * 100 / total, key }' \
    | sort -rn | head -8
done
echo "profile: $work/profile.collapsed"
