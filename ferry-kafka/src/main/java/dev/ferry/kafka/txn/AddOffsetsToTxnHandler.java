package dev.ferry.kafka.txn;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.txn.TransactionCoordinator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/** AddOffsetsToTxn: the group's offsets (sent next with TxnOffsetCommit) become part of the transaction. */
public final class AddOffsetsToTxnHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;
    private final KafkaAcls acls;

    public AddOffsetsToTxnHandler(TransactionCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs on transactional ids (see ferry-kafka's README, "Kafka ACLs"). */
    public AddOffsetsToTxnHandler(TransactionCoordinator coordinator, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ADD_OFFSETS_TO_TXN;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 4;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        AddOffsetsToTxnRequestData request = (AddOffsetsToTxnRequestData) message;
        if (!acls.allowed(context, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId())) {
            return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData()
                    .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()));
        }
        if (!acls.allowed(context, Operation.READ, ResourceType.GROUP, request.groupId())) {
            return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData()
                    .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
        }
        return coordinator.addOffsets(request.transactionalId(), request.producerId(), request.producerEpoch(),
                request.groupId()).handle((result, failure) -> new AddOffsetsToTxnResponseData().setErrorCode(
                        TransactionErrors.of(result, failure, context.apiVersion(), 2).code()));
    }
}
