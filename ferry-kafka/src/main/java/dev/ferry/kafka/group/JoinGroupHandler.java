package dev.ferry.kafka.group;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.GroupResult.JoinResult;
import dev.ferry.group.GroupResult.JoinedMember;
import dev.ferry.group.Protocol;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;

/**
 * JoinGroup. The answer comes when the rebalance completes (or at once for an error, or for
 * MEMBER_ID_REQUIRED from v4). v0 has no rebalance timeout: the session timeout stands for it.
 */
public final class JoinGroupHandler implements ApiHandler {
    private final GroupCoordinator coordinator;
    private final KafkaAcls acls;
    private final Supplier<SortedMap<String, Integer>> partitionCounts;

    public JoinGroupHandler(GroupCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: joining needs READ on the group, else GROUP_AUTHORIZATION_FAILED. */
    public JoinGroupHandler(GroupCoordinator coordinator, KafkaAcls acls) {
        this(coordinator, acls, TreeMap::new);
    }

    /**
     * With every topic's partition count, which a classic member joining a consumer-protocol group
     * needs: there the broker assigns it (KIP-848's online migration).
     */
    public JoinGroupHandler(GroupCoordinator coordinator, KafkaAcls acls,
                            Supplier<SortedMap<String, Integer>> partitionCounts) {
        this.coordinator = coordinator;
        this.acls = acls;
        this.partitionCounts = partitionCounts;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.JOIN_GROUP;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 9;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        JoinGroupRequestData request = (JoinGroupRequestData) message;
        if (!acls.allowed(context, Operation.READ, ResourceType.GROUP, request.groupId())) {
            return CompletableFuture.completedFuture(new JoinGroupResponseData()
                    .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()).setGenerationId(-1)
                    .setMemberId(request.memberId()).setLeader("")
                    .setProtocolName(context.apiVersion() >= 7 ? null : ""));
        }
        List<Protocol> protocols = new ArrayList<>(request.protocols().size());
        for (JoinGroupRequestProtocol protocol : request.protocols()) {
            protocols.add(new Protocol(protocol.name(), protocol.metadata()));
        }
        int rebalanceTimeoutMs = context.apiVersion() == 0 ? request.sessionTimeoutMs() : request.rebalanceTimeoutMs();
        String clientId = context.clientId() == null ? "" : context.clientId();
        short version = context.apiVersion();
        return coordinator.join(request.groupId(), request.memberId(), request.groupInstanceId(), clientId,
                        ClientHost.of(context.connection()), request.sessionTimeoutMs(), rebalanceTimeoutMs,
                        request.protocolType(), protocols, version >= 4, partitionCounts.get())
                .thenApply(result -> response(result, version));
    }

    private static ApiMessage response(JoinResult result, short version) {
        JoinGroupResponseData response = new JoinGroupResponseData()
                .setErrorCode(GroupErrors.code(result.error()))
                .setGenerationId(result.generationId())
                .setMemberId(result.memberId())
                .setLeader(result.leaderId() == null ? "" : result.leaderId());
        // From v7 the protocol type and name may be null, and are on an error; before, "" stands for none.
        String protocolName = result.protocolName();
        response.setProtocolName(protocolName != null || version >= 7 ? protocolName : "");
        response.setProtocolType(result.protocolType());
        if (version >= 9) {
            response.setSkipAssignment(result.skipAssignment());
        }
        for (JoinedMember member : result.members()) {
            response.members().add(new JoinGroupResponseMember().setMemberId(member.memberId())
                    .setGroupInstanceId(member.groupInstanceId()).setMetadata(member.metadata()));
        }
        return response;
    }
}
