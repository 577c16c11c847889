package dev.ferry.queue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Whether the consumers behind one network connection can take more deliveries now. A protocol
 * front closes the gate when the connection's outbound buffer is full (the client reads slower
 * than the queues deliver) and opens it when the buffer drains, so deliveries wait in their queues,
 * where memory alarms and length limits see them, instead of piling up in socket buffers without
 * bound. This is what keeps a consumer that stops reading, no-ack or with unlimited prefetch, from
 * exhausting the broker's memory.
 *
 * <p>Thread safety: lock-free. Queues read it from their owner threads; the front flips it from
 * its event loop. A queue that finds it closed registers for a wake-up; {@link #open()} wakes every
 * registered queue. Registering re-checks the state afterwards, so an open that races the
 * registration still wakes the queue.
 */
public final class DeliveryGate {
    /**
     * Deliveries a connection may hold unacknowledged while the memory alarm is raised; past it the
     * gate is closed until settlements bring the connection back within it, or the alarm clears. A
     * consumer without a prefetch limit that never acks would otherwise turn every ready message,
     * those paged to disk too, into an unacknowledged one on the heap while publishers are blocked
     * (1,500 fanned-out queues filled a 2 GiB heap that way). RabbitMQ pages unacknowledged
     * messages to disk instead; this is Ferry's deliberate difference, and it applies under the
     * memory alarm only. Queues count, on their own threads, what they hand over and what is settled.
     */
    public static final int UNACKED_UNDER_MEMORY_ALARM = 10_000;

    private final Set<MessageQueue> waiting = ConcurrentHashMap.newKeySet();
    private final BooleanSupplier memoryAlarm;
    private final AtomicInteger unacked = new AtomicInteger();
    private volatile boolean open = true;

    /** A gate that the memory alarm does not close. */
    public DeliveryGate() {
        this(() -> false);
    }

    /** @param memoryAlarm whether the memory alarm is raised now; read at each delivery, so it must be cheap */
    public DeliveryGate(BooleanSupplier memoryAlarm) {
        this.memoryAlarm = memoryAlarm;
    }

    public boolean isOpen() {
        return open && (unacked.get() <= UNACKED_UNDER_MEMORY_ALARM || !memoryAlarm.getAsBoolean());
    }

    /** The connection cannot take more now. */
    public void close() {
        open = false;
    }

    /** The connection can take deliveries again: wakes the queues that stopped at this gate. */
    public void open() {
        open = true;
        wakeIfOpen();
    }

    /** Wakes the queues that stopped at this gate if it is open now: after the memory alarm clears. */
    public void wakeIfOpen() {
        if (isOpen()) {
            wakeWaiting();
        }
    }

    /** Deliveries handed to this connection that await a settlement now. */
    public int unackedCount() {
        return unacked.get();
    }

    /** A queue handed this connection a delivery that awaits a settlement. */
    void delivered() {
        unacked.incrementAndGet();
    }

    /** A delivery to this connection was settled (acked, rejected, requeued or dropped with its queue). */
    void settled() {
        if (unacked.decrementAndGet() <= UNACKED_UNDER_MEMORY_ALARM / 2 && !waiting.isEmpty()) {
            wakeIfOpen();
        }
    }

    /** Asks to be woken when the gate opens; wakes at once if it opened meanwhile. */
    void wakeWhenOpen(MessageQueue queue) {
        waiting.add(queue);
        wakeIfOpen();
    }

    private void wakeWaiting() {
        for (MessageQueue queue : waiting) {
            if (waiting.remove(queue)) {
                queue.creditAvailable();
            }
        }
    }
}
