package dev.ferry.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link ContentHeaderCodec}: any content-header payload gives a header, a
 * {@link ProtocolException} or an index error past its end, within the heap budget of
 * {@link DecodeInvariants}; a header read is written back to bytes that read as the same header.
 */
public class ContentHeaderFuzzTest {

    // Jazzer turns @Timeout into libFuzzer's per-input limit, so a hang fails; JUnit applies it to
    // the whole 12 s fuzzing run as well, hence the margin.
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    @FuzzTest(maxDuration = "12s")
    void shouldReadAnyBytesAsAContentHeaderOrRefuseThem(byte[] input) {
        fuzzerTestOneInput(input);
    }

    public static void fuzzerTestOneInput(byte[] input) {
        ContentHeader[] read = new ContentHeader[1];
        DecodeInvariants.check(input.length, true, () -> read[0] = ContentHeaderCodec.read(Unpooled.wrappedBuffer(input)));
        if (read[0] == null) {
            return;
        }
        byte[] written = write(read[0]);
        byte[] rewritten = write(ContentHeaderCodec.read(Unpooled.wrappedBuffer(written)));
        assertThat(rewritten).isEqualTo(written);
    }

    private static byte[] write(ContentHeader header) {
        ByteBuf out = Unpooled.buffer();
        ContentHeaderCodec.write(out, header.classId(), header.bodySize(), header.properties());
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        return bytes;
    }
}
