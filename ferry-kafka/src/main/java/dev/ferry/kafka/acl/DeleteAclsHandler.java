package dev.ferry.kafka.acl;

import dev.ferry.access.AclBinding;
import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclFilter;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.KafkaErrors;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsRequestData.DeleteAclsFilter;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsFilterResult;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsMatchingAcl;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DeleteAcls (v1-3): for a principal allowed ALTER on the cluster, the bindings every filter
 * matches are deleted in one durable change and listed per filter; a filter with an UNKNOWN field
 * gets INVALID_REQUEST and deletes nothing. Without ALTER on the cluster every filter gets
 * CLUSTER_AUTHORIZATION_FAILED.
 */
public final class DeleteAclsHandler implements ApiHandler {
    private final KafkaAcls acls;

    public DeleteAclsHandler(KafkaAcls acls) {
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_ACLS;
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
        DeleteAclsRequestData data = (DeleteAclsRequestData) request;
        DeleteAclsResponseData response = new DeleteAclsResponseData();
        boolean authorized = acls.allowedOnCluster(context, Operation.ALTER);
        List<AclFilter> filters = new ArrayList<>();
        List<DeleteAclsFilterResult> filterResults = new ArrayList<>();
        for (DeleteAclsFilter f : data.filters()) {
            DeleteAclsFilterResult result = new DeleteAclsFilterResult();
            response.filterResults().add(result);
            if (!authorized) {
                result.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                        .setErrorMessage(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
                continue;
            }
            Optional<AclFilter> filter;
            try {
                filter = AclCodes.filter(f.resourceTypeFilter(), f.resourceNameFilter(), f.patternTypeFilter(),
                        f.principalFilter(), f.hostFilter(), f.operation(), f.permissionType());
            } catch (IllegalArgumentException e) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(e.getMessage());
                continue;
            }
            if (filter.isPresent()) {
                filters.add(filter.get());
                filterResults.add(result);
            }
        }
        if (filters.isEmpty() || acls.access() == null) {
            return CompletableFuture.completedFuture(response);
        }
        CompletableFuture<List<List<AclBinding>>> deleted;
        try {
            deleted = acls.access().deleteAcls(filters);
        } catch (RuntimeException e) {
            deleted = CompletableFuture.failedFuture(e);
        }
        return deleted.handle((matched, error) -> {
            for (int i = 0; i < filterResults.size(); i++) {
                DeleteAclsFilterResult result = filterResults.get(i);
                if (error != null) {
                    result.setErrorCode(KafkaErrors.of(error).code()).setErrorMessage(KafkaErrors.message(error));
                    continue;
                }
                for (AclBinding binding : matched.get(i)) {
                    result.matchingAcls().add(new DeleteAclsMatchingAcl()
                            .setResourceType(AclCodes.code(binding.resourceType()))
                            .setResourceName(binding.resourceName())
                            .setPatternType(AclCodes.code(binding.patternType()))
                            .setPrincipal(binding.principal()).setHost(binding.host())
                            .setOperation(AclCodes.code(binding.operation()))
                            .setPermissionType(AclCodes.code(binding.permission())));
                }
            }
            return response;
        });
    }
}
