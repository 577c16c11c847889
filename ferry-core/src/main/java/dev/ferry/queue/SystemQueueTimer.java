package dev.ferry.queue;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The wall clock, and one daemon thread that fires the alarms of every queue in the process.
 * Alarms only post a command to their queue, so one thread is plenty; queues never get a thread of
 * their own for time.
 */
public final class SystemQueueTimer implements QueueTimer {
    public static final SystemQueueTimer INSTANCE = new SystemQueueTimer();

    private final ScheduledThreadPoolExecutor alarms;

    private SystemQueueTimer() {
        alarms = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "ferry-queue-timer");
            thread.setDaemon(true);
            return thread;
        });
        // Queues reschedule often (each new earliest expiry); cancelled alarms must not pile up.
        alarms.setRemoveOnCancelPolicy(true);
    }

    @Override
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public Cancellable schedule(long epochMillis, Runnable task) {
        long delay = Math.max(0, epochMillis - System.currentTimeMillis());
        ScheduledFuture<?> alarm = alarms.schedule(task, delay, TimeUnit.MILLISECONDS);
        return () -> alarm.cancel(false);
    }
}
