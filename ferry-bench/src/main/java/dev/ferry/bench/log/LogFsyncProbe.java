package dev.ferry.bench.log;

import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogFlusher;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The durable latency of one {@link Log} under {@link FsyncPolicy#ALWAYS} as a Kafka producer
 * loads a partition: one writer thread keeps {@code inFlight} 16 KiB batches (16 records of
 * 1000 B) waiting for their futures, appending the next as soon as one completes. Printed per
 * round: batches/s, flusher passes/s (each sync the flusher was asked for, whether it fsynced or
 * found a running fsync covering it), p50/p99 of the time from an append to its
 * future's completion and the process's CPU time per batch, with the load average. The flusher has {@code syncThreads} threads (4, as
 * the broker's). Compare builds by running their jars alternately;
 * {@link FsyncOverlapProbe} measures the same question on a bare file.
 *
 * <pre>
 * java -cp ferry-bench/target/benchmarks.jar dev.ferry.bench.log.LogFsyncProbe [seconds] [rounds] [inFlight] [syncThreads]
 * </pre>
 */
public final class LogFsyncProbe {
    private static final int RECORDS_PER_BATCH = 16;
    private static final int RECORD_BYTES = 1000;

    private LogFsyncProbe() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int syncThreads = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        ByteBuffer batch = BenchLogs.encodedBatch(RECORDS_PER_BATCH, RECORD_BYTES, 42);
        for (int round = 1; round <= rounds; round++) {
            Path directory = BenchLogs.scratchDirectory("ferry-log-fsync-probe");
            try {
                runRound(round, directory, batch, seconds, inFlight, syncThreads);
            } finally {
                BenchLogs.deleteRecursively(directory.getParent());
            }
        }
    }

    private static void runRound(int round, Path directory, ByteBuffer batch, int seconds, int inFlight, int syncThreads)
            throws InterruptedException {
        int capacity = 400_000;
        long[] latencyNanos = new long[capacity];
        AtomicLong syncs = new AtomicLong();
        Semaphore slots = new Semaphore(inFlight);
        int appended = 0;
        long start;
        long elapsed;
        long cpuStart;
        long cpu;
        try (LogFlusher flusher = new LogFlusher("probe-flusher", syncThreads);
                Log log = Log.open(directory, BenchLogs.config(FsyncPolicy.ALWAYS), flusher)) {
            flusher.observeSyncs(nanos -> syncs.incrementAndGet());
            cpuStart = processCpuNanos();
            start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end && appended < capacity) {
                slots.acquire();
                int index = appended++;
                long appendedAt = System.nanoTime();
                log.appendBatch(batch.duplicate()).whenComplete((result, failure) -> {
                    latencyNanos[index] = System.nanoTime() - appendedAt;
                    slots.release();
                });
                SingleWriterAppender.keepDiskUseBounded(log);
            }
            slots.acquire(inFlight);
            elapsed = System.nanoTime() - start;
            cpu = processCpuNanos() - cpuStart;
        }
        long[] sorted = Arrays.copyOf(latencyNanos, appended);
        Arrays.sort(sorted);
        double elapsedSeconds = elapsed / 1e9;
        System.out.printf("round %d inFlight=%d batches/s %7.0f  passes/s %6.0f  p50 %6.3f ms  p99 %6.3f ms  cpu/batch %5.1f us  load %s%n",
                round, inFlight, appended / elapsedSeconds, syncs.get() / elapsedSeconds, sorted[appended / 2] / 1e6,
                sorted[(int) (appended * 0.99)] / 1e6, cpu / 1e3 / appended, FsyncOverlapProbe.loadAverage());
    }

    /**
     * CPU time of the whole process, user and system (the kernel's time in the fsync and open calls
     * counts): a busy machine moves it less than it moves throughput.
     */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
