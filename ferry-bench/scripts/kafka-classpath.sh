#!/usr/bin/env bash
# Prints the classpath of Apache Kafka VERSION: the broker (kafka_2.13, run in KRaft mode), its
# tools (ProducerPerformance, ConsumerPerformance, EndToEndLatency) and a log4j2 binding, all from
# Maven Central. Resolved through a throwaway POM under ferry-bench/target: offline first, online
# if something is missing.
#   ferry-bench/scripts/kafka-classpath.sh VERSION
set -euo pipefail
version="${1:?usage: kafka-classpath.sh VERSION}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/target/kafka-$version"
mkdir -p "$dir"
cat > "$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.ferry-bench</groupId>
  <artifactId>kafka-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
POM
if ! (cd "$dir" && mvn -o -q -B dependency:build-classpath -Dmdep.outputFile=cp.txt >/dev/null 2>&1); then
  echo "kafka-classpath: fetching Kafka $version and its dependencies with Maven" >&2
  (cd "$dir" && mvn -q -B dependency:build-classpath -Dmdep.outputFile=cp.txt >&2)
fi
cat "$dir/cp.txt"
