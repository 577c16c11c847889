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
    }
}
