package dev.ferry.group;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a group change leaves in the groups' log ({@link GroupLog}), as data. Replaying every record
 * of the log in order ({@link Groups#restore}) gives back each group's committed offsets and its
 * last completed generation.
 */
public sealed interface GroupRecord {
    String groupId();

    /** The key compaction keeps the latest record of. */
    String key();

    record OffsetCommitted(String groupId, PartitionRef partition, CommittedOffset offset) implements GroupRecord {
        @Override
        public String key() {
            return "o/" + groupId + "/" + partition.topic() + "/" + partition.partition();
        }
    }

    /** A tombstone: the group's offset for the partition was deleted (OffsetDelete, DeleteGroups). */
    record OffsetRemoved(String groupId, PartitionRef partition) implements GroupRecord {
        @Override
        public String key() {
            return "o/" + groupId + "/" + partition.topic() + "/" + partition.partition();
        }
    }

    /**
     * A group's membership as of its last completed rebalance: written when the leader's
     * assignment is handed out, and when a rebalance ends with no member.
     */
    record GroupMetadata(String groupId, String protocolType, int generationId, String protocolName, String leaderId,
                         List<StoredMember> members) implements GroupRecord {
        public GroupMetadata {
            members = List.copyOf(members);
        }

        @Override
        public String key() {
            return "g/" + groupId;
        }
    }

    /** One member in {@link GroupMetadata}: its metadata for the chosen protocol and its assignment. */
    record StoredMember(String memberId, String groupInstanceId, String clientId, String clientHost,
                        int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription, byte[] assignment) {
    }

    /** A tombstone: the group was deleted. */
    record GroupRemoved(String groupId) implements GroupRecord {
        @Override
        public String key() {
            return "g/" + groupId;
        }
    }

    /**
     * A group's configs after a change: the whole set of its overrides, sorted by name; an empty
     * set is stored as a tombstone (every config back to its default).
     */
    record ConfigsChanged(String groupId, Map<String, String> overrides) implements GroupRecord {
        public ConfigsChanged {
            overrides = Collections.unmodifiableMap(new TreeMap<>(overrides));
        }

        @Override
        public String key() {
            return "c/" + groupId;
        }
    }

    /**
     * A group of Kafka's consumer protocol (KIP-848), the group's own part: its epochs, the assignor
     * of its target and the partition counts that target was made from. Each member is a
     * {@link ConsumerMemberState} of its own, so a change to one member writes one member; an empty
     * group keeps this record and stays a consumer group, as in Kafka.
     */
    record ConsumerGroupState(String groupId, int groupEpoch, int assignmentEpoch, String assignorName,
                              Map<String, Integer> subscribedPartitionCounts) implements GroupRecord {
        public ConsumerGroupState {
            subscribedPartitionCounts = Collections.unmodifiableMap(new TreeMap<>(subscribedPartitionCounts));
        }

        @Override
        public String key() {
            return "k/" + groupId;
        }
    }

    /**
     * One member of a consumer-protocol group with its part of the target assignment: written when
     * a heartbeat changed it, and for every member when a new target is computed; after a restart
     * the member carries on at its epoch with its partitions.
     */
    record ConsumerMemberState(String groupId, StoredConsumerMember member, List<PartitionRef> target)
            implements GroupRecord {
        public ConsumerMemberState {
            target = List.copyOf(target);
        }

        @Override
        public String key() {
            return "km/" + groupId + "/" + member.memberId();
        }
    }

    /** A tombstone: the member left the consumer-protocol group (or was fenced, or replaced). */
    record ConsumerMemberRemoved(String groupId, String memberId) implements GroupRecord {
        @Override
        public String key() {
            return "km/" + groupId + "/" + memberId;
        }
    }

    /**
     * One member in {@link ConsumerMemberState}. {@code reconciliation} is the name of its
     * {@link ConsumerGroupMember.Reconciliation}; nullable strings are null when the member gave none.
     */
    record StoredConsumerMember(String memberId, String instanceId, String rackId, String clientId, String clientHost,
                                int rebalanceTimeoutMs, List<String> subscribedTopicNames, String subscribedTopicRegex,
                                String serverAssignor, int memberEpoch, int previousMemberEpoch, String reconciliation,
                                List<PartitionRef> assigned, List<PartitionRef> pendingRevocation,
                                ConsumerGroupMember.ClassicMetadata classic) {
        public StoredConsumerMember {
            subscribedTopicNames = List.copyOf(subscribedTopicNames);
            assigned = List.copyOf(assigned);
            pendingRevocation = List.copyOf(pendingRevocation);
        }
    }

    /** A tombstone: the group is deleted, or became a classic group again. */
    record ConsumerGroupRemoved(String groupId) implements GroupRecord {
        @Override
        public String key() {
            return "k/" + groupId;
        }
    }
}
