package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.recordsFor;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log's core promises: offsets, reads, reopen, segment rolls. */
class LogTest {
    @TempDir
    Path directory;

    @Test
    void shouldTellItsNameNewestTimestampAndStateAndRefuseReadsOnceClosed() {
        Log log = Log.open(directory.resolve("orders"), smallConfig(FsyncPolicy.NEVER));
        assertThat(log.name()).isEqualTo("orders");
        assertThat(log.maxTimestampMs()).as("no record yet").isEqualTo(-1);
        for (int i = 0; i < 30; i++) {
            appendRecords(log, 3, 200);
        }
        assertThat(log.segmentCount()).isGreaterThan(1);
        assertThat(log.maxTimestampMs()).isEqualTo(LogTestSupport.timestampFor(89));
        assertThat(log.toString()).contains("orders").contains("[0, 90)");
        assertThat(log.isClosed()).isFalse();

        log.close();

        assertThat(log.isClosed()).isTrue();
        assertThatThrownBy(() -> log.read(0, 100)).isInstanceOf(LogClosedException.class);
        assertThatThrownBy(() -> log.offsetForTimestamp(0)).isInstanceOf(LogClosedException.class);
        assertThatThrownBy(() -> log.applyRetention(Long.MAX_VALUE)).isInstanceOf(LogClosedException.class);
        assertThatThrownBy(() -> log.deleteSegmentsBelow(0)).isInstanceOf(LogClosedException.class);
        assertThatThrownBy(log::rollActiveSegment).isInstanceOf(LogClosedException.class);
    }

    @Test
    void shouldGiveContiguousOffsetsStartingAtZero() {
        try (Log log = Log.open(directory.resolve("orders"), smallConfig(FsyncPolicy.NEVER))) {
            AppendResult first = appendRecords(log, 3, 10);
            AppendResult second = appendRecords(log, 5, 10);

            assertThat(first).isEqualTo(new AppendResult(0, 2));
            assertThat(second).isEqualTo(new AppendResult(3, 7));
            assertThat(log.logEndOffset()).isEqualTo(8);
        }
    }

    @Test
    void shouldReadEveryRecordBackAfterReopen() {
        Path logDirectory = directory.resolve("orders");
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.ALWAYS))) {
            for (int i = 0; i < 40; i++) {
                appendRecords(log, 1 + i % 7, 100);
            }
        }
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.ALWAYS))) {
            List<Record> records = readAll(log, 1000);

            assertThat(log.segmentCount()).isGreaterThan(1);
            assertThat(records).hasSize((int) log.logEndOffset());
            for (int i = 0; i < records.size(); i++) {
                assertThat(records.get(i).offset()).isEqualTo(i);
                assertThat(LogTestSupport.matches(records.get(i), 100)).as("record %d", i).isTrue();
            }
        }
    }

    @Test
    void shouldRollSegmentExactlyAtTheBoundary() {
        Path logDirectory = directory.resolve("rolls");
        int batchBytes;
        try (Log probe = Log.open(directory.resolve("probe"), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(probe, 1, 400);
            batchBytes = (int) probe.sizeInBytes();
        }
        LogConfig config = smallConfig(FsyncPolicy.NEVER).segmentBytesMax(3 * batchBytes).batchBytesMax(batchBytes);
        try (Log log = Log.open(logDirectory, config)) {
            appendRecords(log, 1, 400);
            appendRecords(log, 1, 400);
            appendRecords(log, 1, 400);
            assertThat(log.segmentBaseOffsets()).as("three batches fill the segment exactly").containsExactly(0L);

            appendRecords(log, 1, 400);
            assertThat(log.segmentBaseOffsets()).as("the fourth starts a new segment").containsExactly(0L, 3L);
        }
        assertThat(logDirectory.resolve("00000000000000000000.log")).hasSize(3L * batchBytes);
        assertThat(logDirectory.resolve("00000000000000000003.log")).hasSize(batchBytes);
        assertThat(logDirectory.resolve("00000000000000000000.index")).exists();
        assertThat(logDirectory.resolve("00000000000000000000.timeindex")).exists();
    }

    @Test
    void shouldReadFromAnOffsetInsideABatch() {
        try (Log log = Log.open(directory.resolve("orders"), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 10, 20);

            List<Record> records = log.read(4, 10_000).readRecords();

            assertThat(records).extracting(Record::offset).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
        }
    }

    @Test
    void shouldReturnAtLeastTheFirstWholeBatchWhateverMaxBytes() {
        try (Log log = Log.open(directory.resolve("orders"), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 5, 100);
            appendRecords(log, 5, 100);

            LogSlice slice = log.read(2, 1);

            assertThat(slice.readRecords()).extracting(Record::offset).containsExactly(2L, 3L, 4L);
            assertThat(MemoryRecords.readableRecords(slice.readBytes()).batches()).hasSize(1);
        }
    }

    @Test
    void shouldStopAtMaxBytesWithWholeBatches() {
        try (Log log = Log.open(directory.resolve("orders"), smallConfig(FsyncPolicy.NEVER))) {
            for (int i = 0; i < 10; i++) {
                appendRecords(log, 1, 100);
            }
            int oneBatchBytes = (int) (log.sizeInBytes() / 10);

            List<Record> records = log.read(0, oneBatchBytes * 3 + oneBatchBytes / 2).readRecords();

            assertThat(records).extracting(Record::offset).containsExactly(0L, 1L, 2L);
        }
    }

    @Test
    void shouldReturnEmptySliceAtTheLogEnd() {
        try (Log log = Log.open(directory.resolve("orders"), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 3, 10);

            LogSlice slice = log.read(3, 1000);

            assertThat(slice.isEmpty()).isTrue();
            assertThat(slice.readRecords()).isEmpty();
        }
    }

    @Test
    void shouldAssignOffsetsToAnEncodedBatchAndKeepItsBytes() {
        Path logDirectory = directory.resolve("produce");
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.ALWAYS))) {
            appendRecords(log, 3, 50);
            AppendResult result = log.appendBatch(LogTestSupport.encodedBatch(3, 4, 50)).join();
            assertThat(result).isEqualTo(new AppendResult(3, 6));
        }
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.ALWAYS))) {
            List<Record> records = readAll(log, 10_000);
            assertThat(records).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(records).allMatch(record -> LogTestSupport.matches(record, 50));
        }
    }

    @Test
    void shouldAppendSeveralEncodedBatchesAtOnce() {
        try (Log log = Log.open(directory.resolve("produce"), smallConfig(FsyncPolicy.NEVER))) {
            java.nio.ByteBuffer first = LogTestSupport.encodedBatch(0, 2, 30);
            java.nio.ByteBuffer second = LogTestSupport.encodedBatch(2, 3, 30);
            java.nio.ByteBuffer both = java.nio.ByteBuffer.allocate(first.remaining() + second.remaining());
            both.put(first).put(second).flip();

            AppendResult result = log.appendBatch(both).join();

            assertThat(result).isEqualTo(new AppendResult(0, 4));
            assertThat(readAll(log, 10_000)).allMatch(record -> LogTestSupport.matches(record, 30)).hasSize(5);
        }
    }

    @Test
    void shouldKeepRecordsWithoutKeyOrHeaders() {
        try (Log log = Log.open(directory.resolve("bare"), smallConfig(FsyncPolicy.NEVER))) {
            log.append(List.of(new org.apache.kafka.common.record.internal.SimpleRecord(5L, null, "v".getBytes()))).join();
            Record record = log.read(0, 100).readRecords().get(0);

            assertThat(record.hasKey()).isFalse();
            assertThat(record.headers()).isEmpty();
            assertThat(record.timestamp()).isEqualTo(5L);
        }
    }

    @Test
    void shouldContinueOffsetsAfterReopen() {
        Path logDirectory = directory.resolve("orders");
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.INTERVAL))) {
            appendRecords(log, 7, 10);
        }
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.INTERVAL))) {
            assertThat(log.logEndOffset()).isEqualTo(7);
            assertThat(appendRecords(log, 2, 10)).isEqualTo(new AppendResult(7, 8));
        }
        try (Log log = Log.open(logDirectory, smallConfig(FsyncPolicy.INTERVAL))) {
            assertThat(readAll(log, 10_000)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        }
    }

    @Test
    void shouldSendASliceWithTransferTo() throws Exception {
        try (Log log = Log.open(directory.resolve("fetch"), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 4, 64);
            LogSlice slice = log.read(0, 100_000);
            Path copy = directory.resolve("copy.bin");
            try (var target = java.nio.channels.FileChannel.open(copy, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE)) {
                slice.transferTo(target);
            }
            org.apache.kafka.common.record.internal.MemoryRecords sent =
                    org.apache.kafka.common.record.internal.MemoryRecords.readableRecords(java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(copy)));

            assertThat(sent.batches()).hasSize(1).allSatisfy(batch -> {
                batch.ensureValid();
                assertThat(batch.baseOffset()).isZero();
                assertThat(batch.lastOffset()).isEqualTo(3);
            });
        }
    }
}
