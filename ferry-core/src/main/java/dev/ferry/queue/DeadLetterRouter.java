package dev.ferry.queue;

import java.util.concurrent.CompletableFuture;

import dev.ferry.message.Message;

/**
 * Republishes a dead-lettered message through its virtual host's routing. Implemented by the
 * virtual host: it routes on the calling (queue owner) thread and posts to the target queues,
 * which may live on other owner threads, so it never blocks.
 */
@FunctionalInterface
public interface DeadLetterRouter {

    /** Drops every dead letter: for queues outside a virtual host (unit tests). */
    DeadLetterRouter DROP = (message, reason) -> { };

    /**
     * @param deadLettered the message as it leaves the queue: addressed to the dead-letter
     *                     exchange, with its {@code x-death} history updated
     * @param reason       why it died; cycles are only refused when no death in them was a reject
     */
    void route(Message deadLettered, DeathReason reason);

    /**
     * As {@link #route}, for an at-least-once hand-over ({@link DeadLetterStrategy#AT_LEAST_ONCE}):
     * the future completes when every queue reached has stored the message, exceptionally when one
     * refused or failed it; {@code null} when it reached no queue. A router that cannot tell (the
     * default) counts the message as handed over at once.
     */
    default CompletableFuture<Void> routeConfirmed(Message deadLettered, DeathReason reason) {
        route(deadLettered, reason);
        return CompletableFuture.completedFuture(null);
    }
}
