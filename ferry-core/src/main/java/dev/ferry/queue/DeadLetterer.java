package dev.ferry.queue;

import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.message.Message;
import dev.ferry.stats.MessageCounter;
import dev.ferry.stats.MessageCounts;
import dev.ferry.text.LogSafe;

/**
 * One queue's dead-lettering: when the queue has an x-dead-letter-exchange, a message it gives up
 * on is annotated ({@link DeathHistory}) and republished through the virtual host; without one it
 * is dropped, as in RabbitMQ. Owner thread only; republishing posts to other queues and never
 * blocks.
 */
final class DeadLetterer {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterer.class);

    private final QueueSettings settings;
    private final QueueServices services;
    private final MessageCounts counts;

    // The arguments in effect (a policy may change them); owner thread only.
    private QueueArguments arguments;

    DeadLetterer(QueueSettings settings, QueueServices services, MessageCounts counts) {
        this.settings = settings;
        this.services = services;
        this.counts = counts;
        this.arguments = settings.arguments();
    }

    void useArguments(QueueArguments effective) {
        this.arguments = effective;
    }

    boolean hasDeadLetterExchange() {
        return arguments.deadLetterExchange().isPresent();
    }

    /**
     * Whether the queue keeps a dead letter until its targets have stored it: the strategy in
     * effect is at-least-once (which already implies a dead-letter exchange).
     */
    boolean isAtLeastOnce() {
        return hasDeadLetterExchange() && arguments.deadLetterStrategy() == DeadLetterStrategy.AT_LEAST_ONCE;
    }

    /** Dead-letters (or drops) a message the queue no longer holds; the caller settled it in the store. */
    void deadLetter(Message message, DeathReason reason) {
        if (!hasDeadLetterExchange()) {
            return;
        }
        counts.increment(MessageCounter.DEAD_LETTERED);
        Message deadLettered = annotate(message, reason);
        try {
            services.deadLetterRouter().route(deadLettered, reason);
        } catch (RuntimeException e) {
            // A missing or broken dead-letter target must not break the queue that hands over.
            LOG.warn("Dead-lettering from {} failed: {}", LogSafe.text(settings.description()), LogSafe.text(e));
        }
    }

    /** The message as it leaves this queue: addressed to the dead-letter exchange, its death recorded. */
    Message annotate(Message message, DeathReason reason) {
        return DeathHistory.recordDeath(message, settings.name(), reason, services.timer().currentTimeMillis(),
                arguments.deadLetterExchange().get(), arguments.deadLetterRoutingKey().orElse(null));
    }

    /**
     * Routes an annotated dead letter for an at-least-once hand-over: the future completes when
     * its targets have stored it; {@code null} when it reached no queue (or routing failed), to be
     * tried again after {@link #retryIntervalMs()}.
     */
    CompletableFuture<Void> handOver(Message deadLettered, DeathReason reason) {
        try {
            return services.deadLetterRouter().routeConfirmed(deadLettered, reason);
        } catch (RuntimeException e) {
            LOG.warn("Dead-lettering from {} failed, will retry: {}", LogSafe.text(settings.description()),
                    LogSafe.text(e));
            return null;
        }
    }

    long retryIntervalMs() {
        return services.deadLetterRetryMs();
    }
}
