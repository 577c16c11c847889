package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.BASE_TIMESTAMP_MS;
import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.encodedBatch;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What stream partitions need from the log: epoch stamping, reads bounded by an offset, retention and rolls on demand. */
class LogStreamSupportTest {
    @TempDir
    Path directory;

    @Test
    void shouldStampTheLeaderEpochIntoEveryBatchAndKeepItsCrcValid() {
        try (Log log = Log.open(directory, smallConfig(FsyncPolicy.ALWAYS))) {
            log.appendBatch(encodedBatch(0, 3, 10), 7).join();
            log.appendBatch(encodedBatch(3, 2, 10)).join();

            ByteBuffer stored = log.read(0, 1 << 20).readBytes();
            var batches = MemoryRecords.readableRecords(stored).batches().iterator();
            MutableRecordBatch stamped = batches.next();
            assertThat(stamped.partitionLeaderEpoch()).isEqualTo(7);
            assertThat(stamped.isValid()).isTrue();
            assertThat(batches.next().partitionLeaderEpoch()).isEqualTo(Log.NO_LEADER_EPOCH);
        }
    }

    @Test
    void shouldEndAReadBeforeTheBoundOffset() {
        try (Log log = Log.open(directory, new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS))) {
            appendRecords(log, 3, 10);
            appendRecords(log, 2, 10);
            appendRecords(log, 4, 10);

            assertThat(log.read(0, 1 << 20, 5).readRecords()).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
            assertThat(log.read(3, 1 << 20, 5).readRecords()).extracting(Record::offset).containsExactly(3L, 4L);
            assertThat(log.read(5, 1 << 20, 5).isEmpty()).isTrue();
            assertThat(log.read(6, 1 << 20, 5).isEmpty()).isTrue();
            assertThat(log.read(0, 1 << 20, 9).readRecords()).hasSize(9);
        }
    }

    @Test
    void shouldBoundAReadInAnEarlierSegmentByTheSegmentEnd() {
        try (Log log = Log.open(directory, smallConfig(FsyncPolicy.ALWAYS))) {
            for (int i = 0; i < 100; i++) {
                appendRecords(log, 5, 100);
            }
            assertThat(log.segmentCount()).isGreaterThan(2);
            long secondSegment = log.segmentBaseOffsets().get(1);
            long bound = log.segmentBaseOffsets().get(2) + 5;

            LogSlice slice = log.read(secondSegment, 1 << 20, bound);

            assertThat(slice.readRecords()).allMatch(r -> r.offset() < bound);
            assertThat(slice.nextOffset()).isEqualTo(log.segmentBaseOffsets().get(2));
        }
    }

    @Test
    void shouldBoundAReadByAnOffsetInsideABatchAtTheLogEndOrAboveIt() {
        try (Log log = Log.open(directory, new LogConfig().fsyncPolicy(FsyncPolicy.NEVER))) {
            appendRecords(log, 3, 10);
            appendRecords(log, 2, 10);
            appendRecords(log, 4, 10);
            int wholeLog = (int) log.sizeInBytes();

            assertThat(log.read(0, 1 << 20, 4).readRecords()).as("a bound inside a batch leaves that batch out")
                    .extracting(Record::offset).containsExactly(0L, 1L, 2L);
            assertThat(log.read(0, 1 << 20, 7).readRecords()).extracting(Record::offset)
                    .containsExactly(0L, 1L, 2L, 3L, 4L);
            LogSlice fromInsideABatch = log.read(4, 1 << 20, 9);
            assertThat(fromInsideABatch.readRecords()).as("from inside a batch to the log end")
                    .extracting(Record::offset).containsExactly(4L, 5L, 6L, 7L, 8L);
            assertThat(fromInsideABatch.sizeInBytes()).as("from the start of the batch holding offset 4")
                    .isEqualTo(wholeLog - (int) log.read(0, 1).sizeInBytes());
            LogSlice aboveTheEnd = log.read(0, 1 << 20, 1_000);
            assertThat(aboveTheEnd.sizeInBytes()).isEqualTo(wholeLog);
            assertThat(aboveTheEnd.nextOffset()).isEqualTo(9);
            assertThat(log.read(9, 1 << 20, 1_000).isEmpty()).as("at the end, below the bound").isTrue();
        }
    }

    @Test
    void shouldEndABoundedReadAtTheSegmentEndWhenTheBoundLiesInALaterSegment() {
        try (Log log = Log.open(directory, smallConfig(FsyncPolicy.NEVER))) {
            while (log.segmentCount() < 3) {
                appendRecords(log, 5, 100);
            }
            appendRecords(log, 5, 100);
            long secondSegment = log.segmentBaseOffsets().get(1);
            long bound = log.segmentBaseOffsets().get(2) + 5;
            int firstSegmentBytes = log.sealedSegments().get(0).sizeInBytes();
            int firstBatchBytes = (int) log.read(0, 1).sizeInBytes();

            LogSlice fromTheStart = log.read(0, 1 << 20, bound);
            LogSlice fromTheSecondBatch = log.read(5, 1 << 20, bound);

            assertThat(fromTheStart.sizeInBytes()).as("the whole first segment, no byte past its end")
                    .isEqualTo(firstSegmentBytes);
            assertThat(fromTheStart.nextOffset()).isEqualTo(secondSegment);
            assertThat(fromTheSecondBatch.sizeInBytes()).isEqualTo(firstSegmentBytes - firstBatchBytes);
            assertThat(fromTheSecondBatch.nextOffset()).isEqualTo(secondSegment);
        }
    }

    @Test
    void shouldApplyRetentionWithLimitsGivenRatherThanConfigured() {
        long now = BASE_TIMESTAMP_MS + 1_000_000;
        try (Log bySize = Log.open(directory.resolve("size"), smallConfig(FsyncPolicy.ALWAYS));
                Log byAge = Log.open(directory.resolve("age"), smallConfig(FsyncPolicy.ALWAYS))) {
            for (int i = 0; i < 100; i++) {
                appendRecords(bySize, 5, 100);
                appendRecords(byAge, 5, 100);
            }
            int segments = bySize.segmentCount();
            assertThat(segments).isGreaterThan(2);

            assertThat(bySize.applyRetention(now, -1, -1)).isZero();
            assertThat(bySize.applyRetention(now, -1, bySize.sizeInBytes())).isZero();
            assertThat(bySize.applyRetention(now, -1, 1)).isEqualTo(segments - 1);
            assertThat(byAge.applyRetention(now, 2_000_000, -1)).isZero();
            assertThat(byAge.applyRetention(now, 1, -1)).isEqualTo(segments - 1);
        }
    }

    @Test
    void shouldRollTheActiveSegmentOnlyWhenItHoldsRecords() {
        try (Log log = Log.open(directory, smallConfig(FsyncPolicy.ALWAYS))) {
            assertThat(log.rollActiveSegment()).isFalse();
            appendRecords(log, 2, 10);

            assertThat(log.rollActiveSegment()).isTrue();

            assertThat(log.activeSegmentBaseOffset()).isEqualTo(2);
            assertThat(log.activeSegmentSizeInBytes()).isZero();
            assertThat(log.segmentCount()).isEqualTo(2);
        }
    }
}
