package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage done to the files between two opens: recovery keeps everything before the damage and
 * nothing from it on, rebuilds indexes, and never hands a corrupt batch to a reader.
 */
class LogRecoveryTest {
    @TempDir
    Path directory;

    private Path logDirectory() {
        return directory.resolve("orders");
    }

    /** Writes 12 batches of 3 records in one segment and returns the batches' (base offset, position). */
    private List<long[]> writeOneSegment() throws IOException {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            for (int i = 0; i < 12; i++) {
                appendRecords(log, 3, 200);
            }
            assertThat(log.segmentCount()).isEqualTo(1);
        }
        return batchesOf(LogSegment.logFile(logDirectory(), 0));
    }

    private static List<long[]> batchesOf(Path segmentFile) throws IOException {
        List<long[]> batches = new ArrayList<>();
        try (FileRecords records = FileRecords.open(segmentFile.toFile(), false)) {
            for (FileChannelRecordBatch batch : records.batches()) {
                batches.add(new long[] {batch.baseOffset(), batch.position()});
            }
        }
        return batches;
    }

    private void assertRecoveredTo(long expectedEndOffset) {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            assertThat(log.logEndOffset()).isEqualTo(expectedEndOffset);
            List<Record> records = readAll(log, 100_000);
            assertThat(records).extracting(Record::offset).containsExactlyElementsOf(
                    java.util.stream.LongStream.range(0, expectedEndOffset).boxed().toList());
            assertThat(records).allMatch(record -> LogTestSupport.matches(record, 200));
            assertThat(appendRecords(log, 2, 200)).as("appends continue at the cut")
                    .isEqualTo(new AppendResult(expectedEndOffset, expectedEndOffset + 1));
        }
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            assertThat(readAll(log, 100_000)).hasSize((int) expectedEndOffset + 2)
                    .allMatch(record -> LogTestSupport.matches(record, 200));
        }
    }

    @Test
    void shouldTruncateATornLastBatch() throws IOException {
        List<long[]> batches = writeOneSegment();
        Path segment = LogSegment.logFile(logDirectory(), 0);
        truncate(segment, Files.size(segment) - 7);

        assertRecoveredTo(batches.get(11)[0]);
        assertThat(Files.size(segment)).isGreaterThan(batches.get(11)[1]);
    }

    @Test
    void shouldTruncateATornHeader() throws IOException {
        List<long[]> batches = writeOneSegment();
        truncate(LogSegment.logFile(logDirectory(), 0), batches.get(9)[1] + 20);

        assertRecoveredTo(batches.get(9)[0]);
    }

    @Test
    void shouldTruncateAtAFlippedByteAndDropEverythingAfterIt() throws IOException {
        List<long[]> batches = writeOneSegment();
        OffsetIndexTest.flipByte(LogSegment.logFile(logDirectory(), 0), batches.get(5)[1] + 100);

        assertRecoveredTo(batches.get(5)[0]);
    }

    @Test
    void shouldTruncateAtAFlippedLengthField() throws IOException {
        List<long[]> batches = writeOneSegment();
        OffsetIndexTest.flipByte(LogSegment.logFile(logDirectory(), 0), batches.get(3)[1] + LogSegment.LENGTH_POSITION + 2);

        assertRecoveredTo(batches.get(3)[0]);
    }

    @Test
    void shouldTruncateZerosLeftAfterTheLastBatch() throws IOException {
        writeOneSegment();
        Path segment = LogSegment.logFile(logDirectory(), 0);
        long size = Files.size(segment);
        truncate(segment, size + 4096);

        assertRecoveredTo(36);
        List<long[]> batches = batchesOf(segment);
        assertThat(batches).hasSize(13);
        assertThat(batches.get(12)).as("the next batch went where the zeros began").containsExactly(36, size);
    }

    @Test
    void shouldRebuildMissingAndDamagedIndexesOfSealedSegments() throws Exception {
        List<Long> bases;
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER))) {
            for (int i = 0; i < 100; i++) {
                appendRecords(log, 4, 100);
            }
            bases = log.segmentBaseOffsets();
        }
        assertThat(bases).hasSizeGreaterThan(3);
        Path missingIndex = LogSegment.offsetIndexFile(logDirectory(), bases.get(0));
        Path damagedIndex = LogSegment.offsetIndexFile(logDirectory(), bases.get(1));
        Path damagedTimeIndex = LogSegment.timeIndexFile(logDirectory(), bases.get(2));
        byte[] goodIndex = Files.readAllBytes(missingIndex);
        Files.delete(missingIndex);
        OffsetIndexTest.flipByte(damagedIndex, IndexFile.HEADER_BYTES + 6);
        OffsetIndexTest.flipByte(damagedTimeIndex, IndexFile.HEADER_BYTES + 3);

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER))) {
            for (long offset = 0; offset < log.logEndOffset(); offset++) {
                assertThat(log.read(offset, 1).readRecords()).first().extracting(Record::offset).isEqualTo(offset);
                assertThat(log.offsetForTimestamp(LogTestSupport.timestampFor(offset))).hasValue(offset);
            }
        }
        assertThat(Files.readAllBytes(missingIndex)).as("rebuilt identical to the original").isEqualTo(goodIndex);
        assertThat(OffsetIndex.load(damagedIndex, bases.get(1), Integer.MAX_VALUE, bases.get(2)).entryCount()).isPositive();
    }

    @Test
    void shouldNeverReturnACorruptBatchFromASealedSegment() throws IOException {
        List<Long> bases;
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER))) {
            for (int i = 0; i < 30; i++) {
                appendRecords(log, 4, 100);
            }
            bases = log.segmentBaseOffsets();
        }
        List<long[]> batches = batchesOf(LogSegment.logFile(logDirectory(), 0));
        long[] damagedBatch = batches.get(3);
        OffsetIndexTest.flipByte(LogSegment.logFile(logDirectory(), 0), damagedBatch[1] + 80);

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER))) {
            assertThat(log.segmentBaseOffsets()).as("sealed segments are not truncated").isEqualTo(bases);
            assertThat(log.read(0, 100_000).readRecords()).as("a read ends before the damaged batch")
                    .extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
            assertThatThrownBy(() -> log.read(damagedBatch[0] + 1, 100_000).readRecords())
                    .isInstanceOf(LogCorruptedException.class).hasMessageContaining("'orders'")
                    .hasMessageContaining("offset " + damagedBatch[0]).hasMessageContaining("CRC");
            assertThat(log.read(batches.get(4)[0], 1).readRecords()).first().extracting(Record::offset)
                    .as("batches after the damage are still served").isEqualTo(batches.get(4)[0]);
        }
    }

    @Test
    void shouldRemoveLeftoverTemporaryAndOrphanIndexFiles() throws IOException {
        writeOneSegment();
        Path leftover = logDirectory().resolve("00000000000000000000.index.tmp");
        Path orphan = LogSegment.offsetIndexFile(logDirectory(), 999);
        Files.write(leftover, new byte[] {1, 2, 3});
        Files.write(orphan, new byte[] {1, 2, 3});

        assertRecoveredTo(36);
        assertThat(leftover).doesNotExist();
        assertThat(orphan).doesNotExist();
    }

    private static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        }
    }
}
