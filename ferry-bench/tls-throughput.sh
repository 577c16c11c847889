#!/usr/bin/env bash
# AMQP throughput over TLS beside plain TCP, on one Ferry process: PerfTest runs the same load
# against amqp:// and amqps:// (one after the other, twice each, alternating): as fast as it goes,
# then at a fixed 2,000 msg/s, after one warm-up run of each. The script prints PerfTest's closing summary of each run, the
# broker's CPU time per 1,000 messages received (from /proc, the figure a busy machine disturbs
# least) and the machine's load average around each run.
#   ferry-bench/tls-throughput.sh [SECONDS_PER_RUN] [SIZE_BYTES] [--no-build]
# Certificates are made with openssl under ferry-bench/target/tls-throughput/ (EC P-256, like the
# ferry-it tests); PerfTest's amqps:// URI trusts any certificate, which is fine for a measurement.
# Output: ferry-bench/target/tls-throughput/<time>/ (summary.txt, each run's full output, Ferry's log).
set -euo pipefail
seconds="${1:-20}"
size="${2:-1000}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${3:-}" != --no-build ]; then
  (cd "$here" && mvn -o -q -B -DskipTests package -pl ferry-server -am)
fi
out="$here/ferry-bench/target/tls-throughput/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out/certs"
cd "$out/certs"
printf '[req]\ndistinguished_name = dn\n[dn]\n[v3_ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign\n' > ca.cnf
printf 'subjectAltName = DNS:localhost, IP:127.0.0.1\nextendedKeyUsage = serverAuth\n' > server.ext
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
openssl req -new -x509 -key ca.key -out ca.pem -days 2 -subj "/CN=bench CA" -config ca.cnf -extensions v3_ca
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key 2>/dev/null
openssl req -new -key server.key -subj "/CN=localhost" -out server.csr -config ca.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 1 -days 2 -out server.pem -extfile server.ext 2>/dev/null
cd "$out"
amqp_port="${FERRY_BENCH_PORT:-5697}"
amqps_port="${FERRY_BENCH_TLS_PORT:-5698}"
FERRY_KAFKA_PORT=0 "$here/bin/ferry" --data-dir "$out/data" --bind 127.0.0.1 --amqp-port "$amqp_port" \
  --amqps-port "$amqps_port" --kafka-ssl-port -1 --tls-cert certs/server.pem --tls-key certs/server.key \
  > ferry.log 2>&1 &
ferry_pid=$!
trap 'kill "$ferry_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on amqp://" ferry.log && break; sleep 0.2; done
grep -q "listening on amqp://" ferry.log || { cat ferry.log; exit 1; }
classpath="$("$here/ferry-bench/scripts/perftest-classpath.sh" 2.22.1)"
cpu_ticks() {  # user + system clock ticks of the broker process
  awk '{print $14 + $15}' "/proc/$ferry_pid/stat"
}
run() {  # NAME URI [PerfTest options...]
  local name="$1" uri="$2"
  shift 2
  echo "== $name: $uri, 1 producer, 1 consumer, $size-byte messages, $seconds s $*; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >> summary.txt
  local before after received
  before="$(cpu_ticks)"
  java -cp "$classpath" com.rabbitmq.perf.PerfTest --uri "$uri" -x 1 -y 1 -s "$size" -z "$seconds" \
    -u "tls-bench-$name" --auto-delete true "$@" > "run-$name.txt" 2>&1 || true
  after="$(cpu_ticks)"
  grep -E "^id: .*, sending rate avg|^id: .*, receiving rate avg|consumer latency min/median" "run-$name.txt" >> summary.txt || tail -5 "run-$name.txt" >> summary.txt
  received="$(grep -oE 'receiving rate avg: [0-9]+' "run-$name.txt" | grep -oE '[0-9]+$' || echo 0)"
  if [ "${received:-0}" -gt 0 ]; then
    awk -v t=$((after - before)) -v r="$received" -v s="$seconds" -v hz="$(getconf CLK_TCK)" \
      'BEGIN {printf "   broker CPU: %.1f ms per 1,000 messages received\n", t * 1000 / hz / (r * s) * 1000}' >> summary.txt
  fi
  echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> summary.txt
}
# Warm-up, reported but not compared: the JIT compiles the TLS and AES-GCM paths of both sides.
run "warm-up-plain" "amqp://guest:guest@127.0.0.1:$amqp_port"
run "warm-up-tls" "amqps://guest:guest@localhost:$amqps_port"
for round in 1 2; do
  run "plain-max-$round" "amqp://guest:guest@127.0.0.1:$amqp_port"
  run "tls-max-$round" "amqps://guest:guest@localhost:$amqps_port"
  run "plain-2000-$round" "amqp://guest:guest@127.0.0.1:$amqp_port" -r 2000
  run "tls-2000-$round" "amqps://guest:guest@localhost:$amqps_port" -r 2000
done
grep -m1 "TLS:" ferry.log >> summary.txt
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print $2/1024 " MiB"}' /proc/meminfo), $(java -version 2>&1 | head -1)" >> summary.txt
cat summary.txt
echo "full output: $out"
