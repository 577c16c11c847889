package dev.ferry.group;

/** ListGroups' line for a group; {@code protocolType} is "" for a group only offsets were committed to. */
public record GroupListing(String groupId, String protocolType, GroupState state) {
}
