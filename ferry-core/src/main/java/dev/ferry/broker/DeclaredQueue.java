package dev.ferry.broker;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.ferry.queue.MessageQueue;

/**
 * What {@link VirtualHost#declareQueue} did: the queue (new or existing, usable at once, with its
 * name, generated for a server-named declaration), and when the declaration is durable, which is
 * when declare-ok may be sent. {@code durable} fails with 541 if the declaration could not be
 * stored; the queue is then gone again.
 */
public record DeclaredQueue(MessageQueue queue, CompletableFuture<Void> durable) {
    public DeclaredQueue {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(durable, "durable");
    }

    /** The queue's name. */
    public String name() {
        return queue.name();
    }
}
