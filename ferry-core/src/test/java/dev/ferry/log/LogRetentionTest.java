package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static dev.ferry.log.LogTestSupport.timestampFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deleting whole segments: below an offset (queues) and by time or size (streams). */
class LogRetentionTest {
    @TempDir
    Path directory;

    /** 60 batches of 5 records with 200-byte values (about 75 KB) roll a 16 KiB segment four times. */
    private static void fill(Log log) {
        for (int i = 0; i < 60; i++) {
            appendRecords(log, 5, 200);
        }
    }

    @Test
    void shouldDeleteOnlySegmentsEntirelyBelowTheOffset() throws IOException {
        Path logDirectory = directory.resolve("queue");
        List<Long> basesBefore;
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.NEVER))) {
            fill(log);
            basesBefore = log.segmentBaseOffsets();
            assertThat(basesBefore).hasSizeGreaterThan(3);
            long insideThirdSegment = basesBefore.get(2) + 1;

            int deleted = log.deleteSegmentsBelow(insideThirdSegment);

            assertThat(deleted).isEqualTo(2);
            assertThat(log.logStartOffset()).isEqualTo(basesBefore.get(2));
        }
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.NEVER))) {
            assertThat(log.segmentBaseOffsets()).isEqualTo(basesBefore.subList(2, basesBefore.size()));
            assertThat(readAll(log, 100_000)).first().extracting(Record::offset).isEqualTo(basesBefore.get(2));
            assertThatThrownBy(() -> log.read(basesBefore.get(2) - 1, 1000))
                    .isInstanceOf(LogOffsetOutOfRangeException.class)
                    .hasMessageContaining("offset " + (basesBefore.get(2) - 1)).hasMessageContaining("'queue'");
        }
        assertThat(segmentFiles(logDirectory)).noneMatch(name -> name.startsWith(LogSegment.fileStem(basesBefore.get(0))));
    }

    @Test
    void shouldKeepTheActiveSegmentWhileItHoldsRecordsAtOrAboveTheOffset() {
        try (Log log = Log.open(directory.resolve("queue"), smallConfig(FsyncPolicy.NEVER))) {
            fill(log);
            long activeBase = log.segmentBaseOffsets().get(log.segmentCount() - 1);

            log.deleteSegmentsBelow(log.logEndOffset() - 1);

            assertThat(log.segmentBaseOffsets()).containsExactly(activeBase);
            assertThat(readAll(log, 100_000)).extracting(Record::offset).first().isEqualTo(activeBase);
            assertThat(appendRecords(log, 1, 10).firstOffset()).isEqualTo(300);
        }
    }

    @Test
    void shouldRollAndDeleteTheActiveSegmentOnceEverythingInItIsSettled() throws IOException {
        Path logDirectory = directory.resolve("queue");
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.ALWAYS))) {
            fill(log);
            long activeBase = log.segmentBaseOffsets().get(log.segmentCount() - 1);
            assertThat(segmentBytes(logDirectory, activeBase)).isPositive();

            int deleted = log.deleteSegmentsBelow(log.logEndOffset());

            assertThat(deleted).isEqualTo(5);
            assertThat(log.segmentBaseOffsets()).as("a fresh, empty active segment").containsExactly(300L);
            assertThat(log.sizeInBytes()).isZero();
            assertThat(log.logStartOffset()).isEqualTo(300);
            assertThat(segmentFiles(logDirectory)).containsExactlyInAnyOrder("00000000000000000300.log");
            assertThat(log.deleteSegmentsBelow(log.logEndOffset())).as("an empty active segment is not rolled again").isZero();
            assertThat(appendRecords(log, 2, 10)).isEqualTo(new AppendResult(300, 301));
        }
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.ALWAYS))) {
            assertThat(log.logStartOffset()).isEqualTo(300);
            assertThat(readAll(log, 100_000)).extracting(Record::offset).containsExactly(300L, 301L);
        }
    }

    @Test
    void shouldApplyRetentionByTime() {
        Path logDirectory = directory.resolve("stream");
        LogConfig config = smallConfig(FsyncPolicy.NEVER).retentionMs(1000);
        List<Long> bases;
        try (Log log = Log.open(logDirectory, config)) {
            fill(log);
            bases = log.segmentBaseOffsets();
            // Segment 1's newest record is at offset bases[2] - 1; make it exactly one ms too old.
            long segmentOneNewestMs = timestampFor(bases.get(2) - 1);

            assertThat(log.applyRetention(segmentOneNewestMs + 1000)).as("only segment 0 is too old").isEqualTo(1);
            assertThat(log.logStartOffset()).isEqualTo(bases.get(1));
            assertThat(log.applyRetention(segmentOneNewestMs + 1001)).as("now segment 1 is too old").isEqualTo(1);
            assertThat(log.logStartOffset()).isEqualTo(bases.get(2));
            assertThat(log.applyRetention(Long.MAX_VALUE / 2)).isEqualTo(bases.size() - 3);
            assertThat(log.applyRetention(Long.MAX_VALUE / 2)).isZero();
            assertThat(log.segmentCount()).as("the active segment stays").isEqualTo(1);
        }
        try (Log log = Log.open(logDirectory, config)) {
            assertThat(log.logStartOffset()).isEqualTo(bases.get(bases.size() - 1));
        }
    }

    @Test
    void shouldApplyRetentionBySizeKeepingAtLeastTheLimit() {
        Path logDirectory = directory.resolve("stream");
        long retentionBytes = 40_000;
        LogConfig config = smallConfig(FsyncPolicy.NEVER).retentionBytes(retentionBytes);
        try (Log log = Log.open(logDirectory, config)) {
            fill(log);
            long sizeBefore = log.sizeInBytes();
            assertThat(sizeBefore).isGreaterThan(retentionBytes + 16 * 1024);

            int deleted = log.applyRetention(0);

            assertThat(deleted).isPositive();
            long oldestSegmentBytes = segmentBytes(logDirectory, log.logStartOffset());
            assertThat(log.sizeInBytes()).isGreaterThanOrEqualTo(retentionBytes);
            assertThat(log.sizeInBytes() - oldestSegmentBytes).as("one more deletion would go below the limit")
                    .isLessThan(retentionBytes);
        }
        try (Log log = Log.open(logDirectory, config)) {
            assertThat(log.sizeInBytes()).isGreaterThanOrEqualTo(retentionBytes).isLessThan(retentionBytes + 16 * 1024);
        }
    }

    @Test
    void shouldLetAReaderFinishOnASegmentDeletedUnderIt() {
        LogConfig config = smallConfig(FsyncPolicy.NEVER).segmentDeleteDelayMs(60_000);
        try (Log log = Log.open(directory.resolve("queue"), config)) {
            fill(log);
            LogSlice slice = log.read(0, 4096);

            log.deleteSegmentsBelow(log.logEndOffset());

            assertThat(slice.readRecords()).first().extracting(Record::offset).isEqualTo(0L);
            assertThatThrownBy(() -> log.read(0, 4096)).isInstanceOf(LogOffsetOutOfRangeException.class);
        }
    }

    private static long segmentBytes(Path logDirectory, long baseOffset) {
        return LogSegment.logFile(logDirectory, baseOffset).toFile().length();
    }

    private static List<String> segmentFiles(Path logDirectory) throws IOException {
        try (Stream<Path> files = Files.list(logDirectory)) {
            return files.map(file -> file.getFileName().toString()).toList();
        }
    }
}
