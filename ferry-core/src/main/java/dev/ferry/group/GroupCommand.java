package dev.ferry.group;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A change to a consumer group, as data: no future, no callback, no clock reading inside. The time
 * is the command's {@code nowMs}; the answer to a request is a {@link GroupOutcome.Reply} carrying
 * the command's {@code requestId}, which the caller chose (it may come at once or when a later
 * command completes a rebalance). Applying the same commands to the same state gives the same
 * states, replies and records, which is what replay and replication need.
 *
 * <p>Strings the client may leave out are {@code null} ({@code groupInstanceId}, and the
 * {@code protocolType} / {@code protocolName} of a SyncGroup before v5); an unknown member id is
 * {@code ""}, as on the wire.
 */
public sealed interface GroupCommand {
    String groupId();

    long nowMs();

    /**
     * JoinGroup. {@code topicPartitionCounts} is every topic's partition count when the request
     * arrived: a classic member joining a consumer-protocol group (online migration) is assigned
     * by the broker, which needs them, and applying the command must need nothing but its data.
     * {@code newMemberId} is the id the member gets if it has none yet, chosen by the
     * caller (Kafka's {@code clientId-UUID}) so that applying the command stays deterministic.
     * {@code requireKnownMemberId} is true from JoinGroup v4: a member without an id is first sent
     * away with {@code MEMBER_ID_REQUIRED} and its new id.
     */
    record Join(long requestId, String groupId, String memberId, String newMemberId, String groupInstanceId,
                String clientId, String clientHost, int sessionTimeoutMs, int rebalanceTimeoutMs,
                String protocolType, List<Protocol> protocols, boolean requireKnownMemberId,
                SortedMap<String, Integer> topicPartitionCounts, long nowMs)
            implements GroupCommand {
        public Join {
            protocols = List.copyOf(protocols);
            topicPartitionCounts = Collections.unmodifiableSortedMap(new TreeMap<>(topicPartitionCounts));
        }

        /** A join that knows no topics: enough for a classic group, whose leader assigns. */
        public Join(long requestId, String groupId, String memberId, String newMemberId, String groupInstanceId,
                    String clientId, String clientHost, int sessionTimeoutMs, int rebalanceTimeoutMs,
                    String protocolType, List<Protocol> protocols, boolean requireKnownMemberId, long nowMs) {
            this(requestId, groupId, memberId, newMemberId, groupInstanceId, clientId, clientHost, sessionTimeoutMs,
                    rebalanceTimeoutMs, protocolType, protocols, requireKnownMemberId, new TreeMap<>(), nowMs);
        }
    }

    /** SyncGroup: the leader sends every member's assignment, the others send none. */
    record Sync(long requestId, String groupId, int generationId, String memberId, String groupInstanceId,
                String protocolType, String protocolName, Map<String, byte[]> assignments, long nowMs)
            implements GroupCommand {
        public Sync {
            assignments = Map.copyOf(assignments);
        }
    }

    record Heartbeat(long requestId, String groupId, int generationId, String memberId, String groupInstanceId,
                     long nowMs) implements GroupCommand {
    }

    /** LeaveGroup, for one or more members (batched from v3). */
    record Leave(long requestId, String groupId, List<LeavingMember> members, long nowMs) implements GroupCommand {
        public Leave {
            members = List.copyOf(members);
        }
    }

    record LeavingMember(String memberId, String groupInstanceId) {
    }

    /**
     * OffsetCommit. A negative generation with an empty member id is a commit from outside group
     * management (an admin tool, a consumer using assign()); it is taken only while the group has no members.
     */
    /**
     * @param memberEpochs whether the request's version carries a member epoch where the generation was
     *     (Kafka's OffsetCommit v9+): a member of the consumer protocol may commit only with one
     */
    record CommitOffsets(long requestId, String groupId, int generationId, String memberId, String groupInstanceId,
                         List<OffsetToCommit> offsets, boolean memberEpochs, long nowMs) implements GroupCommand {
        public CommitOffsets {
            offsets = List.copyOf(offsets);
        }

        /** A commit in a version that carries member epochs. */
        public CommitOffsets(long requestId, String groupId, int generationId, String memberId, String groupInstanceId,
                             List<OffsetToCommit> offsets, long nowMs) {
            this(requestId, groupId, generationId, memberId, groupInstanceId, offsets, true, nowMs);
        }
    }

    /**
     * The offsets a committed transaction carried (TxnOffsetCommit, then EndTxn): taken whatever the
     * group's state or generation, as Kafka's transaction marker makes them visible. The transaction
     * coordinator sends it, again after a restart if need be (committing the same offsets twice is harmless).
     */
    record CommitTransactionalOffsets(long requestId, String groupId, List<OffsetToCommit> offsets, long nowMs)
            implements GroupCommand {
        public CommitTransactionalOffsets {
            offsets = List.copyOf(offsets);
        }
    }

    /** One partition's offset in an OffsetCommit; {@code metadata} null counts as "". */
    record OffsetToCommit(PartitionRef partition, long offset, int leaderEpoch, String metadata) {
    }

    /** OffsetDelete. */
    record DeleteOffsets(long requestId, String groupId, List<PartitionRef> partitions, long nowMs)
            implements GroupCommand {
        public DeleteOffsets {
            partitions = List.copyOf(partitions);
        }
    }

    /**
     * IncrementalAlterConfigs on a group's configs ({@link DynamicGroupConfig}): each entry of
     * {@code changes} sets a value, or with a null value returns the config to its default. The
     * change is checked against the group's current overrides when applied, so two requests never
     * undo each other; with {@code validateOnly} it is only checked. The group need not exist: its
     * configs live apart from its members and offsets, and DeleteGroups leaves them, as in Kafka.
     */
    record AlterConfigs(long requestId, String groupId, Map<String, String> changes, boolean validateOnly, long nowMs)
            implements GroupCommand {
        public AlterConfigs {
            changes = Collections.unmodifiableMap(new LinkedHashMap<>(changes));
        }
    }

    /** One group of a DeleteGroups request. */
    record DeleteGroup(long requestId, String groupId, long nowMs) implements GroupCommand {
    }

    /**
     * The group's timers: session timeouts of members and of members that were given an id but
     * never joined with it, the initial rebalance delay, the rebalance timeout, and the time the
     * members have to sync after a rebalance. Whatever is due at {@code nowMs} fires; nothing else.
     */
    /**
     * The periodic offsets clean-up of every group ({@code offsets.retention.check.interval.ms}):
     * offsets past {@code offsets.retention.minutes} go, and so does an empty group left with none.
     */
    record ExpireOffsets(long nowMs) implements GroupCommand {
        /** Every group: the clean-up is not one group's command. */
        @Override
        public String groupId() {
            return "";
        }
    }

    record ExpireTimers(String groupId, long nowMs) implements GroupCommand {
    }

    /**
     * ConsumerGroupHeartbeat, Kafka's consumer protocol (KIP-848): a member joins (epoch 0),
     * heartbeats at its epoch, or leaves (epoch -1, or -2 for a static member). Fields the client
     * did not send because they did not change are null ({@code subscribedTopicNames},
     * {@code subscribedTopicRegex}, {@code serverAssignor}, {@code ownedPartitions}, {@code rackId},
     * {@code instanceId}); {@code rebalanceTimeoutMs} is -1 then. {@code topicPartitionCounts} is
     * every topic's partition count when the request arrived, so that applying the command needs
     * nothing but its data.
     */
    record ConsumerHeartbeat(long requestId, String groupId, String memberId, int memberEpoch, String instanceId,
                             String rackId, int rebalanceTimeoutMs, List<String> subscribedTopicNames,
                             String subscribedTopicRegex, String serverAssignor, List<PartitionRef> ownedPartitions,
                             String clientId, String clientHost, SortedMap<String, Integer> topicPartitionCounts,
                             long nowMs) implements GroupCommand {
        public ConsumerHeartbeat {
            subscribedTopicNames = subscribedTopicNames == null ? null : List.copyOf(subscribedTopicNames);
            ownedPartitions = ownedPartitions == null ? null : List.copyOf(ownedPartitions);
            topicPartitionCounts = Collections.unmodifiableSortedMap(new TreeMap<>(topicPartitionCounts));
        }
    }
}
