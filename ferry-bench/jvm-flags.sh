#!/usr/bin/env bash
# Measures the broker under one set of JVM flags, as ferry-bench/README.md's "JVM flags of
# bin/ferry" tables were made: on a fresh broker, PerfTest scenarios run one after another, then
# the broker's peak RSS (VmHWM) over all of them. One line out:
#   flags=... s1=MSG/S s4=... s2=... s3=... probe="p50 p99 p999 (us)" cpu_s=BROKER_CPU peak_rss_mib=N
#
#   ferry-bench/jvm-flags.sh [--seconds N] [--scenarios s1,s4,s2,s3,probe]              # via bin/ferry
#   ferry-bench/jvm-flags.sh [--seconds N] [--scenarios ...] -- -Xmx256m -XX:+UseG1GC  # exactly these flags
#
# s1: 1 producer / 1 consumer, 12 B, auto-ack. s4: 4 producers / 4 consumers on 4 queues.
# s2: persistent 1 KiB to a durable queue, confirms (200 in flight), manual acks (prefetch 200).
# s3: fan-out to 5 queues. probe: scripts/LatencyProbe.java at 5,000 msg/s (3 warm-up seconds
# dropped). Through bin/ferry, FERRY_JAVA_OPTS / FERRY_HEAP_MB / MALLOC_ARENA_MAX apply as usual;
# with explicit flags, MALLOC_ARENA_MAX is whatever the environment says. Build first
# (mvn -q -DskipTests package). The broker is stopped by PID at the end, whatever happens.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
seconds=15
scenarios="s1,s4,s2"
flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a number}"; shift ;;
    --scenarios) scenarios="${2:?--scenarios needs a list}"; shift ;;
    --) shift; flags=("$@"); break ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "jvm-flags: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
PORT="${FERRY_BENCH_PORT:-5698}"
PT_CP="$("$here/scripts/perftest-classpath.sh" 2.22.1)"
PROBE_CP="$("$here/scripts/perftest-classpath.sh" 2.22.1 --client-only)"
work="$(mktemp -d "${TMPDIR:-/tmp}/ferry-jvm-flags.XXXXXX")"

if [ ${#flags[@]} -eq 0 ]; then
  "$repo/bin/ferry" --data-dir "$work/data" --amqp-port "$PORT" > "$work/ferry.out" 2>&1 &
else
  java "${flags[@]}" -jar "$repo/ferry-server/target/ferry.jar" --data-dir "$work/data" --amqp-port "$PORT" \
    > "$work/ferry.out" 2>&1 &
fi
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  grep -q "listening on amqp://127.0.0.1:$PORT" "$work/ferry.out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/ferry.out" >&2; exit 1; }
  sleep 0.5
done

uri="amqp://guest:guest@127.0.0.1:$PORT"
rate() { java -cp "$PT_CP" com.rabbitmq.perf.PerfTest -h "$uri" "$@" -z "$seconds" 2>&1 \
  | awk '/receiving rate avg/ {print $(NF-1)}'; }
line="flags=$(tr '\0' ' ' < "/proc/$pid/cmdline" | sed 's/^java //; s/ -jar .*//')"
for scenario in ${scenarios//,/ }; do
  case "$scenario" in
    s1) line="$line s1=$(rate -x 1 -y 1 -u s1 -ad true -s 12 -a)" ;;
    s4) line="$line s4=$(rate -x 4 -y 4 -u s4 -ad true -s 12 -a)" ;;
    s2) line="$line s2=$(rate -x 1 -y 1 -u s2 -ad true -s 1024 -f persistent -c 200 -q 200)" ;;
    s3) line="$line s3=$(rate -x 1 -y 5 -e fan -t fanout -s 12 -a)" ;;
    probe) line="$line probe=\"$(java -cp "$PROBE_CP" "$here/scripts/LatencyProbe.java" "$uri" 5000 "$seconds" 3 \
             | sed -n 's/.*p50_us=\([0-9]*\) p99_us=\([0-9]*\) p999_us=\([0-9]*\).*/\1 \2 \3 (us)/p')\"" ;;
    *) echo "jvm-flags: unknown scenario $scenario" >&2; exit 2 ;;
  esac
done
cpu_s="$(sed 's/.*) //' "/proc/$pid/stat" | awk -v t="$(getconf CLK_TCK)" '{printf "%.1f", ($12 + $13) / t}')"
echo "$line cpu_s=$cpu_s peak_rss_mib=$(( $(awk '$1 == "VmHWM:" {print $2}' "/proc/$pid/status") / 1024 ))"
