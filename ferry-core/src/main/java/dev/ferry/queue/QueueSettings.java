package dev.ferry.queue;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a queue was declared with; compared when a client redeclares it. Immutable.
 *
 * @param virtualHost     the virtual host's name, for error texts
 * @param exclusiveOwner  the connection that owns an exclusive queue, or empty
 * @param autoDelete      delete the queue when its last consumer goes (never if none ever came)
 */
public record QueueSettings(
        String virtualHost,
        String name,
        boolean durable,
        OptionalLong exclusiveOwner,
        boolean autoDelete,
        QueueArguments arguments) {

    public QueueSettings {
        Objects.requireNonNull(virtualHost, "virtualHost");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(exclusiveOwner, "exclusiveOwner");
        Objects.requireNonNull(arguments, "arguments");
    }

    public boolean exclusive() {
        return exclusiveOwner.isPresent();
    }

    /** How RabbitMQ names a queue in error texts: {@code queue 'q' in vhost '/'}. */
    public String description() {
        return describe(name, virtualHost);
    }

    public static String describe(String queueName, String virtualHost) {
        return "queue '" + queueName + "' in vhost '" + virtualHost + "'";
    }
}
