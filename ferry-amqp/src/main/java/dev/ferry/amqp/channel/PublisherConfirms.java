package dev.ferry.amqp.channel;

import dev.ferry.amqp.method.BasicAck;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Publisher-confirm bookkeeping for a channel in confirm mode. Publishes are numbered from 1; a
 * number is confirmed when every queue the message reached has stored it. Queues on different
 * threads may finish out of order, so confirms go out as one {@code basic.ack multiple=true} up to
 * the lowest number still outstanding: one ack per batch of stored messages, never one per
 * message, and never an ack ahead of an earlier unstored message.
 *
 * <p>Event-loop confined.
 */
final class PublisherConfirms {
    private final TreeSet<Long> outstanding = new TreeSet<>();
    private final Consumer<BasicAck> sender;
    private long lastPublished;
    private long lastAcked;
    private boolean flushScheduled;

    PublisherConfirms(Consumer<BasicAck> sender) {
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

    /** Sends one ack covering everything stored below the lowest outstanding number. */
    void flush() {
        flushScheduled = false;
        long confirmedUpTo = outstanding.isEmpty() ? lastPublished : outstanding.first() - 1;
        if (confirmedUpTo > lastAcked) {
            sender.accept(new BasicAck(confirmedUpTo, confirmedUpTo - lastAcked > 1));
            lastAcked = confirmedUpTo;
        }
    }
}
