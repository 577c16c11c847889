package dev.ferry.queue;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.ferry.message.Message;

/**
 * The {@code x-delivery-count} header RabbitMQ's quorum queues put on a redelivered message: how
 * many times it came back to the queue before this delivery. Consumers use it to give up on a
 * message before the broker's x-delivery-limit does.
 */
final class DeliveryCountHeader {
    static final String NAME = "x-delivery-count";

    private DeliveryCountHeader() {
    }

    /** The message as delivered: unchanged on its first delivery, else with the header set. */
    static Message applyTo(QueuedMessage queued) {
        Message message = queued.message();
        if (queued.returnCount() == 0) {
            return message;
        }
        Map<String, Object> current = message.properties().headers();
        Map<String, Object> headers = current == null ? new LinkedHashMap<>() : new LinkedHashMap<>(current);
        headers.put(NAME, (long) queued.returnCount());
        return message.withRoute(message.exchange(), message.routingKey(), message.properties().withHeaders(headers));
    }
}
