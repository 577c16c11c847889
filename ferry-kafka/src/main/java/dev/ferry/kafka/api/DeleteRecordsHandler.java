package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Partition;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DeleteRecords: moves each partition's log start offset through {@link Partition#deleteRecordsBefore}
 * (durable before the answer), answering the new low watermark. -1 means the high watermark; an
 * offset above it is OFFSET_OUT_OF_RANGE, as in Kafka.
 */
public final class DeleteRecordsHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final KafkaAcls acls;

    public DeleteRecordsHandler(TopicRegistry topics) {
        this(topics, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: deleting records needs DELETE on the topic, else TOPIC_AUTHORIZATION_FAILED per partition. */
    public DeleteRecordsHandler(TopicRegistry topics, KafkaAcls acls) {
        this.topics = topics;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_RECORDS;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 2;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        DeleteRecordsRequestData data = (DeleteRecordsRequestData) request;
        DeleteRecordsResponseData response = new DeleteRecordsResponseData();
        List<CompletableFuture<?>> deletions = new ArrayList<>();
        for (DeleteRecordsTopic requested : data.topics()) {
            DeleteRecordsTopicResult topicResult = response.topics().find(requested.name());
            if (topicResult == null) {
                topicResult = new DeleteRecordsTopicResult().setName(requested.name());
                response.topics().add(topicResult);
            }
            Optional<Topic> topic = topics.topic(requested.name());
            boolean mayDelete = acls.allowed(context, Operation.DELETE, ResourceType.TOPIC, requested.name());
            for (DeleteRecordsPartition partition : requested.partitions()) {
                if (topicResult.partitions().find(partition.partitionIndex()) != null) {
                    continue;
                }
                DeleteRecordsPartitionResult result = new DeleteRecordsPartitionResult()
                        .setPartitionIndex(partition.partitionIndex()).setLowWatermark(-1);
                topicResult.partitions().add(result);
                if (!mayDelete) {
                    result.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    continue;
                }
                if (topic.isEmpty() || partition.partitionIndex() < 0
                        || partition.partitionIndex() >= topic.get().partitionCount()) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    continue;
                }
                CompletableFuture<Long> moved;
                try {
                    moved = topic.get().partition(partition.partitionIndex()).deleteRecordsBefore(partition.offset());
                } catch (RuntimeException e) {
                    moved = CompletableFuture.failedFuture(e);
                }
                deletions.add(moved.handle((logStart, error) -> {
                    if (error != null) {
                        result.setErrorCode(KafkaErrors.of(error).code());
                    } else {
                        result.setLowWatermark(logStart);
                    }
                    return null;
                }));
            }
        }
        return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new)).thenApply(ignored -> response);
    }
}
