package dev.ferry.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Returned messages waiting out their x-retry-delays before they are ready again. While they wait
 * they are out of the ready order, so they hold up nobody behind them; when due they go back to
 * their original position (their sequence). Owner thread only.
 */
final class RetrySchedule {
    private List<Long> delaysMs;
    // Keyed by (due time, sequence) so that equal due times keep queue order.
    private final TreeMap<DueKey, QueuedMessage> waiting = new TreeMap<>();

    private record DueKey(long dueAt, long sequence) implements Comparable<DueKey> {
        public int compareTo(DueKey other) {
            int byTime = Long.compare(dueAt, other.dueAt);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    RetrySchedule(List<Long> delaysMs) {
        this.delaysMs = List.copyOf(delaysMs);
    }

    /** New delays (a policy changed them): they count for the next returns; waiting messages keep their due time. */
    void useDelays(List<Long> delays) {
        this.delaysMs = List.copyOf(delays);
    }

    boolean hasDelays() {
        return !delaysMs.isEmpty();
    }

    /** How many returns the delays allow; the next one dead-letters the message. */
    int retries() {
        return delaysMs.size();
    }

    /**
     * The wait before the message's latest return takes effect; its nth return waits the nth delay.
     * Only a return the delays allow waits: the one after the last delay dead-letters the message
     * ({@link #retries()} bounds the queue's return limit).
     */
    long delayFor(QueuedMessage message) {
        return delaysMs.get(message.returnCount() - 1);
    }

    /** Holds {@code message} until its {@link QueuedMessage#retryDueAt()}. */
    void hold(QueuedMessage message) {
        assert message.retryDueAt() != QueuedMessage.NOT_WAITING : "held without a due time";
        QueuedMessage previous = waiting.put(new DueKey(message.retryDueAt(), message.sequence()), message);
        assert previous == null : "two waiting messages with sequence " + message.sequence();
    }

    /** Removes and returns every message due at {@code now}, earliest first. */
    List<QueuedMessage> pollDue(long now) {
        List<QueuedMessage> due = new ArrayList<>();
        Map.Entry<DueKey, QueuedMessage> first;
        while ((first = waiting.firstEntry()) != null && first.getKey().dueAt() <= now) {
            waiting.pollFirstEntry();
            due.add(first.getValue());
        }
        return due;
    }

    long nextDue() {
        return waiting.isEmpty() ? Long.MAX_VALUE : waiting.firstKey().dueAt();
    }

    int size() {
        return waiting.size();
    }

    /** Removes and returns every waiting message (the queue is being deleted). */
    List<QueuedMessage> drainAll() {
        List<QueuedMessage> all = new ArrayList<>(waiting.values());
        waiting.clear();
        return all;
    }
}
