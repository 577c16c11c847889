package dev.ferry.broker;

import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ferry.error.BrokerException;
import dev.ferry.queue.QueueArguments;
import dev.ferry.queue.QueueType;
import dev.ferry.text.LogSafe;

/**
 * What a queue's type ({@code x-queue-type}) demands of a declaration, checked and worded as
 * RabbitMQ does: a new quorum queue must be named by the client, durable, not exclusive and not
 * auto-delete; a redeclaration must name the same type (no type means classic).
 */
final class QueueTypeRules {
    private static final Logger LOG = LoggerFactory.getLogger(QueueTypeRules.class);

    private QueueTypeRules() {
    }

    /** Refuses (406) a queue its type does not allow; called only when the queue is created. */
    static void checkNewQueue(QueueDeclaration declaration, QueueArguments arguments, String description) {
        QueueType type = arguments.queueType();
        if (!type.requiresDurableSharedQueue()) {
            return;
        }
        // RabbitMQ's order: auto-delete, then exclusive, then durable.
        if (declaration.autoDelete()) {
            throw invalidProperty("auto-delete", description);
        }
        if (declaration.exclusive()) {
            throw invalidProperty("exclusive-owner", description);
        }
        if (!declaration.durable()) {
            throw invalidProperty("non-durable", description);
        }
    }

    /** Refuses (406) an empty queue name for a type the broker may not name. */
    static void checkServerNamed(QueueArguments arguments) {
        if (!arguments.queueType().allowsServerNamedQueues()) {
            throw BrokerException.preconditionFailed("PRECONDITION_FAILED - Cannot declare a server-named queue for type "
                    + arguments.queueType().moduleName());
        }
    }

    /**
     * A redeclaration with the same effective type passes even if one of them leaves
     * {@code x-queue-type} out (classic either way); otherwise the argument texts apply.
     */
    static void requireSameType(QueueArguments current, Map<String, Object> received, String description) {
        Object receivedType = received.get(QueueArguments.QUEUE_TYPE);
        // No x-queue-type is classic, so "classic" and none are the same type; anything unknown is not.
        Optional<QueueType> type = receivedType == null ? Optional.of(QueueType.CLASSIC)
                : receivedType instanceof String name ? QueueType.fromWireName(name) : Optional.empty();
        if (type.isEmpty() || current.queueType() != type.get()) {
            Equivalence.requireSameArgument(QueueArguments.QUEUE_TYPE, current.raw().get(QueueArguments.QUEUE_TYPE),
                    receivedType, description);
        }
    }

    /** One line per setting the queue's type overrode (RabbitMQ logs these as warnings too). */
    static void logFallbacks(QueueArguments arguments, String description) {
        for (String fallback : arguments.fallbacks()) {
            LOG.warn("{}: {}", LogSafe.text(description), fallback);
        }
    }

    private static BrokerException invalidProperty(String property, String description) {
        return BrokerException.preconditionFailed("PRECONDITION_FAILED - invalid property '" + property + "' for "
                + description);
    }
}
