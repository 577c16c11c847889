package dev.ferry.bench.log;

import dev.ferry.log.CompactionSettings;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogCleaner;
import dev.ferry.log.LogConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Compaction throughput, and what a cleaning does to the latency of appends running beside it.
 * A single-shot measurement rather than JMH: one cleaning of a log of a given size is the unit.
 *
 * <p>For each round: a log of {@code logMiB} MiB of keyed updates ({@code keys} distinct keys,
 * uniformly random, {@code valueBytes}-byte values, 64-record batches, 16 MiB segments, fsync
 * ALWAYS) is written; then a closed-loop appender (one 16-record batch at a time, waiting for its
 * fsync) runs for 5 s alone, then while {@link LogCleaner#cleanIfDirty} cleans every sealed
 * segment on another thread, then 5 s alone again (the disk is shared, so the two periods alone
 * show how much of a difference is the machine's own drift). Printed: MB/s cleaned (sealed bytes read and
 * rewritten per second of cleaning), bytes before and after, and append latency percentiles for
 * the three periods.
 *
 * <pre>
 * java -cp ferry-bench/target/benchmarks.jar dev.ferry.bench.log.CompactionBenchmark [logMiB] [keys] [valueBytes] [rounds]
 * </pre>
 */
public final class CompactionBenchmark {
    private static final int SEGMENT_BYTES = 16 * 1024 * 1024;
    private static final int FILL_BATCH_RECORDS = 64;
    private static final int PROBE_BATCH_RECORDS = 16;

    private CompactionBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int logMiB = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int valueBytes = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        System.out.printf("log %d MiB, %d keys, %d-byte values, %d-record batches, %d MiB segments, fsync ALWAYS%n",
                logMiB, keys, valueBytes, FILL_BATCH_RECORDS, SEGMENT_BYTES >> 20);
        for (int round = 1; round <= rounds; round++) {
            runRound(round, logMiB, keys, valueBytes);
        }
    }

    private static void runRound(int round, int logMiB, int keys, int valueBytes) throws IOException {
        Path directory = BenchLogs.scratchDirectory("ferry-compaction-bench-");
        LogConfig config = new LogConfig().segmentBytesMax(SEGMENT_BYTES).batchBytesMax(1024 * 1024)
                .fsyncPolicy(FsyncPolicy.ALWAYS).segmentDeleteDelayMs(0);
        SplittableRandom random = new SplittableRandom(round);
        try (Log log = Log.open(directory, config)) {
            long target = (long) logMiB << 20;
            CompletableFuture<?> last = null;
            while (log.sizeInBytes() < target) {
                last = log.appendBatch(keyedBatch(FILL_BATCH_RECORDS, keys, valueBytes, random));
            }
            last.join();
            long before = log.sizeInBytes();

            long[] baseline = appendFor(log, TimeUnit.SECONDS.toNanos(5), null, keys, valueBytes, random);

            AtomicBoolean cleaning = new AtomicBoolean(true);
            long[] cleanNanos = new long[1];
            LogCleaner.Result[] result = new LogCleaner.Result[1];
            Thread cleaner = new Thread(() -> {
                long start = System.nanoTime();
                try {
                    result[0] = LogCleaner.cleanIfDirty(log, new CompactionSettings(86_400_000L, 0.0, 0),
                            System.currentTimeMillis());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                } finally {
                    cleanNanos[0] = System.nanoTime() - start;
                    cleaning.set(false);
                }
            }, "bench-cleaner");
            cleaner.start();
            long[] during = appendFor(log, Long.MAX_VALUE, cleaning, keys, valueBytes, random);
            try {
                cleaner.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long[] after = appendFor(log, TimeUnit.SECONDS.toNanos(5), null, keys, valueBytes, random);
            double seconds = cleanNanos[0] / 1e9;
            System.out.printf("round %d: cleaned %.1f MB in %.2f s = %.1f MB/s; %d records removed; log %.1f MB -> %.1f MB%n",
                    round, result[0].bytesCleaned() / 1e6, seconds, result[0].bytesCleaned() / 1e6 / seconds,
                    result[0].recordsRemoved(), before / 1e6, log.sizeInBytes() / 1e6);
            System.out.printf("  append latency before, alone (%d appends):  %s%n", baseline.length, percentiles(baseline));
            System.out.printf("  append latency while cleaning (%d appends): %s%n", during.length, percentiles(during));
            System.out.printf("  append latency after, alone (%d appends):   %s%n", after.length, percentiles(after));
        } finally {
            BenchLogs.deleteRecursively(directory.getParent());
        }
    }

    /** Closed-loop appends of 16 keyed records until {@code nanos} pass or {@code running} turns false; their latencies. */
    private static long[] appendFor(Log log, long nanos, AtomicBoolean running, int keys, int valueBytes,
            SplittableRandom random) {
        long[] latencies = new long[1 << 16];
        int count = 0;
        long start = System.nanoTime();
        while (System.nanoTime() - start < nanos && (running == null || running.get())) {
            ByteBuffer batch = keyedBatch(PROBE_BATCH_RECORDS, keys, valueBytes, random);
            long before = System.nanoTime();
            log.appendBatch(batch).join();
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = System.nanoTime() - before;
        }
        return Arrays.copyOf(latencies, count);
    }

    private static ByteBuffer keyedBatch(int records, int keys, int valueBytes, SplittableRandom random) {
        ByteBuffer buffer = ByteBuffer.allocate(128 + records * (valueBytes + 48));
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        long now = System.currentTimeMillis();
        byte[] value = new byte[valueBytes];
        for (int i = 0; i < records; i++) {
            random.nextBytes(value);
            builder.append(now, ("key-" + random.nextInt(keys)).getBytes(StandardCharsets.UTF_8), value);
        }
        return builder.build().buffer();
    }

    private static String percentiles(long[] latencies) {
        if (latencies.length == 0) {
            return "none";
        }
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return String.format("p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms", at(sorted, 0.50), at(sorted, 0.99),
                at(sorted, 0.999), sorted[sorted.length - 1] / 1e6);
    }

    private static double at(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) (quantile * sorted.length))] / 1e6;
    }
}
