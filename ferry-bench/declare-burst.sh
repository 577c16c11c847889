#!/usr/bin/env bash
# Metadata group commit: how long a burst of concurrent durable declares and binds takes, and how
# many metadata writes the broker needed for them.
#
#   ferry-bench/declare-burst.sh [--jar FERRY_JAR] [--connections 5] [--channels 10] [--rounds 5]
#
# Starts the broker from FERRY_JAR (default ferry-server/target/ferry.jar, built with
# `mvn -o -q -B -DskipTests package`) on a fresh data directory, runs scripts/DeclareBurst.java
# against it, stops it with SIGTERM and prints the broker's own count of metadata changes and
# writes (its last "Metadata: N changes stored in M writes" line; brokers from before the metadata
# writer print none). Pass an older build's jar to compare. The broker process is stopped by PID.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
PERFTEST_VERSION=2.22.1
jar="$repo/ferry-server/target/ferry.jar"
connections=5
channels=10
rounds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar="${2:?--jar needs a file}"; shift ;;
    --connections) connections="${2:?}"; shift ;;
    --channels) channels="${2:?}"; shift ;;
    --rounds) rounds="${2:?}"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "declare-burst: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
work="$repo/ferry-bench/target/declare-burst/$(date -u +%Y%m%dT%H%M%SZ)-$$"
mkdir -p "$work"
CLIENT_CP="$("$here/scripts/perftest-classpath.sh" "$PERFTEST_VERSION" --client-only)"

# Port 0: the broker picks a free port and says which; never a port another broker may hold.
java -Xmx512m -jar "$jar" --data-dir "$work/data" --amqp-port 0 > "$work/ferry.out" 2>&1 &
ferry_pid=$!
trap 'kill "$ferry_pid" 2>/dev/null || true' EXIT
PORT=""
deadline=$((SECONDS + 120))
while [ -z "$PORT" ]; do
  PORT="$(grep -o 'listening on amqp://127.0.0.1:[0-9]*' "$work/ferry.out" 2>/dev/null | head -1 | sed 's/.*://')" || true
  [ -n "$PORT" ] && break
  kill -0 "$ferry_pid" 2>/dev/null || { cat "$work/ferry.out" >&2; exit 1; }
  [ "$SECONDS" -lt "$deadline" ] || { echo "declare-burst: the broker did not listen within 120 s" >&2; exit 1; }
  sleep 0.25
done

java -cp "$CLIENT_CP" "$here/scripts/DeclareBurst.java" "amqp://guest:guest@127.0.0.1:$PORT" \
  "$connections" "$channels" "$rounds"

kill -TERM "$ferry_pid"
wait "$ferry_pid" || true
trap - EXIT
grep -o "Metadata: [0-9]* changes stored in [0-9]* writes.*" "$work/ferry.out" || echo "(no metadata write count from this broker)"
echo "broker output: $work/ferry.out"
