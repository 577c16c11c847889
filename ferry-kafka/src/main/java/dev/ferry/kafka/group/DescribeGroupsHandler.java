package dev.ferry.kafka.group;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.GroupDescription;
import dev.ferry.group.GroupState;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;

/**
 * DescribeGroups. A group that does not exist is "Dead" with no error before v6 and
 * GROUP_ID_NOT_FOUND from v6, as in Kafka. Authorized operations are not computed (no ACLs yet).
 */
public final class DescribeGroupsHandler implements ApiHandler {
    private final GroupCoordinator coordinator;
    private final KafkaAcls acls;

    public DescribeGroupsHandler(GroupCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: a group the user may not DESCRIBE is answered GROUP_AUTHORIZATION_FAILED. */
    public DescribeGroupsHandler(GroupCoordinator coordinator, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_GROUPS;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 6;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        DescribeGroupsRequestData request = (DescribeGroupsRequestData) message;
        short version = context.apiVersion();
        List<CompletableFuture<DescribedGroup>> groups = new ArrayList<>();
        for (String groupId : request.groups()) {
            if (!acls.allowed(context, Operation.DESCRIBE, ResourceType.GROUP, groupId)) {
                groups.add(CompletableFuture.completedFuture(new DescribedGroup().setGroupId(groupId)
                        .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()).setGroupState("")
                        .setProtocolType("").setProtocolData("")));
                continue;
            }
            groups.add(coordinator.describe(groupId).thenApply(found -> described(groupId, found, version)));
        }
        return CompletableFuture.allOf(groups.toArray(CompletableFuture[]::new)).thenApply(done -> {
            DescribeGroupsResponseData response = new DescribeGroupsResponseData();
            for (CompletableFuture<DescribedGroup> group : groups) {
                response.groups().add(group.join());
            }
            return response;
        });
    }

    private static DescribedGroup described(String groupId, Optional<GroupDescription> found, short version) {
        DescribedGroup group = new DescribedGroup().setGroupId(groupId);
        if (found.isEmpty()) {
            group.setGroupState(GroupState.DEAD.displayName()).setProtocolType("").setProtocolData("");
            if (version >= 6) {
                group.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                        .setErrorMessage("Group " + groupId + " not found.");
            }
            return group;
        }
        GroupDescription description = found.get();
        group.setGroupState(description.state().displayName()).setProtocolType(description.protocolType())
                .setProtocolData(description.protocolName() == null ? "" : description.protocolName());
        for (GroupDescription.MemberDescription member : description.members()) {
            group.members().add(new DescribedGroupMember().setMemberId(member.memberId())
                    .setGroupInstanceId(member.groupInstanceId()).setClientId(member.clientId())
                    .setClientHost(member.clientHost()).setMemberMetadata(member.metadata())
                    .setMemberAssignment(member.assignment()));
        }
        return group;
    }
}
