package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeCluster (what {@code Admin.describeCluster} asks): this broker as the only node and the
 * controller. Only the broker endpoint type exists; asking for controllers is refused as a broker
 * in Kafka refuses it.
 */
public final class DescribeClusterHandler implements ApiHandler {
    /** DescribeCluster v1's endpoint types: 1 brokers, 2 controllers. */
    private static final byte BROKER_ENDPOINTS = 1;

    private final LocalNode node;
    private final KafkaAcls acls;

    public DescribeClusterHandler(LocalNode node) {
        this(node, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: they decide the cluster's authorized operations, when a client asks for them. */
    public DescribeClusterHandler(LocalNode node, KafkaAcls acls) {
        this.node = node;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CLUSTER;
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
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        DescribeClusterRequestData data = (DescribeClusterRequestData) request;
        DescribeClusterResponseData response = new DescribeClusterResponseData()
                .setClusterId(node.clusterId())
                .setControllerId(node.nodeId())
                .setEndpointType(BROKER_ENDPOINTS);
        if (context.apiVersion() >= 1 && data.endpointType() != BROKER_ENDPOINTS) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
                    .setErrorMessage("this broker serves broker endpoints only"));
        }
        response.brokers().add(new DescribeClusterBroker().setBrokerId(node.nodeId()).setHost(node.advertisedHost())
                .setPort(node.advertisedPort(context.securityProtocol())));
        if (data.includeClusterAuthorizedOperations()) {
            response.setClusterAuthorizedOperations(acls.authorizedOperations(context, ResourceType.CLUSTER,
                    AclBinding.CLUSTER_NAME));
        }
        return CompletableFuture.completedFuture(response);
    }
}
