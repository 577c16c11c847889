package dev.ferry.queue;

import java.util.Optional;

/**
 * How a quorum queue hands a dead letter over ({@code x-dead-letter-strategy}). RabbitMQ's rule
 * for which one is in effect: {@code at-least-once} needs a dead-letter exchange and
 * {@code x-overflow} = {@code reject-publish} (with {@code drop-head} the queue could be made to
 * drop a message it still holds for the target); otherwise the queue falls back to
 * {@code at-most-once}.
 */
public enum DeadLetterStrategy {
    /** The message leaves the source queue as it is republished (RabbitMQ's default). */
    AT_MOST_ONCE("at-most-once"),
    /** The source queue keeps the message until its targets have it. */
    AT_LEAST_ONCE("at-least-once");

    private final String wireName;

    DeadLetterStrategy(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<DeadLetterStrategy> fromWireName(String name) {
        for (DeadLetterStrategy strategy : values()) {
            if (strategy.wireName.equals(name)) {
                return Optional.of(strategy);
            }
        }
        return Optional.empty();
    }
}
