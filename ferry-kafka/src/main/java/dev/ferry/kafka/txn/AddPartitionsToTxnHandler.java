package dev.ferry.kafka.txn;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import dev.ferry.txn.TransactionCoordinator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResultCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * AddPartitionsToTxn, the client path (v0-3): the partitions join the producer's transaction. A
 * partition that does not exist fails with UNKNOWN_TOPIC_OR_PARTITION and the others with
 * OPERATION_NOT_ATTEMPTED, as Kafka answers; otherwise every partition gets the coordinator's answer.
 * The broker path of v4+ (KIP-890 verification) is not served.
 */
public final class AddPartitionsToTxnHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;
    private final TopicRegistry topics;
    private final KafkaAcls acls;

    public AddPartitionsToTxnHandler(TransactionCoordinator coordinator, TopicRegistry topics) {
        this(coordinator, topics, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: WRITE on the transactional id and on each topic. */
    public AddPartitionsToTxnHandler(TransactionCoordinator coordinator, TopicRegistry topics, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.topics = topics;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ADD_PARTITIONS_TO_TXN;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 3;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        AddPartitionsToTxnRequestData request = (AddPartitionsToTxnRequestData) message;
        if (!acls.allowed(context, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, request.v3AndBelowTransactionalId())) {
            return CompletableFuture.completedFuture(answer(request, ref -> Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
        }
        Set<PartitionRef> partitions = new HashSet<>();
        Map<PartitionRef, Errors> refused = new HashMap<>();
        for (AddPartitionsToTxnTopic topic : request.v3AndBelowTopics()) {
            Optional<Topic> found = topics.topic(topic.name());
            boolean writable = acls.allowed(context, Operation.WRITE, ResourceType.TOPIC, topic.name());
            for (int index : topic.partitions()) {
                PartitionRef ref = new PartitionRef(topic.name(), index);
                if (!writable) {
                    refused.put(ref, Errors.TOPIC_AUTHORIZATION_FAILED);
                } else if (found.isEmpty() || index < 0 || index >= found.get().partitionCount()) {
                    refused.put(ref, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else {
                    partitions.add(ref);
                }
            }
        }
        if (!refused.isEmpty()) {
            return CompletableFuture.completedFuture(answer(request,
                    ref -> refused.getOrDefault(ref, Errors.OPERATION_NOT_ATTEMPTED)));
        }
        return coordinator.addPartitions(request.v3AndBelowTransactionalId(), request.v3AndBelowProducerId(),
                request.v3AndBelowProducerEpoch(), partitions).handle((result, failure) -> {
                    Errors error = TransactionErrors.of(result, failure, context.apiVersion(), 2);
                    return answer(request, ref -> error);
                });
    }

    private static AddPartitionsToTxnResponseData answer(AddPartitionsToTxnRequestData request,
                                                         java.util.function.Function<PartitionRef, Errors> errorOf) {
        AddPartitionsToTxnTopicResultCollection results = new AddPartitionsToTxnTopicResultCollection();
        for (AddPartitionsToTxnTopic topic : request.v3AndBelowTopics()) {
            AddPartitionsToTxnPartitionResultCollection partitions = new AddPartitionsToTxnPartitionResultCollection();
            for (int index : topic.partitions()) {
                partitions.add(new AddPartitionsToTxnPartitionResult().setPartitionIndex(index)
                        .setPartitionErrorCode(errorOf.apply(new PartitionRef(topic.name(), index)).code()));
            }
            results.add(new AddPartitionsToTxnTopicResult().setName(topic.name()).setResultsByPartition(partitions));
        }
        return new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(results);
    }
}
