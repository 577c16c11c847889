package dev.ferry.broker;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import dev.ferry.queue.MessageStore;

/**
 * What {@link BrokerStorage#openQueueStore} gives a durable queue: its store, the executor the
 * queue must be built with (it may hold the queue's work until the store's files exist), and a
 * future that completes when they do.
 */
public record QueueStore(MessageStore store, Executor owner, CompletableFuture<Void> ready) {
    public QueueStore {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(ready, "ready");
    }

    /** A store usable at once, on the queue's own owner. */
    public static QueueStore ready(MessageStore store, Executor owner) {
        return new QueueStore(store, owner, CompletableFuture.completedFuture(null));
    }
}
