package dev.ferry.route;

import java.util.Optional;

/**
 * The routing algorithms an exchange can use, named as AMQP 0-9-1 clients spell them on the wire.
 */
public enum ExchangeType {
    DIRECT("direct"),
    FANOUT("fanout"),
    TOPIC("topic"),
    HEADERS("headers");

    private final String wireName;

    ExchangeType(String wireName) {
        this.wireName = wireName;
    }

    /** The name a client sends in exchange.declare, e.g. {@code "topic"}. */
    public String wireName() {
        return wireName;
    }

    /** The type a client named, or empty when the broker does not know it (a 503 for AMQP). */
    public static Optional<ExchangeType> fromWireName(String name) {
        for (ExchangeType type : values()) {
            if (type.wireName.equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
