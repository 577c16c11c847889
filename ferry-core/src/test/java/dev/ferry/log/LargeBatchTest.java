package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.recordFor;
import static dev.ferry.log.LogTestSupport.valueFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches above {@link LargeBuffers#DIRECT_FROM_BYTES} are built off the heap (and freed once
 * written) and read back into a reused {@link ReadBuffer}: the bytes must be the same whichever
 * way they travel, and a buffer reused for a smaller, then a larger slice must not leak the
 * previous slice's bytes into the next.
 */
class LargeBatchTest {
    private static final int LARGE = 3 * 1024 * 1024 + 5;

    @TempDir
    Path directory;

    private Log open() {
        return Log.open(directory.resolve("large"), new LogConfig().fsyncPolicy(FsyncPolicy.NEVER)
                .segmentBytesMax(64 * 1024 * 1024).batchBytesMax(16 * 1024 * 1024));
    }

    private static byte[] value(Record record) {
        ByteBuffer value = record.value();
        byte[] bytes = new byte[value.remaining()];
        value.get(bytes);
        return bytes;
    }

    @Test
    void shouldReadLargeBatchesBackTheSameThroughTheHeapAndThroughAReusedReadBuffer() {
        int[] sizes = {LARGE, 1024 * 1024 + 1, 100, 2 * LARGE};
        try (Log log = open(); ReadBuffer buffer = new ReadBuffer()) {
            for (int offset = 0; offset < sizes.length; offset++) {
                log.append(List.of(recordFor(offset, sizes[offset]))).join();
            }
            for (int offset = 0; offset < sizes.length; offset++) {
                byte[] expected = valueFor(offset, sizes[offset]);
                List<Record> onHeap = log.read(offset, 1).readRecords();
                assertThat(onHeap).hasSize(1);
                assertThat(value(onHeap.get(0))).as("offset %d on the heap", offset).isEqualTo(expected);

                List<Record> reused = log.read(offset, 1).readRecords(buffer);
                assertThat(reused).hasSize(1);
                assertThat(reused.get(0).offset()).isEqualTo(offset);
                assertThat(value(reused.get(0))).as("offset %d in the read buffer", offset).isEqualTo(expected);
                assertThat(reused.get(0).key()).isEqualTo(recordFor(offset, sizes[offset]).key());
            }
        }
    }

    @Test
    void shouldKeepSeveralLargeRecordsOfOneAppendInOrder() {
        try (Log log = open(); ReadBuffer buffer = new ReadBuffer()) {
            log.append(List.of(recordFor(0, LARGE), recordFor(1, 10), recordFor(2, LARGE))).join();
            List<Record> records = log.read(0, 1).readRecords(buffer);
            assertThat(records).extracting(Record::offset).containsExactly(0L, 1L, 2L);
            assertThat(value(records.get(0))).isEqualTo(valueFor(0, LARGE));
            assertThat(value(records.get(1))).isEqualTo(valueFor(1, 10));
            assertThat(value(records.get(2))).isEqualTo(valueFor(2, LARGE));
        }
    }
}
