package dev.ferry.kafka.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerProtocolAssignment;

import dev.ferry.group.ConsumerProtocolFormat;
import dev.ferry.group.PartitionRef;

/**
 * Kafka's ConsumerProtocol, through kafka-clients' own (de)serialisers: a consumer's JoinGroup
 * subscription (topics, owned partitions, rack) and the assignment SyncGroup carries.
 */
public final class KafkaConsumerProtocolFormat implements ConsumerProtocolFormat {
    @Override
    public Optional<Subscription> subscription(byte[] protocolMetadata) {
        try {
            ConsumerPartitionAssignor.Subscription read =
                    ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(protocolMetadata));
            return Optional.of(new Subscription(read.topics(), refs(read.ownedPartitions()),
                    read.rackId().orElse(null)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<Assignment> assignment(byte[] assignment) {
        if (assignment.length == 0) {
            return Optional.of(new Assignment(List.of(), false)); // a member not synced yet
        }
        try {
            ConsumerPartitionAssignor.Assignment read = ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(assignment));
            ByteBuffer userData = read.userData();
            return Optional.of(new Assignment(refs(read.partitions()), userData != null && userData.hasRemaining()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public byte[] assignmentBytes(List<PartitionRef> partitions, byte[] subscription) {
        List<TopicPartition> list = new ArrayList<>(partitions.size());
        for (PartitionRef partition : partitions) {
            list.add(new TopicPartition(partition.topic(), partition.partition()));
        }
        short version = ConsumerProtocolAssignment.HIGHEST_SUPPORTED_VERSION;
        if (subscription != null && subscription.length >= 2) {
            version = (short) Math.min(version, Math.max(0, ByteBuffer.wrap(subscription).getShort()));
        }
        ByteBuffer buffer = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(list), version);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static List<PartitionRef> refs(List<TopicPartition> partitions) {
        List<PartitionRef> refs = new ArrayList<>(partitions.size());
        for (TopicPartition partition : partitions) {
            refs.add(new PartitionRef(partition.topic(), partition.partition()));
        }
        return refs;
    }
}
