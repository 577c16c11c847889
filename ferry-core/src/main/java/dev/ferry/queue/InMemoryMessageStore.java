package dev.ferry.queue;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * Ready messages in memory. New messages wait in a FIFO deque; returned (requeued) messages wait in
 * a map sorted by sequence, and are served first.
 *
 * <p>Design note: serving returned messages first is exact FIFO by sequence, because a message can
 * only have been delivered while every message still in the deque came after it (deliveries always
 * take the lowest sequence). So the common path is a plain deque, and only requeues pay for a tree.
 *
 * <p>Thread safety: owner thread only, like every {@link MessageStore}.
 */
public final class InMemoryMessageStore implements MessageStore {
    private final ArrayDeque<QueuedMessage> fresh = new ArrayDeque<>();
    private final TreeMap<Long, QueuedMessage> returned = new TreeMap<>();
    private long readyBytes;

    @Override
    public void append(QueuedMessage message, PublishConfirm confirm) {
        assert fresh.isEmpty() || fresh.peekLast().sequence() < message.sequence() : "sequences must grow";
        fresh.addLast(message);
        readyBytes += message.message().bodySize();
        if (confirm != null) {
            confirm.queueAccepted();
        }
    }

    /**
     * Adds a ready message where its sequence puts it: at the tail, or, if it comes before the
     * newest fresh message, among the returned ones (it must then come before every fresh message).
     * A paging store brings messages back with this.
     */
    public void insert(QueuedMessage message) {
        if (fresh.isEmpty() || fresh.peekLast().sequence() < message.sequence()) {
            fresh.addLast(message);
            readyBytes += message.message().bodySize();
        } else {
            returnToReady(message);
        }
    }

    @Override
    public QueuedMessage pollReady() {
        Map.Entry<Long, QueuedMessage> first = returned.pollFirstEntry();
        QueuedMessage message = first != null ? first.getValue() : fresh.pollFirst();
        if (message != null) {
            readyBytes -= message.message().bodySize();
        }
        return message;
    }

    /** The ready message {@link #pollReady()} would return, left in place; null when none is ready. */
    public QueuedMessage peekReady() {
        Map.Entry<Long, QueuedMessage> first = returned.firstEntry();
        return first != null ? first.getValue() : fresh.peekFirst();
    }

    /**
     * A returned message comes before every fresh one, except one that waited out a retry delay
     * across a restart: the fresh messages recovered ahead of it then move among the returned ones,
     * so the order stays by sequence.
     */
    @Override
    public void returnToReady(QueuedMessage message) {
        while (!fresh.isEmpty() && fresh.peekFirst().sequence() < message.sequence()) {
            QueuedMessage ahead = fresh.pollFirst();
            returned.put(ahead.sequence(), ahead);
        }
        returned.put(message.sequence(), message);
        readyBytes += message.message().bodySize();
    }

    /**
     * Removes a ready message that arrived recently (its write failed): the search starts at the
     * tail, where it is.
     */
    public boolean removeRecent(QueuedMessage message) {
        boolean removed = fresh.removeLastOccurrence(message) || returned.remove(message.sequence(), message);
        if (removed) {
            readyBytes -= message.message().bodySize();
        }
        return removed;
    }

    /**
     * O(log n) for a returned message; for a fresh one a scan from the head, cheap for the common
     * case of a queue-wide TTL, where messages expire in order near the head.
     */
    @Override
    public boolean removeReady(QueuedMessage message) {
        boolean removed = returned.remove(message.sequence(), message) || fresh.removeFirstOccurrence(message);
        if (removed) {
            readyBytes -= message.message().bodySize();
        }
        return removed;
    }

    @Override
    public void settle(QueuedMessage message) {
        // Nothing to release: the garbage collector reclaims settled messages.
    }

    @Override
    public int purgeReady() {
        int count = readyCount();
        fresh.clear();
        returned.clear();
        readyBytes = 0;
        return count;
    }

    @Override
    public int readyCount() {
        return fresh.size() + returned.size();
    }

    @Override
    public long readyBytes() {
        return readyBytes;
    }
}
