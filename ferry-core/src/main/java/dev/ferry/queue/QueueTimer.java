package dev.ferry.queue;

/**
 * The clock and alarm a queue uses for message TTLs, retry delays and x-expires. Alarms run on the
 * timer's thread and must only post a command to the queue. Tests pass a manual implementation so
 * that time moves only when the test says so.
 *
 * <p>Thread safety: implementations must accept calls from any queue owner thread.
 */
public interface QueueTimer {

    /** Now, in epoch milliseconds. */
    long currentTimeMillis();

    /** Runs {@code task} once, at or soon after {@code epochMillis}; the returned handle cancels it. */
    Cancellable schedule(long epochMillis, Runnable task);

    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }
}
