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
    /**
     * When the member is fenced if it has not acted: a consumer-protocol member that must revoke
     * partitions, a classic member told to rejoin or to sync (each within its rebalance timeout).
     */
    long revocationDeadlineMs = ClassicGroup.NO_DEADLINE;
    /** Set for a member that speaks the classic protocol inside a consumer-protocol group (online migration). */
    ClassicMetadata classic;

    /**
     * What a classic member brought with its JoinGroup: its session timeout (the group's consumer
     * session timeout does not apply to it) and its protocols, the first of which it is answered with.
     */
    record ClassicMetadata(int sessionTimeoutMs, List<Protocol> protocols) {
        ClassicMetadata {
            protocols = List.copyOf(protocols);
        }

        String protocolName() {
            return protocols.get(0).name();
        }

        byte[] metadata(String protocolName) {
            return Protocol.metadataOf(protocols, protocolName);
        }
    }

    ConsumerGroupMember(String memberId, long nowMs) {
        this.memberId = memberId;
        this.lastHeartbeatMs = nowMs;
    }

    boolean usesClassicProtocol() {
        return classic != null;
    }

    /** How long the member may stay silent: its own session timeout if classic, else the group's. */
    long sessionDeadlineMs(int groupSessionTimeoutMs) {
        return lastHeartbeatMs + (classic != null ? classic.sessionTimeoutMs() : groupSessionTimeoutMs);
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
