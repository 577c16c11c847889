package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogConfig;
import dev.ferry.memory.DirectMemory;

/**
 * The store's reader of a queue log on real files: it starts and stops inside a batch at the
 * offsets asked, and reports exactly the offsets it cannot return (damaged batches found while
 * reading, the empty batches a repair left), returning every record around them.
 */
class RecordCursorTest {
    private static final String SEGMENT = "00000000000000000000.log";

    @TempDir
    Path directory;
    private Log log;

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    private record Lost(long first, long last) {
    }

    private static LogConfig config() {
        return new LogConfig().fsyncPolicy(FsyncPolicy.ALWAYS).segmentBytesMax(1 << 20).batchBytesMax(1 << 20)
                .segmentDeleteDelayMs(0);
    }

    /** Appends {@code batches} batches of {@code perBatch} records, each record's value its offset. */
    private void write(int batches, int perBatch) {
        log = Log.open(directory, config());
        for (int b = 0; b < batches; b++) {
            List<SimpleRecord> records = new ArrayList<>();
            for (int r = 0; r < perBatch; r++) {
                long offset = log.logEndOffset() + r;
                records.add(new SimpleRecord(offset, null, Long.toString(offset).getBytes(StandardCharsets.UTF_8)));
            }
            log.append(records).join();
        }
    }

    private List<FileChannelRecordBatch> batchesOnDisk() throws IOException {
        List<FileChannelRecordBatch> batches = new ArrayList<>();
        try (FileRecords records = FileRecords.open(directory.resolve(SEGMENT).toFile(), false)) {
            records.batches().forEach(batches::add);
        }
        return batches;
    }

    /** Damages the records of the batches starting at {@code from} to {@code to}, keeping their headers. */
    private void damageBatches(int from, int to) throws IOException {
        List<FileChannelRecordBatch> batches = batchesOnDisk();
        try (RandomAccessFile file = new RandomAccessFile(directory.resolve(SEGMENT).toFile(), "rw")) {
            for (int i = from; i <= to; i++) {
                FileChannelRecordBatch batch = batches.get(i);
                long position = batch.position() + batch.sizeInBytes() - 2;
                file.seek(position);
                int value = file.read();
                file.seek(position);
                file.write(value ^ 0x5A);
            }
        }
    }

    private static List<Long> readAll(RecordCursor cursor) {
        List<Long> offsets = new ArrayList<>();
        Record record;
        while ((record = cursor.next()) != null) {
            assertThat(StandardCharsets.UTF_8.decode(record.value()).toString()).isEqualTo(Long.toString(record.offset()));
            offsets.add(record.offset());
        }
        return offsets;
    }

    private static List<Long> range(long from, long to) {
        List<Long> offsets = new ArrayList<>();
        for (long offset = from; offset < to; offset++) {
            offsets.add(offset);
        }
        return offsets;
    }

    @Test
    void shouldReturnTheRecordsFromItsFirstOffsetUpToItsEndInsideOneBatch() {
        write(1, 10);
        List<Lost> lost = new ArrayList<>();
        try (RecordCursor cursor = new RecordCursor(log, 3, 7, 1 << 20, (first, last, why) -> lost.add(new Lost(first, last)))) {
            assertThat(readAll(cursor)).containsExactly(3L, 4L, 5L, 6L);
            assertThat(cursor.position()).isEqualTo(7);
            assertThat(cursor.next()).isNull();
        }
        assertThat(lost).isEmpty();
    }

    @Test
    void shouldReportTheDamagedBatchesItFindsWhileReadingAndReturnEveryRecordAroundThem() throws IOException {
        write(40, 1);
        damageBatches(5, 12); // found by probing forward at 6, 8, 12 (all damaged), 20, then bisecting 12..20

        List<Lost> lost = new ArrayList<>();
        List<String> why = new ArrayList<>();
        try (RecordCursor cursor = new RecordCursor(log, 0, 40, 1 << 20, (first, last, reason) -> {
            lost.add(new Lost(first, last));
            why.add(reason);
        })) {
            List<Long> expected = range(0, 5);
            expected.addAll(range(13, 40));
            assertThat(readAll(cursor)).isEqualTo(expected);
            assertThat(cursor.position()).isEqualTo(40);
        }
        assertThat(lost).containsExactly(new Lost(5, 12));
        assertThat(why.get(0)).isNotBlank();
    }

    @Test
    void shouldReportADamagedTailUpToItsEnd() throws IOException {
        write(10, 1);
        damageBatches(7, 9);

        List<Lost> lost = new ArrayList<>();
        try (RecordCursor cursor = new RecordCursor(log, 0, 10, 1 << 20, (first, last, why) -> lost.add(new Lost(first, last)))) {
            assertThat(readAll(cursor)).isEqualTo(range(0, 7));
        }
        assertThat(lost).containsExactly(new Lost(7, 9));
    }

    @Test
    void shouldReportTheOffsetsOfTheEmptyBatchARepairLeftWhenItIsReadAlone() throws IOException {
        write(10, 2);
        log.close();
        damageBatches(3, 4); // offsets 6..9: the reopen keeps them as one empty batch
        log = Log.open(directory, config());

        List<Lost> lost = new ArrayList<>();
        // One byte a read: every read returns one batch, so the empty one comes alone.
        try (RecordCursor cursor = new RecordCursor(log, 0, 20, 1, (first, last, why) -> lost.add(new Lost(first, last)))) {
            List<Long> expected = range(0, 6);
            expected.addAll(range(10, 20));
            assertThat(readAll(cursor)).isEqualTo(expected);
        }
        assertThat(lost).containsExactly(new Lost(6, 9));
    }

    @Test
    void shouldFindWhereRecordsResumeAfterADamagedRangeWhenAnotherDamagedRangeLiesFurtherOn() throws IOException {
        write(40, 1);
        damageBatches(5, 6);
        damageBatches(20, 25); // where a search over all of 5..40 would look first

        List<Lost> lost = new ArrayList<>();
        try (RecordCursor cursor = new RecordCursor(log, 0, 40, 1 << 20, (first, last, why) -> lost.add(new Lost(first, last)))) {
            List<Long> expected = range(0, 5);
            expected.addAll(range(7, 20));
            expected.addAll(range(26, 40));
            assertThat(readAll(cursor)).isEqualTo(expected);
        }
        assertThat(lost).containsExactly(new Lost(5, 6), new Lost(20, 25));
    }

    @Test
    void shouldReportNoLostOffsetAtOrPastItsEndWhenTheDamageRunsOnPastIt() throws IOException {
        write(40, 1);
        damageBatches(30, 36);

        List<Lost> lost = new ArrayList<>();
        try (RecordCursor cursor = new RecordCursor(log, 25, 35, 1 << 20, (first, last, why) -> lost.add(new Lost(first, last)))) {
            assertThat(readAll(cursor)).isEqualTo(range(25, 30));
            assertThat(cursor.position()).isEqualTo(35);
        }
        assertThat(lost).containsExactly(new Lost(30, 34));
    }

    @Test
    void shouldFreeTheMemoryItReadLargeBatchesIntoWhenClosed() {
        assumeTrue(DirectMemory.freesExplicitly(), "this JVM frees direct memory only when collecting");
        int large = 3 << 19; // 1.5 MiB: read off the heap
        log = Log.open(directory, config().batchBytesMax(4 << 20).segmentBytesMax(8 << 20));
        log.append(List.of(new SimpleRecord(0L, null, new byte[large]))).join();
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        readTheLargeRecord(large); // whatever the first read sets up for good (a file channel's own buffers)
        long before = direct.getMemoryUsed();

        try (RecordCursor cursor = new RecordCursor(log, 0, 1, 1 << 20, (first, last, why) -> { })) {
            assertThat(cursor.next().valueSize()).isEqualTo(large);
            assertThat(direct.getMemoryUsed()).as("read off the heap").isGreaterThanOrEqualTo(before + large);
        }

        assertThat(direct.getMemoryUsed()).as("freed by close").isLessThan(before + large);
    }

    private void readTheLargeRecord(int large) {
        try (RecordCursor cursor = new RecordCursor(log, 0, 1, 1 << 20, (first, last, why) -> { })) {
            assertThat(cursor.next().valueSize()).isEqualTo(large);
        }
    }
}
