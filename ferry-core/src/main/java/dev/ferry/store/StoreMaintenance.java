package dev.ferry.store;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage's housekeeping thread ({@code ferry-store-maintenance}): runs a periodic task (ask
 * every queue for a checkpoint) and, in the order given, the work queues hand it (writing and
 * fsyncing their checkpoint files).
 *
 * <p>Design note: queue owner threads hand work here and must never wait to do so. A JDK
 * scheduled executor guards its work queue with a lock that the handing thread can find taken (and
 * then parks); here a task is put on a lock-free queue and the thread unparked.
 *
 * <p>Thread safety: {@link #execute} from any thread; {@link #close} once.
 */
final class StoreMaintenance implements Executor, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreMaintenance.class);

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Runnable periodic;
    private final long periodNanos;
    private final Thread thread;
    private volatile boolean running = true;

    StoreMaintenance(Runnable periodic, long periodMs) {
        this.periodic = periodic;
        this.periodNanos = TimeUnit.MILLISECONDS.toNanos(periodMs);
        this.thread = new Thread(this::run, "ferry-store-maintenance");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void execute(Runnable task) {
        tasks.offer(task);
        LockSupport.unpark(thread);
    }

    private void run() {
        long nextPeriodic = System.nanoTime() + periodNanos;
        while (running) {
            runQueued();
            long untilPeriodic = nextPeriodic - System.nanoTime();
            if (untilPeriodic <= 0) {
                runSafely(periodic);
                nextPeriodic = System.nanoTime() + periodNanos;
            } else if (tasks.isEmpty() && running) {
                // running is read again here: close() may have come while a task ran, and its
                // unpark may have gone to a wait inside that task, so this park would sleep out the period.
                LockSupport.parkNanos(this, untilPeriodic);
            }
        }
        // Work handed over before close (a queue's last checkpoint) still gets done.
        runQueued();
    }

    private void runQueued() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            runSafely(task);
        }
    }

    private static void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("Store maintenance task failed", e);
        }
    }

    /** Stops the periodic task, runs what is queued, and waits (10 s at most) for the thread to end. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("Store maintenance did not stop within 10 s");
        }
    }
}
