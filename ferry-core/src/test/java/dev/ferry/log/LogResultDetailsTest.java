package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.recordsFor;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static dev.ferry.log.LogTestSupport.tinyConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the log tells its callers besides the records: the offsets and count an append was given,
 * the bounds and log name an out-of-range or oversized request is refused with (the fronts turn
 * them into Kafka's error codes and messages), and where a configuration's limits lie exactly.
 */
class LogResultDetailsTest {
    @TempDir
    Path root;

    private Path logDirectory() {
        return root.resolve("orders");
    }

    @Test
    void shouldGiveAnAppendItsOffsetsAndRecordCount() {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 3, 20);
            AppendResult second = log.append(recordsFor(3, 4, 20)).join();

            assertThat(second.firstOffset()).isEqualTo(3);
            assertThat(second.lastOffset()).isEqualTo(6);
            assertThat(second.recordCount()).isEqualTo(4);
            assertThat(log.logEndOffset()).isEqualTo(7);
        }
    }

    @Test
    void shouldNameTheLogsBoundsWhenAReadFallsOutsideThem() {
        try (Log log = Log.open(logDirectory(), tinyConfig(FsyncPolicy.NEVER))) {
            for (int i = 0; i < 40; i++) {
                appendRecords(log, 1, 200);
            }
            long end = log.logEndOffset();
            assertThat(log.deleteSegmentsBelow(20)).isPositive();
            long start = log.logStartOffset();
            assertThat(start).isPositive().isLessThanOrEqualTo(20);

            assertThatThrownBy(() -> log.read(start - 1, 1024))
                    .isInstanceOfSatisfying(LogOffsetOutOfRangeException.class, e -> {
                        assertThat(e.offset()).isEqualTo(start - 1);
                        assertThat(e.logStartOffset()).isEqualTo(start);
                        assertThat(e.logEndOffset()).isEqualTo(end);
                        assertThat(e.logName()).isEqualTo("orders");
                    });
            assertThatThrownBy(() -> log.read(end + 5, 1024))
                    .isInstanceOfSatisfying(LogOffsetOutOfRangeException.class, e -> {
                        assertThat(e.offset()).isEqualTo(end + 5);
                        assertThat(e.logEndOffset()).isEqualTo(end);
                    });
        }
    }

    @Test
    void shouldTellAnOversizedAppendItsSizeAndTheLimit() {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER))) {
            assertThatThrownBy(() -> log.append(recordsFor(0, 1, 9000)))
                    .isInstanceOfSatisfying(BatchTooLargeException.class, e -> {
                        assertThat(e.batchBytesMax()).isEqualTo(8 * 1024);
                        assertThat(e.batchBytes()).isGreaterThan(9000).isLessThan(9000 + 200);
                        assertThat(e.logName()).isEqualTo("orders");
                    });
        }
    }

    @Test
    void shouldAcceptAConfigExactlyAtItsLowerLimits() {
        LogConfig config = new LogConfig().segmentBytesMax(LogConfig.SEGMENT_BYTES_MIN)
                .batchBytesMax(DefaultRecordBatch.RECORD_BATCH_OVERHEAD).indexIntervalBytes(0)
                .fsyncPolicy(FsyncPolicy.INTERVAL).flushIntervalMs(1).retentionMs(1).retentionBytes(1)
                .segmentDeleteDelayMs(0);

        assertThat(config.conclude()).isSameAs(config);
        // A batch as large as a whole segment still fits in one.
        assertThat(new LogConfig().segmentBytesMax(4096).batchBytesMax(4096).conclude().batchBytesMax()).isEqualTo(4096);
        assertThat(config.toString()).contains("segmentBytesMax=1024").contains("batchBytesMax=61")
                .contains("fsyncPolicy=INTERVAL");
    }

    @Test
    void shouldRefuseAConfigJustPastItsLimits() {
        assertThatThrownBy(() -> new LogConfig().batchBytesMax(DefaultRecordBatch.RECORD_BATCH_OVERHEAD - 1).conclude())
                .isInstanceOfSatisfying(InvalidLogConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("batchBytesMax=60: must be at least 61 (one empty batch header)"));
        assertThatThrownBy(() -> new LogConfig().fsyncPolicy(null).conclude())
                .isInstanceOfSatisfying(InvalidLogConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("fsyncPolicy=null: choose ALWAYS, INTERVAL or NEVER"));
        assertThatThrownBy(() -> new LogConfig().retentionBytes(0).conclude())
                .isInstanceOfSatisfying(InvalidLogConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("retentionBytes=0: must be positive, or -1 to keep everything"));
        assertThat(new LogConfig().retentionBytes(-1).retentionMs(-1).conclude().retentionBytes()).isEqualTo(-1);
    }
}
