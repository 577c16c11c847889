package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

/**
 * Checkpoint files of the older formats at their exact edges: a version 1 file with no settled
 * offsets is only its header and CRC, a version 2 file must go on to its return counts. And what
 * a checkpoint says of itself in a log line.
 */
class AckCheckpointFormatTest {

    /** A checkpoint file of {@code version} with no settled offsets, the header and the CRC only. */
    private static byte[] headerOnly(short version, long lowWater, long deliveredHighWater) {
        ByteBuffer buffer = ByteBuffer.allocate(AckCheckpoint.HEADER_BYTES + 4);
        buffer.putInt(AckCheckpoint.MAGIC).putShort(version).putShort((short) 0);
        buffer.putLong(lowWater).putLong(deliveredHighWater).putInt(0);
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, buffer.position());
        buffer.putInt((int) crc.getValue());
        return buffer.array();
    }

    @Test
    void shouldReadAVersionOneFileThatIsOnlyItsHeaderAndCrc() throws IOException {
        AckCheckpoint read = AckCheckpoint.fromBytes(headerOnly((short) 1, 5, 7));

        assertThat(read.lowWater()).isEqualTo(5);
        assertThat(read.deliveredHighWater()).isEqualTo(7);
        assertThat(read.settledAbove()).isEmpty();
    }

    @Test
    void shouldRefuseAVersionTwoFileThatEndsBeforeItsReturnCounts() {
        assertThatThrownBy(() -> AckCheckpoint.fromBytes(headerOnly((short) 2, 5, 7)))
                .isInstanceOf(IOException.class).hasMessageContaining("end before the return counts");
    }

    @Test
    void shouldSayInItsLogLineWhetherItWasWrittenAtACleanShutdown() throws IOException {
        AckCheckpoint running = new AckCheckpoint(5, 7, new long[] {9});
        AckCheckpoint clean = AckCheckpoint.fromBytes(new AckCheckpoint(5, 7, new long[] {9}, true,
                new long[0], new int[0]).toBytes());

        assertThat(running.toString()).isEqualTo("AckCheckpoint[lowWater=5, deliveredHighWater=7, settled=1 runs, 0 counted]");
        assertThat(clean.toString()).endsWith("0 counted, clean shutdown]");
    }
}
