package dev.ferry.group;

import java.util.List;

import dev.ferry.error.ErrorCode;

/**
 * The answer to one group request. An {@code error} of {@code null} means success, as Kafka's
 * {@code NONE}.
 */
public sealed interface GroupResult {

    /** One member of the group as the leader sees it in its JoinGroup answer. */
    record JoinedMember(String memberId, String groupInstanceId, byte[] metadata) {
    }

    /**
     * JoinGroup's answer. {@code members} is filled for the leader only. On an error the
     * generation is -1 and {@code memberId} is what the member should use next ("" or, with
     * {@code MEMBER_ID_REQUIRED}, its new id).
     */
    /**
     * @param skipAssignment the leader gets the members but must not assign: a static leader came
     *                       back in a stable group, whose assignment stands (JoinGroup v9's flag)
     */
    record JoinResult(ErrorCode error, int generationId, String protocolType, String protocolName, String leaderId,
                      String memberId, List<JoinedMember> members, boolean skipAssignment) implements GroupResult {
        public JoinResult {
            members = List.copyOf(members);
        }

        public JoinResult(ErrorCode error, int generationId, String protocolType, String protocolName, String leaderId,
                          String memberId, List<JoinedMember> members) {
            this(error, generationId, protocolType, protocolName, leaderId, memberId, members, false);
        }

        static JoinResult failed(ErrorCode error, String memberId) {
            return new JoinResult(error, -1, null, null, "", memberId, List.of());
        }
    }

    record SyncResult(ErrorCode error, String protocolType, String protocolName, byte[] assignment)
            implements GroupResult {
        static SyncResult failed(ErrorCode error) {
            return new SyncResult(error, null, null, new byte[0]);
        }
    }

    record HeartbeatResult(ErrorCode error) implements GroupResult {
    }

    record MemberOutcome(String memberId, String groupInstanceId, ErrorCode error) {
    }

    /** LeaveGroup's answer: a group-level error, else one outcome per member named. */
    record LeaveResult(ErrorCode error, List<MemberOutcome> members) implements GroupResult {
        public LeaveResult {
            members = List.copyOf(members);
        }
    }

    record PartitionOutcome(PartitionRef partition, ErrorCode error) {
    }

    /** OffsetCommit's answer: one outcome per partition (a group-level error repeated on each). */
    record CommitResult(List<PartitionOutcome> partitions) implements GroupResult {
        public CommitResult {
            partitions = List.copyOf(partitions);
        }
    }

    /** OffsetDelete's answer: a group-level error, else one outcome per partition. */
    record DeleteOffsetsResult(ErrorCode error, List<PartitionOutcome> partitions) implements GroupResult {
        public DeleteOffsetsResult {
            partitions = List.copyOf(partitions);
        }
    }

    record DeleteGroupResult(ErrorCode error) implements GroupResult {
    }

    /** IncrementalAlterConfigs' answer for one group: {@code error} null on success, else why in {@code message}. */
    record AlterConfigsResult(ErrorCode error, String message) implements GroupResult {
    }

    /**
     * ConsumerGroupHeartbeat's answer. {@code assignment} is null when the member's assignment did
     * not change (the client keeps what it has); {@code errorMessage} says why on an error.
     */
    record ConsumerHeartbeatResult(ErrorCode error, String errorMessage, String memberId, int memberEpoch,
                                   int heartbeatIntervalMs, List<PartitionRef> assignment) implements GroupResult {
        public ConsumerHeartbeatResult {
            assignment = assignment == null ? null : List.copyOf(assignment);
        }

        static ConsumerHeartbeatResult failed(ErrorCode error, String message, String memberId, int memberEpoch) {
            return new ConsumerHeartbeatResult(error, message, memberId, memberEpoch, 0, null);
        }
    }
}
