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
