package dev.ferry.queue;

import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A channel-wide limit on unacknowledged deliveries shared by all of that channel's consumers, on
 * whatever queues they consume (AMQP basic.qos with global=true). A channel owns one for its whole
 * life, limit 0 (none) until the client sets one, and gives it to every consumer it starts, so a
 * limit set later applies to consumers already running. Queues take one unit per delivery that
 * needs an ack, whatever the limit, and give it back when the delivery is settled or requeued: a
 * limit set later therefore counts the deliveries already unacknowledged, as RabbitMQ counts them.
 * Without a limit that is one atomic increment per delivery and one decrement per settle batch.
 *
 * <p>Fair hand-out: a queue that finds the channel at its limit joins a waiting line. Units given
 * back while queues wait are not left for whoever asks first (that would be the queue whose
 * delivery was just acked, already running, so with prefetch 1 one queue could keep the unit for
 * ever): they stay taken and are handed, one per queue, to the queues in the order they joined
 * the line, through {@link MessageQueue#creditGranted}. A queue that cannot use its unit gives it
 * back, and it goes to the next in line.
 *
 * <p>Thread safety: lock-free; used concurrently by several queue owner threads and the channel.
 * Every change that can free a unit (release, a higher limit) and every arrival in the line runs
 * {@link #handOut}, after its own change, so a unit freed while a queue joins reaches the queue.
 */
public final class ChannelCredit {
    private volatile int limit;
    private final AtomicInteger inUse = new AtomicInteger();
    private final Queue<MessageQueue> waitingLine = new ConcurrentLinkedQueue<>();
    private final Set<MessageQueue> waiting = ConcurrentHashMap.newKeySet();

    /** No limit until {@link #setLimit}. */
    public ChannelCredit() {
        this(0);
    }

    /** @param limit the most unacknowledged deliveries at once; 0 means no limit */
    public ChannelCredit(int limit) {
        setLimit(limit);
    }

    /** Changes the limit (a new basic.qos global=true); a higher one, or none, serves waiting queues. */
    public void setLimit(int newLimit) {
        if (newLimit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + newLimit);
        }
        limit = newLimit;
        handOut();
    }

    public int limit() {
        return limit;
    }

    /** Units taken: unacknowledged deliveries, plus units handed to queues that have not used them yet. */
    public int inUse() {
        return inUse.get();
    }

    /** Whether the channel has a limit and has reached it (a no-ack consumer then waits too, as in RabbitMQ). */
    public boolean isAtLimit() {
        int currentLimit = limit;
        return currentLimit != 0 && inUse.get() >= currentLimit;
    }

    /** Takes one unit if the limit allows; called by a queue just before a delivery that needs an ack. */
    boolean tryAcquire() {
        if (limit == 0) {
            inUse.incrementAndGet();
            return true;
        }
        while (true) {
            int used = inUse.get();
            int currentLimit = limit;
            if (currentLimit != 0 && used >= currentLimit) {
                return false;
            }
            if (inUse.compareAndSet(used, used + 1)) {
                return true;
            }
        }
    }

    /** Gives back units (deliveries settled or requeued, grants unused); waiting queues get them first. */
    public void release(int units) {
        if (units == 0) {
            return;
        }
        int remaining = inUse.addAndGet(-units);
        assert remaining >= 0 : "released more credit than was taken";
        handOut();
    }

    /**
     * Puts the queue in the waiting line (once) for a unit; it is handed one through
     * {@link MessageQueue#creditGranted} as soon as one is free and the queues ahead are served.
     */
    void waitForUnit(MessageQueue queue) {
        if (waiting.add(queue)) {
            waitingLine.add(queue);
        }
        handOut();
    }

    /** Whether any queue waits for a unit (diagnostics and tests). */
    boolean hasWaitingQueues() {
        return !waitingLine.isEmpty();
    }

    private void handOut() {
        while (!waitingLine.isEmpty()) {
            if (!tryAcquire()) {
                return;
            }
            MessageQueue next = waitingLine.poll();
            if (next == null) {
                // Another thread served the last one meanwhile: put the unit back and look again.
                inUse.decrementAndGet();
                continue;
            }
            waiting.remove(next);
            next.creditGranted(this);
        }
    }
}
