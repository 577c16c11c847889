package dev.ferry.kafka.group;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.GroupResult.DeleteOffsetsResult;
import dev.ferry.group.GroupResult.PartitionOutcome;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;

/** OffsetDelete: removes a group's offsets of topics none of its members subscribes to. */
public final class OffsetDeleteHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    public OffsetDeleteHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
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
        List<PartitionRef> partitions = new ArrayList<>();
        for (OffsetDeleteRequestTopic topic : request.topics()) {
            for (OffsetDeleteRequestPartition partition : topic.partitions()) {
                partitions.add(new PartitionRef(topic.name(), partition.partitionIndex()));
            }
        }
        return coordinator.deleteOffsets(request.groupId(), partitions).thenApply(OffsetDeleteHandler::response);
    }

    private static ApiMessage response(DeleteOffsetsResult result) {
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
