#!/usr/bin/env bash
# Runs Debian's RabbitMQ as an isolated node for side-by-side runs and for checking that a test's
# expectations match RabbitMQ's behaviour: its own node name, ports and data directory, loopback
# only, stopped by PID.
#
#   rabbitmq-node.sh start DIR PORT   # starts a node with data under DIR, AMQP on PORT; prints its PID
#   rabbitmq-node.sh stop DIR         # stops the node started with DIR (by the PID recorded there)
#   rabbitmq-node.sh ctl DIR ARGS...  # runs rabbitmqctl ARGS against the node started with DIR
#                                     # (tests create users and permissions this way)
set -euo pipefail

command="${1:?usage: rabbitmq-node.sh start DIR PORT | stop DIR | ctl DIR ARGS...}"
dir="$(mkdir -p "${2:?data directory}" && cd "$2" && pwd)"

if ! command -v /usr/lib/rabbitmq/bin/rabbitmq-server >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server
fi

if [ "$command" = start ]; then
  port="${3:-5682}"
elif [ -f "$dir/node.port" ]; then
  # stop and ctl find the node by the port start recorded.
  port="$(cat "$dir/node.port")"
else
  port="${3:-5682}"
fi
export RABBITMQ_NODENAME="ferrycmp${port}@localhost"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$port"
export RABBITMQ_DIST_PORT=$((port + 20000))
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT=$((port + 1))
export RABBITMQ_MNESIA_BASE="$dir/mnesia"
export RABBITMQ_LOG_BASE="$dir/log"
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq"
export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
export HOME="$dir"
# Erlang distribution on loopback too, so nothing of this node is reachable from outside.
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

case "$command" in
  start)
    echo "$port" > "$dir/node.port"
    printf '[].\n' > "$dir/enabled_plugins"
    # Our own epmd on its own port, started here so that we know its PID and can stop it.
    epmd -address 127.0.0.1 -port "$ERL_EPMD_PORT" > "$dir/epmd.out" 2>&1 &
    echo $! > "$dir/epmd.pid"
    # Wait until it listens: otherwise the node's tools start a daemon epmd of their own, which
    # outlives this script (stop below looks for one anyway).
    for _ in $(seq 1 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$ERL_EPMD_PORT") 2>/dev/null && break
      sleep 0.1
    done
    # Listeners on loopback only; no management plugin, so no HTTP port.
    printf 'loopback_users.guest = true\nlisteners.tcp.default = 127.0.0.1:%s\n' "$port" > "$dir/rabbitmq.conf"
    /usr/lib/rabbitmq/bin/rabbitmq-server > "$dir/server.out" 2>&1 &
    for _ in $(seq 1 120); do
      if /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODENAME" await_startup --timeout 1 >/dev/null 2>&1; then
        # The node writes the Erlang VM's own PID here; that is the process to measure and stop.
        cp "$RABBITMQ_PID_FILE" "$dir/node.pid"
        cat "$dir/node.pid"
        exit 0
      fi
      sleep 1
    done
    echo "rabbitmq-node: node did not start; see $dir/server.out" >&2
    exit 1
    ;;
  stop)
    pid="$(cat "$dir/node.pid")"
    /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODENAME" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
    if [ -f "$dir/epmd.pid" ]; then kill "$(cat "$dir/epmd.pid")" 2>/dev/null || true; fi
    # Any epmd that Erlang's tools daemonized for this node's port: found by its environment, stopped by PID.
    for environ in /proc/[0-9]*/environ; do
      if { tr '\0' '\n' < "$environ"; } 2>/dev/null | grep -qx "ERL_EPMD_PORT=$ERL_EPMD_PORT" \
          && [ "$(basename "$(readlink "${environ%/environ}/exe" 2>/dev/null)")" = epmd ]; then
        kill "$(basename "${environ%/environ}")" 2>/dev/null || true
      fi
    done
    ;;
  ctl)
    shift 2
    exec /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODENAME" -q "$@"
    ;;
  *)
    echo "usage: rabbitmq-node.sh start DIR PORT | stop DIR | ctl DIR ARGS..." >&2
    exit 2
    ;;
esac
