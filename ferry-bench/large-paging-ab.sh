#!/usr/bin/env bash
# Large messages, before and after a change, on a machine too busy for ingress-memory.sh's `large`
# (whose 20 publishers could not finish their AMQP handshakes at load 16-33): 4 publishers of
# 16 MiB messages for 30 s, one consumer (prefetch 2), alternating between two builds; reports per
# run the messages carried, the heap allocated (summed from the serial collector's log: heap before
# each collection less heap after the previous one), the collections and their total pause.
# The load average is printed before and after each run. No latency probe: at such loads its
# figures are seconds either way.
#
#   ferry-bench/large-paging-ab.sh BEFORE_CHECKOUT AFTER_CHECKOUT [ROUNDS]
#
# Each checkout needs bin/ferry and a built ferry-server/target/ferry.jar (for the old one:
# `git archive REV | tar -x -C DIR`, then `mvn -o -q -B -DskipTests package -pl ferry-server -am`).
# Brokers are stopped by PID; their data directories are removed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
before="${1:?usage: large-paging-ab.sh BEFORE_CHECKOUT AFTER_CHECKOUT [ROUNDS]}"
after="${2:?usage: large-paging-ab.sh BEFORE_CHECKOUT AFTER_CHECKOUT [ROUNDS]}"
rounds="${3:-2}"
PORT="${FERRY_BENCH_PORT:-5745}"
client_cp="$("$here/scripts/perftest-classpath.sh" 2.22.1 --client-only)"
work="$here/target/large-paging-ab/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work"
allocated() { # GC_LOG -> "allocated_mib=N young=N full=N pause_total_ms=N"
  grep 'Pause' "$1" | sed -n 's/.*Pause \(Young\|Full\).* \([0-9]*\)M->\([0-9]*\)M(.* \([0-9.]*\)ms$/\1 \2 \3 \4/p' |
    awk 'BEGIN {prev = -1} {if (prev >= 0) a += $2 - prev; prev = $3; t += $4; if ($1 == "Young") y++; else f++}
         END {printf "allocated_mib=%d young=%d full=%d pause_total_ms=%.0f", a, y, f, t}'
}
for round in $(seq 1 "$rounds"); do
  for which in before after; do
    checkout="$before"; [ "$which" = after ] && checkout="$after"
    dir="$work/$which-$round"
    mkdir -p "$dir"
    FERRY_JAVA_OPTS="${FERRY_JAVA_OPTS:-} -Xlog:gc:file=$dir/gc.log:uptime" "$checkout/bin/ferry" \
      --data-dir "$dir/data" --amqp-port "$PORT" > "$dir/ferry.out" 2>&1 &
    pid=$!
    for _ in $(seq 1 120); do grep -qs "listening on amqp://127.0.0.1:$PORT" "$dir/ferry.out" && break; sleep 0.5; done
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    timeout 150 java -Xmx1g -cp "$client_cp" "$here/scripts/LargeBurst.java" "amqp://guest:guest@127.0.0.1:$PORT" \
      large 4 30 16777216 > "$dir/load.txt" 2>&1 || true
    load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$dir/data"
    echo "$which round=$round load=[$load_before .. $load_after] $(grep -h '^largeburst' "$dir/load.txt" || echo 'largeburst: failed')" \
      "$(allocated "$dir/gc.log")"
  done
done
