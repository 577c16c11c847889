package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.readAll;
import static dev.ferry.log.LogTestSupport.recordsFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two fsyncs of one log at once (issue 11): a sync requested while one runs starts at once, on its
 * own descriptor. The test holds each sync between its start ({@link Log#startRequestedSync}) and
 * its run ({@link Log#runSync}) to end them in either order: the durable end only moves forward,
 * futures complete in offset order, a failure of either fails every append not yet durable, and
 * no descriptor outlives the log.
 */
class LogOverlappingSyncTest {
    private static final int VALUE_BYTES = 100;

    @TempDir
    Path directory;

    private final LogFlusher flusher = LogFlusher.manual();
    private final List<Long> completedFirstOffsets = Collections.synchronizedList(new ArrayList<>());
    /** The callbacks recording completions: joining an append's future does not wait for them. */
    private final List<CompletableFuture<Void>> recordings = new ArrayList<>();
    private Log log;

    @AfterEach
    void closeLog() {
        if (log != null && !log.isClosed()) {
            log.close();
        }
    }

    private static LogConfig config() {
        return LogTestSupport.tinyConfig(FsyncPolicy.ALWAYS);
    }

    private CompletableFuture<AppendResult> append(int records) {
        CompletableFuture<AppendResult> future = log.append(recordsFor(log.logEndOffset(), records, VALUE_BYTES));
        recordings.add(future.thenAccept(result -> completedFirstOffsets.add(result.firstOffset())));
        return future;
    }

    /** Appends 3 records, starts a sync covering them, appends 2 more, starts a second sync covering all 5. */
    private TwoSyncs startTwoSyncs() {
        CompletableFuture<AppendResult> first = append(3);
        Log.Sync coveringFirst = log.startRequestedSync();
        CompletableFuture<AppendResult> second = append(2);
        return new TwoSyncs(first, coveringFirst, second, log.startRequestedSync());
    }

    private record TwoSyncs(CompletableFuture<AppendResult> first, Log.Sync coveringFirst,
            CompletableFuture<AppendResult> second, Log.Sync coveringBoth) {
    }

    @Test
    void shouldCompleteEverythingBelowTheHigherEndWhenTheLaterSyncEndsFirst() {
        FileHandleCache cache = new FileHandleCache(16);
        log = Log.open(directory.resolve("later-first"), config(), flusher, cache);
        TwoSyncs syncs = startTwoSyncs();

        assertThat(syncs.coveringFirst().endOffset()).isEqualTo(3);
        assertThat(syncs.coveringBoth().endOffset()).isEqualTo(5);
        assertThat(syncs.coveringBoth().slot()).as("each sync has its own descriptor").isNotEqualTo(syncs.coveringFirst().slot());
        assertThat(cache.openCount()).as("the writer's descriptor and one per sync slot").isEqualTo(3);
        CompletableFuture<AppendResult> third = append(1);
        assertThat(log.startRequestedSync()).as("a third sync while two run").isNull();

        log.runSync(syncs.coveringBoth(), true);

        assertThat(syncs.first()).isCompletedWithValue(new AppendResult(0, 2));
        assertThat(syncs.second()).isCompletedWithValue(new AppendResult(3, 4));
        assertThat(third).isNotDone();
        assertThat(log.durableEndOffset()).isEqualTo(5);

        log.runSync(syncs.coveringFirst(), true);

        assertThat(log.durableEndOffset()).as("an end below the durable one changes nothing").isEqualTo(5);
        assertThat(third).isNotDone();
        assertThat(flusher.doWork(0)).as("the flusher's queued request syncs the rest").isPositive();
        assertThat(third).isCompletedWithValue(new AppendResult(5, 5));
        assertThat(completedFirstOffsets).containsExactly(0L, 3L, 5L);
    }

    /**
     * A request finding everything written claimed by a sync already (a running one, or a roll's
     * own fsync) starts no sync: it completes the appends that are durable, and only those.
     */
    @Test
    void shouldStartNoSyncForWhatIsClaimedAlreadyAndCompleteWhatARollMadeDurable() {
        log = Log.open(directory.resolve("claimed"), config(), flusher, new FileHandleCache(16));
        CompletableFuture<AppendResult> first = append(3);
        Log.Sync running = log.startRequestedSync();
        Log.Sync again = runIfStarted(log.startRequestedSync());
        assertThat(first).isNotDone();
        log.runSync(running, true);

        assertThat(again).as("nothing written since the running sync began").isNull();
        assertThat(first).isCompletedWithValue(new AppendResult(0, 2));
        CompletableFuture<AppendResult> second = append(2);
        log.rollActiveSegment();
        assertThat(log.durableEndOffset()).as("the roll's own fsync").isEqualTo(5);
        assertThat(second).as("a roll completes nothing itself").isNotDone();

        assertThat(runIfStarted(log.startRequestedSync())).as("the roll claimed everything written").isNull();
        assertThat(second).isCompletedWithValue(new AppendResult(3, 4));
    }

    /** A flush whose writes a running sync covers waits for that sync's end rather than starting another fsync. */
    @Test
    void shouldLetAFlushWaitForTheRunningSyncThatCoversItsWrites() throws InterruptedException {
        log = Log.open(directory.resolve("flush-waits"), config(), flusher, new FileHandleCache(16));
        CompletableFuture<AppendResult> appended = append(3);
        Log.Sync running = log.startRequestedSync();
        Thread flushing = new Thread(log::flush, "flushing");
        flushing.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> flushing.getState() == Thread.State.WAITING);
            assertThat(appended).as("no fsync of the flush's own").isNotDone();
        } finally {
            log.runSync(running, false);
        }
        flushing.join(10_000);

        assertThat(flushing.isAlive()).isFalse();
        assertThat(appended).as("completed by the flush once the sync ended").isCompletedWithValue(new AppendResult(0, 2));
    }

    /**
     * The flusher's request found both sync slots busy and was used up: the sync that ends next
     * asks the flusher again, so what was written after both began is synced without a new append.
     */
    @Test
    void shouldAskTheFlusherAgainWhenASyncEndsAfterARequestFoundEverySlotBusy() {
        log = Log.open(directory.resolve("asked-again"), config(), flusher, new FileHandleCache(16));
        TwoSyncs syncs = startTwoSyncs();
        CompletableFuture<AppendResult> third = append(1);
        assertThat(flusher.doWork(0)).as("the request of the appends, which finds both slots busy").isOne();
        assertThat(third).isNotDone();

        log.runSync(syncs.coveringBoth(), true);
        log.runSync(syncs.coveringFirst(), true);

        assertThat(third).isNotDone();
        assertThat(flusher.doWork(0)).as("asked again by the sync that ended").isOne();
        assertThat(third).isCompletedWithValue(new AppendResult(5, 5));
        assertThat(flusher.doWork(0)).as("once").isZero();
    }

    /** Runs a sync that should not have started, so that the failing test does not leave close waiting for it. */
    private Log.Sync runIfStarted(Log.Sync sync) {
        if (sync != null) {
            log.runSync(sync, false);
        }
        return sync;
    }

    @Test
    void shouldCompleteEachSyncsAppendsInTurnWhenTheEarlierSyncEndsFirst() {
        log = Log.open(directory.resolve("earlier-first"), config(), flusher, new FileHandleCache(16));
        TwoSyncs syncs = startTwoSyncs();

        log.runSync(syncs.coveringFirst(), true);

        assertThat(syncs.first()).isCompletedWithValue(new AppendResult(0, 2));
        assertThat(syncs.second()).as("written after the first sync began").isNotDone();
        assertThat(log.durableEndOffset()).isEqualTo(3);

        log.runSync(syncs.coveringBoth(), true);

        assertThat(syncs.second()).isCompletedWithValue(new AppendResult(3, 4));
        assertThat(log.durableEndOffset()).isEqualTo(5);
        assertThat(completedFirstOffsets).containsExactly(0L, 3L);
    }

    @Test
    void shouldFailEveryAppendNotDurableWhenTheLaterSyncFailsAndIgnoreTheEarlierOneEndingWell() {
        SimulatedFileSystem fileSystem = new SimulatedFileSystem();
        log = Log.open(Path.of("/simulated/later-fails"), config(), flusher, new FileHandleCache(16, fileSystem));
        TwoSyncs syncs = startTwoSyncs();
        fileSystem.failForces(1);

        log.runSync(syncs.coveringBoth(), true);

        assertThat(log.hasFailed()).isTrue();
        assertThat(syncs.first()).as("its own sync has not ended").isCompletedExceptionally();
        assertThat(syncs.second()).isCompletedExceptionally();
        assertThatThrownBy(syncs.first()::join).hasCauseInstanceOf(LogStorageException.class).hasMessageContaining("fsync");

        log.runSync(syncs.coveringFirst(), true);

        assertThat(log.durableEndOffset()).as("a sync ending well after the log failed").isZero();
        assertThatThrownBy(() -> append(1)).isInstanceOf(LogStorageException.class);
        assertReopenedHolds(fileSystem, "/simulated/later-fails", 0);
    }

    @Test
    void shouldFailOnlyWhatIsNotDurableWhenTheEarlierSyncFailsAfterTheLaterEndedWell() {
        SimulatedFileSystem fileSystem = new SimulatedFileSystem();
        log = Log.open(Path.of("/simulated/earlier-fails"), config(), flusher, new FileHandleCache(16, fileSystem));
        TwoSyncs syncs = startTwoSyncs();
        log.runSync(syncs.coveringBoth(), true);
        CompletableFuture<AppendResult> third = append(2);
        fileSystem.failForces(1);

        log.runSync(syncs.coveringFirst(), true);

        assertThat(log.hasFailed()).isTrue();
        assertThat(syncs.first()).isCompletedWithValue(new AppendResult(0, 2));
        assertThat(syncs.second()).isCompletedWithValue(new AppendResult(3, 4));
        assertThat(third).isCompletedExceptionally();
        assertThat(log.durableEndOffset()).isEqualTo(5);
        assertReopenedHolds(fileSystem, "/simulated/earlier-fails", 5);
    }

    @Test
    void shouldIgnoreTheLaterSyncEndingWellAfterTheEarlierFailed() {
        SimulatedFileSystem fileSystem = new SimulatedFileSystem();
        log = Log.open(Path.of("/simulated/earlier-fails-first"), config(), flusher, new FileHandleCache(16, fileSystem));
        TwoSyncs syncs = startTwoSyncs();
        fileSystem.failForces(1);

        log.runSync(syncs.coveringFirst(), true);
        log.runSync(syncs.coveringBoth(), true);

        assertThat(syncs.first()).isCompletedExceptionally();
        assertThat(syncs.second()).as("failed by the first failure, not revived by a later success").isCompletedExceptionally();
        assertThat(log.durableEndOffset()).isZero();
        assertReopenedHolds(fileSystem, "/simulated/earlier-fails-first", 0);
    }

    @Test
    void shouldCompleteAnAppendThatOnlyARollsFsyncMadeDurable() throws Exception {
        // The roll's fsync (on the writer, which does not complete futures) ends after the flusher's
        // pass found everything claimed by it: someone must still complete the append it covered.
        SimulatedFileSystem fileSystem = new SimulatedFileSystem();
        log = Log.open(Path.of("/simulated/roll-last"), config(), flusher, new FileHandleCache(16, fileSystem));
        CompletableFuture<AppendResult> appended = append(3);
        CountDownLatch rollSyncing = new CountDownLatch(1);
        CountDownLatch passDone = new CountDownLatch(1);
        fileSystem.beforeEachForce(() -> {
            rollSyncing.countDown();
            try {
                passDone.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletableFuture<Integer> rolling = CompletableFuture.supplyAsync(() -> log.deleteSegmentsBelow(log.logEndOffset()));
        assertThat(rollSyncing.await(10, TimeUnit.SECONDS)).as("the roll's fsync began").isTrue();

        assertThat(flusher.doWork(0)).as("the append's own request, served while the roll's fsync runs").isEqualTo(1);
        assertThat(appended).as("not durable yet: the roll's fsync has not ended").isNotDone();
        fileSystem.beforeEachForce(() -> { });
        passDone.countDown();
        rolling.get(10, TimeUnit.SECONDS);

        assertThat(log.durableEndOffset()).as("the roll's fsync made it durable").isEqualTo(3);
        flusher.doWork(0);
        assertThat(appended).as("completed by the flusher pass the roll asked for").isCompletedWithValue(new AppendResult(0, 2));
    }

    @Test
    void shouldWaitOnCloseForARunningSyncAndLeaveNoDescriptorOpen() {
        FileHandleCache cache = new FileHandleCache(16);
        log = Log.open(directory.resolve("closing"), config(), flusher, cache);
        CompletableFuture<AppendResult> first = append(3);
        Log.Sync running = log.startRequestedSync();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(log::close);

        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !closing.isDone());
        log.runSync(running, true);

        closing.join();
        assertThat(first).isCompletedWithValue(new AppendResult(0, 2));
        assertThat(log.isClosed()).isTrue();
        assertThat(cache.openCount()).as("descriptors left open after close").isZero();
    }

    @Test
    void shouldRollWhileASyncOfTheSealedSegmentRunsAndReleaseItsDescriptors() {
        FileHandleCache cache = new FileHandleCache(16);
        log = Log.open(directory.resolve("rolling"), config(), flusher, cache);
        CompletableFuture<AppendResult> first = append(3);
        Log.Sync running = log.startRequestedSync();
        List<CompletableFuture<AppendResult>> appends = new ArrayList<>();
        while (log.segmentCount() == 1) {
            appends.add(append(3));
        }
        long sealedEnd = log.segmentBaseOffsets().get(1);
        assertThat(log.durableEndOffset()).as("the roll's own fsync, beside the running one").isEqualTo(sealedEnd);

        log.runSync(running, true);
        flusher.doWork(0);
        log.close();

        assertThat(first).isCompletedWithValue(new AppendResult(0, 2));
        assertThat(appends).allMatch(future -> future.isDone() && !future.isCompletedExceptionally());
        assertThat(completedFirstOffsets).isSorted().hasSize(appends.size() + 1);
        assertThat(cache.openCount()).as("descriptors left open after close").isZero();
    }

    @Test
    void shouldCompleteOneLogsFuturesInOffsetOrderWithFourSyncThreads() {
        try (LogFlusher threads = new LogFlusher("overlap-flusher", 4)) {
            FileHandleCache cache = new FileHandleCache(16);
            log = Log.open(directory.resolve("threaded"), config().segmentBytesMax(64 * 1024), threads, cache);
            List<Boolean> durableAtCompletion = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 400; i++) {
                CompletableFuture<AppendResult> future = append(1 + i % 3);
                recordings.add(future.thenAccept(result -> durableAtCompletion.add(log.durableEndOffset() > result.lastOffset())));
            }

            CompletableFuture.allOf(recordings.toArray(new CompletableFuture<?>[0])).join();

            assertThat(completedFirstOffsets).hasSize(400).isSorted();
            assertThat(durableAtCompletion).hasSize(400).containsOnly(true);
            assertThat(log.durableEndOffset()).isEqualTo(log.logEndOffset());
            log.close();
            assertThat(cache.openCount()).as("descriptors left open after close").isZero();
        }
    }

    private void assertReopenedHolds(SimulatedFileSystem fileSystem, String path, long endOffset) {
        log.close();
        try (Log reopened = Log.open(Path.of(path), config(), LogFlusher.manual(), new FileHandleCache(16, fileSystem))) {
            assertThat(reopened.logEndOffset()).isEqualTo(endOffset);
            assertThat(readAll(reopened, 100_000)).extracting(Record::offset)
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(0, endOffset).boxed().toList());
        }
    }
}
