#!/usr/bin/env bash
# Handshakes under a fan-out flood: the end of the RabbitMQ Java client's Bug19219Test, measured.
# Each round starts a fresh broker, runs scripts/FanOutHandshakes.java (1,500 queues on amq.fanout
# consumed without acks, 100 publishers, the consumer's channel aborted after 2 s, then new
# connections opened for --probe seconds while the publishers go on) and stops the broker by PID.
#
#   ferry-bench/fanout-handshake.sh                      # 3 rounds against Ferry
#   ferry-bench/fanout-handshake.sh --rounds 2 --broker both --no-build
#   options: --rounds N, --probe SECONDS (default 20), --broker ferry|rabbitmq|both (both
#            alternates, Ferry first), --no-build
# Ferry runs from bin/ferry with FERRY_HEAP_MB (default 512, the heap Bug19219Test was run with);
# RabbitMQ is Debian's 3.10 as an isolated node (rabbitmq-node.sh). One line per round on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
ROUNDS=3
PROBE=20
BROKERS=ferry
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="${2:?--rounds needs a number}"; shift ;;
    --probe) PROBE="${2:?--probe needs seconds}"; shift ;;
    --broker) BROKERS="${2:?--broker needs ferry, rabbitmq or both}"; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fanout-handshake: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$BROKERS" in
  ferry|rabbitmq) ;;
  both) BROKERS="ferry rabbitmq" ;;
  *) echo "fanout-handshake: --broker takes ferry, rabbitmq or both" >&2; exit 2 ;;
esac
PORT="${FERRY_BENCH_PORT:-5698}"
work="$(mktemp -d "${TMPDIR:-/tmp}/fanout-handshake.XXXXXX")"
CLIENT_CP="$("$here/scripts/perftest-classpath.sh" 2.22.1 --client-only)"
if [ "$build" = 1 ] && [[ " $BROKERS " == *" ferry "* ]]; then
  (cd "$repo" && mvn -o -q -B -DskipTests package)
fi

# shellcheck source=scripts/ferry-broker.sh
. "$here/scripts/ferry-broker.sh"
rabbit_dir=""
cleanup() {
  set +e
  stop_broker
  [ -n "$rabbit_dir" ] && "$here/rabbitmq-node.sh" stop "$rabbit_dir" > /dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

for round in $(seq 1 "$ROUNDS"); do
  for broker in $BROKERS; do
    rm -rf "$work/data"
    if [ "$broker" = ferry ]; then
      FERRY_HEAP_MB="${FERRY_HEAP_MB:-512}" start_ferry "$repo/bin/ferry" "$work" "$PORT" fanout-handshake
    else
      rabbit_dir="$work/node"
      "$here/rabbitmq-node.sh" start "$rabbit_dir" "$PORT" > /dev/null
    fi
    result="$(timeout -s KILL $((PROBE + 180)) java -cp "$CLIENT_CP" "$here/scripts/FanOutHandshakes.java" \
      "amqp://guest:guest@127.0.0.1:$PORT" 1500 100 "$PROBE" 2>/dev/null | tail -1 || echo "probe killed")"
    echo "round $round $broker: $result"
    if [ "$broker" = ferry ]; then
      stop_broker
    else
      "$here/rabbitmq-node.sh" stop "$rabbit_dir" > /dev/null 2>&1 || true
      rabbit_dir=""
    fi
  done
done
