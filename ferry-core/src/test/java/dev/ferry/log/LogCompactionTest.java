package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One cleaning's rewrite, batch by batch, in segments the test rolls itself: producer headers
 * across cleanings (producer id 0 included), transactional batches, rebuilt batches that lose their
 * last record or carry log-append time, output larger than the write buffer, and a cleaning
 * cancelled while it writes.
 */
class LogCompactionTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final CompactionSettings EAGER = new CompactionSettings(3_600_000L, 0.0, 0);

    @TempDir
    Path directory;

    private Log open(String name) {
        return Log.open(directory.resolve(name), new LogConfig().segmentBytesMax(16 * 1024 * 1024)
                .batchBytesMax(4 * 1024 * 1024).fsyncPolicy(FsyncPolicy.NEVER).segmentDeleteDelayMs(0));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void put(Log log, String key, String value) {
        log.append(List.of(new SimpleRecord(NOW, utf8(key), value == null ? null : utf8(value)))).join();
    }

    /** One batch of {@code producerId} (sequence {@code sequence}), transactional or not, of "key=value" records. */
    private static void putFromProducer(Log log, long producerId, int sequence, boolean transactional, String... records) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.MAGIC_VALUE_V2,
                Compression.NONE, TimestampType.CREATE_TIME, 0, NOW, producerId, (short) 1, sequence, transactional,
                RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (String record : records) {
            String[] keyValue = record.split("=");
            builder.append(NOW, utf8(keyValue[0]), utf8(keyValue[1]));
        }
        log.appendBatch(builder.build().buffer()).join();
    }

    /** Every batch from the log start: base offset, last offset, producer id, record count. */
    private static List<long[]> batches(Log log) {
        List<long[]> batches = new ArrayList<>();
        for (long next = log.logStartOffset(); next < log.logEndOffset(); ) {
            LogSlice slice = log.read(next, 8 * 1024 * 1024);
            for (RecordBatch batch : MemoryRecords.readableRecords(slice.readBytes()).batches()) {
                if (batch.lastOffset() >= next) {
                    batches.add(new long[] {batch.baseOffset(), batch.lastOffset(), batch.producerId(), batch.countOrNull()});
                }
            }
            next = slice.nextOffset();
        }
        return batches;
    }

    /** Offset to "key=value" of every record the log reads back. */
    private static Map<Long, String> records(Log log) {
        Map<Long, String> records = new LinkedHashMap<>();
        for (Record record : LogTestSupport.readAll(log, 8 * 1024 * 1024)) {
            records.put(record.offset(), (record.hasKey() ? text(record.key()) : "") + "=" + (record.hasValue() ? text(record.value()) : ""));
        }
        return records;
    }

    private static String text(ByteBuffer bytes) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.duplicate().get(copy);
        return new String(copy, StandardCharsets.UTF_8);
    }

    private static List<long[]> ofProducer(List<long[]> batches, long producerId) {
        return batches.stream().filter(batch -> batch[2] == producerId).toList();
    }

    @Test
    void shouldKeepProducerZerosLastHeaderUntilALaterBatchOfItStandsForIt() throws IOException {
        try (Log log = open("producers")) {
            putFromProducer(log, 0, 0, false, "shared=a"); // offset 0
            putFromProducer(log, 0, 1, false, "shared=b"); // offset 1: the producer's last batch
            put(log, "x", "1"); // 2
            put(log, "z", "1"); // 3
            log.rollActiveSegment();
            put(log, "shared", "c"); // 4
            put(log, "x", "2"); // 5
            log.rollActiveSegment();

            LogCleaner.Result first = LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });

            assertThat(first.recordsRemoved()).isEqualTo(3);
            assertThat(ofProducer(batches(log), 0)).as("producer 0's last batch, cut to its header")
                    .singleElement().satisfies(batch -> assertThat(batch).containsExactly(1, 1, 0, 0));
            assertThat(records(log)).containsExactly(Map.entry(3L, "z=1"), Map.entry(4L, "shared=c"), Map.entry(5L, "x=2"));

            put(log, "z", "2"); // 6
            log.rollActiveSegment();
            LogCleaner.Result second = LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });

            assertThat(second.recordsRemoved()).as("z=1 only").isEqualTo(1);
            assertThat(ofProducer(batches(log), 0)).as("the header still stands for the producer")
                    .singleElement().satisfies(batch -> assertThat(batch).containsExactly(1, 1, 0, 0));
            assertThat(records(log)).containsExactly(Map.entry(4L, "shared=c"), Map.entry(5L, "x=2"), Map.entry(6L, "z=2"));

            putFromProducer(log, 0, 2, false, "y=1"); // 7: now the producer's last batch
            put(log, "x", "3"); // 8
            log.rollActiveSegment();
            LogCleaner.Result third = LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });

            assertThat(third.recordsRemoved()).as("x=2 and the header the new batch stands for").isEqualTo(2);
            assertThat(ofProducer(batches(log), 0)).singleElement()
                    .satisfies(batch -> assertThat(batch).containsExactly(7, 7, 0, 1));
            assertThat(records(log)).containsExactly(Map.entry(4L, "shared=c"), Map.entry(6L, "z=2"), Map.entry(7L, "y=1"),
                    Map.entry(8L, "x=3"));
        }
    }

    @Test
    void shouldSearchPastAProducersHeaderThatKeepsTheTimestampOfItsRemovedRecords() throws IOException {
        try (Log log = open("timestamps")) {
            put(log, "x", "1"); // offset 0, at NOW
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.MAGIC_VALUE_V2,
                    Compression.NONE, TimestampType.CREATE_TIME, 0, NOW + 100, 5L, (short) 1, 0, false,
                    RecordBatch.NO_PARTITION_LEADER_EPOCH);
            builder.append(NOW + 100, utf8("shared"), utf8("b"));
            log.appendBatch(builder.build().buffer()).join(); // offset 1, producer 5's last batch, at NOW + 100
            log.rollActiveSegment();
            log.append(List.of(new SimpleRecord(NOW + 200, utf8("shared"), utf8("c")))).join(); // offset 2
            log.rollActiveSegment();

            LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });

            assertThat(ofProducer(batches(log), 5)).as("cut to its header, which keeps its newest timestamp")
                    .singleElement().satisfies(batch -> assertThat(batch).containsExactly(1, 1, 5, 0));
            assertThat(log.offsetForTimestamp(NOW + 100)).as("the header holds no record: the next one at or after it")
                    .hasValue(2);
            assertThat(log.offsetForTimestamp(NOW)).hasValue(0);
        }
    }

    @Test
    void shouldStartNoCopyOfTheNextSegmentOnceCancelledBetweenTwoSegments() throws IOException {
        try (Log log = open("cancelled-between")) {
            put(log, "a", "1"); // 0
            log.rollActiveSegment();
            put(log, "a", "2"); // 1
            put(log, "b", "1"); // 2
            put(log, "b", "2"); // 3
            log.rollActiveSegment();
            Path firstCopy = SegmentSwap.cleanedFile(log.directory(), 0);
            Path secondCopy = SegmentSwap.cleanedFile(log.directory(), 1);
            boolean[] firstCopyWritten = {false};
            // Cancelled once the first segment's copy has been written: before the second one's starts.
            LogCompaction cancelledBetween = new LogCompaction(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> {
                if (Files.exists(firstCopy)) {
                    firstCopyWritten[0] = true;
                    return false;
                }
                return firstCopyWritten[0];
            }, () -> { });

            assertThatThrownBy(cancelledBetween::clean).isInstanceOf(LogClosedException.class);

            assertThat(firstCopyWritten[0]).isTrue();
            assertThat(secondCopy).as("no copy of the second segment begun").doesNotExist();
            assertThat(records(log)).containsExactly(Map.entry(1L, "a=2"), Map.entry(2L, "b=1"), Map.entry(3L, "b=2"));
            assertThat(log.directory().resolve(LogCompaction.CHECKPOINT_FILE)).doesNotExist();
        }
    }

    private static long checkpoint(Log log) throws IOException {
        String text = Files.readString(log.directory().resolve(LogCompaction.CHECKPOINT_FILE)).trim();
        return Long.parseLong(text.substring("first_dirty_offset: ".length()));
    }

    /**
     * Keys "k00".."k09" cost 3 + 96 bytes each in the key map: a map of exactly 990 bytes is full
     * after the first dirty segment; a key repeated costs once; segments past the map wait, old
     * tombstones in them included.
     */
    @Test
    void shouldStopMappingOnceTheKeyMapIsFullAndCleanOnlyWhatItMapped() throws IOException {
        try (Log log = open("key-map")) {
            for (int i = 0; i < 10; i++) {
                put(log, "k0" + i, "1");
            }
            log.rollActiveSegment(); // segment 0: ten keys, 990 bytes of map
            for (int i = 0; i < 10; i++) {
                put(log, "k00", "again-" + i);
            }
            log.rollActiveSegment(); // segment 10: one key ten times
            log.append(List.of(new SimpleRecord(NOW - 10 * EAGER.deleteRetentionMs(), utf8("old"), null))).join();
            put(log, "k01", "2");
            log.rollActiveSegment(); // segment 20: an old tombstone, k01 again

            LogCleaner.Result first = LogCleaner.clean(log, EAGER, NOW, 990, () -> { });

            assertThat(checkpoint(log)).as("the map was full after segment 0").isEqualTo(10);
            assertThat(first.recordsRemoved()).as("nothing in segment 0 is replaced by segment 0").isZero();
            assertThat(first.segmentsRewritten()).as("a segment that loses nothing is left as it is").isZero();
            assertThat(SegmentSwap.cleanedFile(log.directory(), 0)).doesNotExist();

            LogCleaner.Result second = LogCleaner.clean(log, EAGER, NOW, 500, () -> { });

            assertThat(checkpoint(log)).as("one key repeated costs 99 bytes: segment 20 fits too").isEqualTo(22);
            assertThat(second.recordsRemoved()).as("k00 nine times and once before, k01 once, the tombstone").isEqualTo(12);
            assertThat(records(log)).containsExactly(Map.entry(2L, "k02=1"), Map.entry(3L, "k03=1"), Map.entry(4L, "k04=1"),
                    Map.entry(5L, "k05=1"), Map.entry(6L, "k06=1"), Map.entry(7L, "k07=1"), Map.entry(8L, "k08=1"),
                    Map.entry(9L, "k09=1"), Map.entry(19L, "k00=again-9"), Map.entry(21L, "k01=2"));
        }
    }

    @Test
    void shouldLeaveSegmentsPastAFullKeyMapAsTheyAre() throws IOException {
        try (Log log = open("past-the-map")) {
            put(log, "a", "1");
            put(log, "a", "2");
            log.rollActiveSegment(); // segment 0
            log.append(List.of(new SimpleRecord(NOW - 10 * EAGER.deleteRetentionMs(), utf8("old"), null))).join();
            log.rollActiveSegment(); // segment 2: an old tombstone, past the map

            LogCleaner.Result result = LogCleaner.clean(log, EAGER, NOW, 1, () -> { });

            assertThat(result.recordsRemoved()).isEqualTo(1);
            assertThat(records(log)).containsExactly(Map.entry(1L, "a=2"), Map.entry(2L, "old="));
            assertThat(checkpoint(log)).isEqualTo(2);
        }
    }

    @Test
    void shouldAnswerNothingWhenEverythingCleanableIsClean() throws IOException {
        try (Log log = open("clean")) {
            put(log, "a", "1");
            put(log, "a", "2");
            log.append(List.of(new SimpleRecord(NOW - 10 * EAGER.deleteRetentionMs(), utf8("old"), null))).join();
            log.rollActiveSegment();
            LogCleaner.Result first = LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });
            assertThat(first.recordsRemoved()).isEqualTo(2);
            assertThat(first.bytesCleaned()).isPositive();
            long size = log.sizeInBytes();

            LogCompaction.Result again = new LogCompaction(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> false,
                    () -> { }).clean();

            assertThat(again).isEqualTo(LogCompaction.Result.NOTHING);
            assertThat(log.sizeInBytes()).isEqualTo(size);
        }
    }

    /** A dirty share of exactly the setting is enough; a share of 0 never is. */
    @Test
    void shouldCleanAtExactlyTheMinimumDirtyRatio() throws IOException {
        CompactionSettings half = new CompactionSettings(EAGER.deleteRetentionMs(), 0.5, 0);
        try (Log log = open("ratio")) {
            for (int i = 0; i < 10; i++) {
                put(log, "a" + i, "1");
            }
            log.rollActiveSegment();
            LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });
            assertThat(LogCleaner.cleanIfDirty(log, EAGER, NOW).bytesCleaned()).as("nothing dirty").isZero();
            for (int i = 0; i < 10; i++) {
                put(log, "b" + i, "1");
            }
            log.rollActiveSegment();
            assertThat(LogCleaner.dirtyRatio(log, half, NOW)).isEqualTo(0.5);

            LogCleaner.Result result = LogCleaner.cleanIfDirty(log, half, NOW);

            assertThat(result.bytesCleaned()).as("both segments read").isEqualTo(log.sizeInBytes() - log.activeSegmentSizeInBytes());
            assertThat(checkpoint(log)).isEqualTo(20);
        }
    }

    /** A segment is cleanable once its newest record is exactly the lag old; a lag of 0 takes records from the future too. */
    @Test
    void shouldCleanASegmentExactlyTheCompactionLagOld() throws IOException {
        long lag = 60_000;
        try (Log log = open("lag")) {
            log.append(List.of(new SimpleRecord(NOW - lag, utf8("a"), utf8("1")))).join();
            log.append(List.of(new SimpleRecord(NOW - lag, utf8("a"), utf8("2")))).join();
            log.rollActiveSegment();
            log.append(List.of(new SimpleRecord(NOW + lag, utf8("b"), utf8("1")))).join();
            log.append(List.of(new SimpleRecord(NOW + lag, utf8("b"), utf8("2")))).join();
            log.rollActiveSegment();

            LogCleaner.Result lagged = LogCleaner.clean(log, new CompactionSettings(EAGER.deleteRetentionMs(), 0.0, lag), NOW,
                    LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });
            assertThat(lagged.recordsRemoved()).as("a=1 only: segment 2 is too young").isEqualTo(1);

            LogCleaner.Result noLag = LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });
            assertThat(noLag.recordsRemoved()).isEqualTo(1);
            assertThat(records(log)).containsExactly(Map.entry(1L, "a=2"), Map.entry(3L, "b=2"));
        }
    }

    @Test
    void shouldKeepATransactionalBatchWholeWhateverReplacesItsKeys() throws IOException {
        try (Log log = open("transactions")) {
            put(log, "w", "before-transaction"); // a transaction may abort: its w must not replace this one
            putFromProducer(log, 5, 0, true, "t=in-transaction", "w=in-transaction"); // 1, 2
            put(log, "t", "later"); // 3
            put(log, "v", "1"); // 4
            put(log, "v", "2"); // 5
            log.rollActiveSegment();

            LogCleaner.Result result = LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });

            assertThat(result.recordsRemoved()).as("v=1 only").isEqualTo(1);
            assertThat(records(log)).containsExactly(Map.entry(0L, "w=before-transaction"), Map.entry(1L, "t=in-transaction"),
                    Map.entry(2L, "w=in-transaction"), Map.entry(3L, "t=later"), Map.entry(5L, "v=2"));
        }
    }

    @Test
    void shouldDropATombstoneOnlyOnceItIsOlderThanTheRetentionAndNeverARecordWithoutAKey() throws IOException {
        long retention = EAGER.deleteRetentionMs();
        try (Log log = open("tombstones")) {
            log.append(List.of(new SimpleRecord(NOW - retention, utf8("at-bound"), null))).join(); // 0
            log.append(List.of(new SimpleRecord(NOW - retention - 1, utf8("past-bound"), null))).join(); // 1
            log.append(List.of(new SimpleRecord(NOW - 10 * retention, (byte[]) null, null))).join(); // 2: no key, no value
            put(log, "filler", "1"); // 3
            put(log, "filler", "2"); // 4
            log.rollActiveSegment();

            LogCleaner.Result result = LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });

            assertThat(result.recordsRemoved()).as("the older tombstone and filler=1").isEqualTo(2);
            assertThat(records(log)).containsOnlyKeys(0L, 2L, 4L);
        }
    }

    @Test
    void shouldKeepARebuiltBatchsOffsetsAndLogAppendTimeWhenItsLastRecordGoes() throws IOException {
        long appendTime = NOW + 12_345;
        try (Log log = open("rebuilt")) {
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.MAGIC_VALUE_V2,
                    Compression.NONE, TimestampType.LOG_APPEND_TIME, 0, appendTime);
            builder.append(NOW, utf8("a"), utf8("1"));
            builder.append(NOW, utf8("b"), utf8("1"));
            builder.append(NOW, utf8("c"), utf8("1"));
            log.appendBatch(builder.build().buffer()).join(); // offsets 0..2
            put(log, "c", "2"); // 3
            put(log, "d", "1"); // 4
            log.rollActiveSegment();

            LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });

            RecordBatch rebuilt = MemoryRecords.readableRecords(log.read(0, 1).readBytes()).batches().iterator().next();
            assertThat(rebuilt.baseOffset()).isZero();
            assertThat(rebuilt.lastOffset()).as("the batch still spans offset 2").isEqualTo(2);
            assertThat(rebuilt.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            assertThat(rebuilt.maxTimestamp()).isEqualTo(appendTime);
            List<Record> kept = log.read(0, 1).readRecords();
            assertThat(kept).extracting(Record::offset).containsExactly(0L, 1L);
            assertThat(kept).extracting(Record::timestamp).containsOnly(appendTime);
            assertThat(records(log)).containsExactly(Map.entry(0L, "a=1"), Map.entry(1L, "b=1"), Map.entry(3L, "c=2"),
                    Map.entry(4L, "d=1"));
        }
        try (Log reopened = open("rebuilt")) {
            assertThat(reopened.damage()).as("the cleaned segment's offsets are contiguous").isEmpty();
            assertThat(records(reopened)).containsOnlyKeys(0L, 1L, 3L, 4L);
        }
    }

    /** A cleaned segment of several MiB, one batch larger than the 1 MiB write buffer: every byte lands where its index says. */
    @Test
    void shouldWriteACleanedSegmentLargerThanItsWriteBuffer() throws IOException {
        Map<Long, String> expected = new LinkedHashMap<>();
        try (Log log = open("large")) {
            put(log, "gone", "1");
            for (int i = 0; i < 12; i++) {
                String value = i + "-" + Character.toString('a' + i).repeat(300 * 1024);
                expected.put(log.logEndOffset(), "k" + i + "=" + value);
                put(log, "k" + i, value);
            }
            List<SimpleRecord> large = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String value = "large-" + i + "-" + "L".repeat(500 * 1024);
                expected.put(log.logEndOffset() + i, "big" + i + "=" + value);
                large.add(new SimpleRecord(NOW, utf8("big" + i), utf8(value)));
            }
            log.append(large).join();
            expected.put(log.logEndOffset(), "gone=2");
            put(log, "gone", "2");
            log.rollActiveSegment();

            LogCleaner.Result result = LogCleaner.clean(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> { });

            assertThat(result.segmentsRewritten()).isEqualTo(1);
            assertThat(records(log)).containsExactlyEntriesOf(expected);
            LogSegment cleaned = log.sealedSegments().get(0);
            assertThat(result.bytesWritten()).isEqualTo(Files.size(cleaned.logFile()));
            OffsetIndex index = cleaned.offsetIndex();
            assertThat(index.entryCount()).as("the cleaned copy is indexed from where its batches lie").isPositive();
            byte[] file = Files.readAllBytes(cleaned.logFile());
            for (int i = 0; i < index.entryCount(); i++) {
                assertThat(ByteBuffer.wrap(file).getLong(index.positionAt(i))).isEqualTo(index.offsetAt(i));
            }
            for (long offset : expected.keySet()) {
                assertThat(log.read(offset, 1).readRecords()).as("offset %d through the index", offset)
                        .extracting(Record::offset).contains(offset);
            }
        }
        try (Log reopened = open("large")) {
            assertThat(reopened.damage()).isEmpty();
            assertThat(records(reopened)).containsExactlyEntriesOf(expected);
        }
    }

    @Test
    void shouldDropTheCleanedCopyOfASegmentThatLeftTheLogWhileItWasWritten() throws IOException {
        try (Log log = open("deleted-meanwhile")) {
            put(log, "a", "1");
            put(log, "a", "2");
            log.rollActiveSegment();
            put(log, "b", "1");
            log.rollActiveSegment();
            Path cleaned = SegmentSwap.cleanedFile(log.directory(), 0);
            boolean[] deleted = {false};
            // While segment 0's copy is written, the log's owner deletes segment 0 (all of it settled).
            LogCompaction compaction = new LogCompaction(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> {
                if (!deleted[0] && Files.exists(cleaned)) {
                    deleted[0] = true;
                    assertThat(log.deleteSegmentsBelow(2)).isEqualTo(1);
                }
                return false;
            }, () -> { });

            LogCompaction.Result result = compaction.clean();

            assertThat(deleted[0]).isTrue();
            assertThat(result.segmentsRewritten()).isZero();
            assertThat(cleaned).doesNotExist();
            assertThat(log.directory().resolve(LogCompaction.CHECKPOINT_FILE)).as("nothing was cleaned").doesNotExist();
            assertThat(log.segmentBaseOffsets()).containsExactly(2L, 3L);
            assertThat(records(log)).containsExactly(Map.entry(2L, "b=1"));
        }
    }

    @Test
    void shouldStopACleaningCancelledWhileItRewritesASegmentAndLeaveTheSegmentAsItWas() throws IOException {
        try (Log log = open("cancelled")) {
            put(log, "a", "1");
            put(log, "a", "2");
            put(log, "b", "1");
            log.rollActiveSegment();
            Map<Long, String> before = records(log);
            Path cleaned = SegmentSwap.cleanedFile(log.directory(), 0);
            // Cancelled from the moment the segment's cleaned copy exists: while it is written.
            LogCompaction cancelledWhileWriting = new LogCompaction(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT,
                    () -> Files.exists(cleaned), () -> { });

            assertThatThrownBy(cancelledWhileWriting::clean).isInstanceOf(LogClosedException.class);

            assertThat(records(log)).isEqualTo(before);
            assertThat(log.directory().resolve(LogCompaction.CHECKPOINT_FILE)).doesNotExist();
        }
    }

    /** The batches of sealed segment {@code segment} as the cleaner lists those of its copy: position and span of each. */
    static List<Log.CleanedBatch> cleanedBatchesOf(Log log, LogSegment segment) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(LogSegment.logFile(log.directory(), segment.baseOffset())));
        List<Log.CleanedBatch> batches = new ArrayList<>();
        int position = 0;
        for (RecordBatch batch : MemoryRecords.readableRecords(bytes).batches()) {
            batches.add(new Log.CleanedBatch(batch.baseOffset(), batch.lastOffset(), position, batch.sizeInBytes(),
                    batch.maxTimestamp()));
            position += batch.sizeInBytes();
        }
        return batches;
    }

    @Test
    void shouldRefuseToSwapACleanedCopyInOnceTheLogIsClosed() throws IOException {
        Log log = open("closed-meanwhile");
        put(log, "a", "1");
        put(log, "a", "2");
        log.rollActiveSegment();
        put(log, "b", "1");
        LogSegment segment = log.sealedSegments().get(0);
        List<Log.CleanedBatch> batches = cleanedBatchesOf(log, segment);
        Path cleaned = SegmentSwap.cleanedFile(log.directory(), 0);
        Files.copy(LogSegment.logFile(log.directory(), 0), cleaned);
        log.close();
        boolean[] installHookRan = {false};

        assertThat(log.swapInCleaned(segment, batches, () -> installHookRan[0] = true)).isFalse();

        assertThat(installHookRan[0]).as("nothing committed").isFalse();
        assertThat(cleaned).doesNotExist();
        assertThat(SegmentSwap.swapFile(log.directory(), 0)).doesNotExist();
        try (Log reopened = open("closed-meanwhile")) {
            assertThat(records(reopened)).containsExactly(Map.entry(0L, "a=1"), Map.entry(1L, "a=2"), Map.entry(2L, "b=1"));
        }
    }

    @Test
    void shouldRefuseBeforeCommittingACleanedCopyThatEndsAtAnotherOffsetThanTheOriginal() throws IOException {
        try (Log log = open("short-copy")) {
            put(log, "a", "1");
            put(log, "b", "1");
            put(log, "c", "1");
            log.rollActiveSegment();
            put(log, "d", "1");
            LogSegment segment = log.sealedSegments().get(0);
            List<Log.CleanedBatch> batches = cleanedBatchesOf(log, segment);
            // A copy that lost the segment's last batch: its offset would be missing between this segment and the next.
            Log.CleanedBatch last = batches.remove(batches.size() - 1);
            Path cleaned = SegmentSwap.cleanedFile(log.directory(), 0);
            byte[] original = Files.readAllBytes(LogSegment.logFile(log.directory(), 0));
            Files.write(cleaned, java.util.Arrays.copyOf(original, last.position()));

            assertThatThrownBy(() -> log.swapInCleaned(segment, batches, () -> { }))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("ends at offset 2, the original at 3");

            assertThat(cleaned).doesNotExist();
            assertThat(SegmentSwap.swapFile(log.directory(), 0)).as("never committed").doesNotExist();
            assertThat(LogSegment.logFile(log.directory(), 0)).hasBinaryContent(original);
            assertThat(records(log)).containsExactly(Map.entry(0L, "a=1"), Map.entry(1L, "b=1"), Map.entry(2L, "c=1"),
                    Map.entry(3L, "d=1"));
        }
        try (Log reopened = open("short-copy")) {
            assertThat(reopened.damage()).isEmpty();
            assertThat(records(reopened)).hasSize(4);
        }
    }

    @Test
    void shouldLetAReaderThatFoundTheOriginalSegmentReadItAfterTheCleanedCopyReplacedIt() throws IOException {
        FileHandleCache cache = new FileHandleCache(16);
        try (Log log = Log.open(directory.resolve("pinned"), new LogConfig().fsyncPolicy(FsyncPolicy.NEVER)
                .segmentDeleteDelayMs(0), null, cache)) {
            put(log, "a", "1");
            put(log, "a", "2");
            put(log, "b", "1");
            log.rollActiveSegment();
            put(log, "c", "1");
            byte[] original = Files.readAllBytes(LogSegment.logFile(log.directory(), 0));
            LogSlice foundBefore = log.read(0, 1 << 20);

            LogCompaction.Result result = new LogCompaction(log, EAGER, NOW, LogCleaner.KEY_MAP_BYTES_DEFAULT, () -> false,
                    () -> { }).clean();
            cache.closeIdle(); // an idle handle would be reopened by name, which now finds the copy

            assertThat(result.segmentsRewritten()).isOne();
            assertThat(Files.size(LogSegment.logFile(log.directory(), 0))).isLessThan(original.length);
            assertThat(foundBefore.readBytes()).as("the original's bytes, through its pinned handle")
                    .isEqualTo(ByteBuffer.wrap(original));
            assertThat(records(log)).containsExactly(Map.entry(1L, "a=2"), Map.entry(2L, "b=1"), Map.entry(3L, "c=1"));
        }
        assertThat(cache.openCount()).isZero();
    }

    /**
     * A cleaned segment's index files are written when it is swapped in, its newest timestamp
     * included: the next open uses them as they are, and finds a record by its segment's newest
     * timestamp in that segment.
     */
    @Test
    void shouldWriteTheIndexFilesOfACleanedSegmentWithItsNewestTimestamp() throws IOException {
        try (Log log = open("indexed")) {
            String[] keys = {"a", "b", "a", "c"};
            for (int i = 0; i < keys.length; i++) {
                log.append(List.of(new SimpleRecord(NOW + i, utf8(keys[i]), utf8("v" + i)))).join();
            }
            log.rollActiveSegment();
            log.append(List.of(new SimpleRecord(NOW + 10, utf8("d"), utf8("v")))).join();

            assertThat(LogCleaner.cleanIfDirty(log, EAGER, NOW).segmentsRewritten()).isOne();

            assertThat(LogSegment.offsetIndexFile(log.directory(), 0)).as("written with the swap").exists();
            assertThat(LogSegment.timeIndexFile(log.directory(), 0)).exists();
        }
        // Sealed segments trusted at open: their indexes come from the files alone.
        try (dev.ferry.store.LogCapture warnings = new dev.ferry.store.LogCapture(LogLoader.class);
             Log reopened = Log.open(directory.resolve("indexed"), new LogConfig().segmentBytesMax(16 * 1024 * 1024)
                     .batchBytesMax(4 * 1024 * 1024).fsyncPolicy(FsyncPolicy.NEVER).validateSegmentsAtOpen(false))) {
            assertThat(warnings.lines(ch.qos.logback.classic.Level.WARN)).as("the index files are used as written").isEmpty();
            assertThat(reopened.offsetForTimestamp(NOW + 3)).as("the cleaned segment's newest record")
                    .hasValue(3);
            assertThat(reopened.offsetForTimestamp(NOW + 4)).hasValue(4);
        }
    }
}
