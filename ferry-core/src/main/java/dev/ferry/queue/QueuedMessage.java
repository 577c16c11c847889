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

    public QueuedMessage(long sequence, Message message) {
        this.sequence = sequence;
        this.message = message;
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
}
