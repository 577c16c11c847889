package dev.ferry.bench.log;

import dev.ferry.log.FileTrees;
import dev.ferry.log.FsyncPolicy;
import dev.ferry.log.LogConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/** What the log benchmarks share: a scratch directory, a configuration, pre-encoded batches. */
final class BenchLogs {
    /** Large enough that a roll (fsync + index write on the writer) is rare, as in production. */
    static final int SEGMENT_BYTES_MAX = 64 * 1024 * 1024;

    private BenchLogs() {
    }

    static Path scratchDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix).resolve("log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LogConfig config(FsyncPolicy fsyncPolicy) {
        return new LogConfig().segmentBytesMax(SEGMENT_BYTES_MAX).batchBytesMax(1024 * 1024).fsyncPolicy(fsyncPolicy)
                .segmentDeleteDelayMs(0);
    }

    /**
     * One RecordBatch v2 of {@code recordCount} records with {@code recordBytes}-byte values (no key,
     * no headers), as a producer or the AMQP front would hand it to {@code Log.appendBatch}.
     */
    static ByteBuffer encodedBatch(int recordCount, int recordBytes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer buffer = ByteBuffer.allocate(128 + recordCount * (recordBytes + 32));
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        long now = System.currentTimeMillis();
        for (int i = 0; i < recordCount; i++) {
            byte[] value = new byte[recordBytes];
            for (int j = 0; j < recordBytes; j++) {
                value[j] = (byte) random.nextInt(256);
            }
            builder.append(now, null, value);
        }
        return builder.build().buffer();
    }

    static void deleteRecursively(Path directory) {
        if (directory == null) {
            return;
        }
        try {
            FileTrees.deleteRecursively(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
