package dev.ferry.kafka.acl;

import dev.ferry.access.AclBinding;
import dev.ferry.access.AclBinding.Operation;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.KafkaErrors;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsRequestData.AclCreation;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * CreateAcls (v1-3): for a principal allowed ALTER on the cluster, every valid binding is recorded
 * in the access log in one change and answered once durable; an invalid one gets INVALID_REQUEST
 * with the reason, the others are still created (as Kafka does). Without ALTER on the cluster every
 * creation gets CLUSTER_AUTHORIZATION_FAILED.
 */
public final class CreateAclsHandler implements ApiHandler {
    private final KafkaAcls acls;

    public CreateAclsHandler(KafkaAcls acls) {
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_ACLS;
    }

    @Override
    public short oldestVersion() {
        return 1;
    }

    @Override
    public short latestVersion() {
        return 3;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        CreateAclsRequestData data = (CreateAclsRequestData) request;
        CreateAclsResponseData response = new CreateAclsResponseData();
        boolean authorized = acls.allowedOnCluster(context, Operation.ALTER);
        List<AclBinding> valid = new ArrayList<>();
        List<AclCreationResult> validResults = new ArrayList<>();
        for (AclCreation creation : data.creations()) {
            AclCreationResult result = new AclCreationResult();
            response.results().add(result);
            if (!authorized) {
                result.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                        .setErrorMessage(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
                continue;
            }
            AclCodes.Parsed parsed = AclCodes.binding(creation.resourceType(), creation.resourceName(),
                    creation.resourcePatternType(), creation.principal(), creation.host(), creation.operation(),
                    creation.permissionType());
            if (parsed.invalid() != null) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(parsed.invalid());
                continue;
            }
            valid.add(parsed.binding());
            validResults.add(result);
        }
        if (valid.isEmpty() || acls.access() == null) {
            return CompletableFuture.completedFuture(response);
        }
        CompletableFuture<Void> created;
        try {
            created = acls.access().createAcls(valid);
        } catch (RuntimeException e) {
            created = CompletableFuture.failedFuture(e);
        }
        return created.handle((ignored, error) -> {
            if (error != null) {
                for (AclCreationResult result : validResults) {
                    result.setErrorCode(KafkaErrors.of(error).code()).setErrorMessage(KafkaErrors.message(error));
                }
            }
            return response;
        });
    }
}
