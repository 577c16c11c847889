#!/usr/bin/env bash
# What x-message-deduplication costs on the publish path: scripts/DedupProbe.java publishes
# persistent 64 B messages, each with a new message-id, with confirms (200 in flight) into a
# durable queue drained by an auto-ack consumer, with deduplication off and on (x-cache-size
# 100000: every message admitted to the window and its id journaled, the costly case). One fresh
# broker of this tree per run, the order of off / on swapped every round. Prints a Markdown table
# of the medians, every run, the broker's CPU per message and the machine's load.
#
#   ferry-bench/dedup-overhead.sh [ROUNDS] [SECONDS]     (defaults 3 and 10; 3 s warm-up per run)
#
# The broker listens on loopback (FERRY_BENCH_PORT, default 5698) and is stopped by PID on exit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
rounds="${1:-3}"
seconds="${2:-10}"
port="${FERRY_BENCH_PORT:-5698}"
work="$repo/ferry-bench/target/dedup-overhead/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work"
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

log "building this tree"
(cd "$repo" && mvn -q -B -ntp -o -pl ferry-server -am package -DskipTests)
PROBE_CP="$("$here/scripts/maven-classpath.sh" dedup-probe com.rabbitmq:amqp-client:5.22.0 org.slf4j:slf4j-nop:2.0.16)"

# shellcheck source=scripts/ferry-broker.sh
. "$here/scripts/ferry-broker.sh"
start_broker() { start_ferry "$repo/bin/ferry" "$1" "$port" dedup-overhead; } # start_broker DIR
cpu_ticks() { awk '{print $14 + $15}' "/proc/$broker_pid/stat"; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

results="$work/results.tsv"
: > "$results"
loads=()
for round in $(seq 1 "$rounds"); do
  order=(off on)
  [ $((round % 2)) = 0 ] && order=(on off)
  for mode in "${order[@]}"; do
    dir="$work/$mode-$round"
    start_broker "$dir"
    cpu_before="$(cpu_ticks)"
    timeout -s KILL $((seconds + 60)) java -cp "$PROBE_CP" "$here/scripts/DedupProbe.java" \
      "amqp://guest:guest@127.0.0.1:$port" "$mode" "$seconds" 3 > "$dir/probe.txt" 2>&1 || true
    cpu_after="$(cpu_ticks)"
    rate="$(sed -n 's/.*confirmed_per_s=\([0-9]*\).*/\1/p' "$dir/probe.txt")"
    # Over the whole run (warm-up included), so an estimate: ticks over all messages confirmed.
    cpu_us="$(awk -v t=$((cpu_after - cpu_before)) -v hz="$(getconf CLK_TCK)" -v r="${rate:-0}" -v s="$((seconds + 3))" \
      'BEGIN {printf "%.1f", (r > 0 ? t / hz * 1e6 / (r * s) : 0)}')"
    loads+=("$(cut -d' ' -f1 /proc/loadavg)")
    stop_broker
    log "round $round dedup $mode: ${rate:-?} msg/s confirmed, ~$cpu_us us broker CPU/msg"
    printf '%s\t%s\t%s\t%s\n' "$mode" "$round" "${rate:-0}" "$cpu_us" >> "$results"
  done
done

values() { awk -F'\t' -v m="$1" -v c="$2" '$1 == m {print $c}' "$results"; }
echo "| measure | dedup off (median of $rounds) | dedup on | on / off | runs (off; on) |"
echo "| --- | ---: | ---: | ---: | --- |"
for measure in "persistent publishes confirmed, msg/s:3" "broker CPU per message, us (estimate):4"; do
  column="${measure##*:}"
  off="$(values off "$column" | median)"
  on="$(values on "$column" | median)"
  echo "| ${measure%:*} | $off | $on | $(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}') |" \
    "$(values off "$column" | paste -sd, -); $(values on "$column" | paste -sd, -) |"
done
echo
echo "This tree: $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo ' (modified)'); $seconds s per run" \
  "after 3 s of warm-up; 1-minute load average at the end of each run: ${loads[*]} (nproc $(nproc))."
