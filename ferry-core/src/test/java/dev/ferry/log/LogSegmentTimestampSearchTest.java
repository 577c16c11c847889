package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogSegment#findOffsetByTimestamp} on one segment, driven directly: where the scan starts
 * (the time and offset index entries), where it stops (the file's end), and what it never reads.
 * Three batches of two records each: offsets 0-1 at 100/110 ms, 2-3 at 200/210 ms, 4-5 at 300/310 ms.
 */
class LogSegmentTimestampSearchTest {
    @TempDir
    Path directory;

    private final FileHandleCache cache = new FileHandleCache(8);
    private LogSegment segment;

    @AfterEach
    void close() {
        if (segment != null) {
            segment.close();
        }
    }

    static ByteBuffer batch(long baseOffset, long... timestampsMs) {
        ByteBuffer buffer = ByteBuffer.allocate(256);
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                TimestampType.CREATE_TIME, baseOffset);
        for (long timestamp : timestampsMs) {
            builder.append(new SimpleRecord(timestamp, null, new byte[] {(byte) timestamp}));
        }
        return builder.build().buffer();
    }

    static ByteBuffer concat(int leadingBytes, ByteBuffer... batches) {
        int total = leadingBytes;
        for (ByteBuffer batch : batches) {
            total += batch.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        all.position(leadingBytes);
        for (ByteBuffer batch : batches) {
            all.put(batch.duplicate());
        }
        return all.flip().position(leadingBytes);
    }

    private ByteBuffer[] threeBatches() {
        return new ByteBuffer[] {batch(0, 100, 110), batch(2, 200, 210), batch(4, 300, 310)};
    }

    /** Every batch after the first gets index entries. */
    private LogSegment segmentWithThreeBatches(int indexIntervalBytes) throws IOException {
        segment = LogSegment.create("search", directory, 0, indexIntervalBytes, cache);
        segment.append(concat(0, threeBatches()), 5);
        return segment;
    }

    private void damageMagicOfBatchAt(int position) throws IOException {
        try (FileChannel channel = FileChannel.open(segment.logFile(), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {9}), position + BatchFormat.MAGIC_POSITION);
        }
    }

    @Test
    void shouldAnswerATimestampAfterTheNewestWithoutReadingTheFile() throws IOException {
        segmentWithThreeBatches(1);
        damageMagicOfBatchAt(segment.offsetIndex().positionAt(1)); // the newest batch, where a scan would start

        assertThat(segment.findOffsetByTimestamp(311)).isEmpty();
    }

    @Test
    void shouldStartTheScanAtTheIndexedBatchNotAtTheFileStart() throws IOException {
        segmentWithThreeBatches(1);
        assertThat(segment.timeIndex().entryCount()).isEqualTo(2);
        damageMagicOfBatchAt(0); // never read: the time index sends the search past it

        assertThat(segment.findOffsetByTimestamp(305)).isEqualTo(OptionalLong.of(5));
    }

    @Test
    void shouldAnswerEmptyWhenTheIndexedBatchWasCutFromTheFile() throws IOException {
        segmentWithThreeBatches(1);
        int firstBatchBytes = segment.offsetIndex().positionAt(0);
        segment.truncateTo(firstBatchBytes); // as the log cuts failed appends: the indexes keep their entries

        assertThat(segment.findOffsetByTimestamp(305)).isEmpty();
    }

    @Test
    void shouldReportADamagedHeaderThatEndsExactlyAtTheFileEnd() throws IOException {
        segment = LogSegment.create("search", directory, 0, 1 << 20, cache);
        ByteBuffer whole = batch(2, 500, 510);
        ByteBuffer tornHeader = ByteBuffer.allocate(BatchFormat.HEADER_BYTES);
        tornHeader.put(whole.duplicate().limit(whole.position() + BatchFormat.HEADER_BYTES)).flip();
        tornHeader.putInt(BatchFormat.LENGTH_POSITION, whole.remaining()); // longer than the bytes that follow
        segment.append(concat(0, batch(0, 100, 110), tornHeader), 3);

        assertThatThrownBy(() -> segment.findOffsetByTimestamp(505)).isInstanceOf(LogCorruptedException.class)
                .hasMessageContaining("torn batch");
    }

    @Test
    void shouldNameTheLogAndTheFileInItsDescription() throws IOException {
        segmentWithThreeBatches(1);

        assertThat(segment.toString()).contains("search/00000000000000000000.log", "next=6");
    }
}
