package dev.ferry.access;

import java.util.concurrent.CompletableFuture;

/**
 * Where access changes are made durable. {@link #IN_MEMORY} keeps nothing (tests, embedded use);
 * {@link AccessLog} is the file in the data directory.
 *
 * <p>Thread safety: {@link #record} may be called from any thread; futures complete in the order
 * the commands were recorded.
 */
public interface AccessStore extends AutoCloseable {

    /** Makes {@code command} durable; the future completes once it is (or fails, and so do all later ones). */
    CompletableFuture<Void> record(AccessCommand command);

    @Override
    default void close() {
    }

    AccessStore IN_MEMORY = command -> CompletableFuture.completedFuture(null);
}
