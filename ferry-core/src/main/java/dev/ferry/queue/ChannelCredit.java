package dev.ferry.queue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A channel-wide limit on unacknowledged deliveries shared by all of that channel's consumers, on
 * whatever queues they consume (AMQP basic.qos with global=true). The channel owns one; queues
 * take one unit per delivery and give it back when the delivery is settled or requeued.
 *
 * <p>Thread safety: lock-free; used concurrently by several queue owner threads and the channel.
 * A queue that finds no credit registers for a wake-up; whoever returns credit wakes the waiting
 * queues with {@link MessageQueue#creditAvailable()}. The register-then-recheck in
 * {@link #wakeWhenAvailable} closes the race with a release that happens in between.
 */
public final class ChannelCredit {
    private volatile int limit;
    private final AtomicInteger inUse = new AtomicInteger();
    private final Set<MessageQueue> waitingQueues = ConcurrentHashMap.newKeySet();

    /** @param limit the most unacknowledged deliveries at once; 0 means no limit */
    public ChannelCredit(int limit) {
        setLimit(limit);
    }

    /** Changes the limit (a new basic.qos); raising it wakes waiting queues. */
    public void setLimit(int newLimit) {
        if (newLimit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + newLimit);
        }
        limit = newLimit;
        wakeWaitingQueues();
    }

    public int limit() {
        return limit;
    }

    /** Deliveries currently holding a unit of credit. */
    public int inUse() {
        return inUse.get();
    }

    /** Whether a delivery could take a unit now. */
    public boolean hasCredit() {
        int currentLimit = limit;
        return currentLimit == 0 || inUse.get() < currentLimit;
    }

    /** Takes one unit if the limit allows; called by a queue just before a delivery. */
    public boolean tryAcquire() {
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

    /** Gives back units (deliveries settled or requeued) and wakes the queues waiting for them. */
    public void release(int units) {
        int remaining = inUse.addAndGet(-units);
        assert remaining >= 0 : "released more credit than was taken";
        wakeWaitingQueues();
    }

    /** Asks to be woken when credit returns; wakes at once if it already has. */
    void wakeWhenAvailable(MessageQueue queue) {
        waitingQueues.add(queue);
        if (hasCredit() && waitingQueues.remove(queue)) {
            queue.creditAvailable();
        }
    }

    private void wakeWaitingQueues() {
        if (waitingQueues.isEmpty()) {
            return;
        }
        for (MessageQueue queue : waitingQueues) {
            if (waitingQueues.remove(queue)) {
                queue.creditAvailable();
            }
        }
    }
}
