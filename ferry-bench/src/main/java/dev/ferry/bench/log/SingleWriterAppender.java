package dev.ferry.bench.log;

import dev.ferry.log.AppendResult;
import dev.ferry.log.Log;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets many threads append to one {@link Log} without breaking its single-writer rule: callers
 * enqueue a pre-encoded batch and get a future; one writer thread drains the queue and calls
 * {@link Log#appendBatch} for each, as a queue's owner thread would for the publishes of many
 * channels. The writer never waits for fsync; the log's flusher completes the futures.
 *
 * <p>Also keeps the benchmark's disk use bounded: once more than a few segments exist, the writer
 * deletes every sealed one (as a queue does once its messages are settled).
 */
final class SingleWriterAppender implements AutoCloseable {
    private static final int SEGMENTS_KEPT_MAX = 3;

    private final Log log;
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private final Thread writer;
    private volatile boolean running = true;

    SingleWriterAppender(Log log) {
        this.log = log;
        this.writer = new Thread(this::run, "bench-log-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Queues {@code batch} (not modified until written; reusable once the future completes). */
    CompletableFuture<AppendResult> append(ByteBuffer batch) {
        Request request = new Request(batch);
        requests.offer(request);
        LockSupport.unpark(writer);
        return request;
    }

    private void run() {
        while (running) {
            Request request = requests.poll();
            if (request == null) {
                LockSupport.park(this);
                continue;
            }
            try {
                log.appendBatch(request.batch).whenComplete((result, failure) -> {
                    if (failure != null) {
                        request.completeExceptionally(failure);
                    } else {
                        request.complete(result);
                    }
                });
                keepDiskUseBounded(log);
            } catch (RuntimeException e) {
                request.completeExceptionally(e);
            }
        }
    }

    /** Deletes all sealed segments when there are too many; writer thread only. */
    static void keepDiskUseBounded(Log log) {
        if (log.segmentCount() > SEGMENTS_KEPT_MAX) {
            log.deleteSegmentsBelow(log.logEndOffset());
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        LockSupport.unpark(writer);
        writer.join();
    }

    private static final class Request extends CompletableFuture<AppendResult> {
        final ByteBuffer batch;

        Request(ByteBuffer batch) {
            this.batch = batch;
        }
    }
}
