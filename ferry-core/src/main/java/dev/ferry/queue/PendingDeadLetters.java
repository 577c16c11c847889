package dev.ferry.queue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.ferry.message.Message;

/**
 * Dead letters an at-least-once queue ({@link DeadLetterStrategy#AT_LEAST_ONCE}) has handed over
 * but not yet let go of: each stays unsettled in the queue's store until every queue it reached
 * has stored it, so a crash in between brings it back instead of losing it. One that reached no
 * queue, or that a target refused, waits to be routed again. Owner thread only.
 *
 * <p>They do not count against the queue's length limits (RabbitMQ 3.10 checks ready messages only).
 */
final class PendingDeadLetters {

    /** {@code deadLettered} is the message as it was annotated the first time; retries send the same one. */
    record Pending(QueuedMessage held, Message deadLettered, DeathReason reason) {
    }

    private final Map<Long, Pending> bySequence = new HashMap<>();
    // Sequences waiting to be routed again, with when; few (only failed hand-overs), so a scan per alarm will do.
    private final Map<Long, Long> retryAt = new HashMap<>();

    void hold(QueuedMessage held, Message deadLettered, DeathReason reason) {
        bySequence.put(held.sequence(), new Pending(held, deadLettered, reason));
    }

    /** The pending dead letter of {@code sequence}, or null when it was released or dropped meanwhile. */
    Pending get(long sequence) {
        return bySequence.get(sequence);
    }

    /** Its targets have it: the queue may settle it. */
    Pending release(long sequence) {
        Pending pending = bySequence.remove(sequence);
        if (pending != null) {
            retryAt.remove(sequence);
        }
        return pending;
    }

    void retryAt(long sequence, long atMs) {
        if (bySequence.containsKey(sequence)) {
            retryAt.put(sequence, atMs);
        }
    }

    /** Those whose retry time has come, no longer waiting (the caller routes them again). */
    List<Pending> pollDue(long nowMs) {
        if (retryAt.isEmpty()) {
            return List.of();
        }
        List<Pending> due = new ArrayList<>();
        retryAt.entrySet().removeIf(entry -> {
            if (entry.getValue() > nowMs) {
                return false;
            }
            due.add(bySequence.get(entry.getKey()));
            return true;
        });
        return due;
    }

    long nextRetry() {
        long next = Long.MAX_VALUE;
        for (long at : retryAt.values()) {
            next = Math.min(next, at);
        }
        return next;
    }

    /** The queue is deleted: they go with it, as in RabbitMQ. Returns the messages it held. */
    List<QueuedMessage> clear() {
        List<QueuedMessage> held = new ArrayList<>(bySequence.size());
        bySequence.values().forEach(pending -> held.add(pending.held()));
        bySequence.clear();
        retryAt.clear();
        return held;
    }
}
