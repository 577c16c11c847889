package dev.ferry.message;

import java.util.Objects;

/**
 * One published message as it enters the core: where it was published to, its properties and its
 * body. Immutable, so a message routed to several queues is shared by all of them, never copied.
 *
 * <p>The body array is owned by the message once constructed: callers must not modify it.
 */
public final class Message {
    private final String exchange;
    private final String routingKey;
    private final MessageProperties properties;
    private final byte[] body;

    public Message(String exchange, String routingKey, MessageProperties properties, byte[] body) {
        this.exchange = Objects.requireNonNull(exchange, "exchange");
        this.routingKey = Objects.requireNonNull(routingKey, "routingKey");
        this.properties = Objects.requireNonNull(properties, "properties");
        this.body = Objects.requireNonNull(body, "body");
    }

    public String exchange() {
        return exchange;
    }

    public String routingKey() {
        return routingKey;
    }

    public MessageProperties properties() {
        return properties;
    }

    /** The body itself, not a copy; see the class comment. */
    public byte[] body() {
        return body;
    }

    public int bodySize() {
        return body.length;
    }

    /** The same body re-addressed, as dead-lettering and alternate exchanges do. */
    public Message withRoute(String newExchange, String newRoutingKey, MessageProperties newProperties) {
        return new Message(newExchange, newRoutingKey, newProperties, body);
    }

    @Override
    public String toString() {
        return "Message[exchange=" + exchange + ", routingKey=" + routingKey + ", bodySize=" + body.length + "]";
    }
}
