package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.kafka.security.KafkaAcls;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeClientQuotas: Ferry sets no Kafka client quotas (it holds publishers back by memory and
 * disk instead), so every filter matches nothing. Served because {@code kafka-configs --describe
 * --entity-type users} asks for quotas beside SCRAM credentials and fails if the API is missing. A
 * filter component with a match type other than exact (0), default (1) or any (2) is INVALID_REQUEST,
 * as Kafka answers; DESCRIBE_CONFIGS on the cluster is needed, else CLUSTER_AUTHORIZATION_FAILED.
 */
public final class DescribeClientQuotasHandler implements ApiHandler {
    private final KafkaAcls acls;

    public DescribeClientQuotasHandler(KafkaAcls acls) {
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CLIENT_QUOTAS;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 1;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        DescribeClientQuotasRequestData data = (DescribeClientQuotasRequestData) request;
        DescribeClientQuotasResponseData response = new DescribeClientQuotasResponseData();
        if (!acls.allowedOnCluster(context, Operation.DESCRIBE_CONFIGS)) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                    .setErrorMessage(Errors.CLUSTER_AUTHORIZATION_FAILED.message()).setEntries(null));
        }
        for (DescribeClientQuotasRequestData.ComponentData component : data.components()) {
            if (component.matchType() < 0 || component.matchType() > 2) {
                return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Unexpected match type: " + component.matchType()).setEntries(null));
            }
        }
        return CompletableFuture.completedFuture(response);
    }
}
