package dev.ferry.queue;

/**
 * Where a queue keeps its ready messages, in sequence order. The queue's state machine owns the
 * unacked set and consumer state; the store only holds what is waiting and learns when a message is
 * finished with, so a log-backed store can advance its settled offsets.
 *
 * <p>Design note: this is the seam for durability. {@link InMemoryMessageStore} accepts at once;
 * a store on {@code dev.ferry.log} will append, and call {@code onAccepted} after the fsync that
 * covers a persistent message, which is what delays the publisher confirm.
 *
 * <p>Thread safety: called only from the queue's owner thread; implementations need no locks.
 */
public interface MessageStore {

    /**
     * Stores a new message at the tail. {@code onAccepted}, when not null, runs once the message is
     * safely stored (at once, or later on another thread after an fsync).
     */
    void append(QueuedMessage message, Runnable onAccepted);

    /** Removes and returns the ready message with the lowest sequence, or null when none is ready. */
    QueuedMessage pollReady();

    /** Makes a delivered message ready again at its original position (its sequence). */
    void returnToReady(QueuedMessage message);

    /** A delivered message is finished with (acked, discarded or dropped by deletion). */
    void settle(QueuedMessage message);

    /**
     * Removes a ready message from wherever it sits (it expired before reaching the head). A store
     * that can only give up messages at the head returns false and keeps it; the queue then
     * expires it when it reaches the head, which is RabbitMQ's behaviour.
     */
    default boolean removeReady(QueuedMessage message) {
        return false;
    }

    /** Drops every ready message; returns how many there were. */
    int purgeReady();

    int readyCount();

    long readyBytes();
}
