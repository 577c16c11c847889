package dev.ferry.queue;

import java.util.List;
import java.util.function.Consumer;

import dev.ferry.message.Message;

/**
 * Where a queue keeps its ready messages, in delivery order: by priority level
 * ({@link MessagePriority}; one level without x-max-priority), then by sequence. The queue's state machine owns the
 * unacked set and consumer state; the store only holds what is waiting and learns when a message is
 * finished with, so a log-backed store can advance its settled offsets.
 *
 * <p>Design note: this is the seam for durability. {@link InMemoryMessageStore} accepts at once;
 * the log-backed store ({@code dev.ferry.store.LogMessageStore}) collects the persistent messages
 * of one drain, appends them as one batch at {@link #endOfDrain()}, and accepts them after the
 * fsync that covers the batch, which is what delays the publisher confirm.
 *
 * <p>Thread safety: called only from the queue's owner thread; implementations need no locks.
 */
public interface MessageStore {

    /**
     * Stores a new message at the tail; it is ready at once. {@code confirm}, when not null, is told
     * once the message is safely stored ({@link PublishConfirm#queueAccepted()}, at once or later on
     * another thread after an fsync) or could not be stored ({@link PublishConfirm#queueFailed}).
     */
    void append(QueuedMessage message, PublishConfirm confirm);

    /**
     * A message the queue drops as a duplicate (its id is in the queue's {@link DeduplicationWindow}):
     * {@code confirm} is told once everything the store took before is stored, so a duplicate is
     * never confirmed ahead of its original (for a log, after the fsync covering it), and fails if
     * that did. A store that stores at once confirms at once.
     */
    default void confirmDuplicate(PublishConfirm confirm) {
        confirm.queueAccepted();
    }

    /**
     * {@code message}, just {@link #append appended}, was admitted to the deduplication window under
     * {@code id} at {@code admittedAtMs}. A durable store records the id with it, so that the window
     * outlives a restart, and confirms the message only once that record is durable too. Returns
     * where the id was recorded, or {@link DeduplicationWindow#NOT_JOURNALED}.
     */
    default long journalDeduplicationId(QueuedMessage message, String id, long admittedAtMs) {
        return DeduplicationWindow.NOT_JOURNALED;
    }

    /**
     * Fills the queue's new deduplication {@code window} with the ids the store recovered, oldest
     * first; the store may keep the window to learn which of its records are still needed. Called
     * once, by the queue's constructor.
     */
    default void restoreDeduplication(DeduplicationWindow window) {
    }

    /**
     * The messages the store recovered from disk into memory when it opened, already ready, in
     * sequence order. (A store may also have recovered messages it keeps paged out; they count in
     * {@link #readyCount()}.) Called once, by the queue's constructor.
     */
    default List<QueuedMessage> recovered() {
        return List.of();
    }

    /**
     * The messages the store recovered that were waiting out an x-retry-delays delay when the queue
     * stopped, each with its {@link QueuedMessage#retryDueAt()}: the queue holds them until then,
     * and they are not ready (nor counted as ready) meanwhile. Called once, by the queue's constructor.
     */
    default List<QueuedMessage> recoveredWaiting() {
        return List.of();
    }

    /** The queue numbers new messages from here: above every recovered message's sequence. */
    default long firstFreeSequence() {
        return 0;
    }

    /**
     * Told of each message a paging store brings back into memory (so the queue can index its
     * expiry); such a message is then ready like any other.
     */
    default void setPagedInListener(Consumer<QueuedMessage> listener) {
    }

    /**
     * Told of each ready message the store takes out of memory on its own, so the queue forgets it
     * too (its expiry): one it gave up because it could not be stored (its write failed, its
     * publisher was nacked; never a message that was delivered, since a store writes a message
     * before it hands it out), or one that goes back among paged-out messages (it comes back from
     * disk later as a new object, through the paged-in listener).
     */
    default void setEvictedListener(Consumer<QueuedMessage> listener) {
    }

    /** The earliest expiry among messages paged out of memory, or {@link Long#MAX_VALUE}. */
    default long nextPagedExpiry() {
        return Long.MAX_VALUE;
    }

    /**
     * Removes paged-out messages that expired by {@code now}, settled, handing each to {@code expired}
     * with a body read back for it: {@code expired} owns that body's reference.
     */
    default void expirePaged(long now, Consumer<Message> expired) {
    }

    /**
     * The queue applied a batch of commands and is about to deliver: the moment to write what they
     * appended, as one batch. A store that writes must do it here (or earlier) and never hand out a
     * message whose write has not happened; a message whose write fails leaves the ready set
     * (through the evicted listener) and its publisher is nacked.
     */
    default void endOfDrain() {
    }

    /** Periodic housekeeping on the owner thread (for a log: checkpoint settled offsets, delete settled segments). */
    default void maintain() {
    }

    /** Clean shutdown: make everything durable and release files. Later appends are kept in memory only. */
    default void close() {
    }

    /** The queue was deleted (after its messages were settled or purged): release and remove its files. */
    default void deleted() {
    }

    /**
     * Removes and returns the next ready message: the one with the lowest sequence in the highest
     * priority level that holds one; null when none is ready.
     */
    QueuedMessage pollReady();

    /**
     * A delivered message came back unsettled (nack or reject with requeue, recover, its channel
     * closed); its {@link QueuedMessage#returnCount()} has just grown, and its
     * {@link QueuedMessage#retryDueAt()} says until when it waits out a retry delay, if it does.
     * Called before it is made ready again, held for a retry delay or dead-lettered. A durable store
     * keeps the count and the due time.
     */
    default void returned(QueuedMessage message) {
    }

    /**
     * Makes a delivered message ready again at its original position (its sequence, within its
     * priority level); also a message whose retry delay is over.
     */
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

    /**
     * Whether the ready messages fill the memory this store may use, so that publishers should
     * wait for consumers. {@code wasBackedUp} is the previous answer: a store clears it lower than
     * it raises it, so publishers are not stopped and started for every message.
     */
    default boolean isBackedUp(boolean wasBackedUp) {
        return false;
    }

    /** Drops every ready message; returns how many there were. */
    int purgeReady();

    int readyCount();

    long readyBytes();
}
