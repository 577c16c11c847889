package dev.ferry.log;

import static dev.ferry.log.LogTestSupport.recordsFor;
import static dev.ferry.log.LogTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link LogFlusher#manual() manual} flusher, driven by {@link LogFlusher#doWork(long)} with
 * the time passed in: which syncs a round does, when an INTERVAL log is due, and what it refuses.
 */
class LogFlusherManualTest {
    private static final long INTERVAL_MS = 10;

    @TempDir
    Path directory;

    @Test
    void shouldSyncEveryLogThatAskedOnceAndCountThem() {
        LogFlusher flusher = LogFlusher.manual();
        try (Log first = Log.open(directory.resolve("first"), smallConfig(FsyncPolicy.ALWAYS), flusher);
                Log second = Log.open(directory.resolve("second"), smallConfig(FsyncPolicy.ALWAYS), flusher)) {
            CompletableFuture<AppendResult> one = first.append(recordsFor(0, 2, 50));
            CompletableFuture<AppendResult> two = first.append(recordsFor(2, 2, 50));
            CompletableFuture<AppendResult> three = second.append(recordsFor(0, 1, 50));
            assertThat(one).as("nothing is synced until the flusher works").isNotDone();

            assertThat(flusher.doWork(0)).as("one sync per log that asked, however many appends").isEqualTo(2);

            assertThat(one).isCompletedWithValue(new AppendResult(0, 1));
            assertThat(two).isCompletedWithValue(new AppendResult(2, 3));
            assertThat(three).isCompletedWithValue(new AppendResult(0, 0));
            assertThat(flusher.doWork(0)).as("nobody asked since").isZero();
        }
    }

    @Test
    void shouldSyncAnIntervalLogExactlyWhenItsIntervalIsDueAndThenAnIntervalLater() {
        LogFlusher flusher = LogFlusher.manual();
        AtomicInteger syncs = new AtomicInteger();
        flusher.observeSyncs(nanos -> {
            assertThat(nanos).as("how long the sync took").isNotNegative().isLessThan(TimeUnit.MINUTES.toNanos(1));
            syncs.incrementAndGet();
        });
        LogConfig config = smallConfig(FsyncPolicy.INTERVAL).flushIntervalMs(INTERVAL_MS);
        try (Log log = Log.open(directory.resolve("interval"), config, flusher)) {
            log.append(recordsFor(0, 3, 50)).join();
            long due = log.nextIntervalSyncNanos;

            assertThat(flusher.doWork(due - 1)).as("INTERVAL syncs are not counted as requested").isZero();
            assertThat(syncs).as("a nanosecond before it is due").hasValue(0);
            assertThat(log.durableEndOffset()).isZero();

            flusher.doWork(due);
            assertThat(syncs).as("when it is due").hasValue(1);
            assertThat(log.durableEndOffset()).isEqualTo(3);

            long next = due + TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS);
            assertThat(log.nextIntervalSyncNanos).as("the next deadline").isEqualTo(next);
            log.append(recordsFor(3, 2, 50)).join();
            flusher.doWork(next - 1);
            assertThat(syncs).hasValue(1);
            flusher.doWork(next);
            assertThat(syncs).hasValue(2);
            assertThat(log.durableEndOffset()).isEqualTo(5);
        }
    }

    /** An INTERVAL log's first sync falls due one interval after it registered, not at once. */
    @Test
    void shouldSetTheFirstIntervalDeadlineOneIntervalAfterTheLogOpened() {
        LogFlusher flusher = LogFlusher.manual();
        AtomicInteger syncs = new AtomicInteger();
        flusher.observeSyncs(nanos -> syncs.incrementAndGet());
        long hourMs = TimeUnit.HOURS.toMillis(1);
        long before = System.nanoTime();
        try (Log log = Log.open(directory.resolve("first-deadline"), smallConfig(FsyncPolicy.INTERVAL).flushIntervalMs(hourMs),
                flusher)) {
            long after = System.nanoTime();

            assertThat(log.nextIntervalSyncNanos).isBetween(before + TimeUnit.MILLISECONDS.toNanos(hourMs),
                    after + TimeUnit.MILLISECONDS.toNanos(hourMs));
            flusher.doWork(after);
            assertThat(syncs).as("not due for an hour").hasValue(0);
        }
    }

    @Test
    void shouldRefuseToBeDrivenByHandWhenItRunsItsOwnThreads() {
        try (LogFlusher flusher = new LogFlusher("threaded-flusher")) {
            assertThatThrownBy(() -> flusher.doWork(0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("threaded-flusher");
        }
    }

    @Test
    void shouldRefuseANullSyncObserver() {
        assertThatThrownBy(() -> LogFlusher.manual().observeSyncs(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void shouldNameItsThreadsAfterTheFlusher() {
        try (LogFlusher single = new LogFlusher("single-flusher"); LogFlusher pair = new LogFlusher("pair-flusher", 2)) {
            assertThat(single.isFlusherThread()).as("the test's thread").isFalse();
            assertThat(threadNames()).contains("single-flusher", "pair-flusher-0", "pair-flusher-1")
                    .doesNotContain("single-flusher-0", "pair-flusher");
            assertThat(Thread.getAllStackTraces().keySet()).filteredOn(thread -> thread.getName().startsWith("pair-flusher-"))
                    .as("sync threads never keep the JVM alive").hasSize(2).allMatch(Thread::isDaemon);
        }
    }

    private static java.util.List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
    }
}
