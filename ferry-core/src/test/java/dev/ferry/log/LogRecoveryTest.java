package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a crash leaves between two opens: a torn tail is cut, indexes are rebuilt, leftover
 * temporary files are removed. Damage to whole batches is {@link LogDamageTest}'s subject.
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
            assertThat(log.damage()).as("a torn tail is not damage").isEmpty();
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
    void shouldRebuildMissingAndDamagedIndexesOfSealedSegmentsWhetherValidatingOrNot() throws Exception {
        shouldRebuildMissingAndDamagedIndexesOfSealedSegments(true);
        FileTrees.deleteRecursively(logDirectory());
        shouldRebuildMissingAndDamagedIndexesOfSealedSegments(false);
    }

    private void shouldRebuildMissingAndDamagedIndexesOfSealedSegments(boolean validate) throws Exception {
        List<Long> bases;
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER).validateSegmentsAtOpen(validate))) {
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

        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER).validateSegmentsAtOpen(validate))) {
            assertThat(log.damage()).isEmpty();
            for (long offset = 0; offset < log.logEndOffset(); offset++) {
                assertThat(log.read(offset, 1).readRecords()).first().extracting(Record::offset).isEqualTo(offset);
                assertThat(log.offsetForTimestamp(LogTestSupport.timestampFor(offset))).hasValue(offset);
            }
        }
        assertThat(Files.readAllBytes(missingIndex)).as("rebuilt identical to the original").isEqualTo(goodIndex);
        assertThat(OffsetIndex.load(LogFileSystem.real(), damagedIndex, bases.get(1), Integer.MAX_VALUE, bases.get(2)).entryCount()).isPositive();
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

    @Test
    void shouldRemoveALeftoverRepairFileAndKeepTheOriginalSegment() throws IOException {
        writeOneSegment();
        Path segment = LogSegment.logFile(logDirectory(), 0);
        byte[] original = Files.readAllBytes(segment);
        // What a crash in the middle of a repair leaves: half a rewritten segment and half a .corrupt file.
        Path repair = logDirectory().resolve("00000000000000000000.log.tmp");
        Path corrupt = logDirectory().resolve("00000000000000000000.corrupt.tmp");
        Files.write(repair, java.util.Arrays.copyOf(original, original.length / 3));
        Files.write(corrupt, new byte[] {0x46, 0x58});

        assertRecoveredTo(36);
        assertThat(repair).doesNotExist();
        assertThat(corrupt).doesNotExist();
        assertThat(CorruptFile.path(logDirectory(), 0)).doesNotExist();
    }

    @Test
    void shouldCreateNoLockFile() throws IOException {
        writeOneSegment();

        try (java.util.stream.Stream<Path> files = Files.list(logDirectory())) {
            assertThat(files.map(file -> file.getFileName().toString())).noneMatch(name -> name.contains("lock"));
        }
    }

    private static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        }
    }
}
