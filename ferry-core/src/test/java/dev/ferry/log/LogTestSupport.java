package dev.ferry.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;

/**
 * Deterministic record content for the log tests: every record's key, value, header and
 * timestamp are a function of its offset, so a test (or the crash test's child process) can check
 * what it reads back without remembering what it wrote.
 */
final class LogTestSupport {
    static final long BASE_TIMESTAMP_MS = 1_700_000_000_000L;

    private LogTestSupport() {
    }

    static long timestampFor(long offset) {
        return BASE_TIMESTAMP_MS + offset * 10;
    }

    static byte[] keyFor(long offset) {
        return ("key-" + offset).getBytes(StandardCharsets.UTF_8);
    }

    /** A value whose length and bytes depend on the offset and the requested size. */
    static byte[] valueFor(long offset, int valueBytes) {
        byte[] value = new byte[valueBytes];
        SplittableRandom random = new SplittableRandom(offset * 31 + valueBytes);
        for (int i = 0; i < valueBytes; i++) {
            value[i] = (byte) random.nextInt(256);
        }
        return value;
    }

    static Header[] headersFor(long offset) {
        return new Header[] {new RecordHeader("offset", Long.toString(offset).getBytes(StandardCharsets.UTF_8))};
    }

    static SimpleRecord recordFor(long offset, int valueBytes) {
        return new SimpleRecord(timestampFor(offset), keyFor(offset), valueFor(offset, valueBytes), headersFor(offset));
    }

    /** Records for offsets {@code firstOffset ..}, with value sizes given per record. */
    static List<SimpleRecord> recordsFor(long firstOffset, int count, int valueBytes) {
        List<SimpleRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            records.add(recordFor(firstOffset + i, valueBytes));
        }
        return records;
    }

    /** Appends {@code count} records to the log, content chosen by their future offsets. */
    static AppendResult appendRecords(Log log, int count, int valueBytes) {
        return log.append(recordsFor(log.logEndOffset(), count, valueBytes)).join();
    }

    /** An encoded v2 batch whose base offset is deliberately wrong, as a producer would send it. */
    static ByteBuffer encodedBatch(long intendedFirstOffset, int count, int valueBytes) {
        ByteBuffer buffer = ByteBuffer.allocate(64 + count * (valueBytes + 64));
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < count; i++) {
            builder.append(recordFor(intendedFirstOffset + i, valueBytes));
        }
        return builder.build().buffer();
    }

    /** The value size {@link #valueFor} was called with is not stored, so checks compare against a size. */
    static boolean matches(Record record, int valueBytes) {
        long offset = record.offset();
        return record.timestamp() == timestampFor(offset)
                && ByteBuffer.wrap(keyFor(offset)).equals(record.key())
                && ByteBuffer.wrap(valueFor(offset, valueBytes)).equals(record.value())
                && record.headers().length == 1
                && ByteBuffer.wrap(headersFor(offset)[0].value()).equals(ByteBuffer.wrap(record.headers()[0].value()));
    }

    /**
     * Every record from the log start to its end, through {@link Log#read} and CRC-checked
     * decoding, continuing at {@link LogSlice#nextOffset()} (past the empty batches recovery leaves).
     */
    static List<Record> readAll(Log log, int maxBytes) {
        List<Record> records = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            LogSlice slice = log.read(next, maxBytes);
            records.addAll(slice.readRecords());
            long after = slice.nextOffset();
            if (after <= next) {
                throw new AssertionError("read at " + next + " made no progress before the end " + log.logEndOffset());
            }
            next = after;
        }
        return records;
    }

    /** Segments of 4 KiB and batches of at most 2 KiB: a few appends roll a segment. */
    static LogConfig tinyConfig(FsyncPolicy policy) {
        return new LogConfig().segmentBytesMax(4096).batchBytesMax(2048).indexIntervalBytes(256)
                .fsyncPolicy(policy).segmentDeleteDelayMs(0);
    }

    static LogConfig smallConfig(FsyncPolicy policy) {
        return new LogConfig().segmentBytesMax(16 * 1024).batchBytesMax(8 * 1024).indexIntervalBytes(256)
                .fsyncPolicy(policy).flushIntervalMs(10).segmentDeleteDelayMs(0);
    }
}
