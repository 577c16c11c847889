package dev.ferry.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of single-thread executors that own queues. Each queue is pinned to one executor for
 * life, so its state is only ever touched by that executor's thread, and many queues share few
 * threads.
 *
 * <p>Thread safety: {@link #assign()} and {@link #close()} may be called from any thread.
 */
public final class QueueExecutorPool implements AutoCloseable {
    private final List<ExecutorService> executors;
    private final AtomicInteger nextAssignment = new AtomicInteger();

    /** @param threadCount how many owner threads; typically the number of cores */
    public QueueExecutorPool(int threadCount) {
        if (threadCount < 1) {
            throw new IllegalArgumentException("threadCount must be at least 1: " + threadCount);
        }
        executors = new ArrayList<>(threadCount);
        for (int i = 0; i < threadCount; i++) {
            String threadName = "ferry-queue-" + i;
            executors.add(Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, threadName);
                thread.setDaemon(true);
                return thread;
            }));
        }
    }

    /** The executor a new queue will be pinned to; spreads queues round-robin. */
    public ExecutorService assign() {
        int index = Math.floorMod(nextAssignment.getAndIncrement(), executors.size());
        return executors.get(index);
    }

    public int threadCount() {
        return executors.size();
    }

    /** Stops the owner threads after the commands already queued to them. */
    @Override
    public void close() {
        executors.forEach(ExecutorService::shutdown);
        for (ExecutorService executor : executors) {
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
