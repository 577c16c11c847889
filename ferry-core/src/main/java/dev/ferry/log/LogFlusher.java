package dev.ferry.log;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that fsync logs so their writers never wait for the disk: group commit for
 * {@link FsyncPolicy#ALWAYS} logs, periodic syncs for {@link FsyncPolicy#INTERVAL} logs.
 *
 * <p>One flusher may serve many logs (the design calls for one per disk). A log opened without one
 * gets a private flusher that it closes with itself. Append futures of an ALWAYS log complete on a
 * flusher thread, in offset order, so their callbacks must be short and must not block.
 *
 * <p>Design note: a writer enqueues its log here at most once per pending sync (a CAS on the
 * log's flag) and wakes one idle sync thread. The flusher clears the flag before it syncs, so
 * appends that arrive during an fsync schedule the next one: each fsync covers everything written
 * before it began, however many appends that was.
 *
 * <p>Why several sync threads per disk: fsyncs of <em>different</em> files on one ext4 file system
 * share the journal commit that makes them durable, so three fsyncs issued together take about as
 * long as one, while three in a row take three times as long (measured on this project's machine:
 * 300 synchronous 16 KiB writes took 1.7 s to one file, 900 took 2.0 s to three files at once).
 * With one thread, a producer writing to three partitions waited for three fsyncs in a row per
 * round; see docs/benchmarks/kafka-comparison.md. INTERVAL logs are synced by the first thread only.
 *
 * <p>Why two fsyncs of <em>one</em> log may run at once: an append written just after an fsync
 * began is not covered by it, and used to wait for that fsync to end and then for a whole second
 * one (1.5 fsyncs on average). Now a sync requested while one of the log runs starts at once on
 * another sync thread, so it waits about one fsync; a second fsync of the same file started
 * while one runs also finishes sooner than one started after it (measured on this machine with
 * {@code FsyncOverlapProbe}: a writer keeping five 16 KiB appends waiting on one file made 2.5 to
 * 3.7 times as many durable appends per second; through a {@link Log}, {@code LogFsyncProbe}, about
 * 15% more under heavy CPU load; see docs/benchmarks/kafka-comparison.md). At most two per log
 * ({@link SegmentFile#SYNC_SLOTS}); a request finding both running is remembered and asked again
 * when one ends. Each uses its own descriptor, opened before the first fsync of the burst, so a
 * writeback error (reported once per open file description) reaches every fsync that could cover
 * the failed pages ({@link SegmentFile#startSync}). The log keeps its futures in offset order: a
 * sync claims the end it covers when it starts and, when it ends, moves the durable end forward
 * only (a sync ending after one covering more changes nothing) and completes what lies below it,
 * under the log's flush lock. Overlap needs two free sync threads; a flusher with one thread (a
 * log's private flusher) syncs a log one fsync at a time as before.
 *
 * <p>{@link #manual()} makes a flusher without a thread, driven by {@link #doWork(long)}: a
 * deterministic simulation decides when fsyncs happen (and so which appends are confirmed when it
 * simulates a crash).
 */
public final class LogFlusher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogFlusher.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Thread[] threads; // empty for a manual flusher; the first also syncs INTERVAL logs
    private final ConcurrentLinkedQueue<Log> logsToSync = new ConcurrentLinkedQueue<>();
    /** Sync threads parked with nothing to do: a writer wakes one rather than all. */
    private final ConcurrentLinkedDeque<Thread> idleThreads = new ConcurrentLinkedDeque<>();
    private final CopyOnWriteArrayList<Log> intervalLogs = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    // Told how long each sync took (fsync and completing its appends), for the fsync latency metric.
    private volatile LongConsumer syncObserver = nanos -> { };

    /** Starts one sync thread (a daemon) under {@code threadName}. */
    public LogFlusher(String threadName) {
        this(threadName, 1);
    }

    /**
     * Starts {@code syncThreads} sync threads (daemons), named {@code threadName-0}, {@code -1}...
     * (just {@code threadName} if there is one), that sync different logs at the same time.
     */
    public LogFlusher(String threadName, int syncThreads) {
        if (syncThreads < 1) {
            throw new IllegalArgumentException("syncThreads must be at least 1: " + syncThreads);
        }
        threads = new Thread[syncThreads];
        for (int i = 0; i < syncThreads; i++) {
            boolean first = i == 0;
            threads[i] = new Thread(() -> run(first), syncThreads == 1 ? threadName : threadName + "-" + i);
            threads[i].setDaemon(true);
        }
        for (Thread thread : threads) {
            thread.start();
        }
    }

    private LogFlusher() {
        threads = new Thread[0];
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
        if (threads.length > 0) {
            throw new IllegalStateException("flusher " + threads[0].getName() + " runs its own threads");
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

    /** {@code observer} hears, on the sync thread that did it, how many nanoseconds each sync took. */
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
        Thread idle = idleThreads.poll();
        if (idle != null) {
            LockSupport.unpark(idle);
        }
    }

    void registerInterval(Log log) {
        log.nextIntervalSyncNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(log.config().flushIntervalMs());
        intervalLogs.add(log);
        if (threads.length > 0) {
            LockSupport.unpark(threads[0]);
        }
    }

    void unregisterInterval(Log log) {
        intervalLogs.remove(log);
    }

    boolean isFlusherThread() {
        Thread current = Thread.currentThread();
        for (Thread thread : threads) {
            if (thread == current) {
                return true;
            }
        }
        return false;
    }

    private void run(boolean syncsIntervalLogs) {
        Thread self = Thread.currentThread();
        while (running) {
            Log log = logsToSync.poll();
            if (log != null) {
                timedSync(log);
                continue;
            }
            long parkNanos = syncsIntervalLogs ? syncDueIntervalLogs(System.nanoTime()) : IDLE_PARK_NANOS;
            idleThreads.push(self);
            // A log queued after the poll above but before the push found no idle thread to wake.
            if (logsToSync.isEmpty() && running) {
                LockSupport.parkNanos(this, parkNanos);
            }
            idleThreads.remove(self);
        }
        LOG.debug("Log flusher {} stopped", self.getName());
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

    /** Stops the threads after their current syncs; logs it served must be closed first. */
    @Override
    public void close() {
        running = false;
        for (Thread thread : threads) {
            LockSupport.unpark(thread);
        }
        if (isFlusherThread()) {
            // Closed from one of its own callbacks: joining a sibling could wait on a lock this thread holds.
            return;
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
