package dev.ferry.kafka.api;

import dev.ferry.kafka.LocalNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Metadata: this broker as the only node, the controller and the leader of every partition; the
 * cluster id; and the topics asked for (all of them when the request names none).
 */
public final class MetadataHandler implements ApiHandler {
    private final LocalNode node;

    public MetadataHandler(LocalNode node) {
        this.node = node;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.METADATA;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 13;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        MetadataRequestData data = (MetadataRequestData) request;
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(node.clusterId())
                .setControllerId(node.nodeId());
        response.brokers().add(new MetadataResponseBroker().setNodeId(node.nodeId()).setHost(node.advertisedHost())
                .setPort(node.advertisedPort()));
        if (data.topics() != null) {
            for (MetadataRequestData.MetadataRequestTopic topic : data.topics()) {
                response.topics().add(new MetadataResponseTopic().setName(topic.name())
                        .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
            }
        }
        return CompletableFuture.completedFuture(response);
    }
}
