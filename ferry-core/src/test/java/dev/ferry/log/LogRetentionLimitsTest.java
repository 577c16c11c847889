package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limits of {@link Log#applyRetention(long, long, long)}: a limit of 0 means "keep whatever
 * the age" or "whatever the size", not "keep nothing"; and the size limit deletes a segment when
 * what is left is exactly the limit.
 */
class LogRetentionLimitsTest {
    /** Far past every record's timestamp: any positive age limit would delete every sealed segment. */
    private static final long MUCH_LATER_MS = LogTestSupport.BASE_TIMESTAMP_MS + 365L * 24 * 3600 * 1000;

    @TempDir
    Path directory;

    private Log log;

    @AfterEach
    void closeLog() {
        if (log != null) {
            log.close();
        }
    }

    /** A log of three sealed segments of 4 records each and an active one of 2. */
    private Log threeSealedSegments(String name) {
        log = Log.open(directory.resolve(name), smallConfig(FsyncPolicy.NEVER));
        for (int segment = 0; segment < 3; segment++) {
            appendRecords(log, 4, 50);
            log.rollActiveSegment();
        }
        appendRecords(log, 2, 50);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 4L, 8L, 12L);
        return log;
    }

    @Test
    void shouldKeepEverySegmentWhenTheAgeLimitIsZero() {
        threeSealedSegments("age-zero");

        assertThat(log.applyRetention(MUCH_LATER_MS, 0, -1)).isZero();

        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 4L, 8L, 12L);
        assertThat(log.logStartOffset()).isZero();
    }

    @Test
    void shouldKeepEverySegmentWhenTheSizeLimitIsZero() {
        threeSealedSegments("size-zero");

        assertThat(log.applyRetention(MUCH_LATER_MS, -1, 0)).isZero();

        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 4L, 8L, 12L);
        assertThat(log.logStartOffset()).isZero();
    }

    @Test
    void shouldDeleteTheOldestSegmentWhenWhatRemainsIsExactlyTheSizeLimit() {
        threeSealedSegments("size-exact");
        long total = log.sizeInBytes();
        long oldestBytes = log.sealedSegments().get(0).sizeInBytes();

        assertThat(log.applyRetention(MUCH_LATER_MS, -1, total - oldestBytes)).isEqualTo(1);

        assertThat(log.segmentBaseOffsets()).containsExactly(4L, 8L, 12L);
        assertThat(log.logStartOffset()).isEqualTo(4);
        assertThat(log.sizeInBytes()).isEqualTo(total - oldestBytes);
    }
}
