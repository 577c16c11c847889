package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.broker.MetadataRecord;
import dev.ferry.log.Log;
import dev.ferry.log.LogFlusher;

class MetadataWriterTest {
    @TempDir
    Path directory;
    private final LogFlusher flusher = new LogFlusher("test-flusher");

    @AfterEach
    void stopFlusher() {
        flusher.close();
    }

    private static MetadataRecord change(int i) {
        return new MetadataRecord.QueueDeclared("/", "q" + i, false, Map.of());
    }

    /** Holds the writer thread in a task until the returned latch is released. */
    private static CountDownLatch holdWriter(MetadataWriter writer) throws InterruptedException {
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

    @Test
    void shouldWriteEveryChangeWaitingWithOneWriteAndCompleteThemInOrder() throws Exception {
        Log log = Log.open(directory, MetadataLog.config(), flusher);
        MetadataWriter writer = new MetadataWriter(log);
        try {
            CountDownLatch release = holdWriter(writer);
            ConcurrentLinkedQueue<Integer> completed = new ConcurrentLinkedQueue<>();
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            List<CompletableFuture<Void>> noted = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int index = i;
                CompletableFuture<Void> future = writer.append(MetadataRecordCodec.encodeBatch(change(i)));
                noted.add(future.thenRun(() -> completed.add(index)));
                futures.add(future);
            }
            assertThat(futures).noneMatch(CompletableFuture::isDone);

            release.countDown();
            CompletableFuture.allOf(noted.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

            assertThat(writer.writes()).as("group commit: the 200 changes waiting went in one write").isEqualTo(1);
            assertThat(writer.changesWritten()).isEqualTo(200);
            assertThat(new ArrayList<>(completed)).isEqualTo(java.util.stream.IntStream.range(0, 200).boxed().toList());
            assertThat(log.durableEndOffset()).isEqualTo(200);
        } finally {
            writer.close();
        }
        try (MetadataLog reopened = MetadataLog.open(directory, flusher)) {
            assertThat(reopened.recovered()).hasSize(200).startsWith(change(0)).endsWith(change(199));
        }
    }

    @Test
    void shouldSplitAWriteAtItsLimit() throws Exception {
        Log log = Log.open(directory, MetadataLog.config(), flusher);
        MetadataWriter writer = new MetadataWriter(log);
        try {
            CountDownLatch release = holdWriter(writer);
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            for (int i = 0; i < MetadataWriter.WRITE_CHANGES_MAX + 10; i++) {
                futures.add(writer.append(MetadataRecordCodec.encodeBatch(change(i))));
            }
            release.countDown();
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            assertThat(writer.writes()).isEqualTo(2);
        } finally {
            writer.close();
        }
    }

    @Test
    void shouldFailTheChangesOfAFailedWriteAndEveryLaterOne() throws Exception {
        Log log = Log.open(directory, MetadataLog.config(), flusher);
        MetadataWriter writer = new MetadataWriter(log);
        try {
            writer.append(MetadataRecordCodec.encodeBatch(change(0))).get(10, TimeUnit.SECONDS);
            CountDownLatch release = holdWriter(writer);
            // The log stops taking writes (as after a failed write or fsync).
            log.close();
            CompletableFuture<Void> first = writer.append(MetadataRecordCodec.encodeBatch(change(1)));
            release.countDown();
            CompletableFuture<Void> later = writer.append(MetadataRecordCodec.encodeBatch(change(2)));

            for (CompletableFuture<Void> failed : List.of(first, later)) {
                assertThat(failed).failsWithin(10, TimeUnit.SECONDS);
            }
        } finally {
            writer.close();
        }
    }

    @Test
    void shouldMakeWhatItHoldsDurableOnCloseAndRefuseChangesAfter() throws Exception {
        Log log = Log.open(directory, MetadataLog.config(), flusher);
        MetadataWriter writer = new MetadataWriter(log);
        CompletableFuture<Void> before = writer.append(MetadataRecordCodec.encodeBatch(change(0)));
        writer.close();

        assertThat(before).isCompleted();
        CompletableFuture<Void> after = writer.append(MetadataRecordCodec.encodeBatch(change(1)));
        assertThat(after).isCompletedExceptionally();
        assertThat(after.handle((v, e) -> e instanceof CompletionException ? e.getCause() : e).join())
                .hasMessageContaining("closed");
        boolean[] refused = {false};
        writer.execute(() -> { }, () -> refused[0] = true);
        assertThat(refused[0]).isTrue();
    }

    @Test
    void shouldUseNoProcessorTimeWhileItWaitsForChanges() throws Exception {
        Log log = Log.open(directory, MetadataLog.config(), flusher);
        MetadataWriter writer = new MetadataWriter(log);
        try {
            writer.append(MetadataRecordCodec.encodeBatch(change(0))).get(10, TimeUnit.SECONDS);
            CompletableFuture<Thread> ranOn = new CompletableFuture<>();
            writer.execute(() -> ranOn.complete(Thread.currentThread()), () -> { });

            StoreMaintenanceTest.assertWaitsWithoutSpinning(ranOn.get(5, TimeUnit.SECONDS));
        } finally {
            writer.close();
        }
    }
}
