package dev.ferry.queue;

import java.util.Optional;

/** What a queue at its length limit does with a new message (x-overflow). */
public enum Overflow {
    /** Drop (or dead-letter) the oldest ready message to make room; RabbitMQ's default. */
    DROP_HEAD("drop-head"),
    /** Refuse the new message (the publisher gets a nack). */
    REJECT_PUBLISH("reject-publish"),
    /** Refuse the new message and dead-letter it. */
    REJECT_PUBLISH_DLX("reject-publish-dlx");

    private final String wireName;

    Overflow(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<Overflow> fromWireName(String name) {
        for (Overflow overflow : values()) {
            if (overflow.wireName.equals(name)) {
                return Optional.of(overflow);
            }
        }
        return Optional.empty();
    }
}
