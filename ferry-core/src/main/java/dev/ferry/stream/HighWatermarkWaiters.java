package dev.ferry.stream;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;

/**
 * The readers parked on one partition (or, in {@link TopicRegistry}, on a topic's partition count,
 * which only grows as a high watermark does). Lock-free: a wait registers from any thread, and the thread
 * that moves the high watermark (the flusher, after an fsync) wakes what it passed. Each wake-up
 * runs on that thread, so it must be short (hand the Fetch back to its event loop).
 *
 * <p>A wait registered while the high watermark moves is never missed: it checks the high
 * watermark after joining the queue, and whichever of the two sees it first fires it once.
 */
final class HighWatermarkWaiters {
    private final ConcurrentLinkedQueue<HighWatermarkWait> waits = new ConcurrentLinkedQueue<>();
    private final LongSupplier highWatermark;

    HighWatermarkWaiters(LongSupplier highWatermark) {
        this.highWatermark = highWatermark;
    }

    HighWatermarkWait register(long offset, Runnable wake) {
        HighWatermarkWait wait = new HighWatermarkWait(offset, wake);
        waits.add(wait);
        if (highWatermark.getAsLong() > offset && wait.fire()) {
            waits.remove(wait);
        }
        return wait;
    }

    /** Wakes every wait below {@code highWatermark} and drops cancelled ones. */
    void advanced(long highWatermark) {
        if (waits.isEmpty()) {
            return;
        }
        for (Iterator<HighWatermarkWait> it = waits.iterator(); it.hasNext(); ) {
            HighWatermarkWait wait = it.next();
            if (wait.isDone()) {
                it.remove();
            } else if (wait.offset() < highWatermark) {
                it.remove();
                wait.fire();
            }
        }
    }

    /**
     * Drops withdrawn waits. {@link #advanced} does it as a partition's high watermark moves; a
     * topic's partition count seldom moves, so its waits are dropped this way before each new one.
     */
    void dropCancelled() {
        waits.removeIf(HighWatermarkWait::isDone);
    }

    /** Wakes every wait: the partition closed or was deleted, and each reader finds out by reading. */
    void wakeAll() {
        HighWatermarkWait wait;
        while ((wait = waits.poll()) != null) {
            wait.fire();
        }
    }

    int size() {
        return waits.size();
    }
}
