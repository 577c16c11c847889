package dev.ferry.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

/**
 * One topology operation of a virtual host as it happened in memory: the futures that say when
 * what it recorded is durable, and how to take the in-memory change back if it cannot be. Built
 * under the virtual host's lock, one per operation (a delete may record several cascaded changes).
 *
 * <p>Design note: a change is visible at once (a pipelined bind finds the queue declared just
 * before it) but answered only when durable. If the metadata write fails, the change must not stay
 * in memory as if it were stored: the undo actions run, newest first, under the same lock, on the
 * thread that learns of the failure (the metadata writer's), and the operation fails with
 * {@link ErrorCode#INTERNAL_ERROR}.
 *
 * <p>Thread safety: filled under the virtual host's lock by one thread; {@link #whenDurable} hands
 * it to the completing thread.
 */
final class TopologyChange {
    private static final Logger LOG = LoggerFactory.getLogger(TopologyChange.class);

    private final List<CompletableFuture<Void>> durable = new ArrayList<>();
    private final List<Runnable> undo = new ArrayList<>();

    /** The operation is durable only once {@code future} completes. */
    void awaits(CompletableFuture<Void> future) {
        durable.add(future);
    }

    /** How to take back part of the change; undone newest first. */
    void undoWith(Runnable action) {
        undo.add(action);
    }

    boolean isEmpty() {
        return durable.isEmpty();
    }

    /**
     * Completes when everything awaited has; if anything failed, first runs the undo actions
     * under {@code lock}, then fails with 541 naming {@code description}.
     */
    CompletableFuture<Void> whenDurable(Object lock, String description) {
        CompletableFuture<Void> all = durable.size() == 1 ? durable.get(0)
                : CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new));
        CompletableFuture<Void> result = new CompletableFuture<>();
        all.whenComplete((ignored, error) -> {
            if (error == null) {
                result.complete(null);
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            synchronized (lock) {
                for (int i = undo.size() - 1; i >= 0; i--) {
                    undo.get(i).run();
                }
            }
            LOG.error("Storing {} failed, so it was taken back: {}", description, cause.toString());
            result.completeExceptionally(new BrokerException(ErrorCode.INTERNAL_ERROR,
                    "INTERNAL_ERROR - storing " + description + " failed"));
        });
        return result;
    }
}
