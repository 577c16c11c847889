package dev.ferry.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A few threads ({@code ferry-queue-files-<n>}) that create new durable queues' files, which
 * fsyncs directories and so may wait for the disk: the work an event loop declaring a queue must
 * not do itself.
 *
 * <p>Design note: more than one thread, because each new log fsyncs its directory and a burst of
 * declares (clients declaring their topology on connect) would otherwise queue up behind one
 * thread; concurrent fsyncs on one file system share journal commits. Few threads, because the
 * disk is one. The queues' files are independent of one another, so the order between queues does
 * not matter; the same queue's files are never created twice at once (a queue of the same name can
 * only be declared again after the first one's files were created and deleted). Work is handed over
 * through a lock-free queue, so the handing thread never waits.
 *
 * <p>Thread safety: {@link #execute} from any thread; {@link #close} once.
 */
final class QueueFileThreads implements Executor, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueueFileThreads.class);

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    QueueFileThreads(int threadCount) {
        for (int i = 0; i < threadCount; i++) {
            Thread thread = new Thread(this::run, "ferry-queue-files-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /**
     * Runs {@code task} on one of the threads; never waits.
     *
     * @throws RejectedExecutionException after {@link #close}
     */
    @Override
    public void execute(Runnable task) {
        if (!running) {
            throw new RejectedExecutionException("the storage is closed");
        }
        tasks.offer(task);
        for (Thread thread : threads) {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        while (true) {
            Runnable task = tasks.poll();
            if (task != null) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("Creating a queue's files failed", e);
                }
            } else if (running) {
                LockSupport.park(this);
            } else {
                return;
            }
        }
    }

    /** Lets the threads finish what was handed over, then waits (10 s at most) for them to end. */
    @Override
    public void close() {
        running = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread thread : threads) {
            LockSupport.unpark(thread);
        }
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
