package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static dev.ferry.log.LogTestSupport.timestampFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** "First offset at or after time T" across segments, through the time index, before and after reopen. */
class LogTimestampTest {
    @TempDir
    Path directory;

    @Test
    void shouldFindTheFirstOffsetAtOrAfterATimestampAcrossSegments() {
        Path logDirectory = directory.resolve("stream");
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.NEVER))) {
            for (int i = 0; i < 80; i++) {
                appendRecords(log, 4, 150);
            }
            assertThat(log.segmentCount()).isGreaterThan(2);
            checkLookups(log);
        }
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.NEVER))) {
            checkLookups(log);
        }
    }

    private static void checkLookups(Log log) {
        long end = log.logEndOffset();
        for (long offset = 0; offset < end; offset += 7) {
            assertThat(log.offsetForTimestamp(timestampFor(offset))).as("exact %d", offset).hasValue(offset);
            assertThat(log.offsetForTimestamp(timestampFor(offset) - 5)).as("between, before %d", offset).hasValue(offset);
        }
        assertThat(log.offsetForTimestamp(0)).hasValue(0);
        assertThat(log.offsetForTimestamp(timestampFor(end - 1) + 1)).isEqualTo(OptionalLong.empty());
    }

    @Test
    void shouldHandleTimestampsThatGoBackwards() {
        Path logDirectory = directory.resolve("stream");
        long[] timestamps = {100, 50, 300, 200, 250, 400, 10};
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.NEVER).indexIntervalBytes(0))) {
            for (long timestamp : timestamps) {
                log.append(List.of(new SimpleRecord(timestamp, null, new byte[100]))).join();
            }
        }
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.NEVER))) {
            for (long target = 0; target <= 450; target += 5) {
                assertThat(log.offsetForTimestamp(target)).as("target %d", target).isEqualTo(bruteForce(timestamps, target));
            }
        }
    }

    private static OptionalLong bruteForce(long[] timestamps, long target) {
        for (int i = 0; i < timestamps.length; i++) {
            if (timestamps[i] >= target) {
                return OptionalLong.of(i);
            }
        }
        return OptionalLong.empty();
    }

    @Test
    void shouldRefuseToAnswerFromABatchWhoseRecordsWereDamagedAfterOpen() throws Exception {
        Path logDirectory = directory.resolve("damaged");
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 3, 100);
            appendRecords(log, 3, 100);
            int secondBatch = (int) log.read(0, 1).sizeInBytes();
            // A byte of the second batch's records, which its CRC covers; the header stays intact.
            LogDamageTest.flipByte(LogSegment.logFile(logDirectory, 0), secondBatch + 200);

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.offsetForTimestamp(timestampFor(4)))
                    .isInstanceOf(LogCorruptedException.class).hasMessageContaining("fails its CRC check");
            assertThat(log.offsetForTimestamp(timestampFor(1))).as("the intact batch before it").hasValue(1);
        }
    }

    /**
     * A batch header damaged after open on the way to the batch a timestamp search wants (no index
     * entry past byte 0, so the search scans every header): refused, not skipped by the length it
     * now claims.
     */
    @Test
    void shouldRefuseToSearchByTimestampPastABatchHeaderDamagedAfterOpen() throws Exception {
        Path logDirectory = directory.resolve("header-damaged");
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.NEVER).indexIntervalBytes(1 << 20))) {
            appendRecords(log, 3, 100);
            appendRecords(log, 3, 100);
            appendRecords(log, 3, 100);
            int secondBatch = (int) log.read(0, 1).sizeInBytes();
            try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(LogSegment.logFile(logDirectory, 0).toFile(), "rw")) {
                file.seek(secondBatch + BatchFormat.LENGTH_POSITION);
                // Outside the CRC: the batch now runs 100 bytes past the end of the file.
                file.writeInt((int) file.length() - secondBatch - BatchFormat.LOG_OVERHEAD_BYTES + 100);
            }

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.offsetForTimestamp(timestampFor(7)))
                    .isInstanceOf(LogCorruptedException.class)
                    .hasMessageContaining("searching for timestamp " + timestampFor(7) + ", the batch at byte " + secondBatch);
            assertThat(log.offsetForTimestamp(timestampFor(1))).as("the intact batch before it").hasValue(1);
        }
    }
}
