package dev.ferry.log;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that fsyncs logs so their writers never wait for the disk: group commit for
 * {@link FsyncPolicy#ALWAYS} logs, periodic syncs for {@link FsyncPolicy#INTERVAL} logs.
 *
 * <p>One flusher may serve many logs (the design calls for one per disk: fsyncs to one device
 * gain nothing from running in parallel). A log opened without one gets a private flusher that it
 * closes with itself. Append futures of an ALWAYS log complete on this thread, in offset order, so
 * their callbacks must be short and must not block.
 *
 * <p>Design note: a writer enqueues its log here at most once per pending sync (a CAS on the
 * log's flag) and unparks this thread. The flusher clears the flag before it syncs, so appends
 * that arrive during an fsync schedule the next one: each fsync covers everything written before
 * it began, however many appends that was.
 *
 * <p>{@link #manual()} makes a flusher without a thread, driven by {@link #doWork(long)}: a
 * deterministic simulation decides when fsyncs happen (and so which appends are confirmed when it
 * simulates a crash).
 */
public final class LogFlusher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogFlusher.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Thread thread; // null for a manual flusher
    private final ConcurrentLinkedQueue<Log> logsToSync = new ConcurrentLinkedQueue<>();
    private final CopyOnWriteArrayList<Log> intervalLogs = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    // Told how long each sync took (fsync and completing its appends), for the fsync latency metric.
    private volatile LongConsumer syncObserver = nanos -> { };

    /** Starts the flusher thread (a daemon) under {@code threadName}. */
    public LogFlusher(String threadName) {
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    private LogFlusher() {
        thread = null;
    }

    /** A flusher without a thread: nothing is fsynced until the caller runs {@link #doWork(long)}. */
    public static LogFlusher manual() {
        return new LogFlusher();
    }

    /**
     * For a {@link #manual()} flusher: syncs every log that asked since the last call and every
     * INTERVAL log whose deadline passed at {@code nowNanos}, on the caller's thread.
     *
     * @return how many syncs were requested and done
     */
    public int doWork(long nowNanos) {
        if (thread != null) {
            throw new IllegalStateException("flusher " + thread.getName() + " runs its own thread");
        }
        int synced = 0;
        Log log;
        while ((log = logsToSync.poll()) != null) {
            log.syncRequested();
            synced++;
        }
        syncDueIntervalLogs(nowNanos);
        return synced;
    }

    /** {@code observer} hears, on this flusher's thread, how many nanoseconds each sync took. */
    public void observeSyncs(LongConsumer observer) {
        this.syncObserver = Objects.requireNonNull(observer, "observer");
    }

    private void timedSync(Log log) {
        long start = System.nanoTime();
        log.syncRequested();
        syncObserver.accept(System.nanoTime() - start);
    }

    /** Called by a writer after it set the log's sync-scheduled flag. */
    void requestSync(Log log) {
        logsToSync.offer(log);
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    void registerInterval(Log log) {
        log.nextIntervalSyncNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(log.config().flushIntervalMs());
        intervalLogs.add(log);
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    void unregisterInterval(Log log) {
        intervalLogs.remove(log);
    }

    boolean isFlusherThread() {
        return thread != null && Thread.currentThread() == thread;
    }

    private void run() {
        while (running) {
            boolean synced = false;
            Log log;
            while ((log = logsToSync.poll()) != null) {
                timedSync(log);
                synced = true;
            }
            long parkNanos = syncDueIntervalLogs(System.nanoTime());
            if (!synced && running) {
                LockSupport.parkNanos(this, parkNanos);
            }
        }
        LOG.debug("Log flusher {} stopped", thread.getName());
    }

    /** Syncs every INTERVAL log whose deadline passed; returns how long until the next deadline. */
    private long syncDueIntervalLogs(long nowNanos) {
        long parkNanos = IDLE_PARK_NANOS;
        for (Log log : intervalLogs) {
            long untilDeadline = log.nextIntervalSyncNanos - nowNanos;
            if (untilDeadline <= 0) {
                timedSync(log);
                long intervalNanos = TimeUnit.MILLISECONDS.toNanos(log.config().flushIntervalMs());
                log.nextIntervalSyncNanos = nowNanos + intervalNanos;
                untilDeadline = intervalNanos;
            }
            parkNanos = Math.min(parkNanos, untilDeadline);
        }
        return parkNanos;
    }

    /** Stops the thread after its current sync; logs it served must be closed first. */
    @Override
    public void close() {
        running = false;
        if (thread == null) {
            return;
        }
        LockSupport.unpark(thread);
        if (isFlusherThread()) {
            return;
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
