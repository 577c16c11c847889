#!/usr/bin/env bash
# Prints the classpath of the given Maven artifacts and everything they depend on, resolved through
# a throwaway POM under ferry-bench/target/NAME: offline first, online if something is missing.
# The benchmark scripts run third-party tools (PerfTest, Kafka and its tools) from these jars
# rather than from installed distributions, so each run uses exactly the versions it names.
#   ferry-bench/scripts/maven-classpath.sh NAME GROUP:ARTIFACT:VERSION...
set -euo pipefail
name="${1:?usage: maven-classpath.sh NAME GROUP:ARTIFACT:VERSION...}"
shift
[ $# -gt 0 ] || { echo "maven-classpath: no artifacts given" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/target/$name"
mkdir -p "$dir"
dependencies=""
for coordinates in "$@"; do
  IFS=: read -r group artifact version <<< "$coordinates"
  [ -n "$group" ] && [ -n "$artifact" ] && [ -n "$version" ] \
    || { echo "maven-classpath: '$coordinates' is not GROUP:ARTIFACT:VERSION" >&2; exit 2; }
  dependencies+="    <dependency><groupId>$group</groupId><artifactId>$artifact</artifactId><version>$version</version></dependency>
"
done
cat > "$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.ferry-bench</groupId>
  <artifactId>$name</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
$dependencies  </dependencies>
</project>
POM
if ! (cd "$dir" && mvn -o -q -B dependency:build-classpath -Dmdep.outputFile=cp.txt >/dev/null 2>&1); then
  echo "maven-classpath: fetching $* with Maven" >&2
  (cd "$dir" && mvn -q -B dependency:build-classpath -Dmdep.outputFile=cp.txt >&2)
fi
cat "$dir/cp.txt"
