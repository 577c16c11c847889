package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The wall-clock timer queues use outside tests: alarms fire at their time, on its daemon thread, unless cancelled. */
class SystemQueueTimerTest {
    private final SystemQueueTimer timer = SystemQueueTimer.INSTANCE;

    @Test
    void shouldTellTheWallClock() {
        long before = System.currentTimeMillis();
        long now = timer.currentTimeMillis();
        assertThat(now).isBetween(before, System.currentTimeMillis());
    }

    @Test
    void shouldFireAnAlarmNoEarlierThanItsTimeOnItsDaemonThread() {
        long at = System.currentTimeMillis() + 50;
        CompletableFuture<Thread> fired = new CompletableFuture<>();
        CompletableFuture<Long> firedAt = new CompletableFuture<>();
        timer.schedule(at, () -> {
            firedAt.complete(System.currentTimeMillis());
            fired.complete(Thread.currentThread());
        });

        Thread thread = fired.orTimeout(5, TimeUnit.SECONDS).join();
        assertThat(firedAt.join()).isGreaterThanOrEqualTo(at);
        assertThat(thread.getName()).isEqualTo("ferry-queue-timer");
        assertThat(thread.isDaemon()).isTrue();
    }

    @Test
    void shouldFireAnAlarmWhoseTimeHasPassedAtOnce() {
        CompletableFuture<Void> fired = new CompletableFuture<>();
        timer.schedule(System.currentTimeMillis() - 60_000, () -> fired.complete(null));
        assertThat(fired).succeedsWithin(java.time.Duration.ofSeconds(5));
    }

    @Test
    void shouldNotFireACancelledAlarm() {
        CompletableFuture<String> fired = new CompletableFuture<>();
        QueueTimer.Cancellable cancelled = timer.schedule(System.currentTimeMillis() + 50, () -> fired.complete("cancelled"));
        cancelled.cancel();
        // An alarm set later than the cancelled one: once it has fired, the cancelled one would have too.
        timer.schedule(System.currentTimeMillis() + 100, () -> fired.complete("later"));

        assertThat(fired.orTimeout(5, TimeUnit.SECONDS).join()).isEqualTo("later");
    }
}
