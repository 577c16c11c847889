package dev.ferry.kafka.group;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;

import dev.ferry.group.SubscriptionDecoder;

/**
 * Reads the topics out of a consumer's JoinGroup metadata (Kafka's ConsumerProtocol subscription),
 * for OffsetDelete's check that no member of the group subscribes to the topic.
 */
public final class ConsumerSubscriptions implements SubscriptionDecoder {
    @Override
    public Optional<Set<String>> topics(byte[] protocolMetadata) {
        try {
            return Optional.of(new HashSet<>(
                    ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(protocolMetadata)).topics()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
