package dev.ferry.kafka.group;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * FindCoordinator: this broker coordinates every group and, when it runs a transaction
 * coordinator, every transactional id (without one a transactional key gets
 * COORDINATOR_NOT_AVAILABLE); any other key type INVALID_REQUEST, as in Kafka. v0-3 ask for one
 * key, v4+ for a batch.
 */
public final class FindCoordinatorHandler implements ApiHandler {
    private static final byte GROUP_KEY = 0;
    private static final byte TRANSACTION_KEY = 1;

    private final LocalNode node;
    private final KafkaAcls acls;
    private final boolean transactions;

    public FindCoordinatorHandler(LocalNode node) {
        this(node, KafkaAcls.ALLOW_ALL);
    }

    public FindCoordinatorHandler(LocalNode node, KafkaAcls acls) {
        this(node, acls, false);
    }

    /** With ACLs: a group key needs DESCRIBE on the group, else GROUP_AUTHORIZATION_FAILED. */
    /** @param transactions whether this broker is a transaction coordinator: transaction keys are answered with it */
    public FindCoordinatorHandler(LocalNode node, KafkaAcls acls, boolean transactions) {
        this.node = node;
        this.acls = acls;
        this.transactions = transactions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FIND_COORDINATOR;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 6;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        FindCoordinatorRequestData request = (FindCoordinatorRequestData) message;
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (context.apiVersion() < 4) {
            Errors error = errorFor(context, request.keyType(), request.key());
            response.setErrorCode(error.code()).setErrorMessage(error == Errors.NONE ? null : error.message());
            if (error == Errors.NONE) {
                response.setNodeId(node.nodeId()).setHost(node.advertisedHost())
                        .setPort(node.advertisedPort(context.securityProtocol()));
            } else {
                response.setNodeId(-1).setHost("").setPort(-1);
            }
            return CompletableFuture.completedFuture(response);
        }
        List<String> keys = request.coordinatorKeys();
        for (String key : keys) {
            Errors error = errorFor(context, request.keyType(), key);
            Coordinator coordinator = new Coordinator().setKey(key).setErrorCode(error.code());
            if (error == Errors.NONE) {
                coordinator.setNodeId(node.nodeId()).setHost(node.advertisedHost())
                        .setPort(node.advertisedPort(context.securityProtocol()));
            } else {
                coordinator.setNodeId(-1).setHost("").setPort(-1).setErrorMessage(error.message());
            }
            response.coordinators().add(coordinator);
        }
        return CompletableFuture.completedFuture(response);
    }

    private Errors errorFor(RequestContext context, byte keyType, String key) {
        if (keyType == GROUP_KEY) {
            return acls.allowed(context, Operation.DESCRIBE, ResourceType.GROUP, key) ? Errors.NONE
                    : Errors.GROUP_AUTHORIZATION_FAILED;
        }
        if (keyType == TRANSACTION_KEY) {
            if (!acls.allowed(context, Operation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) {
                return Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
            }
            return transactions ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE;
        }
        return Errors.INVALID_REQUEST;
    }
}
