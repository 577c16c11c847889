package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.error.ErrorCode;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.TopicRegistry;
import dev.ferry.txn.TransactionCoordinator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * InitProducerId. For idempotent producers without a transactional id: a new producer id (durably
 * reserved, never handed out twice, across restarts too) with epoch 0, as Kafka does for a
 * non-transactional producer whether or not it names its current id. With a transactional id: the
 * transaction coordinator's producer id and bumped epoch (fencing the id's earlier producer); without
 * a coordinator a transactional id is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
 */
public final class InitProducerIdHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final KafkaAcls acls;
    private final TransactionCoordinator transactions;

    public InitProducerIdHandler(TopicRegistry topics) {
        this(topics, KafkaAcls.ALLOW_ALL);
    }

    public InitProducerIdHandler(TopicRegistry topics, KafkaAcls acls) {
        this(topics, acls, null);
    }

    /**
     * With ACLs, as Kafka since 2.8 (KIP-679): an idempotent producer needs IDEMPOTENT_WRITE on the
     * cluster or WRITE on at least one topic, else CLUSTER_AUTHORIZATION_FAILED.
     */
    public InitProducerIdHandler(TopicRegistry topics, KafkaAcls acls, TransactionCoordinator transactions) {
        this.topics = topics;
        this.acls = acls;
        this.transactions = transactions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INIT_PRODUCER_ID;
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
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        InitProducerIdRequestData data = (InitProducerIdRequestData) request;
        if (data.transactionalId() != null && transactions != null) {
            if (!acls.allowed(context, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, data.transactionalId())) {
                return CompletableFuture.completedFuture(new InitProducerIdResponseData().setProducerId(-1)
                        .setProducerEpoch((short) -1).setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()));
            }
            return transactions.initProducerId(data.transactionalId(), data.transactionTimeoutMs(), data.producerId(),
                    data.producerEpoch()).handle((result, failure) -> {
                        InitProducerIdResponseData response = new InitProducerIdResponseData();
                        if (failure != null) {
                            return response.setErrorCode(KafkaErrors.of(failure).code()).setProducerId(-1)
                                    .setProducerEpoch((short) -1);
                        }
                        Errors error = result.succeeded() ? Errors.NONE
                                : result.error() == ErrorCode.PRODUCER_FENCED && context.apiVersion() < 4
                                ? Errors.INVALID_PRODUCER_EPOCH : KafkaErrors.of(result.error());
                        return response.setErrorCode(error.code()).setProducerId(result.producerId())
                                .setProducerEpoch(result.producerEpoch());
                    });
        }
        if (data.transactionalId() != null) {
            return CompletableFuture.completedFuture(new InitProducerIdResponseData().setProducerId(-1)
                    .setProducerEpoch((short) -1).setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()));
        }
        if (!acls.allowedOnAny(context, Operation.WRITE, ResourceType.TOPIC)
                && !acls.allowedOnCluster(context, Operation.IDEMPOTENT_WRITE)) {
            return CompletableFuture.completedFuture(new InitProducerIdResponseData().setProducerId(-1)
                    .setProducerEpoch((short) -1).setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code()));
        }
        return topics.allocateProducerId().handle((producerId, error) -> {
            InitProducerIdResponseData response = new InitProducerIdResponseData();
            if (error != null) {
                return response.setErrorCode(KafkaErrors.of(error).code()).setProducerId(-1).setProducerEpoch((short) -1);
            }
            return response.setProducerId(producerId).setProducerEpoch((short) 0);
        });
    }
}
