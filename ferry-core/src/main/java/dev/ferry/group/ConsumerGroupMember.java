package dev.ferry.group;

import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One member of a consumer group that speaks Kafka's consumer protocol (KIP-848): what it
 * subscribes to, its epoch, and the partitions it owns on the broker's books. Owned by its
 * {@link ConsumerGroupMembership} (mutable, never shared outside the package).
 *
 * <p>{@code assigned} and {@code pendingRevocation} together are what the member may still be
 * reading: a partition in either is not free for another member.
 */
final class ConsumerGroupMember {
    /** Where the member is in reaching its target assignment. */
    enum Reconciliation {
        /** It has its whole target assignment at the group's assignment epoch. */
        STABLE,
        /** It must give partitions up first; it keeps its epoch until it says it has. */
        UNREVOKED_PARTITIONS,
        /** It is at the new epoch but waits for partitions another member has not given up yet. */
        UNRELEASED_PARTITIONS
    }

    final String memberId;
    String instanceId;
    String rackId;
    String clientId;
    String clientHost;
    int rebalanceTimeoutMs;
    List<String> subscribedTopicNames = List.of();
    String subscribedTopicRegex;
    Pattern compiledRegex;
    String serverAssignor;
    int memberEpoch;
    int previousMemberEpoch;
    Reconciliation reconciliation = Reconciliation.STABLE;
    TreeSet<PartitionRef> assigned = new TreeSet<>();
    TreeSet<PartitionRef> pendingRevocation = new TreeSet<>();
    long lastHeartbeatMs;
    /** When a member that must revoke partitions is fenced if it has not (its rebalance timeout). */
    long revocationDeadlineMs = ClassicGroup.NO_DEADLINE;

    ConsumerGroupMember(String memberId, long nowMs) {
        this.memberId = memberId;
        this.lastHeartbeatMs = nowMs;
    }

    /** Whether the member's subscription, by name or by pattern, takes {@code topic}. */
    boolean subscribes(String topic) {
        return subscribedTopicNames.contains(topic) || (compiledRegex != null && compiledRegex.matcher(topic).matches());
    }

    /** Whether the member still owns (assigned or waiting to revoke) the partition. */
    boolean holds(PartitionRef partition) {
        return assigned.contains(partition) || pendingRevocation.contains(partition);
    }
}
