package dev.ferry.queue;

import java.util.Comparator;
import java.util.TreeSet;

/**
 * The ready messages that can expire, ordered by expiry time, so that a queue finds every expired
 * message wherever it sits (not only at the head, as RabbitMQ does) in O(log n), and knows when to
 * set its next alarm. Messages without a TTL never enter it, so queues without TTLs pay nothing.
 *
 * <p>Holds only ready messages: the queue removes a message when it is delivered and adds it back
 * when it is returned (an unacked message does not expire). Owner thread only.
 */
final class ExpiryIndex {
    private static final Comparator<QueuedMessage> BY_EXPIRY =
            Comparator.comparingLong(QueuedMessage::expiresAt).thenComparingLong(QueuedMessage::sequence);

    private final TreeSet<QueuedMessage> byExpiry = new TreeSet<>(BY_EXPIRY);

    void add(QueuedMessage message) {
        if (message.expiresAt() != Long.MAX_VALUE) {
            byExpiry.add(message);
        }
    }

    /**
     * Adds a message a paging store read back into memory. It is a new object, and the index may
     * still hold the one the queue added when it was published straight to disk (an equal key), which
     * the store no longer knows: that one is replaced, so the expiry finds the message in memory.
     */
    void addPagedIn(QueuedMessage message) {
        if (message.expiresAt() != Long.MAX_VALUE) {
            byExpiry.remove(message);
            byExpiry.add(message);
        }
    }

    void remove(QueuedMessage message) {
        if (message.expiresAt() != Long.MAX_VALUE) {
            byExpiry.remove(message);
        }
    }

    /** Removes and returns the message with the earliest expiry if it is due at {@code now}, else null. */
    QueuedMessage pollExpired(long now) {
        QueuedMessage first = byExpiry.isEmpty() ? null : byExpiry.first();
        if (first == null || first.expiresAt() > now) {
            return null;
        }
        return byExpiry.pollFirst();
    }

    /** The earliest expiry time, or {@link Long#MAX_VALUE} when nothing can expire. */
    long nextExpiry() {
        return byExpiry.isEmpty() ? Long.MAX_VALUE : byExpiry.first().expiresAt();
    }

    void clear() {
        byExpiry.clear();
    }
}
