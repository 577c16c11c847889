package dev.ferry.amqp.method;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.amqp.codec.DecodeInvariants;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link MethodReader} over a method frame's payload (class id, method id, arguments): a
 * method, a {@link dev.ferry.amqp.codec.ProtocolException} (unknown method, bad table, a name that
 * is not UTF-8) or an index error past the end, within the heap budget of {@link DecodeInvariants};
 * a method read is written back to bytes that read as the same method.
 */
public class MethodReaderFuzzTest {

    // Jazzer turns @Timeout into libFuzzer's per-input limit, so a hang fails; JUnit applies it to
    // the whole 12 s fuzzing run as well, hence the margin.
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    @FuzzTest(maxDuration = "12s")
    void shouldReadAnyPayloadAsAMethodOrRefuseIt(byte[] input) {
        fuzzerTestOneInput(input);
    }

    public static void fuzzerTestOneInput(byte[] input) {
        AmqpMethod[] read = new AmqpMethod[1];
        DecodeInvariants.check(input.length, true, () -> read[0] = MethodReader.read(Unpooled.wrappedBuffer(input)));
        if (read[0] == null) {
            return;
        }
        byte[] written = write(read[0]);
        byte[] rewritten = write(MethodReader.read(Unpooled.wrappedBuffer(written)));
        assertThat(rewritten).isEqualTo(written);
    }

    private static byte[] write(AmqpMethod method) {
        ByteBuf out = Unpooled.buffer();
        out.writeShort(method.classId());
        out.writeShort(method.methodId());
        method.writeArguments(out);
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        return bytes;
    }
}
