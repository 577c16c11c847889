package dev.ferry.http;

import dev.ferry.group.PartitionRef;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the partitions out of a Kafka consumer's assignment, as a group's leader wrote it for each
 * member: Kafka's ConsumerProtocolAssignment (versions 0-3, none of them flexible): int16
 * version, int32 topic count, and per topic an int16-length name, an int32 partition count and the
 * int32 partitions; user data follows and is not read. An assignment of another protocol type
 * (Kafka Connect's, say) or a malformed one reads as no partitions.
 */
final class ConsumerAssignment {
    private static final int TOPICS_MAX = 100_000;

    private ConsumerAssignment() {
    }

    static List<PartitionRef> partitions(byte[] assignment) {
        List<PartitionRef> partitions = new ArrayList<>();
        if (assignment == null || assignment.length < 6) {
            return partitions;
        }
        try {
            ByteBuffer buffer = ByteBuffer.wrap(assignment);
            buffer.getShort();
            int topics = buffer.getInt();
            if (topics < 0 || topics > TOPICS_MAX) {
                return List.of();
            }
            for (int t = 0; t < topics; t++) {
                int nameLength = buffer.getShort();
                if (nameLength < 0 || nameLength > buffer.remaining()) {
                    return List.of();
                }
                byte[] name = new byte[nameLength];
                buffer.get(name);
                String topic = new String(name, StandardCharsets.UTF_8);
                int count = buffer.getInt();
                if (count < 0 || count > buffer.remaining() / 4) {
                    return List.of();
                }
                for (int p = 0; p < count; p++) {
                    partitions.add(new PartitionRef(topic, buffer.getInt()));
                }
            }
            return partitions;
        } catch (BufferUnderflowException e) {
            return List.of();
        }
    }
}
