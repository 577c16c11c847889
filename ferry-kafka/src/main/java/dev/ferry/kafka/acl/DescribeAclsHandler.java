package dev.ferry.kafka.acl;

import dev.ferry.access.AclBinding;
import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclFilter;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.security.KafkaAcls;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsResponseData.AclDescription;
import org.apache.kafka.common.message.DescribeAclsResponseData.DescribeAclsResource;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeAcls (v1-3): the bindings one filter matches, grouped by resource pattern, for a
 * principal allowed DESCRIBE on the cluster (else CLUSTER_AUTHORIZATION_FAILED); a filter with an
 * UNKNOWN field gets INVALID_REQUEST.
 */
public final class DescribeAclsHandler implements ApiHandler {
    private final KafkaAcls acls;

    public DescribeAclsHandler(KafkaAcls acls) {
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_ACLS;
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
        DescribeAclsRequestData data = (DescribeAclsRequestData) request;
        DescribeAclsResponseData response = new DescribeAclsResponseData();
        if (!acls.allowedOnCluster(context, Operation.DESCRIBE)) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                    .setErrorMessage(Errors.CLUSTER_AUTHORIZATION_FAILED.message()));
        }
        Optional<AclFilter> filter;
        try {
            filter = AclCodes.filter(data.resourceTypeFilter(), data.resourceNameFilter(), data.patternTypeFilter(),
                    data.principalFilter(), data.hostFilter(), data.operation(), data.permissionType());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage(e.getMessage()));
        }
        if (filter.isEmpty() || acls.access() == null) {
            return CompletableFuture.completedFuture(response);
        }
        Map<List<Object>, DescribeAclsResource> byResource = new LinkedHashMap<>();
        for (AclBinding binding : acls.access().acls(filter.get())) {
            DescribeAclsResource resource = byResource.computeIfAbsent(
                    List.of(binding.resourceType(), binding.resourceName(), binding.patternType()),
                    key -> new DescribeAclsResource().setResourceType(AclCodes.code(binding.resourceType()))
                            .setResourceName(binding.resourceName())
                            .setPatternType(AclCodes.code(binding.patternType())));
            resource.acls().add(new AclDescription().setPrincipal(binding.principal()).setHost(binding.host())
                    .setOperation(AclCodes.code(binding.operation()))
                    .setPermissionType(AclCodes.code(binding.permission())));
        }
        response.resources().addAll(byResource.values());
        return CompletableFuture.completedFuture(response);
    }
}
