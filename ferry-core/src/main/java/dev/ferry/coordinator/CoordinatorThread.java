package dev.ferry.coordinator;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns a coordinator's state (the group coordinator's, the transaction
 * coordinator's): requests, replies and timers all run on it, so the state needs no lock. A
 * request's task runs only while the coordinator is open; once {@link #close} has run, tasks
 * complete their futures with the coordinator's "closed" error instead.
 *
 * <p>Design note: one class for both coordinators so that the rules of their threads (what a task
 * that throws does, what a request after the close gets, how the close waits) are the same.
 */
public final class CoordinatorThread {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorThread.class);

    private final String description;
    private final Supplier<RuntimeException> closedError;
    private final ScheduledThreadPoolExecutor executor;
    // Owner thread only.
    private boolean closed;

    /**
     * @param threadName  the thread's name ({@code ferry-groups})
     * @param description how log lines name the coordinator ("Group coordinator")
     * @param closedError what a request gets once the coordinator is closed
     */
    public CoordinatorThread(String threadName, String description, Supplier<RuntimeException> closedError) {
        this.description = description;
        this.closedError = closedError;
        this.executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Runs {@code task} on the thread while open; a task that throws fails {@code future}. Any thread. */
    public void execute(CompletableFuture<?> future, Runnable task) {
        try {
            executor.execute(() -> {
                if (closed) {
                    future.completeExceptionally(closedError.get());
                    return;
                }
                try {
                    task.run();
                } catch (RuntimeException | AssertionError e) {
                    LOG.error("{}: a request failed: {}", description, e.toString(), e);
                    future.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(closedError.get());
        }
    }

    /** Reads the state on the thread. Any thread. */
    public <T> CompletableFuture<T> query(Supplier<T> read) {
        CompletableFuture<T> future = new CompletableFuture<>();
        execute(future, () -> future.complete(read.get()));
        return future;
    }

    /** Hands {@code task} to the thread; false once it has stopped (the task is dropped). Any thread. */
    public boolean submit(Runnable task) {
        try {
            executor.execute(task);
            return true;
        } catch (RejectedExecutionException stopped) {
            return false;
        }
    }

    /** Runs {@code task} on the thread after {@code delayMs}; null once it has stopped. */
    public ScheduledFuture<?> schedule(Runnable task, long delayMs) {
        try {
            return executor.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            return null;
        }
    }

    /** Runs {@code task} on the thread every {@code intervalMs}, from {@code intervalMs} on. */
    public void scheduleWithFixedDelay(Runnable task, long intervalMs) {
        executor.scheduleWithFixedDelay(task, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** Whether {@link #close} has run. Owner thread only. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Marks the coordinator closed on its thread (after the tasks already queued), runs
     * {@code onClose} there, then stops the thread, waiting up to ten seconds for it.
     *
     * @return false if it was closed already
     */
    public boolean close(Runnable onClose) {
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                closed = true;
                try {
                    onClose.run();
                } finally {
                    stopped.complete(null);
                }
            });
            stopped.join();
        } catch (RejectedExecutionException alreadyClosed) {
            return false;
        }
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
