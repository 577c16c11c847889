#!/usr/bin/env bash
# Mutation testing of only the ferry-core classes a change touched: the main classes whose source
# differs from where this branch left BASE (default: main), committed or not. PIT 1.30 keeps no history between runs
# without a commercial plugin, so this is the incremental mode: fewer classes, same tests.
#   ferry-core/pit-changed.sh [BASE] [extra mvn arguments, e.g. -Dpit.tests='dev.ferry.queue.*']
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-main}
shift || true
classes=$(git diff --name-only "$(git merge-base "$base" HEAD)" -- ferry-core/src/main/java | grep '\.java$' \
    | sed -e 's|^ferry-core/src/main/java/||' -e 's|\.java$||' -e 's|/|.|g' \
    | while read -r class; do [ -f "ferry-core/src/main/java/${class//.//}.java" ] && echo "$class,$class\$*"; done \
    | paste -sd, -)
if [ -z "$classes" ]; then
    echo "No ferry-core main class differs from $base: nothing to mutate."
    exit 0
fi
echo "Mutating $classes"
exec mvn -o -B -Pmutation -pl ferry-core test-compile org.pitest:pitest-maven:mutationCoverage \
    -Dpit.classes="$classes" "$@"
