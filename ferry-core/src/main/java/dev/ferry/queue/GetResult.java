package dev.ferry.queue;

import java.util.Optional;

/**
 * The answer to a get: a message, or none (AMQP basic.get-empty), and how many ready messages the
 * queue still holds afterwards (AMQP basic.get-ok message-count).
 */
public record GetResult(Optional<Delivery> delivery, int messageCount) {

    public static GetResult empty() {
        return new GetResult(Optional.empty(), 0);
    }

    public boolean isEmpty() {
        return delivery.isEmpty();
    }
}
