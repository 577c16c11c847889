package dev.ferry.store;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.ferry.queue.QueuedMessage;

/**
 * The unsettled persistent messages of a durable queue that came back at least once (nack or
 * reject with requeue, recover, a closed channel), by log offset: how many times each came back
 * (what x-delivery-limit counts) and, while it waits out an x-retry-delays delay, when it is due.
 * Checkpointed with the settled offsets ({@link AckCheckpoint}), so both survive a restart.
 *
 * <p>Few messages come back, so a sorted map of boxed offsets costs little; a plain ack never
 * looks here (only a message with a return count has an entry).
 *
 * <p>Thread safety: none; the queue's owner thread owns it.
 */
final class ReturnedMessages {
    private record State(int count, long retryDueAt) {
        boolean waiting() {
            return retryDueAt != QueuedMessage.NOT_WAITING;
        }
    }

    private final TreeMap<Long, State> byOffset = new TreeMap<>();

    /** Starts from what a checkpoint recorded. */
    void restore(AckCheckpoint checkpoint) {
        for (int i = 0; i < checkpoint.countedOffsets().length; i++) {
            byOffset.put(checkpoint.countedOffsets()[i],
                    new State(checkpoint.returnCounts()[i], checkpoint.retryDueAt()[i]));
        }
    }

    /** The message at {@code offset} came back {@code count} times; it waits until {@code retryDueAt} or is not waiting. */
    void returned(long offset, int count, long retryDueAt) {
        byOffset.put(offset, new State(count, retryDueAt));
    }

    /** How many times the message at {@code offset} came back (0 if never). */
    int count(long offset) {
        if (byOffset.isEmpty()) {
            return 0;
        }
        State state = byOffset.get(offset);
        return state == null ? 0 : state.count();
    }

    /** When the message at {@code offset} is due back from its retry delay, or {@link QueuedMessage#NOT_WAITING}. */
    long retryDueAt(long offset) {
        if (byOffset.isEmpty()) {
            return QueuedMessage.NOT_WAITING;
        }
        State state = byOffset.get(offset);
        return state == null ? QueuedMessage.NOT_WAITING : state.retryDueAt();
    }

    boolean isWaiting(long offset) {
        return retryDueAt(offset) != QueuedMessage.NOT_WAITING;
    }

    /** Its retry delay is over: it keeps its count. Returns whether it was waiting. */
    boolean retryDone(long offset) {
        State state = byOffset.isEmpty() ? null : byOffset.get(offset);
        if (state == null || !state.waiting()) {
            return false;
        }
        byOffset.put(offset, new State(state.count(), QueuedMessage.NOT_WAITING));
        return true;
    }

    /** The message is settled: nothing to keep. */
    void settled(long offset) {
        if (!byOffset.isEmpty()) {
            byOffset.remove(offset);
        }
    }

    /** Forgets every offset at or above {@code end} (the log was cut back there). */
    void forgetFrom(long end) {
        byOffset.tailMap(end).clear();
    }

    /** A checkpoint of the messages at or above {@code lowWater}, with the settled state given. */
    AckCheckpoint checkpoint(long lowWater, long deliveredHighWater, OffsetRuns settled) {
        SortedMap<Long, State> counted = byOffset.tailMap(lowWater);
        long[] offsets = new long[counted.size()];
        int[] counts = new int[counted.size()];
        long[] dueAt = new long[counted.size()];
        int i = 0;
        for (Map.Entry<Long, State> entry : counted.entrySet()) {
            offsets[i] = entry.getKey();
            counts[i] = entry.getValue().count();
            dueAt[i++] = entry.getValue().retryDueAt();
        }
        return new AckCheckpoint(lowWater, deliveredHighWater, settled, false, offsets, counts, dueAt);
    }
}
