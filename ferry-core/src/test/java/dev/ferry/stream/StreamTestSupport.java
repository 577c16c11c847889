package dev.ferry.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.log.LogFlusher;
import dev.ferry.log.LogSlice;

/** Batches as producers build them, and readers of what a partition holds. */
final class StreamTestSupport {
    private StreamTestSupport() {
    }

    /** Runs a manual flusher's fsyncs until {@code future} completes (topic changes wait for the registry log's fsync too). */
    static <T> T syncUntilDone(LogFlusher flusher, CompletableFuture<T> future) {
        org.awaitility.Awaitility.await().until(() -> {
            flusher.doWork(System.nanoTime());
            return future.isDone();
        });
        return future.join();
    }

    static SimpleRecord record(long timestampMs, String value) {
        return new SimpleRecord(timestampMs, null, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A plain (non-idempotent) batch of {@code values}, timestamped {@code timestampMs}, as a fresh heap buffer. */
    static ByteBuffer batch(long timestampMs, String... values) {
        return copy(MemoryRecords.withRecords(Compression.NONE, records(timestampMs, values)).buffer());
    }

    static ByteBuffer compressedBatch(long timestampMs, String... values) {
        return copy(MemoryRecords.withRecords(Compression.gzip().build(), records(timestampMs, values)).buffer());
    }

    static ByteBuffer idempotentBatch(long producerId, short epoch, int baseSequence, long timestampMs, String... values) {
        return copy(MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence,
                records(timestampMs, values)).buffer());
    }

    static ByteBuffer transactionalBatch(long producerId, short epoch, int baseSequence, long timestampMs,
            String... values) {
        return copy(MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, epoch, baseSequence,
                records(timestampMs, values)).buffer());
    }

    private static SimpleRecord[] records(long timestampMs, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = record(timestampMs, values[i]);
        }
        return records;
    }

    static ByteBuffer copy(ByteBuffer source) {
        ByteBuffer copy = ByteBuffer.allocate(source.remaining());
        copy.put(source.duplicate()).flip();
        return copy;
    }

    /** Every value the partition lets readers see from {@code fromOffset}, in offset order. */
    static List<String> values(Partition partition, long fromOffset) {
        List<String> values = new ArrayList<>();
        long offset = fromOffset;
        while (offset < partition.highWatermark()) {
            LogSlice slice = partition.read(offset, 64 * 1024);
            for (Record record : slice.readRecords()) {
                values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
            }
            if (slice.nextOffset() <= offset) {
                break;
            }
            offset = slice.nextOffset();
        }
        return values;
    }

    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new CompletionException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The error code {@code future} failed with; fails the test if it succeeded. */
    static ErrorCode failure(CompletableFuture<?> future) {
        try {
            future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BrokerException broker) {
                return broker.errorCode();
            }
            throw new AssertionError("failed with " + e.getCause() + ", not a BrokerException", e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("succeeded where a failure was expected");
    }
}
