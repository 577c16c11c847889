package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.appendRecords;
import static dev.ferry.log.LogTestSupport.encodedBatch;
import static dev.ferry.log.LogTestSupport.recordsFor;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wrong input gets a clear exception naming the log, the offset or the limit, and leaves nothing
 * on disk: each test reopens the log to check what really reached the file.
 */
class LogBadInputTest {
    @TempDir
    Path directory;

    private Path logDirectory() {
        return directory.resolve("orders");
    }

    /** Opens the log again and checks it holds exactly the 3 records the test appended first. */
    private void assertOnlyTheFirstThreeRecordsOnDisk(long segmentBytes) {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER))) {
            assertThat(log.logEndOffset()).isEqualTo(3);
            assertThat(log.sizeInBytes()).isEqualTo(segmentBytes);
            assertThat(LogTestSupport.readAll(log, 10_000)).allMatch(record -> LogTestSupport.matches(record, 20)).hasSize(3);
        }
    }

    @Test
    void shouldRefuseAnOversizedAppendAndWriteNothing() {
        long bytesBefore;
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            appendRecords(log, 3, 20);
            bytesBefore = log.sizeInBytes();

            assertThatThrownBy(() -> log.append(recordsFor(3, 1, 9000)))
                    .isInstanceOf(BatchTooLargeException.class)
                    .hasMessageContaining("'orders'").hasMessageContaining("batchBytesMax=8192");
            assertThatThrownBy(() -> log.appendBatch(encodedBatch(3, 1, 9000)))
                    .isInstanceOf(BatchTooLargeException.class).hasMessageContaining("batchBytesMax=8192");
        }
        assertOnlyTheFirstThreeRecordsOnDisk(bytesBefore);
    }

    @Test
    void shouldRefuseAnEncodedBatchWithABadCrcAndWriteNothing() {
        long bytesBefore;
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS))) {
            appendRecords(log, 3, 20);
            bytesBefore = log.sizeInBytes();
            ByteBuffer good = encodedBatch(3, 2, 20);
            ByteBuffer damaged = encodedBatch(3, 2, 20);
            damaged.put(damaged.limit() - 3, (byte) (damaged.get(damaged.limit() - 3) ^ 0x40));
            ByteBuffer goodThenDamaged = ByteBuffer.allocate(good.remaining() + damaged.remaining()).put(good).put(damaged).flip();

            assertThatThrownBy(() -> log.appendBatch(goodThenDamaged))
                    .isInstanceOf(InvalidBatchException.class).hasMessageContaining("batch 1").hasMessageContaining("CRC");
        }
        assertOnlyTheFirstThreeRecordsOnDisk(bytesBefore);
    }

    @Test
    void shouldRefuseMalformedEncodedBatches() {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 3, 20);
            long bytesBefore = log.sizeInBytes();
            ByteBuffer truncated = encodedBatch(3, 2, 20);
            truncated.limit(truncated.limit() - 1);
            ByteBuffer trailing = ByteBuffer.allocate(encodedBatch(3, 2, 20).remaining() + 5).put(encodedBatch(3, 2, 20)).flip();
            trailing.limit(trailing.capacity());
            ByteBuffer wrongMagic = encodedBatch(3, 2, 20);
            wrongMagic.put(BatchFormat.MAGIC_POSITION, (byte) 1);

            assertThatThrownBy(() -> log.appendBatch(truncated)).isInstanceOf(InvalidBatchException.class).hasMessageContaining("torn");
            assertThatThrownBy(() -> log.appendBatch(trailing)).isInstanceOf(InvalidBatchException.class).hasMessageContaining("not a whole batch");
            assertThatThrownBy(() -> log.appendBatch(wrongMagic)).isInstanceOf(InvalidBatchException.class).hasMessageContaining("magic 1");
            assertThatThrownBy(() -> log.appendBatch(ByteBuffer.allocate(10))).isInstanceOf(InvalidBatchException.class);
            assertThatThrownBy(() -> log.appendBatch(encodedBatch(3, 2, 20).asReadOnlyBuffer()))
                    .isInstanceOf(InvalidBatchException.class).hasMessageContaining("read-only");
            assertThatThrownBy(() -> log.append(List.of())).isInstanceOf(InvalidBatchException.class).hasMessageContaining("at least one record");
            assertThatThrownBy(() -> log.append(List.of(new SimpleRecord(-5L, null, new byte[1]))))
                    .isInstanceOf(InvalidBatchException.class).hasMessageContaining("'orders'");
            assertThat(log.logEndOffset()).isEqualTo(3);
            assertThat(log.sizeInBytes()).isEqualTo(bytesBefore);
        }
    }

    @Test
    void shouldRefuseOffsetsOutOfRange() {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER))) {
            appendRecords(log, 3, 20);

            assertThatThrownBy(() -> log.read(4, 100)).isInstanceOf(LogOffsetOutOfRangeException.class)
                    .hasMessageContaining("offset 4").hasMessageContaining("'orders'").hasMessageContaining("[0, 3)");
            assertThatThrownBy(() -> log.read(-1, 100)).isInstanceOf(LogOffsetOutOfRangeException.class)
                    .satisfies(e -> assertThat(((LogOffsetOutOfRangeException) e).offset()).isEqualTo(-1));
            assertThatThrownBy(() -> log.deleteSegmentsBelow(10)).isInstanceOf(LogOffsetOutOfRangeException.class)
                    .hasMessageContaining("offset 10");
            assertThatThrownBy(() -> log.read(0, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBytes=0");
        }
    }

    @Test
    void shouldRefuseEverythingAfterClose() {
        Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.ALWAYS));
        appendRecords(log, 3, 20);
        log.close();
        log.close();

        assertThatThrownBy(() -> appendRecords(log, 1, 20)).isInstanceOf(LogClosedException.class)
                .hasMessageContaining("'orders' is closed");
        assertThatThrownBy(() -> log.appendBatch(encodedBatch(3, 1, 20))).isInstanceOf(LogClosedException.class);
        assertThatThrownBy(() -> log.read(0, 100)).isInstanceOf(LogClosedException.class);
        assertThatThrownBy(() -> log.offsetForTimestamp(0)).isInstanceOf(LogClosedException.class);
        assertThatThrownBy(() -> log.deleteSegmentsBelow(0)).isInstanceOf(LogClosedException.class);
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameDirectory() {
        try (Log log = Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER))) {
            assertThatThrownBy(() -> Log.open(logDirectory(), smallConfig(FsyncPolicy.NEVER)))
                    .isInstanceOf(LogStorageException.class).hasMessageContaining("in use");
            assertThat(log.logEndOffset()).isZero();
        }
    }

    @Test
    void shouldNameEveryWrongConfigValue() {
        LogConfig config = new LogConfig().segmentBytesMax(100).batchBytesMax(10).indexIntervalBytes(-1)
                .fsyncPolicy(FsyncPolicy.INTERVAL).flushIntervalMs(0).retentionMs(0).retentionBytes(-7)
                .segmentDeleteDelayMs(-1);

        assertThatThrownBy(() -> Log.open(logDirectory(), config))
                .isInstanceOfSatisfying(InvalidLogConfigException.class, e -> assertThat(e.problems()).hasSize(7)
                        .anyMatch(problem -> problem.startsWith("segmentBytesMax=100"))
                        .anyMatch(problem -> problem.startsWith("batchBytesMax=10"))
                        .anyMatch(problem -> problem.startsWith("indexIntervalBytes=-1"))
                        .anyMatch(problem -> problem.startsWith("flushIntervalMs=0"))
                        .anyMatch(problem -> problem.startsWith("retentionMs=0"))
                        .anyMatch(problem -> problem.startsWith("retentionBytes=-7"))
                        .anyMatch(problem -> problem.startsWith("segmentDeleteDelayMs=-1")));
        assertThatThrownBy(() -> new LogConfig().segmentBytesMax(4096).batchBytesMax(8192).conclude())
                .hasMessageContaining("batchBytesMax=8192: must not exceed segmentBytesMax=4096");
        assertThat(logDirectory()).doesNotExist();
    }
}
