#!/usr/bin/env bash
# Start-up to the first accepted AMQP connection (a RabbitMQ-client handshake through open-ok):
# Ferry embedded in the caller's JVM (ferry-embedded; cold and warm, in memory and durable), Ferry
# as a process (bin/ferry), and Debian's RabbitMQ 3.10 as an isolated node (rabbitmq-node.sh).
# Results: docs/benchmarks/startup.md. Needs `mvn -q -DskipTests package` first.
#   ferry-bench/startup.sh [ROUNDS]     (default 5 process rounds, 10 embedded rounds)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/.."
rounds="${1:-5}"
jar="$root/ferry-server/target/ferry.jar"
embedded="$root/ferry-embedded/target/classes"
[ -f "$jar" ] && [ -d "$embedded" ] || { echo "startup: build first: mvn -q -DskipTests package" >&2; exit 1; }
# The shaded broker jar holds ferry-server, its dependencies and the RabbitMQ client (for `ferry bench`).
cp="$jar:$embedded"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
probe="$work/probe"
mkdir -p "$probe"
javac -q -d "$probe" -cp "$cp" "$here/scripts/StartupProbe.java" 2>/dev/null || javac -d "$probe" -cp "$cp" "$here/scripts/StartupProbe.java"
# Warnings only: the broker's INFO lines would be timed too.
printf '<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><encoder><pattern>%%msg%%n</pattern></encoder></appender><root level="WARN"><appender-ref ref="E"/></root></configuration>\n' > "$work/logback.xml"
run_probe() { java -Xmx512m -Dlogback.configurationFile="$work/logback.xml" -cp "$probe:$cp" StartupProbe "$@"; }

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== Ferry embedded (in the probe's JVM)"
run_probe embedded $((rounds * 2))
[ "${STARTUP_EMBEDDED_ONLY:-}" = 1 ] && exit 0

echo "== Ferry process (bin/ferry, a fresh JVM each round)"
for i in $(seq 1 "$rounds"); do
  port=$((5900 + i))
  line="$(run_probe process "$port" bash "$root/bin/ferry" --data-dir "$work/ferry$i" --amqp-port "$port" \
    --kafka-port 0 --http-port 0 --prometheus-port 0)"
  echo "round $i: $line"
  pid="$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' <<< "$line")"
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
done

echo "== RabbitMQ 3.10 (rabbitmq-node.sh: own epmd, node and data directory)"
# From the work directory: a node that fails writes MnesiaCore.* dumps into its working directory.
cd "$work"
for i in $(seq 1 "$rounds"); do
  port=$((5950 + i * 3))
  line="$(run_probe process "$port" bash "$here/rabbitmq-node.sh" start "$work/rabbit$i" "$port")"
  echo "round $i: $line"
  # The start script carries on until rabbitmqctl await_startup passes and it records the node's PID,
  # which stop needs: wait for that before stopping the node.
  for _ in $(seq 1 240); do [ -f "$work/rabbit$i/node.pid" ] && break; sleep 0.5; done
  "$here/rabbitmq-node.sh" stop "$work/rabbit$i" >/dev/null 2>&1 || echo "round $i: stop failed; node PID in $work/rabbit$i" >&2
done
