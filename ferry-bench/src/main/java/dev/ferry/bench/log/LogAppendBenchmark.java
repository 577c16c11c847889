package dev.ferry.bench.log;

import dev.ferry.log.AppendResult;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Append throughput of one log: records of {@code recordBytes}, in batches of {@code batchRecords},
 * under an fsync policy, with 1, 4 or 16 appenders. Each operation appends one pre-encoded batch
 * with {@code Log.appendBatch} and waits for its future, so under ALWAYS an operation ends only
 * when its records are fsynced: appenders are closed-loop producers waiting for confirms.
 *
 * <p>One appender appends directly on the JMH thread (it is the log's single writer, like a queue's
 * owner). Four or sixteen appenders hand their batches to a {@link SingleWriterAppender}, whose one
 * thread writes while the log's flusher fsyncs, so one fsync covers the batches of many appenders.
 *
 * <p>Secondary results {@code records} and {@code bytes} are rates (per second) summed over appenders.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LogAppendBenchmark {

    @State(Scope.Benchmark)
    public static class SharedLog {
        @Param({"100", "1024"})
        public int recordBytes;

        @Param({"1", "16", "256"})
        public int batchRecords;

        @Param({"NEVER", "ALWAYS"})
        public FsyncPolicy fsyncPolicy;

        Path directory;
        Log log;
        SingleWriterAppender appender;
        final AtomicLong seeds = new AtomicLong();

        @Setup(Level.Trial)
        public void open() {
            directory = BenchLogs.scratchDirectory("ferry-append-bench");
            log = Log.open(directory, BenchLogs.config(fsyncPolicy));
            appender = new SingleWriterAppender(log);
        }

        @TearDown(Level.Trial)
        public void close() throws InterruptedException {
            appender.close();
            log.close();
            BenchLogs.deleteRecursively(directory.getParent());
        }
    }

    /** Each appender's own batch, encoded once: the benchmark measures the log, not the encoder. */
    @State(Scope.Thread)
    public static class AppenderBatch {
        ByteBuffer batch;
        int batchRecords;
        int batchBytes;

        @Setup(Level.Trial)
        public void encode(SharedLog shared) {
            batch = BenchLogs.encodedBatch(shared.batchRecords, shared.recordBytes, shared.seeds.incrementAndGet());
            batchRecords = shared.batchRecords;
            batchBytes = batch.remaining();
        }
    }

    /** Per-appender counts JMH reports as rates next to the operation rate. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Throughput {
        public long records;
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            records = 0;
            bytes = 0;
        }

        void add(AppenderBatch batch) {
            records += batch.batchRecords;
            bytes += batch.batchBytes;
        }
    }

    @Benchmark
    @Threads(1)
    public AppendResult appenders01(SharedLog shared, AppenderBatch batch, Throughput throughput) {
        AppendResult result = shared.log.appendBatch(batch.batch).join();
        SingleWriterAppender.keepDiskUseBounded(shared.log);
        throughput.add(batch);
        return result;
    }

    @Benchmark
    @Threads(4)
    public AppendResult appenders04(SharedLog shared, AppenderBatch batch, Throughput throughput) {
        AppendResult result = shared.appender.append(batch.batch).join();
        throughput.add(batch);
        return result;
    }

    @Benchmark
    @Threads(16)
    public AppendResult appenders16(SharedLog shared, AppenderBatch batch, Throughput throughput) {
        AppendResult result = shared.appender.append(batch.batch).join();
        throughput.add(batch);
        return result;
    }
}
