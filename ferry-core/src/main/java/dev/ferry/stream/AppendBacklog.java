package dev.ferry.stream;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The AMQP publishes on their way into one stream (appended but not yet fsynced), bounded the way
 * a queue's mailbox is: past {@code high} pending appends the stream reports congestion, a stage
 * the publishing channels wait on (they stop reading their sockets), which completes once the
 * backlog is down to {@code low}. Without it a fast publisher could pile appends up on the
 * partition's owner without limit.
 *
 * <p>Thread safety: {@link #started} runs on publishers' event loops, {@link #finished} on the
 * flusher or owner thread. A counter does the per-message work; the monitor is taken only when the
 * backlog crosses {@code high}.
 */
final class AppendBacklog {
    private final int high;
    private final int low;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile CompletableFuture<Void> drained;

    AppendBacklog(int high, int low) {
        if (low < 0 || low >= high) {
            throw new IllegalArgumentException("need 0 <= low < high, got low " + low + ", high " + high);
        }
        this.high = high;
        this.low = low;
    }

    /** One more append on its way. */
    void started() {
        if (pending.incrementAndGet() < high) {
            return;
        }
        synchronized (this) {
            CompletableFuture<Void> current = drained;
            if (current == null || current.isDone()) {
                current = new CompletableFuture<>();
                drained = current;
            }
            // Every append counted may have finished before the stage existed: then nobody else completes it.
            if (pending.get() <= low) {
                current.complete(null);
            }
        }
    }

    /** An append completed (stored or failed). */
    void finished() {
        int now = pending.decrementAndGet();
        CompletableFuture<Void> waiting = drained;
        if (waiting != null && now <= low) {
            waiting.complete(null);
        }
    }

    /** null while the backlog is under its bound; else a stage that completes once it has drained. */
    CompletableFuture<Void> congestion() {
        CompletableFuture<Void> current = drained;
        return current != null && !current.isDone() ? current : null;
    }

    int pending() {
        return pending.get();
    }
}
