package dev.ferry.server;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives heap memory back to the operating system once a burst is over. The serial collector the
 * start script chooses shrinks the heap only at the end of a full collection (by
 * {@code -XX:MaxHeapFreeRatio}), and a quiet broker collects nothing at all: after a burst of large
 * messages its heap, and so its resident memory, would stay at the burst's size for as long as it
 * stays quiet. G1 solves this with {@code -XX:G1PeriodicGCInterval}; this does the same for any
 * collector: when no collection of any kind has run for a whole interval (so the broker is nearly
 * idle and a full collection of its few MiB of live data costs nobody anything) and the committed
 * heap has grown since the last time it did this, it runs one full collection.
 *
 * <p>Under load young collections run every second or so, so it never fires then; once fired, it
 * does not fire again until the heap grows. {@code -XX:+DisableExplicitGC} turns it into a no-op.
 */
final class IdleHeapRelease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IdleHeapRelease.class);

    private final long intervalMs;
    private final LongSupplier collectionCount;
    private final LongSupplier committedHeapBytes;
    private final Runnable fullCollection;
    private long lastCount = -1;
    private long committedAfterRelease;
    private ScheduledExecutorService timer;

    /**
     * @param initialHeapBytes what the heap starts with: nothing to give back below it
     */
    IdleHeapRelease(long intervalMs, long initialHeapBytes, LongSupplier collectionCount,
            LongSupplier committedHeapBytes, Runnable fullCollection) {
        this.intervalMs = intervalMs;
        this.collectionCount = collectionCount;
        this.committedHeapBytes = committedHeapBytes;
        this.fullCollection = fullCollection;
        this.committedAfterRelease = initialHeapBytes;
    }

    /** For this JVM: its collectors' counts, its heap, {@link System#gc()}. */
    static IdleHeapRelease forThisProcess(long intervalMs) {
        return new IdleHeapRelease(intervalMs, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getInit(),
                IdleHeapRelease::collections,
                () -> ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted(), System::gc);
    }

    void start() {
        timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ferry-idle-heap-release");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::check, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** One look; package-private so tests can drive it without a thread. */
    void check() {
        long count = collectionCount.getAsLong();
        boolean quiet = count == lastCount;
        lastCount = count;
        long committed = committedHeapBytes.getAsLong();
        if (!quiet || committed <= committedAfterRelease) {
            return;
        }
        fullCollection.run();
        lastCount = collectionCount.getAsLong();
        committedAfterRelease = committedHeapBytes.getAsLong();
        LOG.debug("idle: heap committed {} MiB before a full collection, {} MiB after", committed >> 20,
                committedAfterRelease >> 20);
    }

    private static long collections() {
        long count = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, collector.getCollectionCount());
        }
        return count;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
