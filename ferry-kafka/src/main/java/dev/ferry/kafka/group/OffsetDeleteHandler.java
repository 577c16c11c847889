package dev.ferry.kafka.group;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.ToIntFunction;

import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.GroupResult.DeleteOffsetsResult;
import dev.ferry.group.GroupResult.PartitionOutcome;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;

/** OffsetDelete: removes a group's offsets of topics none of its members subscribes to. */
public final class OffsetDeleteHandler implements ApiHandler {
    private final GroupCoordinator coordinator;
    private final KafkaAcls acls;
    private final ToIntFunction<String> partitionCounts;

    public OffsetDeleteHandler(GroupCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL, OffsetCommitHandler.ANY_PARTITION);
    }

    /**
     * With ACLs: needs DELETE on the group (else GROUP_AUTHORIZATION_FAILED) and READ on each topic.
     * {@code partitionCounts} gives a topic's partition count, 0 when it does not exist: as Kafka
     * 4.3.1, a partition that does not exist is UNKNOWN_TOPIC_OR_PARTITION, whatever the group holds.
     */
    public OffsetDeleteHandler(GroupCoordinator coordinator, KafkaAcls acls, ToIntFunction<String> partitionCounts) {
        this.coordinator = coordinator;
        this.acls = acls;
        this.partitionCounts = partitionCounts;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_DELETE;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 0;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        OffsetDeleteRequestData request = (OffsetDeleteRequestData) message;
        if (!acls.allowed(context, Operation.DELETE, ResourceType.GROUP, request.groupId())) {
            return CompletableFuture.completedFuture(new OffsetDeleteResponseData()
                    .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
        }
        List<PartitionRef> partitions = new ArrayList<>();
        List<OffsetDeleteResponseTopic> refused = new ArrayList<>();
        for (OffsetDeleteRequestTopic topic : request.topics()) {
            if (!acls.allowed(context, Operation.READ, ResourceType.TOPIC, topic.name())) {
                OffsetDeleteResponseTopic answer = new OffsetDeleteResponseTopic().setName(topic.name());
                for (OffsetDeleteRequestPartition partition : topic.partitions()) {
                    answer.partitions().add(new OffsetDeleteResponsePartition()
                            .setPartitionIndex(partition.partitionIndex())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                }
                refused.add(answer);
                continue;
            }
            int partitionCount = partitionCounts.applyAsInt(topic.name());
            OffsetDeleteResponseTopic unknown = new OffsetDeleteResponseTopic().setName(topic.name());
            for (OffsetDeleteRequestPartition partition : topic.partitions()) {
                if (partition.partitionIndex() < 0 || partition.partitionIndex() >= partitionCount) {
                    unknown.partitions().add(new OffsetDeleteResponsePartition().setPartitionIndex(partition.partitionIndex())
                            .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
                } else {
                    partitions.add(new PartitionRef(topic.name(), partition.partitionIndex()));
                }
            }
            if (!unknown.partitions().isEmpty()) {
                refused.add(unknown);
            }
        }
        return coordinator.deleteOffsets(request.groupId(), partitions).thenApply(result -> {
            OffsetDeleteResponseData response = response(result);
            if (response.errorCode() != Errors.NONE.code()) {
                return response; // as Kafka: a refusal of the whole request names no partition
            }
            for (OffsetDeleteResponseTopic topic : refused) {
                OffsetDeleteResponseTopic answered = response.topics().find(topic.name());
                if (answered == null) {
                    response.topics().add(topic.duplicate());
                } else {
                    topic.partitions().forEach(partition -> answered.partitions().add(partition.duplicate()));
                }
            }
            return response;
        });
    }

    private static OffsetDeleteResponseData response(DeleteOffsetsResult result) {
        OffsetDeleteResponseData response = new OffsetDeleteResponseData().setErrorCode(GroupErrors.code(result.error()));
        for (PartitionOutcome outcome : result.partitions()) {
            OffsetDeleteResponseTopic topic = response.topics().find(outcome.partition().topic());
            if (topic == null) {
                topic = new OffsetDeleteResponseTopic().setName(outcome.partition().topic());
                response.topics().add(topic);
            }
            topic.partitions().add(new OffsetDeleteResponsePartition()
                    .setPartitionIndex(outcome.partition().partition())
                    .setErrorCode(GroupErrors.code(outcome.error())));
        }
        return response;
    }
}
