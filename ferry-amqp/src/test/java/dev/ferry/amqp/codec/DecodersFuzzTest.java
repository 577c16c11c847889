package dev.ferry.amqp.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.amqp.method.MethodReaderFuzzTest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * CI's fuzzing session: the four decoder targets in one fuzz test, so that {@code mvn verify}
 * starts one JVM with Jazzer (its start and instrumentation cost more than the fuzzing itself on
 * a small machine) and fuzzes for 40 s. The first input byte picks the target, the rest is its
 * input; libFuzzer's coverage feedback covers all four together. The targets and their
 * invariants are in {@link FrameDecoderFuzzTest}, {@link FieldTableFuzzTest},
 * {@link ContentHeaderFuzzTest} and {@link MethodReaderFuzzTest}, each also a fuzz test of its own
 * for a long run of one target ({@code ferry-amqp/fuzz.sh}).
 */
class DecodersFuzzTest {

    // Jazzer turns @Timeout into libFuzzer's per-input limit, so a hang fails; JUnit applies it to
    // the whole 40 s fuzzing run as well, hence the margin.
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    @FuzzTest(maxDuration = "40s")
    void shouldHoldEveryDecoderInvariant(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] rest = Arrays.copyOfRange(input, 1, input.length);
        switch ((input[0] & 0xFF) % 4) {
            case 0 -> FrameDecoderFuzzTest.fuzzerTestOneInput(rest);
            case 1 -> FieldTableFuzzTest.fuzzerTestOneInput(rest);
            case 2 -> ContentHeaderFuzzTest.fuzzerTestOneInput(rest);
            default -> MethodReaderFuzzTest.fuzzerTestOneInput(rest);
        }
    }
}
