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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A flusher with several sync threads: different logs are synced at once, each log's futures still in order. */
class LogFlusherThreadsTest {
    @TempDir
    Path directory;

    @Test
    void shouldSyncAnotherLogWhileOneSyncThreadIsBusy() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (LogFlusher flusher = new LogFlusher("busy-flusher", 2)) {
            Log first = Log.open(directory.resolve("first"), smallConfig(FsyncPolicy.ALWAYS), flusher);
            Log second = Log.open(directory.resolve("second"), smallConfig(FsyncPolicy.ALWAYS), flusher);
            try {
                CountDownLatch firstCompleting = new CountDownLatch(1);
                CompletableFuture<Void> held = null;
                // Completions run on the sync thread: this one holds its thread as a long fsync would.
                // An append already synced when the callback is attached runs it here instead: try again.
                for (int attempt = 0; attempt < 50 && firstCompleting.getCount() > 0; attempt++) {
                    CompletableFuture<Void> completion = first.append(recordsFor(first.logEndOffset(), 1, 50)).thenRun(() -> {
                        if (Thread.currentThread().getName().startsWith("busy-flusher")) {
                            firstCompleting.countDown();
                            awaitQuietly(release);
                        }
                    });
                    held = completion;
                    await().atMost(Duration.ofSeconds(10)).until(() -> completion.isDone() || firstCompleting.getCount() == 0);
                }
                assertThat(firstCompleting.getCount()).as("a completion held on a sync thread").isZero();

                CompletableFuture<AppendResult> other = second.append(recordsFor(0, 3, 50));

                // With one sync thread the second log would wait behind the first.
                await().atMost(Duration.ofSeconds(10)).until(other::isDone);
                assertThat(other.join()).isEqualTo(new AppendResult(0, 2));
                assertThat(second.durableEndOffset()).isEqualTo(3);
                assertThat(held).isNotDone();
                release.countDown();
                held.get(10, TimeUnit.SECONDS);
                assertThat(first.durableEndOffset()).isEqualTo(first.logEndOffset());
            } finally {
                release.countDown();
                first.close();
                second.close();
            }
        }
    }

    @Test
    void shouldCompleteEachLogsFuturesInOffsetOrderWhateverThreadSyncsIt() {
        try (LogFlusher flusher = new LogFlusher("ordered-flusher", 4)) {
            List<Log> logs = new ArrayList<>();
            List<List<Long>> completionOrders = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                logs.add(Log.open(directory.resolve("log-" + i), smallConfig(FsyncPolicy.ALWAYS), flusher));
                completionOrders.add(Collections.synchronizedList(new ArrayList<>()));
            }
            List<Boolean> durableAtCompletion = Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<Void>> recorded = new ArrayList<>();
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < logs.size(); i++) {
                    Log log = logs.get(i);
                    List<Long> order = completionOrders.get(i);
                    recorded.add(log.append(recordsFor(log.logEndOffset(), 1 + round % 3, 80)).thenAccept(result -> {
                        durableAtCompletion.add(log.durableEndOffset() > result.lastOffset());
                        order.add(result.firstOffset());
                    }));
                }
            }

            CompletableFuture.allOf(recorded.toArray(new CompletableFuture<?>[0])).join();

            for (int i = 0; i < logs.size(); i++) {
                assertThat(completionOrders.get(i)).hasSize(200).isSorted();
                assertThat(logs.get(i).durableEndOffset()).isEqualTo(logs.get(i).logEndOffset()).isEqualTo(399);
            }
            assertThat(durableAtCompletion).hasSize(600).containsOnly(true);
            logs.forEach(Log::close);
        }
    }

    @Test
    void shouldStopEverySyncThreadOnClose() {
        LogFlusher flusher = new LogFlusher("closing-flusher", 3);
        assertThat(threadsNamed("closing-flusher-")).hasSize(3);

        flusher.close();

        assertThat(threadsNamed("closing-flusher-")).isEmpty();
    }

    @Test
    void shouldLetOneOfItsOwnSyncThreadsCloseItWithoutWaitingForItself() throws Exception {
        LogFlusher flusher = new LogFlusher("self-closing-flusher", 2);
        CompletableFuture<Boolean> closedOnASyncThread = new CompletableFuture<>();
        // The observer runs on the sync thread that did the sync: a close there must not join that thread.
        flusher.observeSyncs(nanos -> {
            if (!closedOnASyncThread.isDone()) {
                boolean ownThread = flusher.isFlusherThread();
                flusher.close();
                closedOnASyncThread.complete(ownThread);
            }
        });
        try (Log log = Log.open(directory.resolve("self-closing"), smallConfig(FsyncPolicy.ALWAYS), flusher,
                new FileHandleCache(16))) {
            CompletableFuture<AppendResult> appended = log.append(recordsFor(0, 1, 10));

            assertThat(closedOnASyncThread.get(10, TimeUnit.SECONDS)).as("closed on one of its sync threads").isTrue();
            assertThat(appended.get(10, TimeUnit.SECONDS)).isEqualTo(new AppendResult(0, 0));
            await().atMost(Duration.ofSeconds(10)).until(() -> threadsNamed("self-closing-flusher-").isEmpty());
        }
    }

    @Test
    void shouldRefuseAFlusherWithoutThreads() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new LogFlusher("no-threads", 0));
    }

    private static List<Thread> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith(prefix) && thread.isAlive()).toList();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
