package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.recordsFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File descriptors: many logs share a small {@link FileHandleCache}, hold none while idle, stay
 * readable and writable however often their files are closed under them, and a slice survives
 * the eviction of its file.
 */
class LogFileHandleTest {
    private static final int VALUE_BYTES = 120;

    @TempDir
    Path directory;

    private static LogConfig config() {
        return new LogConfig().segmentBytesMax(4 * 1024).batchBytesMax(2 * 1024).indexIntervalBytes(512)
                .fsyncPolicy(FsyncPolicy.ALWAYS).segmentDeleteDelayMs(0);
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
            return descriptors.count();
        }
    }

    @Test
    void shouldServeFarMoreLogsThanTheCacheHasHandles() throws Exception {
        int logCount = 60;
        FileHandleCache cache = new FileHandleCache(6);
        List<Log> logs = new ArrayList<>();
        long descriptorsBefore = openDescriptors();
        try (LogFlusher flusher = new LogFlusher("shared-flusher")) {
            for (int i = 0; i < logCount; i++) {
                logs.add(Log.open(directory.resolve("queue-" + i), config(), flusher, cache));
            }
            for (int round = 0; round < 30; round++) {
                List<CompletableFuture<AppendResult>> confirms = new ArrayList<>();
                for (Log log : logs) {
                    confirms.add(log.append(recordsFor(log.logEndOffset(), 2, VALUE_BYTES)));
                }
                if (round % 10 == 9) {
                    // Group commit across the logs now and then: fsyncs through reopened handles too.
                    CompletableFuture.allOf(confirms.toArray(new CompletableFuture<?>[0])).join();
                }
            }
            long descriptorsWithLogsOpen = openDescriptors();

            for (Log log : logs) {
                assertThat(log.segmentCount()).as("rolled, so sealed segments are read too").isGreaterThan(1);
                List<Record> records = readAll(log, 1000);
                assertThat(records).hasSize(60).allMatch(record -> LogTestSupport.matches(record, VALUE_BYTES));
                assertThat(log.offsetForTimestamp(LogTestSupport.timestampFor(45))).hasValue(45);
            }
            assertThat(cache.evictions()).isPositive();
            assertThat(cache.openCount()).as("idle handles beyond the capacity were closed").isLessThanOrEqualTo(6);
            assertThat(descriptorsWithLogsOpen - descriptorsBefore)
                    .as("descriptors held by %d open logs (a flusher thread and the cache's handles)", logCount)
                    .isLessThan(6 + 10);
            for (Log log : logs) {
                log.close();
            }
        }
        assertThat(cache.openCount()).as("closed logs hold no descriptor").isZero();
        for (int i = 0; i < logCount; i++) {
            try (Log log = Log.open(directory.resolve("queue-" + i), config(), null, cache)) {
                assertThat(readAll(log, 100_000)).hasSize(60);
            }
        }
    }

    @Test
    void shouldHoldNoDescriptorWhileIdleAndReopenOnDemand() {
        FileHandleCache cache = new FileHandleCache(8);
        try (Log log = Log.open(directory.resolve("idle"), config(), null, cache)) {
            log.append(recordsFor(0, 3, VALUE_BYTES)).join();
            cache.closeIdle();
            assertThat(cache.openCount()).isZero();

            assertThat(readAll(log, 10_000)).hasSize(3);
            assertThat(log.append(recordsFor(3, 2, VALUE_BYTES)).join()).isEqualTo(new AppendResult(3, 4));
            assertThat(cache.openCount()).isEqualTo(1);
        }
        assertThat(cache.openCount()).isZero();
    }

    @Test
    void shouldKeepASliceReadableAfterItsFileWasEvicted() throws IOException {
        FileHandleCache cache = new FileHandleCache(4);
        try (Log held = Log.open(directory.resolve("held"), config(), null, cache)) {
            held.append(recordsFor(0, 5, VALUE_BYTES)).join();
            LogSlice slice = held.read(0, 100_000);
            long opensBefore = cache.opens();
            List<Log> others = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Log other = Log.open(directory.resolve("other-" + i), config(), null, cache);
                others.add(other);
                other.append(recordsFor(0, 1, VALUE_BYTES)).join();
            }
            assertThat(cache.evictions()).as("the held log's file was closed to make room").isPositive();
            others.forEach(Log::close);

            assertThat(slice.readRecords()).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
            Path copy = directory.resolve("sent.bin");
            try (FileChannel target = FileChannel.open(copy, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                assertThat(slice.transferTo(target)).isEqualTo(slice.sizeInBytes());
            }
            assertThat(MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(copy))).records())
                    .hasSize(5).allMatch(record -> LogTestSupport.matches(record, VALUE_BYTES));
            assertThat(cache.opens()).as("reopened for the slice").isGreaterThan(opensBefore + 10);
        }
    }

    @Test
    void shouldReopenAFileThatAnInterruptedReaderClosedForEveryone() throws Exception {
        FileHandleCache cache = new FileHandleCache(8);
        try (Log log = Log.open(directory.resolve("interrupted"), config(), null, cache)) {
            log.append(recordsFor(0, 4, VALUE_BYTES)).join();
            // An interrupted thread's I/O closes the shared FileChannel (ClosedByInterruptException).
            CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                Thread.currentThread().interrupt();
                try {
                    log.read(0, 100_000).readRecords();
                    interrupted.complete(null);
                } catch (RuntimeException e) {
                    interrupted.complete(e);
                }
            });
            reader.start();
            reader.join();
            assertThat(interrupted.get()).as("the interrupted reader itself fails").isNotNull();

            assertThat(log.append(recordsFor(4, 1, VALUE_BYTES)).join()).as("the writer does not")
                    .isEqualTo(new AppendResult(4, 4));
            assertThat(log.hasFailed()).isFalse();
            assertThat(log.read(0, 100_000).readRecords()).as("nor do other readers").hasSize(5);
        }
    }

    @Test
    void shouldNeverCloseAHandleInUse() throws IOException {
        FileHandleCache cache = new FileHandleCache(FileHandleCache.CAPACITY_MIN);
        List<FileHandleCache.CachedFile> files = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Path path = directory.resolve("file-" + i);
            Files.write(path, new byte[] {(byte) i});
            files.add(cache.file(path, StandardOpenOption.READ));
        }
        FileChannel pinned = cache.acquire(files.get(0));
        for (FileHandleCache.CachedFile file : files.subList(1, 10)) {
            cache.acquire(file);
            cache.release(file);
        }

        assertThat(pinned.isOpen()).as("pinned through nine other opens").isTrue();
        assertThat(cache.openCount()).isEqualTo(FileHandleCache.CAPACITY_MIN);
        cache.release(files.get(0));
        cache.discard(files.get(0));
        assertThat(pinned.isOpen()).isFalse();
        assertThatThrownBy(() -> cache.acquire(files.get(0))).isInstanceOf(java.nio.channels.ClosedChannelException.class);
    }

    @Test
    void shouldDeriveItsDefaultSizeFromTheDescriptorLimit() {
        OptionalLong limit = FileHandleCache.descriptorLimit();

        assertThat(limit).as("readable on Linux").isPresent();
        assertThat(FileHandleCache.defaultCapacity())
                .isEqualTo((int) Math.max(16, Math.min(16_384, limit.getAsLong() / 2)));
    }
}
