package dev.ferry.kafka.txn;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.txn.TransactionCoordinator;
import dev.ferry.txn.TransactionMetadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TransactionState;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeTransactions: per transactional id its state (Kafka's names), timeout, start time (-1
 * when no transaction is open), producer id and epoch, and the partitions of the transaction;
 * TRANSACTIONAL_ID_NOT_FOUND for an id the coordinator does not know.
 */
public final class DescribeTransactionsHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;
    private final KafkaAcls acls;

    public DescribeTransactionsHandler(TransactionCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs on transactional ids (see ferry-kafka's README, "Kafka ACLs"). */
    public DescribeTransactionsHandler(TransactionCoordinator coordinator, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_TRANSACTIONS;
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
        DescribeTransactionsRequestData request = (DescribeTransactionsRequestData) message;
        List<CompletableFuture<TransactionState>> states = new ArrayList<>();
        for (String id : request.transactionalIds()) {
            if (!acls.allowed(context, Operation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) {
                states.add(CompletableFuture.completedFuture(new TransactionState().setTransactionalId(id)
                        .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())));
                continue;
            }
            states.add(coordinator.describe(id).handle((found, failure) -> state(id, found, failure)));
        }
        return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).thenApply(done -> {
            DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
            states.forEach(state -> response.transactionStates().add(state.join()));
            return response;
        });
    }

    private static TransactionState state(String id, Optional<TransactionMetadata> found, Throwable failure) {
        TransactionState state = new TransactionState().setTransactionalId(id);
        if (failure != null) {
            return state.setErrorCode(TransactionErrors.of(failure).code());
        }
        if (found.isEmpty()) {
            return state.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
        }
        TransactionMetadata metadata = found.get();
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        for (PartitionRef partition : metadata.partitions()) {
            byTopic.computeIfAbsent(partition.topic(), topic -> new ArrayList<>()).add(partition.partition());
        }
        byTopic.forEach((topic, partitions) -> state.topics().add(new TopicData().setTopic(topic)
                .setPartitions(partitions)));
        return state.setTransactionState(metadata.state().kafkaName()).setTransactionTimeoutMs(metadata.timeoutMs())
                .setTransactionStartTimeMs(metadata.startTimeMs()).setProducerId(metadata.producerId())
                .setProducerEpoch(metadata.producerEpoch());
    }
}
