package dev.ferry.group;

/**
 * ListGroups' line for a group; {@code protocolType} is "" for a group only offsets were committed
 * to, {@code type} is {@link #CLASSIC} or {@link #CONSUMER} (Kafka's group types).
 */
public record GroupListing(String groupId, String protocolType, GroupState state, String type) {
    /** A group of the JoinGroup / SyncGroup protocol, or one that only has offsets. */
    public static final String CLASSIC = "classic";
    /** A group of Kafka's consumer protocol (KIP-848). */
    public static final String CONSUMER = "consumer";
}
