package dev.ferry.kafka.txn;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.txn.TransactionCoordinator;
import dev.ferry.txn.TransactionMetadata;
import dev.ferry.txn.TransactionState;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ListTransactions: every transactional id with its producer id and state, filtered by state
 * names (unknown ones are listed back in {@code unknown_state_filters}), producer ids, how long the
 * transaction has been open (v1) and a regular expression on the id (v2), as Kafka filters.
 */
public final class ListTransactionsHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;
    private final KafkaAcls acls;

    public ListTransactionsHandler(TransactionCoordinator coordinator) {
        this(coordinator, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs on transactional ids (see ferry-kafka's README, "Kafka ACLs"). */
    public ListTransactionsHandler(TransactionCoordinator coordinator, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_TRANSACTIONS;
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
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        ListTransactionsRequestData request = (ListTransactionsRequestData) message;
        ListTransactionsResponseData response = new ListTransactionsResponseData();
        for (String name : request.stateFilters()) {
            if (TransactionState.fromKafkaName(name) == null) {
                response.unknownStateFilters().add(name);
            }
        }
        Pattern pattern;
        try {
            String regex = request.transactionalIdPattern();
            pattern = regex == null || regex.isEmpty() ? null : Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code()));
        }
        long nowMs = context.receivedAtMs();
        return coordinator.list().handle((all, failure) -> {
            if (failure != null) {
                return response.setErrorCode(TransactionErrors.of(failure).code());
            }
            for (TransactionMetadata metadata : all) {
                boolean listed = (request.stateFilters().isEmpty()
                        || request.stateFilters().contains(metadata.state().kafkaName()))
                        && (request.producerIdFilters().isEmpty()
                        || request.producerIdFilters().contains(metadata.producerId()))
                        && (request.durationFilter() < 0 || (metadata.startTimeMs() >= 0
                        && nowMs - metadata.startTimeMs() > request.durationFilter()))
                        && (pattern == null || pattern.matcher(metadata.transactionalId()).matches())
                        && acls.allowedQuietly(context, Operation.DESCRIBE, ResourceType.TRANSACTIONAL_ID,
                        metadata.transactionalId());
                if (listed) {
                    response.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                            .setTransactionalId(metadata.transactionalId()).setProducerId(metadata.producerId())
                            .setTransactionState(metadata.state().kafkaName()));
                }
            }
            return response;
        });
    }
}
