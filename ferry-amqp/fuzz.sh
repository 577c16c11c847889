#!/usr/bin/env bash
# A long fuzzing run of one AMQP decoder (the test suite fuzzes each for a few seconds only):
# Jazzer's JUnit integration in fuzzing mode, with libFuzzer's -max_total_time raised past the
# @FuzzTest's own (jazzer.internal.arg.N are appended to libFuzzer's arguments, and the last
# occurrence of a flag wins; Jazzer's maintainers name this as the way to set it, issue #951).
# JUnit's own @Timeout is switched off for the run; libFuzzer keeps it as its per-input limit.
#
#   ferry-amqp/fuzz.sh TARGET SECONDS   # TARGET: FrameDecoder | FieldTable | ContentHeader | MethodReader
#                                       #         | Session (AmqpSessionFuzzTest: frames a broker acts on)
#
# The corpus grows in ferry-amqp/.cifuzz-corpus/<test class>/ and is kept between runs. A finding
# stops the run and is written to the test's Inputs directory under src/test/resources, from where
# mvn test replays it; commit it with the fix. libFuzzer's statistics (executions, coverage) are
# printed to the console and, with -print_final_stats, summed up at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target="${1:?usage: fuzz.sh FrameDecoder|FieldTable|ContentHeader|MethodReader|Session SECONDS}"
seconds="${2:?seconds to fuzz}"
test_class="${target}FuzzTest"
case "$target" in
  FrameDecoder|FieldTable|ContentHeader|MethodReader) ;;
  # The broker's code is in ferry-core, which Jazzer would not instrument (it covers the
  # classpath's directories only, and the core arrives as a jar when only ferry-amqp runs tests).
  Session) test_class=AmqpSessionFuzzTest; export JAZZER_INSTRUMENT='dev.ferry.**' ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac

JAZZER_FUZZ=1 exec mvn -o -B test -pl ferry-core,ferry-amqp -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest="$test_class" -Djazzer.internal.arg.0=fake_argv0 \
  -Djazzer.internal.arg.1="-max_total_time=$seconds" -Djazzer.internal.arg.2=-print_final_stats=1 \
  -Djunit.jupiter.execution.timeout.mode=disabled
