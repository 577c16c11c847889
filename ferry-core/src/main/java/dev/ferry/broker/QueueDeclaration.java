package dev.ferry.broker;

import java.util.Map;
import java.util.Objects;

/**
 * A non-passive queue.declare as the core receives it.
 *
 * @param name         the queue name; empty asks the broker to generate one ({@code amq.gen-...})
 * @param exclusive    owned by {@code connectionId}: no other connection may use it, and it is
 *                     deleted when that connection closes
 * @param autoDelete   deleted when its last consumer goes (never if it never had one)
 * @param connectionId the declaring connection
 */
public record QueueDeclaration(
        String name,
        boolean durable,
        boolean exclusive,
        boolean autoDelete,
        Map<String, Object> arguments,
        long connectionId) {

    public QueueDeclaration {
        Objects.requireNonNull(name, "name");
        arguments = arguments == null ? Map.of() : arguments;
    }
}
