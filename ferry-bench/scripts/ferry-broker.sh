# Sourced by the benchmark scripts: one Ferry process at a time, started on loopback and stopped by
# its PID (TERM, then KILL after 20 s), also when the script exits.
#   start_ferry BIN DIR PORT NAME   bin/ferry of the build to run, a directory for its data and
#                                   output, its AMQP port, and the script's name for messages
#   stop_broker                     stops the one started, if any
#   broker_pid                      its PID while it runs
broker_pid=""
stop_broker() {
  [ -n "$broker_pid" ] || return 0
  kill -TERM "$broker_pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=""
}
trap stop_broker EXIT
trap 'exit 130' INT TERM

start_ferry() {
  mkdir -p "$2"
  "$1" --data-dir "$2/data" --bind 127.0.0.1 --amqp-port "$3" --kafka-port 0 --http-port 0 \
    --prometheus-port 0 > "$2/ferry.out" 2>&1 &
  broker_pid=$!
  for _ in $(seq 1 120); do
    grep -q "listening on amqp://127.0.0.1:$3" "$2/ferry.out" 2>/dev/null && return 0
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "$4: $1 did not start; see $2/ferry.out" >&2
  exit 1
}
