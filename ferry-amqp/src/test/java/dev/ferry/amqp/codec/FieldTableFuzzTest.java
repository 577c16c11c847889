package dev.ferry.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link FieldTableCodec}: any bytes (read as a table's length and entries) give a table, a
 * {@link ProtocolException} or, past the end of the buffer, an index error, within the heap budget
 * of {@link DecodeInvariants}; and a table read is written back to bytes that read as the same
 * table again (values compare by their encoding, so byte arrays and NaNs compare by content).
 */
public class FieldTableFuzzTest {

    // Jazzer turns @Timeout into libFuzzer's per-input limit, so a hang fails; JUnit applies it to
    // the whole 12 s fuzzing run as well, hence the margin.
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    @FuzzTest(maxDuration = "12s")
    void shouldReadAnyBytesAsATableOrRefuseThem(byte[] input) {
        fuzzerTestOneInput(input);
    }

    public static void fuzzerTestOneInput(byte[] input) {
        Map<String, Object>[] read = new Map[1];
        DecodeInvariants.check(input.length, true, () -> read[0] = FieldTableCodec.readTable(Unpooled.wrappedBuffer(input)));
        if (read[0] == null) {
            return;
        }
        byte[] written = write(read[0]);
        byte[] rewritten = write(FieldTableCodec.readTable(Unpooled.wrappedBuffer(written)));
        assertThat(rewritten).isEqualTo(written);
    }

    private static byte[] write(Map<String, Object> table) {
        ByteBuf out = Unpooled.buffer();
        FieldTableCodec.writeTable(out, table);
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        return bytes;
    }
}
