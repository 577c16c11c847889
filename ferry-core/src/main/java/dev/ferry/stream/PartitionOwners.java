package dev.ferry.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that own partitions: a few single-thread executors, each partition pinned to one
 * for life (round-robin), so a partition's commands run in order on one thread and many partitions
 * share few threads, as queues share theirs.
 */
final class PartitionOwners implements AutoCloseable {
    private final List<ExecutorService> executors;
    private final AtomicInteger next = new AtomicInteger();

    PartitionOwners(int threadCount) {
        if (threadCount < 1) {
            throw new IllegalArgumentException("threadCount must be at least 1: " + threadCount);
        }
        executors = new ArrayList<>(threadCount);
        for (int i = 0; i < threadCount; i++) {
            String threadName = "ferry-partition-" + i;
            executors.add(Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, threadName);
                thread.setDaemon(true);
                return thread;
            }));
        }
    }

    ExecutorService assign() {
        return executors.get(Math.floorMod(next.getAndIncrement(), executors.size()));
    }

    /** Stops the threads after the commands already queued. */
    @Override
    public void close() {
        executors.forEach(ExecutorService::shutdown);
        for (ExecutorService executor : executors) {
            try {
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
