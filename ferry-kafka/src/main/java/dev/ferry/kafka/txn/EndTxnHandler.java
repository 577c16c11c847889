package dev.ferry.kafka.txn;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.txn.TransactionCoordinator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * EndTxn (v0-4; v5 is transaction version 2, which Ferry does not advertise): commit or abort,
 * answered once every marker of the transaction is durable.
 */
public final class EndTxnHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;
    private final KafkaAcls acls;

    public EndTxnHandler(TransactionCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs on transactional ids (see ferry-kafka's README, "Kafka ACLs"). */
    public EndTxnHandler(TransactionCoordinator coordinator, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.END_TXN;
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
        EndTxnRequestData request = (EndTxnRequestData) message;
        if (!acls.allowed(context, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId())) {
            return CompletableFuture.completedFuture(new EndTxnResponseData()
                    .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()));
        }
        return coordinator.endTransaction(request.transactionalId(), request.producerId(), request.producerEpoch(),
                request.committed()).handle((result, failure) -> new EndTxnResponseData().setErrorCode(
                        TransactionErrors.of(result, failure, context.apiVersion(), 2).code()));
    }
}
