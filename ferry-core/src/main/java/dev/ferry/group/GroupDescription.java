package dev.ferry.group;

import java.util.List;

/**
 * DescribeGroups' view of a group. As in Kafka, the protocol name and each member's metadata and
 * assignment are given only while the group is Stable (empty otherwise).
 */
public record GroupDescription(String groupId, GroupState state, String protocolType, String protocolName,
                               List<MemberDescription> members) {
    public GroupDescription {
        members = List.copyOf(members);
    }

    public record MemberDescription(String memberId, String groupInstanceId, String clientId, String clientHost,
                                    byte[] metadata, byte[] assignment) {
    }
}
