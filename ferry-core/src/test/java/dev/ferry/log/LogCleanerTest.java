package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compaction of a log's sealed segments: what stays, what goes, when, and a swap cut short by a crash. */
class LogCleanerTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final CompactionSettings EAGER = new CompactionSettings(3_600_000L, 0.0, 0);

    @TempDir
    Path directory;

    /** What was appended: offset to key and value (null value: tombstone). */
    private final TreeMap<Long, String[]> appended = new TreeMap<>();

    private static LogConfig config() {
        return new LogConfig().segmentBytesMax(4 * 1024).batchBytesMax(4 * 1024).indexIntervalBytes(256)
                .fsyncPolicy(FsyncPolicy.NEVER).segmentDeleteDelayMs(0);
    }

    /** Appends {@code batches} batches of 4 records over {@code keys} keys, values naming their round. */
    private void appendUpdates(Log log, int batches, int keys, long timestampMs) {
        appendUpdates(log, batches, keys, timestampMs, "key-");
    }

    private void appendUpdates(Log log, int batches, int keys, long timestampMs, String keyPrefix) {
        for (int b = 0; b < batches; b++) {
            List<SimpleRecord> records = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                long offset = log.logEndOffset() + r;
                String key = keyPrefix + (offset % keys);
                String value = "value-" + offset + "-" + "x".repeat(40);
                records.add(new SimpleRecord(timestampMs, key.getBytes(StandardCharsets.UTF_8),
                        value.getBytes(StandardCharsets.UTF_8)));
                appended.put(offset, new String[] {key, value});
            }
            log.append(records).join();
        }
    }

    private void appendTombstone(Log log, String key, long timestampMs) {
        appended.put(log.logEndOffset(), new String[] {key, null});
        log.append(List.of(new SimpleRecord(timestampMs, key.getBytes(StandardCharsets.UTF_8), null))).join();
    }

    /** Offset to key and value as the log reads back now, each record checked against what was appended there. */
    private TreeMap<Long, String[]> readBack(Log log) {
        TreeMap<Long, String[]> read = new TreeMap<>();
        for (Record record : readAll(log, 64 * 1024)) {
            String key = text(record.key());
            String value = record.hasValue() ? text(record.value()) : null;
            assertThat(appended).containsKey(record.offset());
            assertThat(new String[] {key, value}).as("record at offset %d", record.offset())
                    .containsExactly(appended.get(record.offset()));
            read.put(record.offset(), new String[] {key, value});
        }
        return read;
    }

    private static String text(ByteBuffer bytes) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.duplicate().get(copy);
        return new String(copy, StandardCharsets.UTF_8);
    }

    /** The offsets that must survive a cleaning of everything below {@code cleanedBelow}: each key's latest there, and all above. */
    private List<Long> expectedOffsets(long cleanedBelow) {
        Map<String, Long> latest = new HashMap<>();
        appended.headMap(cleanedBelow).forEach((offset, record) -> latest.put(record[0], offset));
        List<Long> expected = new ArrayList<>(latest.values());
        expected.addAll(appended.tailMap(cleanedBelow).keySet());
        expected.sort(null);
        return expected;
    }

    @Test
    void shouldKeepTheLatestRecordOfEachKeyAtItsOriginalOffsetAndLeaveTheActiveSegment() throws IOException {
        Path logDirectory = directory.resolve("compacted");
        List<Long> expected;
        long end;
        try (Log log = Log.open(logDirectory, config())) {
            appendUpdates(log, 100, 7, NOW);
            long activeBase = log.activeSegmentBaseOffset();
            long sizeBefore = log.sizeInBytes();
            assertThat(log.segmentCount()).isGreaterThan(5);

            LogCleaner.Result result = LogCleaner.cleanIfDirty(log, EAGER, NOW);

            assertThat(result.segmentsRewritten()).isPositive();
            assertThat(log.sizeInBytes()).isLessThan(sizeBefore / 2);
            expected = expectedOffsets(activeBase);
            assertThat(readBack(log).keySet()).containsExactlyElementsOf(expected);
            assertThat(log.logEndOffset()).isEqualTo(400);
            assertThat(log.append(List.of(new SimpleRecord(NOW, "k".getBytes(), "v".getBytes()))).join().firstOffset())
                    .as("offsets go on where they were").isEqualTo(400);
            appended.put(400L, new String[] {"k", "v"});
            expected.add(400L);
            end = log.logEndOffset();
        }
        try (Log reopened = Log.open(logDirectory, config())) {
            assertThat(reopened.damage()).as("gaps inside and between batches are not damage").isEmpty();
            assertThat(reopened.logEndOffset()).isEqualTo(end);
            assertThat(readBack(reopened).keySet()).containsExactlyElementsOf(expected);
            assertThat(reopened.read(0, 100).nextOffset()).as("offset 0 was cleaned away; a reader skips the gap")
                    .isGreaterThan(0);
        }
    }

    @Test
    void shouldRemoveTombstonesOnlyOnceDeleteRetentionHasPassed() throws IOException {
        try (Log log = Log.open(directory.resolve("tombstones"), config())) {
            long old = NOW - 2 * 3_600_000L;
            appendUpdates(log, 10, 4, old);
            appendTombstone(log, "key-0", old);
            appendTombstone(log, "key-1", NOW - 60_000);
            appendUpdates(log, 30, 50, NOW, "other-"); // to seal the segments above

            LogCleaner.cleanIfDirty(log, EAGER, NOW);

            Map<String, List<String>> byKey = new HashMap<>();
            readBack(log).values().forEach(r -> byKey.computeIfAbsent(r[0], k -> new ArrayList<>()).add(r[1]));
            assertThat(byKey).as("the old tombstone and every value before it are gone").doesNotContainKey("key-0");
            assertThat(byKey.get("key-1")).as("a young tombstone stays, alone").containsExactly((String) null);
            assertThat(byKey.get("key-2")).hasSize(1);
        }
    }

    @Test
    void shouldNotCleanSegmentsYoungerThanTheCompactionLag() throws IOException {
        try (Log log = Log.open(directory.resolve("lag"), config())) {
            appendUpdates(log, 40, 3, NOW - 600_000);
            long youngFrom = log.logEndOffset();
            appendUpdates(log, 40, 3, NOW - 1_000);
            CompactionSettings lag = new CompactionSettings(3_600_000L, 0.0, 300_000);

            LogCleaner.cleanIfDirty(log, lag, NOW);

            TreeMap<Long, String[]> read = readBack(log);
            assertThat(read.tailMap(youngFrom).keySet()).as("every young update is still there")
                    .containsExactlyElementsOf(appended.tailMap(youngFrom).keySet());
            assertThat(read.headMap(youngFrom).size()).as("old segments were cleaned")
                    .isLessThan(appended.headMap(youngFrom).size());
        }
    }

    @Test
    void shouldWaitForTheDirtyRatioBeforeCleaningAgain() throws IOException {
        CompactionSettings mostlyDirty = new CompactionSettings(3_600_000L, 0.8, 0);
        try (Log log = Log.open(directory.resolve("ratio"), config())) {
            appendUpdates(log, 300, 5, NOW);
            assertThat(LogCleaner.dirtyRatio(log, mostlyDirty, NOW)).isEqualTo(1.0);
            assertThat(LogCleaner.cleanIfDirty(log, mostlyDirty, NOW).segmentsRewritten()).isPositive();
            assertThat(LogCleaner.dirtyRatio(log, mostlyDirty, NOW)).as("all clean now").isZero();

            int segments = log.segmentCount();
            while (log.segmentCount() == segments) {
                appendUpdates(log, 1, 5, NOW);
            }
            double ratio = LogCleaner.dirtyRatio(log, mostlyDirty, NOW);
            assertThat(ratio).isBetween(0.01, 0.8);
            assertThat(LogCleaner.cleanIfDirty(log, mostlyDirty, NOW)).isEqualTo(LogCleaner.Result.NOTHING);

            appendUpdates(log, 60, 5, NOW);
            assertThat(LogCleaner.dirtyRatio(log, mostlyDirty, NOW)).isGreaterThanOrEqualTo(0.8);
            assertThat(LogCleaner.cleanIfDirty(log, mostlyDirty, NOW).recordsRemoved()).isPositive();
            assertThat(readBack(log).keySet()).containsExactlyElementsOf(expectedOffsets(log.activeSegmentBaseOffset()));
        }
    }

    @Test
    void shouldCleanInSeveralRoundsWhenTheKeysDoNotFitTheKeyMap() throws IOException {
        try (Log log = Log.open(directory.resolve("small-map"), config())) {
            appendUpdates(log, 100, 1000, NOW);
            appendUpdates(log, 100, 1000, NOW);
            long activeBase = log.activeSegmentBaseOffset();

            for (int round = 0; round < 50 && LogCleaner.dirtyRatio(log, EAGER, NOW) > 0; round++) {
                LogCleaner.clean(log, EAGER, NOW, 2_000, () -> { });
            }

            assertThat(LogCleaner.dirtyRatio(log, EAGER, NOW)).isZero();
            assertThat(readBack(log).keySet()).containsExactlyElementsOf(expectedOffsets(activeBase));
        }
    }

    @Test
    void shouldFinishASwapThatACrashInterruptedAfterItWasCommitted() throws IOException {
        Path logDirectory = directory.resolve("crashed");
        long activeBase;
        try (Log log = Log.open(logDirectory, config())) {
            appendUpdates(log, 100, 3, NOW);
            activeBase = log.activeSegmentBaseOffset();
            List<Long> before = new ArrayList<>(readBack(log).keySet());

            assertThatThrownBy(() -> LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> {
                throw new CrashBeforeInstall();
            })).isInstanceOf(CrashBeforeInstall.class);

            assertThat(files(logDirectory)).anyMatch(name -> name.endsWith(".log.swap"));
            assertThat(readBack(log).keySet()).as("this process still reads the original").containsExactlyElementsOf(before);
        }
        Files.write(logDirectory.resolve(LogSegment.fileStem(0) + ".log.cleaned"), new byte[] {1, 2, 3});
        try (Log reopened = Log.open(logDirectory, config())) {
            assertThat(files(logDirectory)).noneMatch(name -> name.endsWith(".swap") || name.endsWith(".cleaned"));
            assertThat(reopened.damage()).isEmpty();
            TreeMap<Long, String[]> read = readBack(reopened);
            assertThat(read.headMap(reopened.segmentBaseOffsets().get(1)).size())
                    .as("the first segment is the cleaned copy: one record per key at most").isLessThanOrEqualTo(3);
            assertThat(read.tailMap(activeBase).keySet()).containsExactlyElementsOf(appended.tailMap(activeBase).keySet());
            Map<String, Long> latestPerKey = new HashMap<>();
            appended.forEach((offset, record) -> latestPerKey.put(record[0], offset));
            assertThat(read.keySet()).containsAll(latestPerKey.values());

            LogCleaner.cleanIfDirty(reopened, EAGER, NOW);
            assertThat(readBack(reopened).keySet()).containsExactlyElementsOf(expectedOffsets(activeBase));
        }
    }

    @Test
    void shouldKeepTheHeaderOfEachProducersLastBatchForItsSequence() throws IOException {
        try (Log log = Log.open(directory.resolve("producers"), config())) {
            long producerId = 7;
            for (int batch = 0; batch < 5; batch++) {
                ByteBuffer buffer = ByteBuffer.allocate(1024);
                MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                        TimestampType.CREATE_TIME, 0, NOW, producerId, (short) 3, batch * 4);
                for (int r = 0; r < 4; r++) {
                    appended.put(log.logEndOffset() + r, new String[] {"shared", "from producer " + batch});
                    builder.append(NOW, "shared".getBytes(StandardCharsets.UTF_8),
                            ("from producer " + batch).getBytes(StandardCharsets.UTF_8));
                }
                log.appendBatch(builder.build().buffer()).join();
            }
            long producersLastBase = log.logEndOffset() - 4;
            appendUpdates(log, 60, 1, NOW, "other-");
            appended.put(log.logEndOffset(), new String[] {"shared", "later"});
            log.append(List.of(new SimpleRecord(NOW, "shared".getBytes(), "later".getBytes()))).join();
            appendUpdates(log, 60, 1, NOW, "seal-");

            LogCleaner.cleanIfDirty(log, EAGER, NOW);

            List<long[]> producerBatches = new ArrayList<>();
            for (long next = log.logStartOffset(); next < log.logEndOffset(); ) {
                LogSlice slice = log.read(next, 64 * 1024);
                for (RecordBatch batch : MemoryRecords.readableRecords(slice.readBytes()).batches()) {
                    if (batch.producerId() == producerId) {
                        producerBatches.add(new long[] {batch.baseOffset(), batch.lastOffset(), batch.baseSequence(),
                                batch.lastSequence(), batch.countOrNull()});
                    }
                }
                next = slice.nextOffset();
            }
            assertThat(producerBatches).as("only the producer's last batch, cut to its header").hasSize(1);
            assertThat(producerBatches.get(0)).containsExactly(producersLastBase, producersLastBase + 3, 16, 19, 0);
            assertThat(readBack(log).values()).extracting(r -> r[1]).doesNotContain("from producer 4");
        }
    }

    @Test
    void shouldLetRetentionSkipARoundRatherThanWaitForASwap() throws Exception {
        try (Log log = Log.open(directory.resolve("retention"), config())) {
            appendUpdates(log, 100, 5, NOW - 3_600_000L);
            int segments = log.segmentCount();
            int[] deletedDuringSwap = new int[1];
            long[] waitedNanos = new long[1];

            LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> {
                if (deletedDuringSwap[0] == 0) {
                    Thread writer = new Thread(() -> {
                        long start = System.nanoTime();
                        deletedDuringSwap[0] = log.applyRetention(NOW, 1_000, -1) - 1; // -1: ran, 0 deleted
                        waitedNanos[0] = System.nanoTime() - start;
                    });
                    writer.start();
                    try {
                        writer.join(10_000);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });

            assertThat(deletedDuringSwap[0]).as("retention ran beside the swap and deleted nothing").isEqualTo(-1);
            assertThat(waitedNanos[0]).as("without waiting for the swap").isLessThan(5_000_000_000L);
            assertThat(log.segmentCount()).isEqualTo(segments);
            assertThat(log.applyRetention(NOW, 1_000, -1)).as("the next round deletes").isEqualTo(segments - 1);
        }
    }

    private static List<String> files(Path directory) throws IOException {
        try (Stream<Path> listing = Files.list(directory)) {
            return listing.map(path -> path.getFileName().toString()).toList();
        }
    }

    private static final class CrashBeforeInstall extends RuntimeException {
    }
}
