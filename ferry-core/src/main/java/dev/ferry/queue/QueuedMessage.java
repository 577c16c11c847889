package dev.ferry.queue;

import dev.ferry.message.Message;

/**
 * A message inside one queue: the shared immutable {@link Message} plus this queue's bookkeeping.
 * The sequence is the message's position in the queue; a requeued message returns to it.
 *
 * <p>Thread safety: none needed; only the queue's owner thread reads or changes it.
 */
public final class QueuedMessage {
    private final long sequence;
    private final Message message;
    private int deliveryCount;
    private boolean redelivered;
    private int returnCount;
    // When it expires (epoch ms), or Long.MAX_VALUE: set once by the queue when it arrives.
    private long expiresAt = Long.MAX_VALUE;
    // Where a log-backed store keeps it, or NOT_IN_LOG (transient message, or an in-memory store).
    private long logOffset = NOT_IN_LOG;
    // When it is due back from an x-retry-delays wait (epoch ms), or NOT_WAITING.
    private long retryDueAt = NOT_WAITING;

    /** {@link #logOffset()} of a message that lives only in memory. */
    public static final long NOT_IN_LOG = -1;

    /** {@link #retryDueAt()} of a message that is not waiting out a retry delay. */
    public static final long NOT_WAITING = -1;

    public QueuedMessage(long sequence, Message message) {
        this.sequence = sequence;
        this.message = message;
    }

    /**
     * A message read back from a queue's log. {@code deliveredBefore} marks one that may have been
     * delivered before the restart: it is redelivered with {@code redelivered = true}.
     * {@code returnCount} is how many times it had come back to the queue, as last checkpointed
     * (what delivery limits count).
     */
    public static QueuedMessage recovered(long sequence, Message message, long logOffset, long expiresAt,
                                          boolean deliveredBefore, int returnCount) {
        QueuedMessage recovered = new QueuedMessage(sequence, message);
        recovered.logOffset = logOffset;
        recovered.expiresAt = expiresAt;
        recovered.redelivered = deliveredBefore || returnCount > 0;
        recovered.returnCount = returnCount;
        recovered.deliveryCount = returnCount;
        return recovered;
    }

    public long sequence() {
        return sequence;
    }

    public Message message() {
        return message;
    }

    /** Times delivered so far (for x-delivery-limit). */
    public int deliveryCount() {
        return deliveryCount;
    }

    /** Whether it was delivered and then returned to the queue. */
    public boolean redelivered() {
        return redelivered;
    }

    void markDelivered() {
        deliveryCount++;
    }

    void markReturned() {
        redelivered = true;
        returnCount++;
    }

    /**
     * Times it came back to the queue unsettled (nack or reject with requeue, recover, channel
     * closed): what x-delivery-limit and x-retry-delays count, and the x-delivery-count header.
     */
    public int returnCount() {
        return returnCount;
    }

    /** Epoch milliseconds at which it expires, or {@link Long#MAX_VALUE} when it never does. */
    public long expiresAt() {
        return expiresAt;
    }

    void expireAt(long epochMillis) {
        expiresAt = epochMillis;
    }

    /**
     * When it is due back from the x-retry-delays wait it is in (epoch ms), or {@link #NOT_WAITING}.
     * Set by the queue before it tells the store of the return, so a durable store can keep it.
     */
    public long retryDueAt() {
        return retryDueAt;
    }

    /**
     * A message read back from disk that was waiting out a retry delay when the queue stopped: it
     * waits until {@code epochMillis} again instead of being ready.
     */
    public void waitForRetryUntil(long epochMillis) {
        assert epochMillis >= 0 : "negative retry due time " + epochMillis;
        retryDueAt = epochMillis;
    }

    void retryDone() {
        retryDueAt = NOT_WAITING;
    }

    /** The offset of its record in the queue's log, or {@link #NOT_IN_LOG}. */
    public long logOffset() {
        return logOffset;
    }

    /** Set once, by a log-backed store, when it appends the message's record. */
    public void assignLogOffset(long offset) {
        assert logOffset == NOT_IN_LOG && offset >= 0 : "log offset assigned twice or negative: " + offset;
        logOffset = offset;
    }
}
