package dev.ferry.kafka.group;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.GroupCommand.OffsetToCommit;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.GroupResult.CommitResult;
import dev.ferry.group.GroupResult.PartitionOutcome;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;

/**
 * OffsetCommit, answered once the offsets are fsynced in the groups' log. Served up to v9 (v10
 * names topics by id). The retention time of v2-4 is not kept: offsets stay until deleted.
 */
public final class OffsetCommitHandler implements ApiHandler {
    private final GroupCoordinator coordinator;
    private final KafkaAcls acls;

    public OffsetCommitHandler(GroupCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: needs READ on the group (else every partition gets GROUP_AUTHORIZATION_FAILED) and READ on each topic (else TOPIC_AUTHORIZATION_FAILED for its partitions). */
    public OffsetCommitHandler(GroupCoordinator coordinator, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_COMMIT;
    }

    @Override
    public short oldestVersion() {
        return 2;
    }

    @Override
    public short latestVersion() {
        return 9;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        OffsetCommitRequestData request = (OffsetCommitRequestData) message;
        List<OffsetToCommit> offsets = new ArrayList<>();
        boolean groupAllowed = acls.allowed(context, Operation.READ, ResourceType.GROUP, request.groupId());
        OffsetCommitResponseData refused = new OffsetCommitResponseData();
        for (OffsetCommitRequestTopic topic : request.topics()) {
            Errors error = !groupAllowed ? Errors.GROUP_AUTHORIZATION_FAILED
                    : acls.allowed(context, Operation.READ, ResourceType.TOPIC, topic.name()) ? Errors.NONE
                    : Errors.TOPIC_AUTHORIZATION_FAILED;
            if (error != Errors.NONE) {
                OffsetCommitResponseTopic answer = new OffsetCommitResponseTopic().setName(topic.name());
                for (OffsetCommitRequestPartition partition : topic.partitions()) {
                    answer.partitions().add(new OffsetCommitResponsePartition()
                            .setPartitionIndex(partition.partitionIndex()).setErrorCode(error.code()));
                }
                refused.topics().add(answer);
                continue;
            }
            for (OffsetCommitRequestPartition partition : topic.partitions()) {
                offsets.add(new OffsetToCommit(new PartitionRef(topic.name(), partition.partitionIndex()),
                        partition.committedOffset(), partition.committedLeaderEpoch(), partition.committedMetadata()));
            }
        }
        String memberId = request.memberId() == null ? "" : request.memberId();
        if (offsets.isEmpty() && !refused.topics().isEmpty()) {
            return CompletableFuture.completedFuture(refused);
        }
        return coordinator.commitOffsets(request.groupId(), request.generationIdOrMemberEpoch(), memberId,
                request.groupInstanceId(), offsets).thenApply(result -> {
                    OffsetCommitResponseData response = (OffsetCommitResponseData) response(result);
                    response.topics().addAll(refused.topics());
                    return response;
                });
    }

    private static ApiMessage response(CommitResult result) {
        Map<String, OffsetCommitResponseTopic> topics = new LinkedHashMap<>();
        for (PartitionOutcome outcome : result.partitions()) {
            topics.computeIfAbsent(outcome.partition().topic(), name -> new OffsetCommitResponseTopic().setName(name))
                    .partitions().add(new OffsetCommitResponsePartition()
                            .setPartitionIndex(outcome.partition().partition())
                            .setErrorCode(GroupErrors.code(outcome.error())));
        }
        return new OffsetCommitResponseData().setTopics(new ArrayList<>(topics.values()));
    }
}
