#!/usr/bin/env bash
# Prints the classpath of Apache Kafka VERSION: the broker (kafka_2.13, run in KRaft mode), its
# tools (ProducerPerformance, ConsumerPerformance, EndToEndLatency) and a log4j2 binding.
#   ferry-bench/scripts/kafka-classpath.sh VERSION
set -euo pipefail
version="${1:?usage: kafka-classpath.sh VERSION}"
exec "$(dirname "${BASH_SOURCE[0]}")/maven-classpath.sh" "kafka-$version" \
  "org.apache.kafka:kafka_2.13:$version" "org.apache.kafka:kafka-tools:$version" \
  org.apache.logging.log4j:log4j-slf4j2-impl:2.24.3 org.apache.logging.log4j:log4j-core:2.24.3
