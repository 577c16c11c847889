package dev.ferry.kafka.group;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.ToIntFunction;

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
    /** For a coordinator without topics to check against: every partition is taken to exist. */
    static final ToIntFunction<String> ANY_PARTITION = topic -> Integer.MAX_VALUE;

    private final GroupCoordinator coordinator;
    private final KafkaAcls acls;
    private final ToIntFunction<String> partitionCounts;

    public OffsetCommitHandler(GroupCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL, ANY_PARTITION);
    }

    /**
     * With ACLs: needs READ on the group (else every partition gets GROUP_AUTHORIZATION_FAILED) and
     * READ on each topic (else TOPIC_AUTHORIZATION_FAILED for its partitions). {@code partitionCounts}
     * gives a topic's partition count, 0 when it does not exist: as Kafka, an offset for a partition
     * that does not exist is refused with UNKNOWN_TOPIC_OR_PARTITION and not stored.
     */
    public OffsetCommitHandler(GroupCoordinator coordinator, KafkaAcls acls, ToIntFunction<String> partitionCounts) {
        this.coordinator = coordinator;
        this.acls = acls;
        this.partitionCounts = partitionCounts;
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
            int partitionCount = partitionCounts.applyAsInt(topic.name());
            OffsetCommitResponseTopic unknown = new OffsetCommitResponseTopic().setName(topic.name());
            for (OffsetCommitRequestPartition partition : topic.partitions()) {
                if (partition.partitionIndex() < 0 || partition.partitionIndex() >= partitionCount) {
                    unknown.partitions().add(new OffsetCommitResponsePartition().setPartitionIndex(
                            partition.partitionIndex()).setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
                    continue;
                }
                offsets.add(new OffsetToCommit(new PartitionRef(topic.name(), partition.partitionIndex()),
                        partition.committedOffset(), partition.committedLeaderEpoch(), partition.committedMetadata()));
            }
            if (!unknown.partitions().isEmpty()) {
                refused.topics().add(unknown);
            }
        }
        String memberId = request.memberId() == null ? "" : request.memberId();
        if (offsets.isEmpty() && !refused.topics().isEmpty()) {
            return CompletableFuture.completedFuture(refused);
        }
        // v9 carries a member epoch where the generation was: consumer-protocol members must use it (KIP-848).
        return coordinator.commitOffsets(request.groupId(), request.generationIdOrMemberEpoch(), memberId,
                request.groupInstanceId(), offsets, context.apiVersion() >= 9).thenApply(result -> {
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
