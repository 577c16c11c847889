package dev.ferry.message;

import java.util.List;
import java.util.Objects;

/**
 * One published message as it enters the core: where it was published to, its properties and its
 * body. Immutable, so a message routed to several queues is shared by all of them, never copied.
 *
 * <p>The body array is owned by the message once constructed: callers must not modify it. A large
 * body lives off the heap ({@link MessageBody}); re-addressed copies of a message share it.
 */
public final class Message {
    private final String exchange;
    private final String routingKey;
    private final MessageProperties properties;
    private final MessageBody body;
    // Null for nearly every message: routing then looks at the routing key alone.
    private final List<String> extraRoutingKeys;

    public Message(String exchange, String routingKey, MessageProperties properties, byte[] body) {
        this(exchange, routingKey, properties, MessageBody.of(body), null);
    }

    public Message(String exchange, String routingKey, MessageProperties properties, MessageBody body) {
        this(exchange, routingKey, properties, body, null);
    }

    public Message(String exchange, String routingKey, MessageProperties properties, byte[] body,
                   List<String> extraRoutingKeys) {
        this(exchange, routingKey, properties, MessageBody.of(body), extraRoutingKeys);
    }

    /**
     * @param extraRoutingKeys keys the message is routed by besides {@code routingKey} (sender-selected
     *                         distribution: the CC then BCC keys of an AMQP publish, see
     *                         {@link dev.ferry.route.SenderSelectedRoutes}); null or empty for none
     */
    public Message(String exchange, String routingKey, MessageProperties properties, MessageBody body,
                   List<String> extraRoutingKeys) {
        this.exchange = Objects.requireNonNull(exchange, "exchange");
        this.routingKey = Objects.requireNonNull(routingKey, "routingKey");
        this.properties = Objects.requireNonNull(properties, "properties");
        this.body = Objects.requireNonNull(body, "body");
        this.extraRoutingKeys = extraRoutingKeys == null || extraRoutingKeys.isEmpty()
                ? null : List.copyOf(extraRoutingKeys);
    }

    public String exchange() {
        return exchange;
    }

    public String routingKey() {
        return routingKey;
    }

    /**
     * The keys routed by besides {@link #routingKey()}, in order, or null when there are none (the
     * common case, tested with one comparison on the routing path). They outlive the header they came
     * from: BCC keys are not in the delivered headers, yet a dead letter is routed by them again.
     */
    public List<String> extraRoutingKeysOrNull() {
        return extraRoutingKeys;
    }

    public MessageProperties properties() {
        return properties;
    }

    /**
     * The body as an array: a heap body itself, not a copy (see the class comment); an off-heap
     * body copied. The message path uses {@link #messageBody()}.
     */
    public byte[] body() {
        return body.array();
    }

    /** The body as it is held, on or off the heap; see {@link MessageBody} for references. */
    public MessageBody messageBody() {
        return body;
    }

    public int bodySize() {
        return body.size();
    }

    /** The same body re-addressed, keeping its extra routing keys (dead-lettering without a new key). */
    public Message withRoute(String newExchange, String newRoutingKey, MessageProperties newProperties) {
        return new Message(newExchange, newRoutingKey, newProperties, body, extraRoutingKeys);
    }

    /** The same body re-addressed to one routing key only (dead-lettering with x-dead-letter-routing-key). */
    public Message withOnlyRoute(String newExchange, String newRoutingKey, MessageProperties newProperties) {
        return new Message(newExchange, newRoutingKey, newProperties, body, null);
    }

    @Override
    public String toString() {
        return "Message[exchange=" + exchange + ", routingKey=" + routingKey + ", bodySize=" + body.size() + "]";
    }
}
