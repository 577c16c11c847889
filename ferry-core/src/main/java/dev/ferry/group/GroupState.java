package dev.ferry.group;

/**
 * Where a group is in the classic (JoinGroup / SyncGroup) protocol.
 *
 * <pre>
 *  Empty --first join--> PreparingRebalance --every member joined, or the rebalance timeout--> CompletingRebalance
 *  CompletingRebalance --the leader's sync--> Stable
 *  Stable / CompletingRebalance --a join with new protocols, a leave, a session timeout--> PreparingRebalance
 *  PreparingRebalance --no member left when it completes--> Empty
 *  Empty --DeleteGroups--> Dead
 * </pre>
 *
 * <p>A group of Kafka's consumer protocol (KIP-848) is Empty, Assigning, Reconciling or Stable, as
 * its members' epochs stand against the group's ({@link ConsumerGroupMembership#state()}).
 */
public enum GroupState {
    /** No members; the group may still hold committed offsets. */
    EMPTY("Empty"),
    /** Waiting for the members to (re)join. */
    PREPARING_REBALANCE("PreparingRebalance"),
    /** Every member has its JoinGroup answer; waiting for the leader's assignment. */
    COMPLETING_REBALANCE("CompletingRebalance"),
    /** The leader's assignment was handed to the members. */
    STABLE("Stable"),
    /** Consumer protocol (KIP-848): the group epoch moved past the target assignment's. */
    ASSIGNING("Assigning"),
    /** Consumer protocol: some member has not reached the target assignment yet. */
    RECONCILING("Reconciling"),
    /** Deleted: takes no more requests. */
    DEAD("Dead");

    private final String displayName;

    GroupState(String displayName) {
        this.displayName = displayName;
    }

    /** The name Kafka's ListGroups and DescribeGroups report ("PreparingRebalance"). */
    public String displayName() {
        return displayName;
    }

    /** The state whose {@link #displayName()} is {@code name}, ignoring case; null if none. */
    public static GroupState byDisplayName(String name) {
        for (GroupState state : values()) {
            if (state.displayName.equalsIgnoreCase(name)) {
                return state;
            }
        }
        return null;
    }
}
