package dev.ferry.queue;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * Ready messages in memory, one FIFO per priority level ({@link MessagePriority}); a queue without
 * x-max-priority has the one level 0. Within a level, new messages wait in a FIFO deque and
 * returned (requeued) messages in a map sorted by sequence, served first. The next message is
 * taken from the highest level that holds one.
 *
 * <p>Design note: serving returned messages first is exact FIFO by sequence within a level,
 * because a message can only have been delivered while every message of its level still in the
 * deque came after it (deliveries always take the lowest sequence of the highest level). So the
 * common path is a plain deque, and only requeues pay for a tree. Levels are made on first use, so
 * a queue declared with 255 priorities but used with three holds three.
 *
 * <p>Thread safety: owner thread only, like every {@link MessageStore}.
 */
public final class InMemoryMessageStore implements MessageStore {
    private final int topLevel;
    private final ReadyLevel[] levels;
    private final ReadyLevel single; // level 0; the only one of a queue without priorities
    // No level above it holds a message (it may itself be empty: it is lowered lazily).
    private int highestUsed;
    private int readyCount;
    private long readyBytes;

    /** The messages of one priority level. */
    private static final class ReadyLevel {
        final ArrayDeque<QueuedMessage> fresh = new ArrayDeque<>();
        final TreeMap<Long, QueuedMessage> returned = new TreeMap<>();

        boolean isEmpty() {
            return fresh.isEmpty() && returned.isEmpty();
        }

        QueuedMessage poll() {
            Map.Entry<Long, QueuedMessage> first = returned.pollFirstEntry();
            return first != null ? first.getValue() : fresh.pollFirst();
        }

        QueuedMessage peek() {
            Map.Entry<Long, QueuedMessage> first = returned.firstEntry();
            return first != null ? first.getValue() : fresh.peekFirst();
        }
    }

    /** A store without priorities: one FIFO. */
    public InMemoryMessageStore() {
        this(0);
    }

    /** A store with levels 0 to {@code topLevel} ({@link MessagePriority#topLevel}). */
    public InMemoryMessageStore(int topLevel) {
        if (topLevel < 0 || topLevel > QueueArguments.MAX_SUPPORTED_PRIORITY) {
            throw new IllegalArgumentException("priority levels 0.." + topLevel);
        }
        this.topLevel = topLevel;
        this.levels = new ReadyLevel[topLevel + 1];
        this.single = new ReadyLevel();
        levels[0] = single;
    }

    /** The priority level {@code message} belongs to. */
    public int levelOf(QueuedMessage message) {
        return MessagePriority.levelOf(message.message(), topLevel);
    }

    private ReadyLevel levelFor(QueuedMessage message) {
        if (topLevel == 0) {
            return single;
        }
        int index = levelOf(message);
        ReadyLevel level = levels[index];
        if (level == null) {
            level = new ReadyLevel();
            levels[index] = level;
        }
        if (index > highestUsed) {
            highestUsed = index;
        }
        return level;
    }

    /** The highest level holding a message; only while one is ready ({@code readyCount > 0}). */
    private ReadyLevel highestReady() {
        if (topLevel == 0) {
            return single;
        }
        for (int index = highestUsed; index >= 0; index--) {
            ReadyLevel level = levels[index];
            if (level != null && !level.isEmpty()) {
                highestUsed = index;
                return level;
            }
        }
        throw new IllegalStateException("no level holds a message although " + readyCount + " are ready");
    }

    /** The highest priority level that holds a ready message, or -1 when none is ready. */
    public int highestReadyLevel() {
        if (readyCount == 0) {
            return -1;
        }
        highestReady();
        return highestUsed;
    }

    @Override
    public void append(QueuedMessage message, PublishConfirm confirm) {
        ReadyLevel level = levelFor(message);
        assert level.fresh.isEmpty() || level.fresh.peekLast().sequence() < message.sequence() : "sequences must grow";
        level.fresh.addLast(message);
        added(message);
        if (confirm != null) {
            confirm.queueAccepted();
        }
    }

    /**
     * Adds a ready message where its sequence puts it in its level: at the tail, or, if it comes
     * before the level's newest fresh message, among the returned ones (it must then come before
     * every fresh message of its level). A paging store brings messages back with this.
     */
    public void insert(QueuedMessage message) {
        ReadyLevel level = levelFor(message);
        if (level.fresh.isEmpty() || level.fresh.peekLast().sequence() < message.sequence()) {
            level.fresh.addLast(message);
            added(message);
        } else {
            returnToReady(message);
        }
    }

    private void added(QueuedMessage message) {
        readyCount++;
        readyBytes += message.message().bodySize();
    }

    private void removed(QueuedMessage message) {
        readyCount--;
        readyBytes -= message.message().bodySize();
    }

    /** Removes and returns the oldest message of the highest level that holds one; null when none is ready. */
    @Override
    public QueuedMessage pollReady() {
        if (readyCount == 0) {
            return null;
        }
        QueuedMessage message = highestReady().poll();
        removed(message);
        return message;
    }

    /** The ready message {@link #pollReady()} would return, left in place; null when none is ready. */
    public QueuedMessage peekReady() {
        return readyCount == 0 ? null : highestReady().peek();
    }

    /**
     * A returned message comes before every fresh one of its level, except one that waited out a
     * retry delay across a restart: the fresh messages recovered ahead of it then move among the
     * returned ones, so the order stays by sequence.
     */
    @Override
    public void returnToReady(QueuedMessage message) {
        ReadyLevel level = levelFor(message);
        while (!level.fresh.isEmpty() && level.fresh.peekFirst().sequence() < message.sequence()) {
            QueuedMessage ahead = level.fresh.pollFirst();
            level.returned.put(ahead.sequence(), ahead);
        }
        level.returned.put(message.sequence(), message);
        added(message);
    }

    /**
     * Removes a ready message that arrived recently (its write failed): the search starts at the
     * tail of its level, where it is.
     */
    public boolean removeRecent(QueuedMessage message) {
        ReadyLevel level = levels[levelOf(message)];
        boolean removed = level != null
                && (level.fresh.removeLastOccurrence(message) || level.returned.remove(message.sequence(), message));
        if (removed) {
            removed(message);
        }
        return removed;
    }

    /**
     * O(log n) for a returned message; for a fresh one a scan from the head of its level, cheap
     * for the common case of a queue-wide TTL, where messages expire in order near the head.
     */
    @Override
    public boolean removeReady(QueuedMessage message) {
        ReadyLevel level = levels[levelOf(message)];
        boolean removed = level != null
                && (level.returned.remove(message.sequence(), message) || level.fresh.removeFirstOccurrence(message));
        if (removed) {
            removed(message);
        }
        return removed;
    }

    @Override
    public void settle(QueuedMessage message) {
        // Nothing to release: the garbage collector reclaims settled messages.
    }

    @Override
    public int purgeReady() {
        int count = readyCount;
        for (ReadyLevel level : levels) {
            if (level != null) {
                // Purged: the queue's body references go back (a large body's memory at once).
                level.fresh.forEach(message -> message.message().messageBody().release());
                level.returned.values().forEach(message -> message.message().messageBody().release());
                level.fresh.clear();
                level.returned.clear();
            }
        }
        readyCount = 0;
        readyBytes = 0;
        highestUsed = 0;
        return count;
    }

    @Override
    public int readyCount() {
        return readyCount;
    }

    @Override
    public long readyBytes() {
        return readyBytes;
    }
}
