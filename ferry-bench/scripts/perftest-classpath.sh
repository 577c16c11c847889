#!/usr/bin/env bash
# Prints the classpath of RabbitMQ's PerfTest VERSION and its dependencies (PerfTest's jar does not
# run alone). With --client-only, just the AMQP client and SLF4J's API, which is all the probes in
# this folder need.
#   ferry-bench/scripts/perftest-classpath.sh VERSION [--client-only]
set -euo pipefail
version="${1:?usage: perftest-classpath.sh VERSION [--client-only]}"
classpath="$("$(dirname "${BASH_SOURCE[0]}")/maven-classpath.sh" "perftest-$version" "com.rabbitmq:perf-test:$version")"
if [ "${2:-}" = --client-only ]; then
  tr ':' '\n' <<< "$classpath" | grep -E '/(amqp-client|slf4j-api)-[^/]*\.jar$' | paste -sd:
else
  echo "$classpath"
fi
