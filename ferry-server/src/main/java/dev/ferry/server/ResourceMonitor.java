package dev.ferry.server;

import dev.ferry.broker.ResourceAlarm;
import dev.ferry.broker.ResourceAlarm.Resource;
import dev.ferry.message.MessageBody;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples heap use and free disk a few times a second and raises or clears the broker's
 * {@link ResourceAlarm}. Heap is judged by the old generation's occupancy, which is what the
 * broker retains (queued messages, state); young-generation garbage comes and goes too fast to
 * mean anything and would make the alarm flap.
 *
 * <p>Old-generation occupancy also counts garbage that no collection has reclaimed yet, and an idle
 * broker may not collect for a long time: an alarm raised on it could then never clear (publishers
 * blocked for good by garbage). So a reading over the line is checked once more right after a
 * full collection, at most once every {@value #MIN_COLLECTION_INTERVAL_MS} ms, and only that
 * reading counts.
 *
 * <p>Clearing needs the reading to fall below 95% of the limit, so that an alarm does not switch
 * on and off with every sample near the line.
 *
 * <p>A free-space probe that fails (the file system cannot be asked: no file descriptor left, the
 * mount gone) is not a reading of zero: the disk alarm keeps its state and one ERROR says why,
 * until a probe succeeds again.
 */
final class ResourceMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResourceMonitor.class);
    static final long SAMPLE_INTERVAL_MS = 250;
    private static final double CLEAR_RATIO = 0.95;
    static final long MIN_COLLECTION_INTERVAL_MS = 5000;

    private final ResourceAlarm alarm;
    private final long heapLimitBytes;
    private final long diskFreeLimitBytes;
    private final LongSupplier heapUsedBytes;
    private final DiskProbe diskFreeBytes;
    private final Runnable collectGarbage;
    private final LongSupplier clockMillis;
    private long lastCollectionAt = Long.MIN_VALUE / 2;
    private ScheduledExecutorService sampler;
    private boolean memoryRaised;
    private boolean diskRaised;
    private boolean probeFailing;

    /** Free bytes where the data directory lives. */
    @FunctionalInterface
    interface DiskProbe {
        /** @throws IOException when the file system cannot be asked */
        long freeBytes() throws IOException;
    }

    ResourceMonitor(ResourceAlarm alarm, long heapLimitBytes, long diskFreeLimitBytes, LongSupplier heapUsedBytes,
            DiskProbe diskFreeBytes) {
        this(alarm, heapLimitBytes, diskFreeLimitBytes, heapUsedBytes, diskFreeBytes, () -> { }, System::currentTimeMillis);
    }

    /**
     * @param collectGarbage a full collection, after which {@code heapUsedBytes} reads what is live
     * @param clockMillis    time, for spacing collections
     */
    ResourceMonitor(ResourceAlarm alarm, long heapLimitBytes, long diskFreeLimitBytes, LongSupplier heapUsedBytes,
            DiskProbe diskFreeBytes, Runnable collectGarbage, LongSupplier clockMillis) {
        this.collectGarbage = collectGarbage;
        this.clockMillis = clockMillis;
        this.alarm = alarm;
        this.heapLimitBytes = heapLimitBytes;
        this.diskFreeLimitBytes = diskFreeLimitBytes;
        this.heapUsedBytes = heapUsedBytes;
        this.diskFreeBytes = diskFreeBytes;
    }

    /** A monitor of this JVM's heap and the data directory's file system. */
    static ResourceMonitor forThisProcess(ResourceAlarm alarm, double heapWatermark, long diskFreeLimitBytes, Path dataDir) {
        long heapLimit = (long) (Runtime.getRuntime().maxMemory() * heapWatermark);
        return new ResourceMonitor(alarm, heapLimit, diskFreeLimitBytes, ResourceMonitor::retainedHeapBytes,
                () -> usableSpace(dataDir), System::gc, System::currentTimeMillis);
    }

    void start() {
        sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ferry-resource-monitor");
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleWithFixedDelay(this::sample, 0, SAMPLE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** One reading of both resources; package-private so tests can drive it without a thread. */
    void sample() {
        long heapUsed = heapUsedBytes.getAsLong();
        boolean memoryNow = overMemoryLine(heapUsed);
        if (memoryNow) {
            heapUsed = liveHeapIfDue(heapUsed);
            memoryNow = overMemoryLine(heapUsed);
        }
        if (memoryNow != memoryRaised) {
            memoryRaised = memoryNow;
            alarm.set(Resource.MEMORY, memoryNow, mib(heapUsed) + " MiB of heap in use, limit " + mib(heapLimitBytes) + " MiB");
        }
        long diskFree;
        try {
            diskFree = diskFreeBytes.freeBytes();
        } catch (IOException | RuntimeException e) {
            // Not a reading: zero free would raise a false alarm and stop every publisher.
            if (!probeFailing) {
                probeFailing = true;
                LOG.error("Cannot read the free disk space ({}); the disk alarm stays {} until it can: {}", e.getClass()
                        .getSimpleName(), diskRaised ? "raised" : "clear", e.getMessage());
            }
            return;
        }
        if (probeFailing) {
            probeFailing = false;
            LOG.info("Free disk space can be read again: {} MiB", mib(diskFree));
        }
        boolean diskNow = diskRaised ? diskFree < diskFreeLimitBytes / CLEAR_RATIO : diskFree < diskFreeLimitBytes;
        if (diskNow != diskRaised) {
            diskRaised = diskNow;
            alarm.set(Resource.DISK, diskNow, mib(diskFree) + " MiB of disk free, limit " + mib(diskFreeLimitBytes) + " MiB");
        }
    }

    private boolean overMemoryLine(long heapUsed) {
        return memoryRaised ? heapUsed > heapLimitBytes * CLEAR_RATIO : heapUsed > heapLimitBytes;
    }

    /** The heap after a full collection, if none ran in the last interval; otherwise {@code reading} as it is. */
    private long liveHeapIfDue(long reading) {
        long now = clockMillis.getAsLong();
        if (now - lastCollectionAt < MIN_COLLECTION_INTERVAL_MS) {
            return reading;
        }
        lastCollectionAt = now;
        collectGarbage.run();
        return heapUsedBytes.getAsLong();
    }

    /** The old generation (or the heap), plus large message bodies held off the heap: both are message memory. */
    private static long retainedHeapBytes() {
        return retainedHeapOnly() + MessageBody.directBytesInUse();
    }

    private static long retainedHeapOnly() {
        long oldGeneration = -1;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            String name = pool.getName();
            if (pool.getType() == MemoryType.HEAP && (name.contains("Old") || name.contains("Tenured"))) {
                oldGeneration = Math.max(oldGeneration, 0) + pool.getUsage().getUsed();
            }
        }
        if (oldGeneration >= 0) {
            return oldGeneration;
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    private static long usableSpace(Path dataDir) throws IOException {
        return Files.getFileStore(dataDir).getUsableSpace();
    }

    private static long mib(long bytes) {
        return bytes / (1024 * 1024);
    }

    @Override
    public void close() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
    }
}
