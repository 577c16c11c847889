package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.kafka.security.KafkaAcls;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ListPartitionReassignments ({@code kafka-reassign-partitions --list}, and its check before
 * {@code --execute}): a reassignment on one node is done the moment it is accepted (see
 * {@link AlterPartitionReassignmentsHandler}), so none is ever in progress and the list is always
 * empty, whether every topic or named ones are asked for, and whether or not they exist (Kafka
 * 4.3.1 answers an unknown topic with the same empty list).
 */
public final class ListPartitionReassignmentsHandler implements ApiHandler {
    private final KafkaAcls acls;

    public ListPartitionReassignmentsHandler() {
        this(KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: listing needs DESCRIBE on the cluster, as in Kafka, else CLUSTER_AUTHORIZATION_FAILED. */
    public ListPartitionReassignmentsHandler(KafkaAcls acls) {
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_PARTITION_REASSIGNMENTS;
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
        ListPartitionReassignmentsResponseData response = new ListPartitionReassignmentsResponseData()
                .setErrorMessage(null);
        if (!acls.allowedOnCluster(context, Operation.DESCRIBE)) {
            response.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                    .setErrorMessage(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
        }
        return CompletableFuture.completedFuture(response);
    }
}
