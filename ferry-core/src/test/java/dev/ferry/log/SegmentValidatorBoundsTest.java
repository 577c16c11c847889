package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.recordFor;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validator's rules at their bounds: the last offset a segment can address (2^31 past its
 * base), the batch limit that bounds the length
 * taken from the rest of the file, and the record walk that gives a damaged length back, at the
 * file's end and for the smallest record.
 */
class SegmentValidatorBoundsTest {
    private static final int VALUE_BYTES = 200;
    /** The offset a newest segment based at 0 must end before: relative offsets are ints. */
    private static final long SEGMENT_OFFSETS = 1L << 31;

    @TempDir
    Path directory;

    private Path logDirectory() {
        return directory.resolve("orders");
    }

    private Path segment(long baseOffset) {
        return LogSegment.logFile(logDirectory(), baseOffset);
    }

    /** An uncompressed batch holding one record at each of {@code offsets}. */
    private static ByteBuffer batchAt(long... offsets) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(4096), RecordBatch.MAGIC_VALUE_V2,
                Compression.NONE, TimestampType.CREATE_TIME, offsets[0]);
        for (long offset : offsets) {
            SimpleRecord record = recordFor(offset, VALUE_BYTES);
            builder.appendWithOffset(offset, record.timestamp(), record.key(), record.value(), record.headers());
        }
        return builder.build().buffer();
    }

    private static void appendToFile(Path file, ByteBuffer bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, toArray(bytes), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static byte[] toArray(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    private static void putInt(Path file, long position, int value) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            raf.writeInt(value);
        }
    }

    private static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        }
    }

    private static List<FileChannelRecordBatch> batchesOf(Path segment) throws IOException {
        List<FileChannelRecordBatch> batches = new ArrayList<>();
        try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
            records.batches().forEach(batches::add);
        }
        return batches;
    }

    @Test
    void shouldKeepABatchEndingAtTheLastOffsetTheNewestSegmentCanAddress() throws IOException {
        appendToFile(segment(0), batchAt(0, SEGMENT_OFFSETS - 1));

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            assertThat(log.damage()).isEmpty();
            assertThat(log.logEndOffset()).isEqualTo(SEGMENT_OFFSETS);
            assertThat(readAll(log, 100_000)).extracting(Record::offset).containsExactly(0L, SEGMENT_OFFSETS - 1);
        }
    }

    @Test
    void shouldCutAsATornTailABatchStartingPastTheLastOffsetTheNewestSegmentCanAddress() throws IOException {
        ByteBuffer last = batchAt(0, SEGMENT_OFFSETS - 1);
        appendToFile(segment(0), last);
        appendToFile(segment(0), batchAt(SEGMENT_OFFSETS, SEGMENT_OFFSETS + 1));

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            assertThat(log.damage()).as("no offset it can hold is lost: nothing is set aside").isEmpty();
            assertThat(log.logEndOffset()).isEqualTo(SEGMENT_OFFSETS);
        }
        assertThat(Files.size(segment(0))).as("cut after the batch that fits").isEqualTo(last.remaining());
        assertThat(CorruptFile.path(logDirectory(), 0)).doesNotExist();
    }

    @Test
    void shouldReportLostOnlyTheOffsetsTheNewestSegmentCanAddressOfABatchRunningPastThem() throws IOException {
        appendToFile(segment(0), batchAt(0, SEGMENT_OFFSETS - 3));
        long first = SEGMENT_OFFSETS - 2;
        appendToFile(segment(0), batchAt(first, first + 1, first + 2, first + 3, first + 4));

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            assertThat(log.damage()).singleElement().extracting(LogDamage::firstOffset, LogDamage::lastOffset)
                    .containsExactly(first, SEGMENT_OFFSETS - 1);
            assertThat(log.logEndOffset()).isEqualTo(SEGMENT_OFFSETS);
        }
    }

    @Test
    void shouldIndexNoGapFillerBeyondWhatTheSegmentsIndexCanAddress() throws IOException {
        long nextBase = 3_000_000_000L;
        appendToFile(segment(0), batchAt(0, 1)); // records kept, then a gap of about 3 billion offsets
        appendToFile(segment(nextBase), batchAt(nextBase, nextBase + 1));

        // With an index entry per batch the fillers would be indexed; the second one starts further
        // past the segment's base than an index entry can say (tests run with assertions on).
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS).indexIntervalBytes(1))) {
            assertThat(readAll(log, 100_000)).extracting(Record::offset).containsExactly(0L, 1L, nextBase, nextBase + 1);
            assertThat(log.read(1, 100_000).readRecords()).extracting(Record::offset).first().isEqualTo(1L);
            LogSlice secondGap = log.read(Integer.MAX_VALUE + 5L, 100_000);
            assertThat(secondGap.readRecords()).isEmpty();
            assertThat(secondGap.nextOffset()).isEqualTo(nextBase);
        }
    }

    @Test
    void shouldFillWithTwoEmptyBatchesASealedSegmentThatLostMoreOffsetsThanOneCanSpan() throws IOException {
        long nextBase = 3_000_000_000L;
        appendToFile(segment(0), ByteBuffer.allocate(0)); // every byte of segment 0 gone
        appendToFile(segment(nextBase), batchAt(nextBase, nextBase + 1));

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS).indexIntervalBytes(1))) {
            assertThat(log.damage()).singleElement().extracting(LogDamage::firstOffset, LogDamage::lastOffset)
                    .containsExactly(0L, nextBase - 1);
            assertThat(readAll(log, 100_000)).extracting(Record::offset).containsExactly(nextBase, nextBase + 1);
            // The second empty batch, at byte 61, starts at the last offset the segment can address.
            LogSlice secondGap = log.read(Integer.MAX_VALUE + 5L, 100_000);
            assertThat(secondGap.readRecords()).isEmpty();
            assertThat(secondGap.nextOffset()).isEqualTo(nextBase);
        }
        assertThat(Files.size(segment(0))).isEqualTo(2L * BatchFormat.HEADER_BYTES);
    }

    @Test
    void shouldSetAsideADamagedLargeFirstBatchOfASegmentWrittenAtLeaderEpochTwo() throws IOException {
        LogConfig config = new LogConfig().segmentBytesMax(1 << 20).batchBytesMax(64 * 1024).fsyncPolicy(FsyncPolicy.ALWAYS)
                .segmentDeleteDelayMs(0);
        try (Log log = Log.open(logDirectory(), config)) {
            log.appendBatch(LogTestSupport.encodedBatch(0, 80, VALUE_BYTES), 2).join(); // offsets 0..79, some 20 KB
            log.appendBatch(LogTestSupport.encodedBatch(80, 3, VALUE_BYTES), 2).join();
        }
        FileChannelRecordBatch first = batchesOf(segment(0)).get(0);
        assertThat(ByteBuffer.wrap(Files.readAllBytes(segment(0))).getInt(BatchFormat.LEADER_EPOCH_POSITION)).isEqualTo(2);
        assertThat(first.sizeInBytes()).isGreaterThan(49 * 256 + BatchFormat.LOG_OVERHEAD_BYTES);
        LogDamageTest.flipByte(segment(0), first.sizeInBytes() / 2);

        try (Log log = Log.open(logDirectory(), config)) {
            assertThat(log.damage()).singleElement().extracting(LogDamage::firstOffset, LogDamage::lastOffset)
                    .containsExactly(0L, 79L);
            assertThat(readAll(log, 100_000)).extracting(Record::offset).containsExactly(80L, 81L, 82L);
        }
    }

    /** A gzip batch of offsets 3..5 after an uncompressed one of 0..2, with its length field damaged. */
    private int compressedLastBatchWithDamagedLength() throws IOException {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            appendRecords(log, 3, VALUE_BYTES);
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(4096), RecordBatch.MAGIC_VALUE_V2,
                    Compression.gzip().build(), TimestampType.CREATE_TIME, 0L);
            for (int i = 3; i < 6; i++) {
                builder.append(recordFor(i, VALUE_BYTES));
            }
            log.appendBatch(builder.build().buffer()).join();
        }
        FileChannelRecordBatch compressed = batchesOf(segment(0)).get(1);
        putInt(segment(0), compressed.position() + BatchFormat.LENGTH_POSITION, 1_000_000);
        return compressed.sizeInBytes() - BatchFormat.LOG_OVERHEAD_BYTES;
    }

    @Test
    void shouldTakeTheRestOfTheFileAsADamagedLengthWhenItIsExactlyTheBatchLimit() throws IOException {
        int length = compressedLastBatchWithDamagedLength();

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS).batchBytesMax(length))) {
            assertThat(log.damage()).isEmpty();
            assertThat(log.logEndOffset()).isEqualTo(6);
            assertThat(readAll(log, 100_000)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        }
    }

    @Test
    void shouldCutATornTailThatEndsExactlyBetweenTwoRecordsOfTheLastBatch() throws IOException {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            appendRecords(log, 3, VALUE_BYTES);
            appendRecords(log, 3, VALUE_BYTES);
        }
        FileChannelRecordBatch torn = batchesOf(segment(0)).get(1);
        long cut = torn.position() + BatchFormat.HEADER_BYTES;
        ByteBuffer tornBytes = ByteBuffer.wrap(Files.readAllBytes(segment(0)), torn.position(), torn.sizeInBytes()).slice();
        List<Record> records = new ArrayList<>();
        MemoryRecords.readableRecords(tornBytes).records().forEach(records::add);
        cut += records.get(0).sizeInBytes() + records.get(1).sizeInBytes();
        truncate(segment(0), cut);

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            assertThat(log.damage()).isEmpty();
            assertThat(log.logEndOffset()).isEqualTo(3);
        }
        assertThat(Files.size(segment(0))).isEqualTo(torn.position());
    }

    @Test
    void shouldRestoreTheDamagedLengthOfABatchHoldingTheSmallestPossibleRecord() throws IOException {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            appendRecords(log, 3, VALUE_BYTES);
            // No key, no value, no header, deltas of 0: a record of its length byte and six one-byte fields.
            log.append(List.of(new SimpleRecord(LogTestSupport.timestampFor(3), (byte[]) null, (byte[]) null))).join();
            appendRecords(log, 3, VALUE_BYTES);
        }
        FileChannelRecordBatch smallest = batchesOf(segment(0)).get(1);
        assertThat(smallest.sizeInBytes()).isEqualTo(BatchFormat.HEADER_BYTES + BatchFormat.RECORD_BYTES_MIN);
        putInt(segment(0), smallest.position() + BatchFormat.LENGTH_POSITION, 1_000_000);

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            assertThat(log.damage()).as("only the length, outside the CRC, was wrong").isEmpty();
            assertThat(log.logEndOffset()).isEqualTo(7);
            assertThat(readAll(log, 100_000)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
        }
    }

    @Test
    void shouldRestoreFromItsRecordsTheDamagedLengthOfALastBatchLargerThanTheBatchLimitNow() throws IOException {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            appendRecords(log, 3, VALUE_BYTES);
            appendRecords(log, 3, VALUE_BYTES);
        }
        FileChannelRecordBatch last = batchesOf(segment(0)).get(1);
        putInt(segment(0), last.position() + BatchFormat.LENGTH_POSITION, 1_000_000);

        // The limit lowered since: the rest of the file is no candidate, the records' own lengths are.
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS).batchBytesMax(100))) {
            assertThat(log.damage()).isEmpty();
            assertThat(log.logEndOffset()).isEqualTo(6);
            assertThat(readAll(log, 100_000)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        }
    }
}
