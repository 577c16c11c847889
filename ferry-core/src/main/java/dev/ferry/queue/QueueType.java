package dev.ferry.queue;

import java.util.Optional;
import java.util.Set;

/**
 * What kind of queue a declaration asked for ({@code x-queue-type}). The type is part of the
 * queue's arguments, so it is recorded with the declaration and comes back with it after a
 * restart; the rest of the queue reads the type's rules from here rather than testing names.
 *
 * <p>On one node a quorum queue is a durable queue with stricter rules (always durable, never
 * exclusive nor auto-delete, every message kept on disk whatever its delivery mode, a delivery
 * limit by default). When clustering arrives it is the type whose state is replicated.
 */
public enum QueueType {
    CLASSIC("classic", "rabbit_classic_queue", Set.of(
            QueueArguments.DEAD_LETTER_STRATEGY, QueueArguments.QUORUM_INITIAL_GROUP_SIZE,
            QueueArguments.QUEUE_LEADER_LOCATOR, "x-max-in-memory-length", "x-max-in-memory-bytes",
            "x-max-age", "x-stream-max-segment-size-bytes", "x-initial-cluster-size", "x-stream-filter-size-bytes")),
    QUORUM("quorum", "rabbit_quorum_queue", Set.of(
            QueueArguments.MAX_PRIORITY, QueueArguments.QUEUE_MODE, QueueArguments.QUEUE_VERSION, "x-queue-master-locator",
            "x-max-age", "x-stream-max-segment-size-bytes", "x-initial-cluster-size", "x-stream-filter-size-bytes"));

    /** RabbitMQ 4's delivery limit for a quorum queue declared without {@code x-delivery-limit}. */
    public static final long QUORUM_DEFAULT_DELIVERY_LIMIT = 20;

    private final String wireName;
    private final String moduleName;
    private final Set<String> refusedArguments;

    QueueType(String wireName, String moduleName, Set<String> refusedArguments) {
        this.wireName = wireName;
        this.moduleName = moduleName;
        this.refusedArguments = refusedArguments;
    }

    /** The value of {@code x-queue-type}. */
    public String wireName() {
        return wireName;
    }

    /** How RabbitMQ names the type in error texts ({@code rabbit_quorum_queue}). */
    public String moduleName() {
        return moduleName;
    }

    /**
     * Arguments another queue type knows that this one refuses (406), as RabbitMQ does. Arguments
     * no type knows are accepted and ignored. Ferry's own {@code x-delivery-limit} and
     * {@code x-retry-delays} stay allowed on classic queues.
     */
    public boolean refuses(String argument) {
        return refusedArguments.contains(argument);
    }

    /** Whether every message is written to disk, transient or not (RabbitMQ: "always" for quorum queues). */
    public boolean keepsEveryMessage() {
        return this == QUORUM;
    }

    /** Whether the queue must be durable, non-exclusive and not auto-delete. */
    public boolean requiresDurableSharedQueue() {
        return this == QUORUM;
    }

    /**
     * Whether a consumer may join on a channel with a channel-wide prefetch (basic.qos global);
     * RabbitMQ's quorum queues refuse with 540.
     */
    public boolean supportsGlobalQos() {
        return this == CLASSIC;
    }

    /** Whether the broker may name the queue (an empty name in queue.declare). */
    public boolean allowsServerNamedQueues() {
        return this == CLASSIC;
    }

    public static Optional<QueueType> fromWireName(String name) {
        for (QueueType type : values()) {
            if (type.wireName.equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
