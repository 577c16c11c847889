#!/usr/bin/env bash
# Prints the classpath of RabbitMQ's PerfTest VERSION and its dependencies (PerfTest's jar does not
# run alone). Resolved by Maven through a throwaway POM under ferry-bench/target: offline first,
# online if something is missing. With --client-only, just the AMQP client and SLF4J's API, which
# is all the probes in this folder need.
#   ferry-bench/scripts/perftest-classpath.sh VERSION [--client-only]
set -euo pipefail
version="${1:?usage: perftest-classpath.sh VERSION [--client-only]}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/target/perftest-$version"
mkdir -p "$dir"
cat > "$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.ferry-bench</groupId>
  <artifactId>perftest-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>com.rabbitmq</groupId><artifactId>perf-test</artifactId><version>$version</version></dependency>
  </dependencies>
</project>
POM
if ! (cd "$dir" && mvn -o -q -B dependency:build-classpath -Dmdep.outputFile=cp.txt >/dev/null 2>&1); then
  echo "perftest-classpath: fetching PerfTest $version and its dependencies with Maven" >&2
  (cd "$dir" && mvn -q -B dependency:build-classpath -Dmdep.outputFile=cp.txt >&2)
fi
if [ "${2:-}" = --client-only ]; then
  tr ':' '\n' < "$dir/cp.txt" | grep -E '/(amqp-client|slf4j-api)-[^/]*\.jar$' | paste -sd:
else
  cat "$dir/cp.txt"
fi
