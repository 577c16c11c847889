package dev.ferry.kafka.group;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.GroupDescription;
import dev.ferry.group.GroupState;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
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
            groups.add(coordinator.describe(groupId).thenCompose(found -> {
                if (found.isEmpty() && version >= 6) {
                    // Kafka 4.3.1 says why a group of the consumer protocol is not described here.
                    return coordinator.describeConsumerGroup(groupId).thenApply(lookup -> notFound(groupId,
                            lookup.group() != null ? "Group " + groupId + " is not a classic group."
                                    : "Group " + groupId + " not found."));
                }
                return CompletableFuture.completedFuture(described(groupId, found));
            }));
        }
        return CompletableFuture.allOf(groups.toArray(CompletableFuture[]::new)).thenApply(done -> {
            DescribeGroupsResponseData response = new DescribeGroupsResponseData();
            for (CompletableFuture<DescribedGroup> group : groups) {
                DescribedGroup answer = group.join();
                if (request.includeAuthorizedOperations() && answer.errorCode() == Errors.NONE.code()) {
                    answer.setAuthorizedOperations(acls.authorizedOperations(context, ResourceType.GROUP, answer.groupId()));
                }
                response.groups().add(answer);
            }
            return response;
        });
    }

    private static DescribedGroup notFound(String groupId, String message) {
        return described(groupId, Optional.empty()).setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage(message);
    }

    private static DescribedGroup described(String groupId, Optional<GroupDescription> found) {
        DescribedGroup group = new DescribedGroup().setGroupId(groupId);
        if (found.isEmpty()) {
            // Before v6 a group not found is described as Dead, without an error.
            return group.setGroupState(GroupState.DEAD.displayName()).setProtocolType("").setProtocolData("");
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
