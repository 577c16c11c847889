package dev.ferry.group;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Encodes {@link GroupRecord}s as the key and value of a log record, and back. Keys name what a
 * record is about, so the latest record per key is the state (compaction keeps only those);
 * a tombstone has no value.
 *
 * <pre>
 * key, offset:   int8 kind=1 | string groupId | string topic | int32 partition
 * key, group:    int8 kind=2 | string groupId
 * key, configs:  int8 kind=3 | string groupId
 * key, consumer: int8 kind=4 | string groupId
 * key, consumer member: int8 kind=5 | string groupId | string memberId
 *
 * value, offset: int8 version=1 | int64 offset | int32 leaderEpoch | string metadata | int64 commitTimestampMs
 * value, group:  int8 version=1 | string? protocolType | int32 generationId | string? protocolName
 *                | string? leaderId | int32 memberCount | member*
 * value, configs: int8 version=1 | int32 count | (string name | string value)*   (sorted by name;
 *                no value, a tombstone, when the group has no overrides left)
 * value, consumer: int8 version=1 | int32 groupEpoch | int32 assignmentEpoch | string assignorName
 *                | int32 count | (string topic | int32 partitions)*   (no value, a tombstone, when the group
 *                goes or turns classic)
 * value, consumer member: int8 version=1 | consumerMember | partitions target [| classic]   (no value when it left)
 * classic:       int32 sessionTimeoutMs | int32 count | (string name | bytes metadata)*   (only a member that
 *                speaks the classic protocol inside a consumer group, KIP-848's online migration)
 * consumerMember: string memberId | string? instanceId | string? rackId | string clientId | string clientHost
 *                | int32 rebalanceTimeoutMs | int32 count | string* | string? regex | string? serverAssignor
 *                | int32 memberEpoch | int32 previousMemberEpoch | string reconciliation | partitions | partitions
 * partitions:    int32 count | (string topic | int32 partition)*
 * member:        string memberId | string? groupInstanceId | string clientId | string clientHost
 *                | int32 rebalanceTimeoutMs | int32 sessionTimeoutMs | bytes subscription | bytes assignment
 *
 * string:  int32 length | UTF-8 bytes       string?: as string, length -1 for null
 * bytes:   int32 length | bytes             (all integers big-endian)
 * </pre>
 *
 * A value whose version is not 1 is refused rather than guessed at: a newer broker's records are
 * not read by an older one.
 */
final class GroupRecordCodec {
    static final byte KIND_OFFSET = 1;
    static final byte KIND_GROUP = 2;
    static final byte KIND_CONFIGS = 3;
    static final byte KIND_CONSUMER_GROUP = 4;
    static final byte KIND_CONSUMER_MEMBER = 5;
    static final byte VALUE_VERSION = 1;

    private GroupRecordCodec() {
    }

    /** A record as key and value bytes; {@code value} is null for a tombstone. */
    record Encoded(byte[] key, byte[] value) {
    }

    static Encoded encode(GroupRecord record) {
        try {
            if (record instanceof GroupRecord.OffsetCommitted committed) {
                return new Encoded(offsetKey(committed.groupId(), committed.partition()), offsetValue(committed.offset()));
            }
            if (record instanceof GroupRecord.OffsetRemoved removed) {
                return new Encoded(offsetKey(removed.groupId(), removed.partition()), null);
            }
            if (record instanceof GroupRecord.GroupMetadata metadata) {
                return new Encoded(key(KIND_GROUP, metadata.groupId()), groupValue(metadata));
            }
            if (record instanceof GroupRecord.ConfigsChanged changed) {
                return new Encoded(key(KIND_CONFIGS, changed.groupId()), changed.overrides().isEmpty() ? null
                        : configsValue(changed.overrides()));
            }
            if (record instanceof GroupRecord.ConsumerGroupState state) {
                return new Encoded(key(KIND_CONSUMER_GROUP, state.groupId()), consumerValue(state));
            }
            if (record instanceof GroupRecord.ConsumerGroupRemoved removed) {
                return new Encoded(key(KIND_CONSUMER_GROUP, removed.groupId()), null);
            }
            if (record instanceof GroupRecord.ConsumerMemberState state) {
                return new Encoded(key(KIND_CONSUMER_MEMBER, state.groupId(), state.member().memberId()),
                        consumerMemberValue(state));
            }
            if (record instanceof GroupRecord.ConsumerMemberRemoved removed) {
                return new Encoded(key(KIND_CONSUMER_MEMBER, removed.groupId(), removed.memberId()), null);
            }
            GroupRecord.GroupRemoved removed = (GroupRecord.GroupRemoved) record;
            return new Encoded(key(KIND_GROUP, removed.groupId()), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] offsetKey(String groupId, PartitionRef partition) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(KIND_OFFSET);
        writeString(out, groupId);
        writeString(out, partition.topic());
        out.writeInt(partition.partition());
        return bytes.toByteArray();
    }




    private static byte[] consumerValue(GroupRecord.ConsumerGroupState state) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(VALUE_VERSION);
        out.writeInt(state.groupEpoch());
        out.writeInt(state.assignmentEpoch());
        writeString(out, state.assignorName());
        out.writeInt(state.subscribedPartitionCounts().size());
        for (Map.Entry<String, Integer> topic : state.subscribedPartitionCounts().entrySet()) {
            writeString(out, topic.getKey());
            out.writeInt(topic.getValue());
        }
        return bytes.toByteArray();
    }

    /** A key of a record kind named by strings: the kind, then each string. */
    private static byte[] key(byte kind, String... parts) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(kind);
        for (String part : parts) {
            writeString(out, part);
        }
        return bytes.toByteArray();
    }


    private static byte[] consumerMemberValue(GroupRecord.ConsumerMemberState state) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(VALUE_VERSION);
        GroupRecord.StoredConsumerMember member = state.member();
        writeString(out, member.instanceId());
        writeString(out, member.rackId());
        writeString(out, member.clientId());
        writeString(out, member.clientHost());
        out.writeInt(member.rebalanceTimeoutMs());
        out.writeInt(member.subscribedTopicNames().size());
        for (String topic : member.subscribedTopicNames()) {
            writeString(out, topic);
        }
        writeString(out, member.subscribedTopicRegex());
        writeString(out, member.serverAssignor());
        out.writeInt(member.memberEpoch());
        out.writeInt(member.previousMemberEpoch());
        writeString(out, member.reconciliation());
        writePartitions(out, member.assigned());
        writePartitions(out, member.pendingRevocation());
        writePartitions(out, state.target());
        if (member.classic() != null) {
            // Only a classic member inside a consumer group has this tail; records without it read as before.
            out.writeInt(member.classic().sessionTimeoutMs());
            out.writeInt(member.classic().protocols().size());
            for (Protocol protocol : member.classic().protocols()) {
                writeString(out, protocol.name());
                out.writeInt(protocol.metadata().length);
                out.write(protocol.metadata());
            }
        }
        return bytes.toByteArray();
    }

    private static void writePartitions(DataOutputStream out, List<PartitionRef> partitions) throws IOException {
        out.writeInt(partitions.size());
        for (PartitionRef partition : partitions) {
            writeString(out, partition.topic());
            out.writeInt(partition.partition());
        }
    }

    private static byte[] configsValue(Map<String, String> overrides) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(VALUE_VERSION);
        out.writeInt(overrides.size());
        for (Map.Entry<String, String> entry : overrides.entrySet()) {
            writeString(out, entry.getKey());
            writeString(out, entry.getValue());
        }
        return bytes.toByteArray();
    }

    private static byte[] offsetValue(CommittedOffset offset) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + offset.metadata().length());
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(VALUE_VERSION);
        out.writeLong(offset.offset());
        out.writeInt(offset.leaderEpoch());
        writeString(out, offset.metadata());
        out.writeLong(offset.commitTimestampMs());
        return bytes.toByteArray();
    }

    private static byte[] groupValue(GroupRecord.GroupMetadata metadata) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(VALUE_VERSION);
        writeString(out, metadata.protocolType());
        out.writeInt(metadata.generationId());
        writeString(out, metadata.protocolName());
        writeString(out, metadata.leaderId());
        out.writeInt(metadata.members().size());
        for (GroupRecord.StoredMember member : metadata.members()) {
            writeString(out, member.memberId());
            writeString(out, member.groupInstanceId());
            writeString(out, member.clientId());
            writeString(out, member.clientHost());
            out.writeInt(member.rebalanceTimeoutMs());
            out.writeInt(member.sessionTimeoutMs());
            writeBytes(out, member.subscription());
            writeBytes(out, member.assignment());
        }
        return bytes.toByteArray();
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        writeBytes(out, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    /**
     * Decodes a record from its key and value ({@code value} null for a tombstone).
     *
     * @throws IllegalArgumentException if the bytes are not a record this codec wrote
     */
    static GroupRecord decode(ByteBuffer key, ByteBuffer value) {
        try {
            byte kind = key.get();
            String groupId = readString(key, false);
            if (kind == KIND_OFFSET) {
                PartitionRef partition = new PartitionRef(readString(key, false), key.getInt());
                requireEnd(key, "offset key");
                if (value == null) {
                    return new GroupRecord.OffsetRemoved(groupId, partition);
                }
                checkVersion(value);
                CommittedOffset offset = new CommittedOffset(value.getLong(), value.getInt(), readString(value, false),
                        value.getLong());
                requireEnd(value, "offset value");
                return new GroupRecord.OffsetCommitted(groupId, partition, offset);
            }
            if (kind == KIND_GROUP) {
                requireEnd(key, "group key");
                if (value == null) {
                    return new GroupRecord.GroupRemoved(groupId);
                }
                checkVersion(value);
                String protocolType = readString(value, true);
                int generationId = value.getInt();
                String protocolName = readString(value, true);
                String leaderId = readString(value, true);
                int count = value.getInt();
                if (count < 0 || count > value.remaining()) {
                    throw new IllegalArgumentException("member count " + count + " does not fit the record");
                }
                List<GroupRecord.StoredMember> members = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    members.add(new GroupRecord.StoredMember(readString(value, false), readString(value, true),
                            readString(value, false), readString(value, false), value.getInt(), value.getInt(),
                            readBytes(value), readBytes(value)));
                }
                requireEnd(value, "group value");
                return new GroupRecord.GroupMetadata(groupId, protocolType, generationId, protocolName, leaderId,
                        members);
            }
            if (kind == KIND_CONFIGS) {
                requireEnd(key, "configs key");
                if (value == null) {
                    return new GroupRecord.ConfigsChanged(groupId, Map.of());
                }
                checkVersion(value);
                int count = value.getInt();
                if (count < 0 || count > value.remaining()) {
                    throw new IllegalArgumentException("config count " + count + " does not fit the record");
                }
                Map<String, String> overrides = new TreeMap<>();
                for (int i = 0; i < count; i++) {
                    overrides.put(readString(value, false), readString(value, false));
                }
                requireEnd(value, "configs value");
                return new GroupRecord.ConfigsChanged(groupId, overrides);
            }
            if (kind == KIND_CONSUMER_GROUP) {
                requireEnd(key, "consumer group key");
                if (value == null) {
                    return new GroupRecord.ConsumerGroupRemoved(groupId);
                }
                checkVersion(value);
                GroupRecord.ConsumerGroupState state = consumerValue(groupId, value);
                requireEnd(value, "consumer group value");
                return state;
            }
            if (kind == KIND_CONSUMER_MEMBER) {
                String memberId = readString(key, false);
                requireEnd(key, "consumer member key");
                if (value == null) {
                    return new GroupRecord.ConsumerMemberRemoved(groupId, memberId);
                }
                checkVersion(value);
                GroupRecord.ConsumerMemberState state = consumerMemberValue(groupId, memberId, value);
                requireEnd(value, "consumer member value");
                return state;
            }
            throw new IllegalArgumentException("unknown record kind " + kind);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("record ends early", e);
        }
    }

    private static GroupRecord.ConsumerGroupState consumerValue(String groupId, ByteBuffer value) {
        int groupEpoch = value.getInt();
        int assignmentEpoch = value.getInt();
        String assignorName = readString(value, false);
        int topicCount = count(value, "topic");
        Map<String, Integer> partitionCounts = new TreeMap<>();
        for (int i = 0; i < topicCount; i++) {
            partitionCounts.put(readString(value, false), value.getInt());
        }
        return new GroupRecord.ConsumerGroupState(groupId, groupEpoch, assignmentEpoch, assignorName, partitionCounts);
    }

    private static GroupRecord.ConsumerMemberState consumerMemberValue(String groupId, String memberId,
                                                                       ByteBuffer value) {
        String instanceId = readString(value, true);
        String rackId = readString(value, true);
        String clientId = readString(value, false);
        String clientHost = readString(value, false);
        int rebalanceTimeoutMs = value.getInt();
        int nameCount = count(value, "subscribed topic");
        List<String> names = new ArrayList<>(nameCount);
        for (int n = 0; n < nameCount; n++) {
            names.add(readString(value, false));
        }
        GroupRecord.StoredConsumerMember member = new GroupRecord.StoredConsumerMember(memberId, instanceId, rackId,
                clientId, clientHost, rebalanceTimeoutMs, names, readString(value, true), readString(value, true),
                value.getInt(), value.getInt(), readString(value, false), readPartitions(value), readPartitions(value),
                null);
        List<PartitionRef> target = readPartitions(value);
        if (value.hasRemaining()) {
            int sessionTimeoutMs = value.getInt();
            int protocolCount = count(value, "protocol");
            List<Protocol> protocols = new ArrayList<>(protocolCount);
            for (int n = 0; n < protocolCount; n++) {
                String name = readString(value, false);
                byte[] metadata = new byte[count(value, "metadata byte")];
                value.get(metadata);
                protocols.add(new Protocol(name, metadata));
            }
            if (protocols.isEmpty()) {
                throw new IllegalArgumentException("a classic member without protocols");
            }
            member = new GroupRecord.StoredConsumerMember(member.memberId(), member.instanceId(), member.rackId(),
                    member.clientId(), member.clientHost(), member.rebalanceTimeoutMs(), member.subscribedTopicNames(),
                    member.subscribedTopicRegex(), member.serverAssignor(), member.memberEpoch(),
                    member.previousMemberEpoch(), member.reconciliation(), member.assigned(), member.pendingRevocation(),
                    new ConsumerGroupMember.ClassicMetadata(sessionTimeoutMs, protocols));
        }
        return new GroupRecord.ConsumerMemberState(groupId, member, target);
    }

    private static List<PartitionRef> readPartitions(ByteBuffer value) {
        int count = count(value, "partition");
        List<PartitionRef> partitions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            partitions.add(new PartitionRef(readString(value, false), value.getInt()));
        }
        return partitions;
    }

    /** A count read from the record, which cannot exceed its remaining bytes (each entry takes at least one). */
    private static int count(ByteBuffer value, String what) {
        int count = value.getInt();
        if (count < 0 || count > value.remaining()) {
            throw new IllegalArgumentException(what + " count " + count + " does not fit the record");
        }
        return count;
    }

    private static void checkVersion(ByteBuffer value) {
        byte version = value.get();
        if (version != VALUE_VERSION) {
            throw new IllegalArgumentException("value version " + version + ", this broker reads " + VALUE_VERSION);
        }
    }

    private static void requireEnd(ByteBuffer buffer, String what) {
        if (buffer.hasRemaining()) {
            throw new IllegalArgumentException(buffer.remaining() + " bytes after the end of the " + what);
        }
    }

    private static String readString(ByteBuffer buffer, boolean nullable) {
        int length = buffer.getInt();
        if (length == -1 && nullable) {
            return null;
        }
        return new String(readBytes(buffer, length), StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(ByteBuffer buffer) {
        return readBytes(buffer, buffer.getInt());
    }

    private static byte[] readBytes(ByteBuffer buffer, int length) {
        if (length < 0 || length > buffer.remaining()) {
            throw new IllegalArgumentException("length " + length + " does not fit the " + buffer.remaining()
                    + " bytes left");
        }
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return bytes;
    }
}
