package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/** The threads that create new queues' files: daemons; close lets them finish what they hold, then refuses more. */
class QueueFileThreadsTest {

    @Test
    void shouldFinishTheWorkItHoldsBeforeCloseReturnsAndRefuseWorkAfter() throws Exception {
        QueueFileThreads threads = new QueueFileThreads(2);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Boolean> daemon = new CompletableFuture<>();
        threads.execute(() -> {
            daemon.complete(Thread.currentThread().isDaemon());
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(daemon.get()).as("never keeps the JVM up").isTrue();
        CompletableFuture<Void> closed = StoreMaintenanceTest.closeOnAThreadOfItsOwn(threads::close);

        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !closed.isDone());
        release.countDown();
        closed.get(5, TimeUnit.SECONDS);

        assertThatThrownBy(() -> threads.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void shouldKeepTheCallersInterruptWhenCloseIsInterrupted() throws Exception {
        QueueFileThreads threads = new QueueFileThreads(1);
        CountDownLatch release = StoreMaintenanceTest.hold(threads::execute);
        Thread.currentThread().interrupt();
        try {
            threads.close();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
            release.countDown();
        }
    }

    @Test
    void shouldUseNoProcessorTimeWhileTheyWaitForWork() throws Exception {
        QueueFileThreads threads = new QueueFileThreads(2);
        try {
            CompletableFuture<Thread> ranOn = new CompletableFuture<>();
            threads.execute(() -> ranOn.complete(Thread.currentThread()));

            StoreMaintenanceTest.assertWaitsWithoutSpinning(ranOn.get(5, TimeUnit.SECONDS));
        } finally {
            threads.close();
        }
    }

    @Test
    void shouldStartAsManyThreadsAsAskedFor() {
        Set<Thread> before = queueFileThreads();
        QueueFileThreads threads = new QueueFileThreads(2);
        try {
            Set<Thread> started = new HashSet<>(queueFileThreads());
            started.removeAll(before);
            assertThat(started).extracting(Thread::getName)
                    .containsExactlyInAnyOrder("ferry-queue-files-0", "ferry-queue-files-1");
        } finally {
            threads.close();
        }
    }

    private static Set<Thread> queueFileThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("ferry-queue-files-") && thread.isAlive())
                .collect(Collectors.toSet());
    }
}
