package dev.ferry.message;

import java.util.Map;

/**
 * The content properties a publisher attaches to a message, in the protocol-neutral form the core
 * routes and stores. Field names follow AMQP 0-9-1's basic class because that is the richest
 * model Ferry serves; a Kafka record maps its headers into {@link #headers()}.
 *
 * <p>Every field is optional: {@code null} (or {@code 0} for {@link #deliveryMode()} and
 * {@code -1} for {@link #priority()}) means "not set", so that a message is delivered with the
 * same set of properties it was published with.
 *
 * <p>Header values use these Java types, one per AMQP field-table type: {@link String} (long and
 * short strings), {@link Boolean}, {@link Byte}, {@link Short}, {@link Integer}, {@link Long},
 * {@link Float}, {@link Double}, {@link java.math.BigDecimal} (decimal), {@link java.util.Date}
 * (timestamp, whole seconds), {@code byte[]} (byte array), {@link Map} (nested table),
 * {@link java.util.List} (array) and {@code null} (void).
 *
 * @param timestamp seconds since the epoch, as AMQP carries it, or {@code null}
 */
public record MessageProperties(
        String contentType,
        String contentEncoding,
        Map<String, Object> headers,
        int deliveryMode,
        int priority,
        String correlationId,
        String replyTo,
        String expiration,
        String messageId,
        Long timestamp,
        String type,
        String userId,
        String appId,
        String clusterId) {

    /** Delivery mode of a message the broker may lose on restart. */
    public static final int TRANSIENT = 1;
    /** Delivery mode of a message that must survive a restart when its queue is durable. */
    public static final int PERSISTENT = 2;

    /** A message published with no properties at all. */
    public static final MessageProperties EMPTY =
            new MessageProperties(null, null, null, 0, -1, null, null, null, null, null, null, null, null, null);

    public boolean persistent() {
        return deliveryMode == PERSISTENT;
    }

    /** A copy with other headers; used when the broker annotates a message (x-death, for example). */
    public MessageProperties withHeaders(Map<String, Object> newHeaders) {
        return new MessageProperties(contentType, contentEncoding, newHeaders, deliveryMode, priority,
                correlationId, replyTo, expiration, messageId, timestamp, type, userId, appId, clusterId);
    }

    /** A copy with another expiration; dead-lettering removes the per-message TTL, as RabbitMQ does. */
    public MessageProperties withExpiration(String newExpiration) {
        return new MessageProperties(contentType, contentEncoding, headers, deliveryMode, priority,
                correlationId, replyTo, newExpiration, messageId, timestamp, type, userId, appId, clusterId);
    }
}
