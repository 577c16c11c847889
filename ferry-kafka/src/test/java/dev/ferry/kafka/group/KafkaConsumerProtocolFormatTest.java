package dev.ferry.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import dev.ferry.group.ConsumerProtocolFormat;
import dev.ferry.group.PartitionRef;

/** The classic consumer protocol's bytes as kafka-clients writes and reads them. */
class KafkaConsumerProtocolFormatTest {
    private final KafkaConsumerProtocolFormat format = new KafkaConsumerProtocolFormat();

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    @Test
    void shouldReadTopicsOwnedPartitionsAndRackOfASubscription() {
        byte[] metadata = bytes(ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(
                List.of("orders", "audit"), null, List.of(new TopicPartition("orders", 2)), 4, Optional.of("rack-a"))));

        ConsumerProtocolFormat.Subscription read = format.subscription(metadata).orElseThrow();

        assertThat(read.topics()).containsExactlyInAnyOrder("orders", "audit");
        assertThat(read.ownedPartitions()).containsExactly(new PartitionRef("orders", 2));
        assertThat(read.rackId()).isEqualTo("rack-a");
        assertThat(format.topics(metadata)).contains(java.util.Set.of("orders", "audit"));
        assertThat(format.subscription(new byte[] {0, 1, 2})).isEmpty();
    }

    @Test
    void shouldWriteAnAssignmentInTheVersionOfTheMembersSubscription() {
        List<PartitionRef> partitions = List.of(new PartitionRef("orders", 0), new PartitionRef("orders", 3));
        byte[] oldSubscription = bytes(ConsumerProtocol.serializeSubscription(
                new ConsumerPartitionAssignor.Subscription(List.of("orders")), (short) 0));

        byte[] written = format.assignmentBytes(partitions, oldSubscription);

        assertThat(ConsumerProtocol.deserializeVersion(ByteBuffer.wrap(written))).isZero();
        assertThat(ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(written)).partitions())
                .containsExactly(new TopicPartition("orders", 0), new TopicPartition("orders", 3));
        assertThat(format.assignment(written).orElseThrow().partitions()).containsExactlyElementsOf(partitions);
        assertThat(format.assignment(written).orElseThrow().hasUserData()).isFalse();
    }

    @Test
    void shouldTellAnAssignmentCarryingAssignorDataAndReadNoneAsEmpty() {
        byte[] withData = bytes(ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(
                List.of(new TopicPartition("orders", 1)), ByteBuffer.wrap(new byte[] {7}))));

        assertThat(format.assignment(withData).orElseThrow().hasUserData()).isTrue();
        assertThat(format.assignment(new byte[0]).orElseThrow().partitions()).isEmpty();
        assertThat(format.assignment(new byte[] {0, 0, 0, 0, 0, 9})).isEmpty();
    }
}
