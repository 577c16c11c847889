package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.ListConfigResourcesRequestData;
import org.apache.kafka.common.message.ListConfigResourcesResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ListConfigResources (KIP-1142; v0 was KIP-714's ListClientMetricsResources): which config
 * resources there are to describe, as Kafka 4.3.1 lists them. {@code kafka-configs --describe
 * --entity-type groups} uses it to find the groups that have configs, and to tell a group that has
 * neither members nor configs ("doesn't exist and doesn't have dynamic config").
 *
 * <p>v0 asks for client-metrics resources, of which Ferry has none. v1 names the types it wants (none:
 * all), among TOPIC, BROKER, BROKER_LOGGER, CLIENT_METRICS and GROUP; any other makes the whole answer
 * UNSUPPORTED_VERSION, as Kafka's. The answer goes by type in Kafka's order (groups, the node's
 * loggers, the node, topics), whatever order the request names them in: groups are those with
 * config overrides (a group with members or offsets but no overrides is not listed, as in Kafka),
 * topics every topic. Needs DESCRIBE_CONFIGS on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 */
public final class ListConfigResourcesHandler implements ApiHandler {
    private static final Set<Byte> SUPPORTED = Set.of(ConfigResource.Type.TOPIC.id(), ConfigResource.Type.BROKER.id(),
            ConfigResource.Type.BROKER_LOGGER.id(), ConfigResource.Type.CLIENT_METRICS.id(),
            ConfigResource.Type.GROUP.id());

    private final LocalNode node;
    private final TopicRegistry topics;
    private final GroupCoordinator groups;
    private final KafkaAcls acls;

    public ListConfigResourcesHandler(LocalNode node, TopicRegistry topics, GroupCoordinator groups, KafkaAcls acls) {
        this.node = node;
        this.topics = topics;
        this.groups = groups;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_CONFIG_RESOURCES;
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
        ListConfigResourcesRequestData data = (ListConfigResourcesRequestData) request;
        ListConfigResourcesResponseData response = new ListConfigResourcesResponseData();
        if (!acls.allowedOnCluster(context, Operation.DESCRIBE_CONFIGS)) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code()));
        }
        if (context.apiVersion() == 0) {
            // Client-metrics resources only: Ferry keeps no client-metrics subscriptions.
            return CompletableFuture.completedFuture(response);
        }
        Set<Byte> wanted = new TreeSet<>(data.resourceTypes());
        if (!SUPPORTED.containsAll(wanted)) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
        }
        if (wanted.isEmpty()) {
            wanted = SUPPORTED;
        }
        CompletableFuture<List<String>> configuredGroups = wanted.contains(ConfigResource.Type.GROUP.id())
                ? groups.groupsWithConfigs() : CompletableFuture.completedFuture(List.of());
        Set<Byte> types = wanted;
        return configuredGroups.thenApply(groupNames -> {
            for (String group : groupNames) {
                add(response, ConfigResource.Type.GROUP, group);
            }
            String nodeId = Integer.toString(node.nodeId());
            if (types.contains(ConfigResource.Type.BROKER_LOGGER.id())) {
                add(response, ConfigResource.Type.BROKER_LOGGER, nodeId);
            }
            if (types.contains(ConfigResource.Type.BROKER.id())) {
                add(response, ConfigResource.Type.BROKER, nodeId);
            }
            if (types.contains(ConfigResource.Type.TOPIC.id())) {
                new TreeSet<>(topics.topics().stream().map(Topic::name).toList())
                        .forEach(topic -> add(response, ConfigResource.Type.TOPIC, topic));
            }
            return response;
        });
    }

    private static void add(ListConfigResourcesResponseData response, ConfigResource.Type type, String name) {
        response.configResources().add(new ListConfigResourcesResponseData.ConfigResource().setResourceName(name)
                .setResourceType(type.id()));
    }
}
