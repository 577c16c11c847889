package dev.ferry.log;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Collection;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's log compaction: one thread of its own that, every {@code backoffMs} (Kafka's
 * {@code log.cleaner.backoff.ms}) or at once after a cleaning, asks which logs are compacted,
 * picks the one whose dirty share is the largest of those at or above their
 * {@code min.cleanable.dirty.ratio}, and cleans it ({@link LogCompaction} says how).
 *
 * <p>Design note: the cleaner owns no log. It reads sealed segments as any reader does and swaps
 * a cleaned segment in under a lock that only segment removal shares, so appends and fetches never
 * wait for it; one cleaning at a time bounds its memory (the key map) and its share of the disk.
 * The set of compacted logs comes from a supplier asked every round, so creating, deleting or
 * re-configuring a topic needs no registration.
 *
 * <p>A test hook: the system property {@value #PAUSE_BEFORE_INSTALL_PROPERTY} (milliseconds) makes
 * the cleaner wait after a swap is committed and before it is installed, the moment a crash test
 * kills the broker in.
 *
 * <p>Thread-safe.
 */
public final class LogCleaner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogCleaner.class);
    public static final String PAUSE_BEFORE_INSTALL_PROPERTY = "ferry.log.cleaner.test.pause-before-install-ms";
    /** Kafka's {@code log.cleaner.dedupe.buffer.size} default, 128 MiB, is for a whole cluster node; a quarter does here. */
    public static final long KEY_MAP_BYTES_DEFAULT = 32L * 1024 * 1024;
    private static final long FAILED_LOG_RETRY_NANOS = TimeUnit.MINUTES.toNanos(10);

    /** A compacted log and its settings now. */
    public record Target(Log log, CompactionSettings settings) {
    }

    /** What one cleaning did. */
    public record Result(int segmentsRewritten, long bytesCleaned, long bytesWritten, long recordsRemoved) {
        static final Result NOTHING = new Result(0, 0, 0, 0);
    }

    private final Supplier<? extends Collection<Target>> targets;
    private final long backoffMs;
    private final long keyMapBytesMax;
    private final Thread thread;
    private final Object wakeUp = new Object();
    private final Map<Log, Long> failedUntilNanos = new WeakHashMap<>();
    private final AtomicLong cleanings = new AtomicLong();
    private final AtomicLong bytesCleaned = new AtomicLong();
    private final AtomicLong recordsRemoved = new AtomicLong();
    private volatile boolean stopping;

    /**
     * @param targets asked every round for the compacted logs; called on the cleaner's thread
     * @param backoffMs how long the cleaner sleeps when no log is due
     * @param keyMapBytesMax the memory one cleaning's key map may take; a log with more distinct
     *     keys in its dirty segments is cleaned in several rounds
     */
    public LogCleaner(Supplier<? extends Collection<Target>> targets, long backoffMs, long keyMapBytesMax) {
        if (backoffMs <= 0 || keyMapBytesMax <= 0) {
            throw new IllegalArgumentException("backoffMs=" + backoffMs + " and keyMapBytesMax=" + keyMapBytesMax
                    + " must be positive");
        }
        this.targets = targets;
        this.backoffMs = backoffMs;
        this.keyMapBytesMax = keyMapBytesMax;
        this.thread = new Thread(this::run, "ferry-log-cleaner");
        this.thread.setDaemon(true);
    }

    public LogCleaner start() {
        thread.start();
        return this;
    }

    /**
     * Cleans {@code log} now on the caller's thread if its dirty ratio has reached
     * {@code min.cleanable.dirty.ratio} (never concurrently with a cleaner cleaning the same log).
     *
     * @param nowMs the time the lag and tombstone retention are measured from
     */
    public static Result cleanIfDirty(Log log, CompactionSettings settings, long nowMs) throws IOException {
        return toResult(new LogCompaction(log, settings, nowMs, KEY_MAP_BYTES_DEFAULT, () -> false, () -> { }).cleanIfDirty());
    }

    /** As {@link #cleanIfDirty} with a key map of at most {@code keyMapBytesMax} and a hook run before each swap's install. */
    static Result clean(Log log, CompactionSettings settings, long nowMs, long keyMapBytesMax, Runnable beforeInstall)
            throws IOException {
        return toResult(new LogCompaction(log, settings, nowMs, keyMapBytesMax, () -> false, beforeInstall).cleanIfDirty());
    }

    /** The share of {@code log}'s cleanable bytes written since its last cleaning. */
    public static double dirtyRatio(Log log, CompactionSettings settings, long nowMs) {
        return new LogCompaction(log, settings, nowMs, KEY_MAP_BYTES_DEFAULT, () -> false, () -> { }).dirtyRatio();
    }

    private static Result toResult(LogCompaction.Result result) {
        return new Result(result.segmentsRewritten(), result.bytesCleaned(), result.bytesWritten(), result.recordsRemoved());
    }

    /** Cleanings that rewrote at least one segment, since start. */
    public long cleanings() {
        return cleanings.get();
    }

    /** Bytes of segments read and rewritten by cleanings, since start. */
    public long bytesCleaned() {
        return bytesCleaned.get();
    }

    public long recordsRemoved() {
        return recordsRemoved.get();
    }

    /** Makes the cleaner look for work now rather than after its backoff. */
    public void wakeUp() {
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    private void run() {
        while (!stopping) {
            boolean cleaned = false;
            try {
                cleaned = doWork(System.currentTimeMillis());
            } catch (RuntimeException | Error e) {
                LOG.error("Log cleaner: a round failed: {}", e.toString(), e);
            }
            if (!cleaned) {
                synchronized (wakeUp) {
                    if (stopping) {
                        break;
                    }
                    try {
                        wakeUp.wait(backoffMs);
                    } catch (InterruptedException e) {
                        break;
                    }
                }
            }
        }
    }

    /** One round: the dirtiest due log cleaned; true if one was. */
    boolean doWork(long nowMs) {
        long nowNanos = System.nanoTime();
        Target dirtiest = null;
        double dirtiestRatio = 0;
        for (Target target : targets.get()) {
            Log log = target.log();
            if (log.isClosed()) {
                continue;
            }
            log.closeCleanedAwaySegments(nowNanos);
            Long failedUntil = failedUntilNanos.get(log);
            if (failedUntil != null && nowNanos - failedUntil < 0) {
                continue;
            }
            double ratio = new LogCompaction(log, target.settings(), nowMs, keyMapBytesMax, () -> stopping, () -> { })
                    .dirtyRatio();
            if (ratio > 0 && ratio >= target.settings().minCleanableDirtyRatio() && ratio > dirtiestRatio) {
                dirtiest = target;
                dirtiestRatio = ratio;
            }
        }
        if (dirtiest == null) {
            return false;
        }
        Log log = dirtiest.log();
        long startNanos = System.nanoTime();
        try {
            LogCompaction.Result result = new LogCompaction(log, dirtiest.settings(), nowMs, keyMapBytesMax,
                    () -> stopping, LogCleaner::pauseForTests).clean();
            cleanings.incrementAndGet();
            bytesCleaned.addAndGet(result.bytesCleaned());
            recordsRemoved.addAndGet(result.recordsRemoved());
            LOG.debug("Log cleaner: cleaned '{}' (dirty ratio {}) in {} ms: {}", log.name(), dirtiestRatio,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), result);
            return true;
        } catch (LogClosedException | ClosedChannelException e) {
            return false; // closed or deleted meanwhile, or the broker is stopping
        } catch (IOException | LogException | IllegalStateException e) {
            if (log.isClosed()) {
                return false;
            }
            failedUntilNanos.put(log, System.nanoTime() + FAILED_LOG_RETRY_NANOS);
            LOG.error("Log cleaner: cleaning log '{}' failed ({}); it is left as it is and tried again in {} minutes",
                    log.name(), e.toString(), TimeUnit.NANOSECONDS.toMinutes(FAILED_LOG_RETRY_NANOS));
            return false;
        }
    }

    private static void pauseForTests() {
        long pauseMs = Long.getLong(PAUSE_BEFORE_INSTALL_PROPERTY, 0L);
        if (pauseMs > 0) {
            LOG.warn("Log cleaner: test hook {}: pausing {} ms with a committed swap", PAUSE_BEFORE_INSTALL_PROPERTY, pauseMs);
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops the thread, abandoning a cleaning in progress (what it wrote is deleted at the next open). */
    @Override
    public void close() {
        stopping = true;
        wakeUp();
        if (thread.isAlive()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
