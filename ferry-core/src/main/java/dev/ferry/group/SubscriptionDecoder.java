package dev.ferry.group;

import java.util.Optional;
import java.util.Set;

/**
 * Reads the topics a member subscribes to out of its protocol metadata, for groups whose protocol
 * type is {@code consumer}. The format is the client's (Kafka's ConsumerProtocol), so the front
 * that knows it supplies the decoder; the core only asks "is anyone subscribed to this topic" when
 * offsets are deleted. Must be a pure function of its input (groups are deterministic).
 */
@FunctionalInterface
public interface SubscriptionDecoder {
    /** The subscribed topics, or empty when the metadata cannot be read. */
    Optional<Set<String>> topics(byte[] protocolMetadata);

    /** Knows no format: no group counts as subscribed to anything. */
    SubscriptionDecoder NONE = metadata -> Optional.empty();
}
