package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.recordsFor;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When futures complete under each fsync policy, and in which order. */
class LogFsyncTest {
    @TempDir
    Path directory;

    @Test
    void shouldCompleteAlwaysFuturesAfterTheirFsyncInOffsetOrder() {
        try (Log log = Log.open(directory.resolve("durable"), smallConfig(FsyncPolicy.ALWAYS))) {
            List<Long> completionOrder = Collections.synchronizedList(new ArrayList<>());
            List<Boolean> durableAtCompletion = Collections.synchronizedList(new ArrayList<>());
            // The recording stages, not the appends: waiting for an append does not wait for what
            // runs after it on the flusher thread.
            List<CompletableFuture<Void>> recorded = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                CompletableFuture<AppendResult> future = log.append(recordsFor(log.logEndOffset(), 1 + i % 4, 100));
                recorded.add(future.thenAccept(result -> {
                    durableAtCompletion.add(log.durableEndOffset() > result.lastOffset());
                    completionOrder.add(result.firstOffset());
                }));
            }

            CompletableFuture.allOf(recorded.toArray(new CompletableFuture<?>[0])).join();

            assertThat(completionOrder).hasSize(300).isSorted();
            assertThat(durableAtCompletion).containsOnly(true);
            assertThat(log.durableEndOffset()).isEqualTo(log.logEndOffset());
        }
    }

    @Test
    void shouldCompleteAllPendingFuturesOnClose() {
        List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
        Log log = Log.open(directory.resolve("durable"), smallConfig(FsyncPolicy.ALWAYS));
        for (int i = 0; i < 50; i++) {
            futures.add(log.append(recordsFor(log.logEndOffset(), 2, 100)));
        }
        log.close();

        assertThat(futures).allMatch(future -> future.isDone() && !future.isCompletedExceptionally());
        assertThat(log.durableEndOffset()).isEqualTo(100);
    }

    @Test
    void shouldSyncIntervalLogsWithinTheInterval() {
        try (Log log = Log.open(directory.resolve("interval"), smallConfig(FsyncPolicy.INTERVAL).flushIntervalMs(20))) {
            CompletableFuture<AppendResult> future = log.append(recordsFor(0, 5, 100));

            assertThat(future).as("INTERVAL does not wait for the fsync").isCompletedWithValue(new AppendResult(0, 4));
            await().atMost(Duration.ofSeconds(5)).until(() -> log.durableEndOffset() == 5);
        }
    }

    @Test
    void shouldSyncNeverLogsOnlyWhenAsked() {
        try (Log log = Log.open(directory.resolve("transient"), smallConfig(FsyncPolicy.NEVER))) {
            CompletableFuture<AppendResult> future = log.append(recordsFor(0, 5, 100));

            assertThat(future).isCompletedWithValue(new AppendResult(0, 4));
            assertThat(log.durableEndOffset()).isZero();
            log.flush();
            assertThat(log.durableEndOffset()).isEqualTo(5);
        }
    }

    @Test
    void shouldServeSeveralLogsFromOneSharedFlusher() {
        try (LogFlusher flusher = new LogFlusher("shared-flusher")) {
            Log first = Log.open(directory.resolve("first"), smallConfig(FsyncPolicy.ALWAYS), flusher);
            Log second = Log.open(directory.resolve("second"), smallConfig(FsyncPolicy.ALWAYS), flusher);
            List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                futures.add(first.append(recordsFor(first.logEndOffset(), 1, 50)));
                futures.add(second.append(recordsFor(second.logEndOffset(), 1, 50)));
            }

            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).join();

            assertThat(first.durableEndOffset()).isEqualTo(20);
            assertThat(second.durableEndOffset()).isEqualTo(20);
            first.close();
            second.close();
        }
    }
}
