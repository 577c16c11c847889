package dev.ferry.kafka.group;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.GroupCommand.LeavingMember;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.GroupResult.LeaveResult;
import dev.ferry.group.GroupResult.MemberOutcome;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;

/**
 * LeaveGroup: v0-2 name one member and answer with its error at the top; v3+ name a batch and
 * answer per member.
 */
public final class LeaveGroupHandler implements ApiHandler {
    private final GroupCoordinator coordinator;
    private final KafkaAcls acls;

    public LeaveGroupHandler(GroupCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: needs READ on the group, else GROUP_AUTHORIZATION_FAILED. */
    public LeaveGroupHandler(GroupCoordinator coordinator, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LEAVE_GROUP;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 5;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        LeaveGroupRequestData request = (LeaveGroupRequestData) message;
        if (request.groupId() == null || request.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(new LeaveGroupResponseData()
                    .setErrorCode(Errors.INVALID_GROUP_ID.code()));
        }
        if (!acls.allowed(context, Operation.READ, ResourceType.GROUP, request.groupId())) {
            return CompletableFuture.completedFuture(new LeaveGroupResponseData()
                    .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
        }
        boolean batched = context.apiVersion() >= 3;
        List<LeavingMember> members = new ArrayList<>();
        if (batched) {
            for (MemberIdentity member : request.members()) {
                members.add(new LeavingMember(member.memberId(), member.groupInstanceId()));
            }
        } else {
            members.add(new LeavingMember(request.memberId(), null));
        }
        return coordinator.leave(request.groupId(), members).thenApply(result -> response(result, batched));
    }

    private static ApiMessage response(LeaveResult result, boolean batched) {
        LeaveGroupResponseData response = new LeaveGroupResponseData().setErrorCode(GroupErrors.code(result.error()));
        if (!batched) {
            if (result.error() == null && !result.members().isEmpty()) {
                response.setErrorCode(GroupErrors.code(result.members().get(0).error()));
            }
            return response;
        }
        for (MemberOutcome outcome : result.members()) {
            response.members().add(new MemberResponse().setMemberId(outcome.memberId())
                    .setGroupInstanceId(outcome.groupInstanceId()).setErrorCode(GroupErrors.code(outcome.error())));
        }
        return response;
    }
}
