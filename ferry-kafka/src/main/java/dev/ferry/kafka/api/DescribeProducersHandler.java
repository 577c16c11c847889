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
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersRequestData.TopicRequest;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeProducers: the idempotent and transactional producers each partition keeps state for
 * ({@link Partition#activeProducers}), which {@code kafka-transactions describe-producers} and
 * {@code find-hanging} read: producer id and epoch, last sequence, last timestamp, the coordinator
 * epoch of its last marker, and the first offset of its open transaction here. The coordinator epoch
 * is -1 until a marker is written after the partition opened (Kafka keeps it in its producer
 * snapshots; Ferry rebuilds producer state from batch headers, which do not carry it).
 */
public final class DescribeProducersHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final KafkaAcls acls;

    /** With ACLs: describing a topic's producers needs READ on the topic, else TOPIC_AUTHORIZATION_FAILED, as Kafka. */
    public DescribeProducersHandler(TopicRegistry topics, KafkaAcls acls) {
        this.topics = topics;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_PRODUCERS;
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
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        DescribeProducersRequestData data = (DescribeProducersRequestData) request;
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (TopicRequest requested : data.topics()) {
            TopicResponse topicResponse = new TopicResponse().setName(requested.name());
            response.topics().add(topicResponse);
            boolean mayRead = acls.allowed(context, Operation.READ, ResourceType.TOPIC, requested.name());
            Optional<Topic> topic = mayRead ? topics.topic(requested.name()) : Optional.empty();
            for (int index : requested.partitionIndexes()) {
                PartitionResponse result = new PartitionResponse().setPartitionIndex(index);
                topicResponse.partitions().add(result);
                if (!mayRead) {
                    result.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    continue;
                }
                if (topic.isEmpty() || index < 0 || index >= topic.get().partitionCount()) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("partition " + requested.name() + "-" + index + " does not exist");
                    continue;
                }
                pending.add(topic.get().partition(index).activeProducers().handle((active, error) -> {
                    if (error != null) {
                        result.setErrorCode(KafkaErrors.of(error).code()).setErrorMessage(KafkaErrors.message(error));
                        return null;
                    }
                    for (Partition.ActiveProducer producer : active) {
                        result.activeProducers().add(new ProducerState().setProducerId(producer.producerId())
                                .setProducerEpoch(producer.producerEpoch()).setLastSequence(producer.lastSequence())
                                .setLastTimestamp(producer.lastTimestampMs())
                                .setCoordinatorEpoch(producer.coordinatorEpoch())
                                .setCurrentTxnStartOffset(producer.currentTxnStartOffset()));
                    }
                    return null;
                }));
            }
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(ignored -> response);
    }
}
