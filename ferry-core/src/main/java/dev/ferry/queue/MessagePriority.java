package dev.ferry.queue;

import dev.ferry.message.Message;

/**
 * Where a message stands in a priority queue (declared with {@code x-max-priority}): its level is
 * its {@code priority} property, 0 when it has none, and the queue's maximum when it has more
 * (RabbitMQ's rules). A queue without {@code x-max-priority}, or with 0, has the one level 0, so
 * every message is at level 0 and the queue is plain FIFO.
 *
 * <p>Stateless.
 */
public final class MessagePriority {
    private MessagePriority() {
    }

    /** The highest level of a queue declared with {@code arguments}: its x-max-priority, or 0. */
    public static int topLevel(QueueArguments arguments) {
        return arguments.maxPriority().orElse(0);
    }

    /** The level of {@code message} in a queue whose highest level is {@code topLevel}. */
    public static int levelOf(Message message, int topLevel) {
        return topLevel == 0 ? 0 : levelOf(message.properties().priority(), topLevel);
    }

    /** The level of a message whose priority property is {@code priority} (-1 when not set). */
    public static int levelOf(int priority, int topLevel) {
        return priority <= 0 ? 0 : Math.min(priority, topLevel);
    }
}
