package dev.ferry.queue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
    private final Set<MessageQueue> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean open = true;

    public boolean isOpen() {
        return open;
    }

    /** The connection cannot take more now. */
    public void close() {
        open = false;
    }

    /** The connection can take deliveries again: wakes the queues that stopped at this gate. */
    public void open() {
        open = true;
        wakeWaiting();
    }

    /** Asks to be woken when the gate opens; wakes at once if it opened meanwhile. */
    void wakeWhenOpen(MessageQueue queue) {
        waiting.add(queue);
        if (open) {
            wakeWaiting();
        }
    }

    private void wakeWaiting() {
        for (MessageQueue queue : waiting) {
            if (waiting.remove(queue)) {
                queue.creditAvailable();
            }
        }
    }
}
