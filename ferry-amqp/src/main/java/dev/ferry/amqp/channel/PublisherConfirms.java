package dev.ferry.amqp.channel;

import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.BasicAck;
import dev.ferry.amqp.method.BasicNack;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Publisher-confirm bookkeeping for a channel in confirm mode. Publishes are numbered from 1; a
 * number is confirmed when every queue the message reached has stored it, and nacked when one of
 * them refused it (a full queue with x-overflow reject-publish). Queues on different threads may
 * finish out of order, so confirms go out as one {@code basic.ack multiple=true} up to the lowest
 * number still outstanding: one ack per batch of stored messages, never one per message, and never
 * an ack ahead of an earlier unstored message. A refused number splits the batch: the acks below
 * it go out first, then a single {@code basic.nack} for it, since "multiple" covers everything up
 * to its number and must not nack what was stored, nor ack what was refused.
 *
 * <p>Event-loop confined.
 */
final class PublisherConfirms {
    private final TreeSet<Long> outstanding = new TreeSet<>();
    private final TreeSet<Long> refused = new TreeSet<>();
    private final Consumer<AmqpMethod> sender;
    private long lastPublished;
    private long lastConfirmed;
    private boolean flushScheduled;

    PublisherConfirms(Consumer<AmqpMethod> sender) {
        this.sender = sender;
    }

    /** Numbers the next publish and marks it outstanding. */
    long nextPublish() {
        lastPublished++;
        outstanding.add(lastPublished);
        return lastPublished;
    }

    /**
     * Marks a publish stored. Returns true when the caller should schedule {@link #flush()}; the
     * caller runs it once after the current batch of work so that many confirms share one ack.
     */
    boolean stored(long sequence) {
        outstanding.remove(sequence);
        if (flushScheduled) {
            return false;
        }
        flushScheduled = true;
        return true;
    }

    /** Marks a publish refused by a queue: it will be nacked. Returns true as {@link #stored} does. */
    boolean refused(long sequence) {
        refused.add(sequence);
        return stored(sequence);
    }

    /** Confirms everything settled below the lowest outstanding number: acks in batches, nacks one by one. */
    void flush() {
        flushScheduled = false;
        long confirmedUpTo = outstanding.isEmpty() ? lastPublished : outstanding.first() - 1;
        while (!refused.isEmpty() && refused.first() <= confirmedUpTo) {
            long nacked = refused.pollFirst();
            ackUpTo(nacked - 1);
            sender.accept(new BasicNack(nacked, false, false));
            lastConfirmed = nacked;
        }
        ackUpTo(confirmedUpTo);
    }

    private void ackUpTo(long sequence) {
        if (sequence > lastConfirmed) {
            sender.accept(new BasicAck(sequence, sequence - lastConfirmed > 1));
            lastConfirmed = sequence;
        }
    }
}
