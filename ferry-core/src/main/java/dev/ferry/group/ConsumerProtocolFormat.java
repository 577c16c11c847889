package dev.ferry.group;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The client's formats of the classic consumer protocol (Kafka's ConsumerProtocol): the
 * subscription a member sends in its JoinGroup metadata, and the assignment the leader hands out
 * in SyncGroup. The front that knows them supplies this; the core uses it to tell whether anyone
 * subscribes to a topic, and to move members between the classic and the consumer group protocols
 * (KIP-848's online migration), where the broker reads a classic member's subscription and writes
 * its assignment itself. Every method must be a pure function of its input (groups are deterministic).
 */
public interface ConsumerProtocolFormat {
    /** What a classic member's subscription says: its topics, the partitions it owns, its rack (or null). */
    record Subscription(List<String> topics, List<PartitionRef> ownedPartitions, String rackId) {
        public Subscription {
            topics = List.copyOf(topics);
            ownedPartitions = List.copyOf(ownedPartitions);
        }
    }

    /** A classic leader's assignment to one member; {@code hasUserData} when its assignor added data of its own. */
    record Assignment(List<PartitionRef> partitions, boolean hasUserData) {
        public Assignment {
            partitions = List.copyOf(partitions);
        }
    }

    /** The subscribed topics, or empty when the metadata cannot be read. */
    default Optional<Set<String>> topics(byte[] protocolMetadata) {
        return subscription(protocolMetadata).map(subscription -> Set.copyOf(subscription.topics()));
    }

    /** The whole subscription, or empty when the metadata cannot be read. */
    Optional<Subscription> subscription(byte[] protocolMetadata);

    /** An assignment a classic leader handed out (none at all reads as no partitions), or empty when it cannot be read. */
    Optional<Assignment> assignment(byte[] assignment);

    /**
     * An assignment of these partitions, as a classic member reads it from SyncGroup, in the
     * version of the member's {@code subscription} (what its client speaks).
     */
    byte[] assignmentBytes(List<PartitionRef> partitions, byte[] subscription);

    /** Knows no format: no group counts as subscribed to anything, and no group migrates. */
    ConsumerProtocolFormat NONE = new ConsumerProtocolFormat() {
        @Override
        public Optional<Subscription> subscription(byte[] protocolMetadata) {
            return Optional.empty();
        }

        @Override
        public Optional<Assignment> assignment(byte[] assignment) {
            return Optional.empty();
        }

        @Override
        public byte[] assignmentBytes(List<PartitionRef> partitions, byte[] subscription) {
            throw new UnsupportedOperationException("no consumer protocol format known");
        }
    };
}
