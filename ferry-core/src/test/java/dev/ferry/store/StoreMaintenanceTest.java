package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The storage's housekeeping thread: its periodic task each period and not sooner, handed-over
 * work at once, and on close the work handed over before it, waited for.
 */
class StoreMaintenanceTest {
    private StoreMaintenance maintenance;

    @AfterEach
    void close() {
        if (maintenance != null) {
            maintenance.close();
        }
    }

    /** Blocks the maintenance thread in a task until the returned latch is released. */
    private static CountDownLatch hold(StoreMaintenance maintenance) throws InterruptedException {
        return hold(maintenance::execute);
    }

    /** Blocks the thread that {@code execute} runs a task on until the returned latch is released. */
    static CountDownLatch hold(Consumer<Runnable> execute) throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        execute.accept(() -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        return release;
    }

    /** Calls {@code close} on a new thread (not a shared pool's, which another test may keep busy). */
    static CompletableFuture<Void> closeOnAThreadOfItsOwn(Runnable close) {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Thread closer = new Thread(() -> {
            close.run();
            closed.complete(null);
        }, "test-closer");
        closer.setDaemon(true);
        closer.start();
        return closed;
    }

    @Test
    void shouldRunHandedOverWorkAtOnceOnADaemonThread() throws Exception {
        maintenance = new StoreMaintenance(() -> { }, 60_000);
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();

        maintenance.execute(() -> ranOn.complete(Thread.currentThread()));

        Thread thread = ranOn.get(5, TimeUnit.SECONDS);
        assertThat(thread.getName()).isEqualTo("ferry-store-maintenance");
        assertThat(thread.isDaemon()).isTrue();
        maintenance.close();
        assertThat(thread.isAlive()).as("stopped by close, long before its period ends").isFalse();
        maintenance = null;
    }

    @Test
    void shouldRunItsPeriodicTaskOncePerPeriodStartingOnePeriodAfterItStarts() {
        long periodMs = 200;
        List<Long> runs = new CopyOnWriteArrayList<>();
        long started = System.nanoTime();
        maintenance = new StoreMaintenance(() -> runs.add(System.nanoTime()), periodMs);

        await().atMost(Duration.ofSeconds(5)).until(() -> runs.size() >= 3);

        long slack = TimeUnit.MILLISECONDS.toNanos(periodMs / 4);
        long period = TimeUnit.MILLISECONDS.toNanos(periodMs);
        assertThat(runs.get(0) - started).as("the first run").isGreaterThanOrEqualTo(period - slack);
        assertThat(runs.get(1) - runs.get(0)).as("the second run").isGreaterThanOrEqualTo(period - slack);
        assertThat(runs.get(2) - runs.get(1)).as("the third run").isGreaterThanOrEqualTo(period - slack);
    }

    @Test
    void shouldRunWhatWasHandedOverBeforeCloseAndCloseOnlyOnceItIsDone() throws Exception {
        maintenance = new StoreMaintenance(() -> { }, 60_000);
        CountDownLatch release = hold(maintenance);
        CompletableFuture<Void> handedOver = new CompletableFuture<>();
        maintenance.execute(() -> handedOver.complete(null));
        CompletableFuture<Void> closed = closeOnAThreadOfItsOwn(maintenance::close);

        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !closed.isDone());
        release.countDown();

        closed.get(5, TimeUnit.SECONDS);
        assertThat(handedOver).as("done before close returned").isCompleted();
        maintenance = null;
    }

    @Test
    void shouldKeepTheCallersInterruptWhenCloseIsInterrupted() throws Exception {
        maintenance = new StoreMaintenance(() -> { }, 60_000);
        CountDownLatch release = hold(maintenance);
        Thread.currentThread().interrupt();
        try (LogCapture warnings = new LogCapture(StoreMaintenance.class)) {
            maintenance.close();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            assertThat(warnings.lines(ch.qos.logback.classic.Level.WARN)).as("its thread is still busy")
                    .singleElement().asString().contains("did not stop");
        } finally {
            Thread.interrupted();
            release.countDown();
        }
        maintenance.close();
        maintenance = null;
    }

    @Test
    void shouldRunWorkHandedOverWhileItsPeriodicTaskRanWhenCloseCameMeanwhile() throws Exception {
        CountDownLatch periodicEntered = new CountDownLatch(1);
        CountDownLatch releasePeriodic = new CountDownLatch(1);
        maintenance = new StoreMaintenance(() -> {
            periodicEntered.countDown();
            try {
                releasePeriodic.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 10);
        assertThat(periodicEntered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> handedOver = new CompletableFuture<>();
        maintenance.execute(() -> handedOver.complete(null));
        CompletableFuture<Void> closed = closeOnAThreadOfItsOwn(maintenance::close);
        await().atMost(Duration.ofSeconds(5)).until(() -> closerWaits());

        releasePeriodic.countDown();

        closed.get(5, TimeUnit.SECONDS);
        assertThat(handedOver).as("the checkpoint a queue handed over last still gets written").isCompleted();
        maintenance = null;
    }

    @Test
    void shouldGoOnWithItsWorkAfterATaskFails() throws Exception {
        maintenance = new StoreMaintenance(() -> { }, 60_000);
        CompletableFuture<Void> after = new CompletableFuture<>();
        try (LogCapture errors = new LogCapture(StoreMaintenance.class)) {
            maintenance.execute(() -> {
                throw new IllegalStateException("a failed checkpoint");
            });
            maintenance.execute(() -> after.complete(null));

            after.get(5, TimeUnit.SECONDS);
            assertThat(errors.lines(ch.qos.logback.classic.Level.ERROR)).singleElement().asString()
                    .contains("Store maintenance task failed");
        }
    }

    @Test
    void shouldUseNoProcessorTimeWhileItWaitsForItsPeriod() throws Exception {
        maintenance = new StoreMaintenance(() -> { }, 60_000);
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        maintenance.execute(() -> ranOn.complete(Thread.currentThread()));

        assertWaitsWithoutSpinning(ranOn.get(5, TimeUnit.SECONDS));
    }

    /**
     * Asserts that {@code thread} uses (next to) no processor time for a second: it waits parked
     * and does not poll. A thread that spins gets far more, even on a busy machine.
     */
    static void assertWaitsWithoutSpinning(Thread thread) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled(), "no thread CPU times here");
        long start = threads.getThreadCpuTime(thread.getId());
        long limit = TimeUnit.MILLISECONDS.toNanos(20);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> threads.getThreadCpuTime(thread.getId()) - start < limit);
    }

    /** Whether the test's closer thread waits in close (for the maintenance thread to end). */
    private static boolean closerWaits() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.getName().equals("test-closer") && thread.getState() == Thread.State.TIMED_WAITING);
    }
}
