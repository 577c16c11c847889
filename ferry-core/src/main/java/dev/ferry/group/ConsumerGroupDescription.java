package dev.ferry.group;

import java.util.List;

/**
 * ConsumerGroupDescribe's view of a group of Kafka's consumer protocol (KIP-848): its epochs, the
 * assignor it runs, and each member's current and target assignment.
 */
public record ConsumerGroupDescription(String groupId, GroupState state, int groupEpoch, int assignmentEpoch,
                                       String assignorName, List<Member> members) {
    public ConsumerGroupDescription {
        members = List.copyOf(members);
    }

    /**
     * One member. {@code rackId}, {@code instanceId} and {@code subscribedTopicRegex} are null when
     * the member gave none; {@code classic} for a member that speaks the classic protocol (online migration).
     */
    public record Member(String memberId, String instanceId, String rackId, int memberEpoch, String clientId,
                         String clientHost, List<String> subscribedTopicNames, String subscribedTopicRegex,
                         List<PartitionRef> assignment, List<PartitionRef> targetAssignment, boolean classic) {
        public Member {
            subscribedTopicNames = List.copyOf(subscribedTopicNames);
            assignment = List.copyOf(assignment);
            targetAssignment = List.copyOf(targetAssignment);
        }
    }
}
