package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.ferry.store.LogCapture;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the loader does around a repair: the intact parts of a large segment copied whole (in
 * several chunks), files of segments that are gone, and the segments it opened closed again when
 * a repair fails.
 */
class LogLoaderTest {
    private static final int VALUE_BYTES = 200;

    @TempDir
    Path directory;

    private static void flipByte(Path file, long position) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int value = raf.read();
            raf.seek(position);
            raf.write(value ^ 0x5A);
        }
    }

    /** Damage near both ends of a segment of about 700 KiB: the part between them is more than two copy chunks. */
    @Test
    void shouldCopyTheIntactPartsOfALargeSegmentAroundItsDamageByteForByte() throws Exception {
        LogConfig config = smallConfig(FsyncPolicy.NEVER).segmentBytesMax(2 << 20).batchBytesMax(64 * 1024);
        Path logDirectory = directory.resolve("large");
        long[] batchStarts = new long[31];
        try (Log log = Log.open(logDirectory, config)) {
            for (int i = 0; i < 30; i++) {
                batchStarts[i] = log.sizeInBytes();
                appendRecords(log, 100, VALUE_BYTES);
            }
            batchStarts[30] = log.sizeInBytes();
        }
        assertThat(batchStarts[28] - batchStarts[2]).isGreaterThan(2 * 256 * 1024);
        Path segment = logDirectory.resolve(LogSegment.fileStem(0) + ".log");
        flipByte(segment, batchStarts[1] + 500);
        flipByte(segment, batchStarts[28] + 500);

        try (Log log = Log.open(logDirectory, config)) {
            assertThat(log.damage()).extracting(LogDamage::firstOffset).containsExactly(100L, 2800L);
            List<Record> records = readAll(log, 1 << 20);
            assertThat(records).hasSize(2800);
            assertThat(records).allSatisfy(record -> assertThat(LogTestSupport.matches(record, VALUE_BYTES))
                    .as("content at %d", record.offset()).isTrue());
            assertThat(records.get(records.size() - 1).offset()).isEqualTo(2999);
            assertThat(Files.size(segment)).as("two batches of 100 records became two empty batches")
                    .isEqualTo(batchStarts[30] - (batchStarts[2] - batchStarts[1]) - (batchStarts[29] - batchStarts[28])
                            + 2L * BatchFormat.HEADER_BYTES);
        }
    }

    @Test
    void shouldWarnOfACorruptFileWhoseSegmentIsGoneAndLeaveIt() throws Exception {
        Path logDirectory = directory.resolve("orphans");
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 5, VALUE_BYTES);
        }
        Path orphan = CorruptFile.path(logDirectory, 1_000);
        Files.write(orphan, new byte[] {1, 2, 3});
        Path orphanIndex = LogSegment.offsetIndexFile(logDirectory, 1_000);
        Files.write(orphanIndex, new byte[] {1, 2, 3});

        try (LogCapture lines = new LogCapture(LogLoader.class);
             Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.NEVER))) {
            assertThat(lines.lines(Level.WARN)).singleElement().satisfies(line -> assertThat(line)
                    .contains(orphan.getFileName().toString()).contains("a segment that is gone; left in place"));
            assertThat(log.damage()).isEmpty();
        }
        assertThat(orphan).exists();
        assertThat(orphanIndex).doesNotExist();
    }

    @Test
    void shouldCloseTheSegmentsItOpenedWhenARepairFails() throws Exception {
        Path logDirectory = Path.of("/simulated/orders");
        SimulatedFileSystem fileSystem = new SimulatedFileSystem();
        FileHandleCache cache = new FileHandleCache(8, fileSystem);
        LogConfig config = smallConfig(FsyncPolicy.NEVER).segmentBytesMax(4096).batchBytesMax(2048);
        try (Log log = Log.open(logDirectory, config, LogFlusher.manual(), cache)) {
            while (log.segmentCount() < 3) {
                appendRecords(log, 3, VALUE_BYTES);
            }
        }
        fileSystem.flipBit(logDirectory.resolve(LogSegment.fileStem(0) + ".log"), 200, 3);
        fileSystem.failForces(1); // the repaired copy's fsync

        assertThatThrownBy(() -> Log.open(logDirectory, config, LogFlusher.manual(), cache))
                .isInstanceOf(LogStorageException.class);
        assertThat(cache.openCount()).as("handles the failed open left open").isZero();

        try (Log log = Log.open(logDirectory, config, LogFlusher.manual(), cache)) {
            assertThat(log.damage()).extracting(LogDamage::firstOffset).containsExactly(0L);
        }
    }

    /** 4 KiB segments of 2 KiB batches, not fsynced; {@code validate}: sealed segments are validated at open. */
    private static LogConfig smallSegments(boolean validate) {
        return smallConfig(FsyncPolicy.NEVER).segmentBytesMax(4096).batchBytesMax(2048).validateSegmentsAtOpen(validate);
    }

    /** Appends to a log in {@code logDirectory} until it has {@code segments} segments, then closes it. */
    private static void writeSegments(Path logDirectory, LogConfig config, int segments) {
        try (Log log = Log.open(logDirectory, config)) {
            while (log.segmentCount() < segments) {
                appendRecords(log, 3, VALUE_BYTES);
            }
        }
    }

    /** The identity of a file (device and inode): an atomic rewrite gives the name a new one. */
    private static Object fileKey(Path file) throws Exception {
        return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    @Test
    void shouldLeaveTheIntactIndexFilesOfACleanSealedSegmentAsTheyAreAndRewriteOnlyDamagedOnes() throws Exception {
        Path logDirectory = directory.resolve("indexes");
        LogConfig config = smallSegments(true);
        writeSegments(logDirectory, config, 3);
        Path intactIndex = LogSegment.offsetIndexFile(logDirectory, 0);
        Path intactTimeIndex = LogSegment.timeIndexFile(logDirectory, 0);
        Object intactIndexKey = fileKey(intactIndex);
        Object intactTimeIndexKey = fileKey(intactTimeIndex);
        long secondBase;
        try (Log log = Log.open(logDirectory, config)) {
            secondBase = log.segmentBaseOffsets().get(1);
        }
        Path damagedIndex = LogSegment.offsetIndexFile(logDirectory, secondBase);
        flipByte(damagedIndex, 3);
        Object damagedIndexKey = fileKey(damagedIndex);

        try (Log log = Log.open(logDirectory, config)) {
            assertThat(log.damage()).isEmpty();
            assertThat(readAll(log, 1 << 20)).hasSize((int) log.logEndOffset());
        }

        assertThat(fileKey(intactIndex)).as("validated clean, its index files intact: not written again")
                .isEqualTo(intactIndexKey);
        assertThat(fileKey(intactTimeIndex)).isEqualTo(intactTimeIndexKey);
        assertThat(fileKey(damagedIndex)).as("a damaged index file is written again").isNotEqualTo(damagedIndexKey);
    }

    @Test
    void shouldNameWhatIsWrongWithAnIndexFileWhenItValidatesTheSegmentInstead() throws Exception {
        Path logDirectory = directory.resolve("index-problem");
        LogConfig config = smallSegments(false);
        writeSegments(logDirectory, config, 2);
        flipByte(LogSegment.offsetIndexFile(logDirectory, 0), 0);

        try (LogCapture lines = new LogCapture(LogLoader.class); Log log = Log.open(logDirectory, config)) {
            assertThat(lines.lines(Level.WARN)).singleElement().satisfies(line -> assertThat(line)
                    .contains("validating sealed segment " + LogSegment.fileStem(0) + ".log to rebuild its indexes")
                    .contains("magic"));
            assertThat(log.damage()).isEmpty();
        }
    }
}
