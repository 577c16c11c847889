package dev.ferry.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.group.PartitionRef;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The consumer protocol's assignment as /api/groups reads it: the partitions of a well-formed one
 * (version 0 and 3 alike, user data ignored), nothing from a truncated or lying one. kafka-clients'
 * own encoding is checked end to end by ferry-it's MonitoringTest.
 */
class ConsumerAssignmentTest {
    private static byte[] assignment(short version, String topic, int[] partitions, boolean userData) {
        byte[] name = topic.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(64 + name.length + 4 * partitions.length);
        buffer.putShort(version).putInt(1).putShort((short) name.length).put(name).putInt(partitions.length);
        for (int partition : partitions) {
            buffer.putInt(partition);
        }
        if (userData) {
            buffer.putInt(3).put(new byte[] {1, 2, 3});
        } else {
            buffer.putInt(-1);
        }
        byte[] bytes = new byte[buffer.position()];
        buffer.flip().get(bytes);
        return bytes;
    }

    @Test
    void shouldReadTheAssignedPartitions() {
        assertThat(ConsumerAssignment.partitions(assignment((short) 0, "orders", new int[] {0, 2}, false)))
                .containsExactly(new PartitionRef("orders", 0), new PartitionRef("orders", 2));
        assertThat(ConsumerAssignment.partitions(assignment((short) 3, "événements", new int[] {1}, true)))
                .containsExactly(new PartitionRef("événements", 1));
    }

    @Test
    void shouldReadNothingFromAMalformedAssignment() {
        byte[] whole = assignment((short) 0, "orders", new int[] {0, 1, 2}, false);
        for (int cut = 0; cut < whole.length - 4; cut++) {
            byte[] truncated = java.util.Arrays.copyOf(whole, cut);
            assertThat(ConsumerAssignment.partitions(truncated)).as("cut at %d", cut).isEmpty();
        }
        byte[] lyingCount = whole.clone();
        ByteBuffer.wrap(lyingCount).putInt(2, Integer.MAX_VALUE);
        assertThat(ConsumerAssignment.partitions(lyingCount)).isEmpty();
        assertThat(ConsumerAssignment.partitions(null)).isEmpty();
    }
}
