package dev.ferry.bench.log;

import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.Log;
import dev.ferry.log.LogSlice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.record.internal.Record;
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

/**
 * Sequential read of a 256 MiB log (in the page cache after setup, as a consumer reading near the
 * head would find it), 1 MiB per read, wrapping around at the end:
 * {@code readRecords} decodes and CRC-checks every batch (the broker delivering to AMQP
 * consumers); {@code transferTo} sends the bytes to /dev/null with sendfile (a Kafka Fetch).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class LogReadBenchmark {
    private static final long LOG_BYTES = 256L * 1024 * 1024;
    private static final int READ_BYTES_MAX = 1024 * 1024;
    private static final int BATCH_RECORDS = 16;

    @Param({"100", "1024"})
    public int recordBytes;

    private Path directory;
    private Log log;
    private FileChannel devNull;
    private long nextOffset;
    private int batchBytes;

    @Setup(Level.Trial)
    public void fill() throws IOException {
        directory = BenchLogs.scratchDirectory("ferry-read-bench");
        log = Log.open(directory, BenchLogs.config(FsyncPolicy.NEVER));
        ByteBuffer batch = BenchLogs.encodedBatch(BATCH_RECORDS, recordBytes, 42);
        batchBytes = batch.remaining();
        while (log.sizeInBytes() < LOG_BYTES) {
            log.appendBatch(batch);
        }
        log.flush();
        devNull = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        devNull.close();
        log.close();
        BenchLogs.deleteRecursively(directory.getParent());
    }

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
    }

    @Benchmark
    public int readRecords(Throughput throughput) {
        if (nextOffset >= log.logEndOffset()) {
            nextOffset = 0;
        }
        LogSlice slice = log.read(nextOffset, READ_BYTES_MAX);
        List<Record> records = slice.readRecords();
        Record last = records.get(records.size() - 1);
        long recordCount = last.offset() + 1 - nextOffset;
        throughput.records += recordCount;
        throughput.bytes += recordCount * recordBytes;
        nextOffset = last.offset() + 1;
        return records.size();
    }

    @Benchmark
    public long transferTo(Throughput throughput) throws IOException {
        if (nextOffset >= log.logEndOffset()) {
            nextOffset = 0;
        }
        LogSlice slice = log.read(nextOffset, READ_BYTES_MAX);
        long sent = slice.transferTo(devNull);
        // Whole batches of equal size: the records sent are the whole batches the slice holds.
        long batches = sent / batchBytes;
        throughput.records += batches * BATCH_RECORDS;
        throughput.bytes += batches * BATCH_RECORDS * recordBytes;
        nextOffset += batches * BATCH_RECORDS;
        return sent;
    }
}
