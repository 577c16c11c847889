package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import dev.ferry.broker.MetadataRecord;
import dev.ferry.log.Log;
import dev.ferry.log.LogFlusher;

/**
 * Where the metadata writer cuts its writes (exactly at its byte and change limits), that a task
 * runs after the changes queued before it are written, that one failed write logs one ERROR, and
 * the writer thread's own properties.
 */
class MetadataWriterBatchingTest {
    @TempDir
    Path directory;
    private final LogFlusher flusher = new LogFlusher("test-flusher");
    private Log log;
    private MetadataWriter writer;

    @BeforeEach
    void open() {
        log = Log.open(directory, MetadataLog.config(), flusher);
        writer = new MetadataWriter(log);
    }

    @AfterEach
    void close() {
        writer.close();
        flusher.close();
    }

    private static ByteBuffer change(int i) {
        return MetadataRecordCodec.encodeBatch(new MetadataRecord.QueueDeclared("/", "q" + i, false, Map.of()));
    }

    /** A change whose encoded batch is exactly {@code bytes} long. */
    private static ByteBuffer changeOfBytes(int i, int bytes) {
        String prefix = "q" + i + "-";
        int padding = bytes - MetadataRecordCodec.encodeBatch(
                new MetadataRecord.QueueDeclared("/", prefix + "x".repeat(bytes - 200), false, Map.of())).remaining();
        ByteBuffer batch = MetadataRecordCodec.encodeBatch(
                new MetadataRecord.QueueDeclared("/", prefix + "x".repeat(bytes - 200 + padding), false, Map.of()));
        assertThat(batch.remaining()).isEqualTo(bytes);
        return batch;
    }

    /** Holds the writer thread in a task until the returned latch is released. */
    private CountDownLatch holdWriter() throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        writer.execute(() -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, () -> { });
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        return release;
    }

    private long writesOf(List<ByteBuffer> batches) throws Exception {
        long before = writer.writes();
        CountDownLatch release = holdWriter();
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (ByteBuffer batch : batches) {
            futures.add(writer.append(batch));
        }
        release.countDown();
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        return writer.writes() - before;
    }

    @Test
    void shouldFillAWriteToExactlyItsByteLimit() throws Exception {
        int quarter = MetadataWriter.WRITE_BYTES_MAX / 4;
        List<ByteBuffer> four = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            four.add(changeOfBytes(i, quarter));
        }
        assertThat(writesOf(four)).as("four quarters of the limit: one write").isEqualTo(1);

        List<ByteBuffer> five = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            five.add(changeOfBytes(10 + i, quarter));
        }
        assertThat(writesOf(five)).as("five quarters: two writes").isEqualTo(2);
    }

    @Test
    void shouldPutOneChangeMoreThanTheChangeLimitInASecondWrite() throws Exception {
        List<ByteBuffer> batches = new ArrayList<>();
        for (int i = 0; i <= MetadataWriter.WRITE_CHANGES_MAX; i++) {
            batches.add(change(i));
        }
        assertThat(writesOf(batches)).isEqualTo(2);
        assertThat(writer.changesWritten()).isEqualTo(MetadataWriter.WRITE_CHANGES_MAX + 1);
    }

    @Test
    void shouldRunATaskAfterTheChangesQueuedBeforeItAreWritten() throws Exception {
        CountDownLatch release = holdWriter();
        writer.append(change(0));
        writer.append(change(1));
        CompletableFuture<Long> endSeenByTask = new CompletableFuture<>();
        writer.execute(() -> endSeenByTask.complete(log.logEndOffset()), () -> endSeenByTask.complete(-1L));

        release.countDown();

        assertThat(endSeenByTask.get(10, TimeUnit.SECONDS)).isEqualTo(2);
    }

    @Test
    void shouldLogAFailedWriteOnceAndRunOnADaemonThread() throws Exception {
        CompletableFuture<Boolean> daemon = new CompletableFuture<>();
        writer.execute(() -> daemon.complete(Thread.currentThread().isDaemon()), () -> daemon.complete(null));
        assertThat(daemon.get(10, TimeUnit.SECONDS)).as("the writer thread never keeps the JVM up").isTrue();

        try (LogCapture errors = new LogCapture(MetadataWriter.class)) {
            CountDownLatch release = holdWriter();
            log.close(); // the log takes no more writes, as after a failed fsync
            CompletableFuture<Void> first = writer.append(change(0));
            release.countDown();
            assertThat(first).failsWithin(10, TimeUnit.SECONDS);
            CompletableFuture<Void> second = writer.append(change(1));
            assertThat(second).failsWithin(10, TimeUnit.SECONDS);

            assertThat(errors.lines(Level.ERROR)).singleElement().asString()
                    .contains("Storing 1 metadata changes failed").contains("until a restart");
        }
    }

    @Test
    void shouldKeepTheCallersInterruptWhenCloseIsInterrupted() {
        Thread.currentThread().interrupt();
        try {
            writer.close();
            assertThat(Thread.currentThread().isInterrupted()).as("close keeps the caller's interrupt").isTrue();
        } finally {
            Thread.interrupted();
        }
    }
}
