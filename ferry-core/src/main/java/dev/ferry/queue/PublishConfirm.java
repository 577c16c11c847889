package dev.ferry.queue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tracks one published message until every queue it was routed to has accepted it; then the
 * publisher may be confirmed. "Accepted" means stored: in memory today, and for a persistent
 * message in a durable queue, on disk after the fsync that covers it once queues are log-backed.
 *
 * <p>Thread safety: queues call {@link #queueAccepted()} from their owner threads concurrently.
 * The future completes on the thread of the last queue to accept, so dependants must be cheap or
 * use an async stage that moves to the channel's own thread.
 */
public final class PublishConfirm {
    private final AtomicInteger pendingQueues;
    private final CompletableFuture<Void> accepted = new CompletableFuture<>();

    /** Expects {@code queueCount} acceptances; with zero it is complete at once (unroutable). */
    public PublishConfirm(int queueCount) {
        if (queueCount < 0) {
            throw new IllegalArgumentException("queueCount must not be negative: " + queueCount);
        }
        this.pendingQueues = new AtomicInteger(queueCount);
        if (queueCount == 0) {
            accepted.complete(null);
        }
    }

    /** Called once by each target queue when the message is stored. */
    public void queueAccepted() {
        int remaining = pendingQueues.decrementAndGet();
        assert remaining >= 0 : "more acceptances than target queues";
        if (remaining == 0) {
            accepted.complete(null);
        }
    }

    /**
     * Called by a target queue that refuses the message (length limit with x-overflow
     * reject-publish): the publisher is nacked, whatever the other queues do. Counts as that
     * queue's answer.
     */
    public void queueRefused(String queueDescription) {
        accepted.completeExceptionally(new QueueRefusedException(queueDescription));
        queueAccepted();
    }

    /**
     * Called by a target queue whose store could not store the message (a failed write or fsync):
     * the publisher is nacked. Counts as that queue's answer.
     */
    public void queueFailed(Throwable cause) {
        accepted.completeExceptionally(cause);
        queueAccepted();
    }

    /**
     * A target queue failed while handling the message (a bug or a broken store, not a refusal):
     * the publisher is nacked at once. Unlike {@link #queueFailed} it does not count as the queue's
     * answer, so it is safe whether or not the queue had answered already.
     */
    public void failed(Throwable cause) {
        accepted.completeExceptionally(cause);
    }

    /**
     * Completes when every target queue has accepted the message, or exceptionally with
     * {@link QueueRefusedException} as soon as one refuses it.
     */
    public CompletableFuture<Void> accepted() {
        return accepted;
    }
}
