package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a log lets go of, and when: the file handles of its segments (live, deleted, cleaned away)
 * and its place on a shared flusher. A leak here shows in no read or append, only in a
 * {@link FileHandleCache}'s count of open handles (after {@link FileHandleCache#closeIdle()},
 * exactly the pinned ones) or in a flusher that still syncs a closed log.
 */
class LogHandleReleaseTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long HOUR_MS = 3_600_000L;

    @TempDir
    Path directory;

    private final FileHandleCache cache = new FileHandleCache(64);

    /** Appends 3-record batches until the log has at least {@code segments} segments. */
    private static void fillSegments(Log log, int segments) {
        while (log.segmentCount() < segments) {
            appendRecords(log, 3, 200);
        }
    }

    /** Handles still open once every idle one is closed: those pinned by a log. */
    private int pinnedHandles() {
        cache.closeIdle();
        return cache.openCount();
    }

    @Test
    void shouldCloseTheHandlesOfLiveAndDeletedSegmentsWhenClosed() {
        Log log = Log.open(directory.resolve("queue"), smallConfig(FsyncPolicy.NEVER).segmentDeleteDelayMs(HOUR_MS),
                null, cache);
        fillSegments(log, 5);
        long secondBase = log.segmentBaseOffsets().get(1);
        assertThat(log.deleteSegmentsBelow(secondBase)).isEqualTo(1);
        readAll(log, 100_000);
        assertThat(cache.openCount()).as("the live segments were read").isGreaterThan(1);
        assertThat(pinnedHandles()).as("the deleted segment is held open for readers for an hour").isEqualTo(1);

        log.close();

        assertThat(cache.openCount()).as("open handles after close").isZero();
    }

    @Test
    void shouldCloseADeletedSegmentsHandleAtOnceWithoutADelay() {
        try (Log log = Log.open(directory.resolve("queue"), smallConfig(FsyncPolicy.NEVER), null, cache)) {
            fillSegments(log, 4);
            readAll(log, 100_000);
            long thirdBase = log.segmentBaseOffsets().get(2);
            int openBefore = cache.openCount();

            assertThat(log.deleteSegmentsBelow(thirdBase)).isEqualTo(2);

            assertThat(cache.openCount()).as("the two deleted segments' handles").isEqualTo(openBefore - 2);
            assertThat(pinnedHandles()).isZero();
        }
    }

    @Test
    void shouldHoldADeletedSegmentOpenUntilItsDelayHasPassed() {
        long delayMs = 300;
        try (Log log = Log.open(directory.resolve("queue"), smallConfig(FsyncPolicy.NEVER).segmentDeleteDelayMs(delayMs),
                null, cache)) {
            fillSegments(log, 4);
            long deletedAtNanos = System.nanoTime();
            assertThat(log.deleteSegmentsBelow(log.segmentBaseOffsets().get(2))).isEqualTo(2);
            assertThat(log.applyRetention(NOW, -1, -1)).isZero();
            if (System.nanoTime() - deletedAtNanos < Duration.ofMillis(delayMs).toNanos()) {
                assertThat(pinnedHandles()).as("within the delay").isEqualTo(2);
            }

            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
                log.applyRetention(NOW, -1, -1);
                return pinnedHandles() == 0;
            });
            assertThat(System.nanoTime() - deletedAtNanos).as("closed only after the delay")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(delayMs).toNanos());
        }
    }

    @Test
    void shouldCloseASegmentRemovedByRetentionAtOnceWithoutADelay() {
        try (Log log = Log.open(directory.resolve("stream"), smallConfig(FsyncPolicy.NEVER), null, cache)) {
            fillSegments(log, 4);
            readAll(log, 100_000);
            int openBefore = cache.openCount();

            int deleted = log.applyRetention(NOW, -1, 1);

            assertThat(deleted).as("all but the active segment").isEqualTo(3);
            assertThat(cache.openCount()).isEqualTo(openBefore - 3);
        }
    }

    @Test
    void shouldCloseTheSegmentsTheCleanerReplacedOnItsNextRoundOrWhenTheLogCloses() throws IOException {
        CompactionSettings eager = new CompactionSettings(HOUR_MS, 0.0, 0);
        try (Log log = Log.open(directory.resolve("compacted"), compactedConfig(0), null, cache)) {
            appendUpdates(log, 60, 5);
            int rewritten = LogCleaner.cleanIfDirty(log, eager, NOW).segmentsRewritten();
            assertThat(rewritten).isGreaterThan(1);
            assertThat(pinnedHandles()).as("the originals stay open for readers that found them").isEqualTo(rewritten);

            LogCleaner cleaner = new LogCleaner(() -> List.of(new LogCleaner.Target(log, eager)), 1_000, 1 << 20);
            cleaner.doWork(NOW);

            assertThat(pinnedHandles()).as("the cleaner's next round closes them").isZero();
        }
    }

    @Test
    void shouldKeepTheSegmentsTheCleanerReplacedOpenForTheDelayAndCloseThemWithTheLog() throws IOException {
        CompactionSettings eager = new CompactionSettings(HOUR_MS, 0.0, 0);
        Log log = Log.open(directory.resolve("compacted"), compactedConfig(HOUR_MS), null, cache);
        appendUpdates(log, 60, 5);
        int rewritten = LogCleaner.cleanIfDirty(log, eager, NOW).segmentsRewritten();
        assertThat(rewritten).isGreaterThan(1);

        new LogCleaner(() -> List.of(new LogCleaner.Target(log, eager)), 1_000, 1 << 20).doWork(NOW);
        assertThat(pinnedHandles()).as("within the hour's delay").isEqualTo(rewritten);

        log.close();

        assertThat(cache.openCount()).isZero();
    }

    @Test
    void shouldNoLongerSyncAClosedIntervalLogOnASharedFlusher() {
        LogFlusher flusher = LogFlusher.manual();
        AtomicInteger syncs = new AtomicInteger();
        flusher.observeSyncs(nanos -> syncs.incrementAndGet());
        LogConfig config = smallConfig(FsyncPolicy.INTERVAL).flushIntervalMs(10);
        Log log = Log.open(directory.resolve("interval"), config, flusher, cache);
        appendRecords(log, 2, 50);
        long hourLater = System.nanoTime() + Duration.ofHours(1).toNanos();
        flusher.doWork(hourLater);
        assertThat(syncs).as("an open INTERVAL log is synced when its interval is due").hasValue(1);
        assertThat(log.durableEndOffset()).isEqualTo(2);

        log.close();
        syncs.set(0);
        flusher.doWork(hourLater + Duration.ofHours(1).toNanos());

        assertThat(syncs).as("syncs of the closed log").hasValue(0);
    }

    @Test
    void shouldBuildAndReadBackABatchLargerThanTheInitialBuildBuffer() {
        LogConfig config = smallConfig(FsyncPolicy.NEVER).segmentBytesMax(256 * 1024).batchBytesMax(128 * 1024);
        try (Log log = Log.open(directory.resolve("large"), config, null, cache)) {
            for (int valueBytes : new int[] {20 * 1024, 40 * 1024, 100, 90 * 1024, 30 * 1024}) {
                long offset = log.logEndOffset();
                log.append(LogTestSupport.recordsFor(offset, 1, valueBytes)).join();
                List<Record> records = log.read(offset, 1).readRecords();
                assertThat(records).hasSize(1);
                assertThat(LogTestSupport.matches(records.get(0), valueBytes)).as("value of %d bytes", valueBytes).isTrue();
            }
        }
    }

    private static LogConfig compactedConfig(long deleteDelayMs) {
        return new LogConfig().segmentBytesMax(4 * 1024).batchBytesMax(4 * 1024).indexIntervalBytes(256)
                .fsyncPolicy(FsyncPolicy.NEVER).segmentDeleteDelayMs(deleteDelayMs);
    }

    /** Batches of 4 records over {@code keys} keys: most of the sealed segments' records are superseded. */
    private static void appendUpdates(Log log, int batches, int keys) {
        for (int b = 0; b < batches; b++) {
            List<SimpleRecord> records = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                long offset = log.logEndOffset() + r;
                records.add(new SimpleRecord(NOW, ("key-" + offset % keys).getBytes(StandardCharsets.UTF_8),
                        ("value-" + offset + "-" + "x".repeat(40)).getBytes(StandardCharsets.UTF_8)));
            }
            log.append(records).join();
        }
    }

    @Test
    void shouldCloseTheHandleOfASegmentThatARepairReplacedAtOpen() throws IOException {
        Path logDirectory = directory.resolve("repaired");
        LogConfig config = smallConfig(FsyncPolicy.NEVER);
        try (Log log = Log.open(logDirectory, config, null, cache)) {
            fillSegments(log, 3);
        }
        assertThat(cache.openCount()).isZero();
        Path firstSegment = LogSegment.logFile(logDirectory, 0);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(firstSegment,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            // A byte inside the first batch's records: its CRC fails, the repair writes a copy and swaps it in.
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            channel.read(one, 300);
            channel.write(one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind(), 300);
        }

        Log log = Log.open(logDirectory, config, null, cache);
        assertThat(log.damage()).extracting(LogDamage::firstOffset).containsExactly(0L);
        assertThat(readAll(log, 100_000)).isNotEmpty();
        log.close();

        assertThat(cache.openCount()).as("handles left open: the damaged original's among them").isZero();
    }
}
