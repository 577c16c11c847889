package dev.ferry.group;

import java.util.List;

/**
 * One member of a {@link ClassicGroup}: who it is, its timeouts, the protocols it supports, its
 * assignment, and whether a JoinGroup or SyncGroup of its is parked waiting for the rebalance.
 * Owned by its group (mutable, never shared outside the package).
 */
final class GroupMember {
    static final long NO_REQUEST = -1;
    static final byte[] NO_ASSIGNMENT = new byte[0];

    final String memberId;
    final String groupInstanceId;
    final String clientId;
    final String clientHost;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    List<Protocol> protocols;
    byte[] assignment = NO_ASSIGNMENT;
    long lastHeartbeatMs;
    /** The parked JoinGroup's request id, or {@link #NO_REQUEST}. */
    long joinRequestId = NO_REQUEST;
    /** The parked SyncGroup's request id, or {@link #NO_REQUEST}. */
    long syncRequestId = NO_REQUEST;
    /** Joined but has not yet been answered a JoinGroup: a shorter leash if it goes away meanwhile. */
    boolean isNew;

    GroupMember(String memberId, String groupInstanceId, String clientId, String clientHost, int sessionTimeoutMs,
                int rebalanceTimeoutMs, List<Protocol> protocols, long nowMs) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.protocols = protocols;
        this.lastHeartbeatMs = nowMs;
    }

    boolean isAwaitingJoin() {
        return joinRequestId != NO_REQUEST;
    }

    boolean isAwaitingSync() {
        return syncRequestId != NO_REQUEST;
    }

    /** This member's metadata for {@code protocolName}, or null if it does not support it. */
    byte[] metadata(String protocolName) {
        return Protocol.metadataOf(protocols, protocolName);
    }

    boolean supports(String protocolName) {
        return metadata(protocolName) != null;
    }
}
