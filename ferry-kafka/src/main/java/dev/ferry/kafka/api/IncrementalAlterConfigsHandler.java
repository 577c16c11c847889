package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicConfig;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * IncrementalAlterConfigs on topics: SET and DELETE on any config {@link TopicConfig} knows; APPEND
 * and SUBTRACT on list configs only (anything else is INVALID_CONFIG, as Kafka answers); the whole
 * resource's changes go to {@link TopicRegistry#alterConfigs} at once, so they apply together or
 * not at all, durably before the answer. {@code validate_only} checks without changing anything.
 * The broker's own configs cannot be changed (INVALID_CONFIG); other resource types are
 * INVALID_REQUEST.
 *
 * <p>APPEND and SUBTRACT are computed from the config the topic has when the request is handled:
 * two concurrent appends to the same list may lose one, which Kafka's single controller avoids.
 */
public final class IncrementalAlterConfigsHandler implements ApiHandler {
    private final LocalNode node;
    private final TopicRegistry topics;
    private final KafkaAcls acls;

    public IncrementalAlterConfigsHandler(LocalNode node, TopicRegistry topics) {
        this(node, topics, KafkaAcls.ALLOW_ALL);
    }

    /**
     * With ACLs: a topic's configs need ALTER_CONFIGS on it (else TOPIC_AUTHORIZATION_FAILED), the
     * broker's ALTER_CONFIGS on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
     */
    public IncrementalAlterConfigsHandler(LocalNode node, TopicRegistry topics, KafkaAcls acls) {
        this.node = node;
        this.topics = topics;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INCREMENTAL_ALTER_CONFIGS;
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
        IncrementalAlterConfigsRequestData data = (IncrementalAlterConfigsRequestData) request;
        IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
        Map<String, Integer> seen = new HashMap<>();
        for (AlterConfigsResource resource : data.resources()) {
            seen.merge(resource.resourceType() + "/" + resource.resourceName(), 1, Integer::sum);
        }
        List<CompletableFuture<?>> changes = new ArrayList<>();
        for (AlterConfigsResource resource : data.resources()) {
            AlterConfigsResourceResponse result = new AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            response.responses().add(result);
            if (seen.get(resource.resourceType() + "/" + resource.resourceName()) > 1) {
                fail(result, Errors.INVALID_REQUEST, "resource " + resource.resourceName()
                        + " appears more than once in the request");
                continue;
            }
            ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
            if (type == ConfigResource.Type.TOPIC
                    && !acls.allowed(context, Operation.ALTER_CONFIGS, ResourceType.TOPIC, resource.resourceName())) {
                fail(result, Errors.TOPIC_AUTHORIZATION_FAILED, Errors.TOPIC_AUTHORIZATION_FAILED.message());
                continue;
            }
            if (type == ConfigResource.Type.BROKER && !acls.allowedOnCluster(context, Operation.ALTER_CONFIGS)) {
                fail(result, Errors.CLUSTER_AUTHORIZATION_FAILED, Errors.CLUSTER_AUTHORIZATION_FAILED.message());
                continue;
            }
            if (type == ConfigResource.Type.BROKER) {
                String name = resource.resourceName();
                fail(result, name.isEmpty() || name.equals(Integer.toString(node.nodeId())) ? Errors.INVALID_CONFIG
                        : Errors.INVALID_REQUEST, "Ferry's broker configs are set when it starts and cannot be changed "
                        + "at runtime");
                continue;
            }
            if (type != ConfigResource.Type.TOPIC) {
                fail(result, Errors.INVALID_REQUEST, "Ferry alters the configs of topics only, not of resource type "
                        + resource.resourceType());
                continue;
            }
            if (resource.resourceName().isEmpty()) {
                // Kafka keeps no default topic configs to alter (its cluster defaults are broker configs).
                fail(result, Errors.INVALID_REQUEST, "Default topic resources are not allowed.");
                continue;
            }
            Optional<Topic> topic = topics.topic(resource.resourceName());
            if (topic.isEmpty()) {
                fail(result, Errors.UNKNOWN_TOPIC_OR_PARTITION, "The topic '" + resource.resourceName() + "' does not exist.");
                continue;
            }
            Map<String, String> wanted;
            try {
                wanted = changes(topic.get().config(), resource);
                if (data.validateOnly()) {
                    topic.get().config().with(wanted);
                    continue;
                }
            } catch (BrokerException e) {
                fail(result, KafkaErrors.of(e), e.getMessage());
                continue;
            }
            CompletableFuture<Topic> altered;
            try {
                altered = topics.alterConfigs(topic.get().name(), wanted);
            } catch (RuntimeException e) {
                altered = CompletableFuture.failedFuture(e);
            }
            changes.add(altered.handle((ignored, error) -> {
                if (error != null) {
                    fail(result, KafkaErrors.of(error), KafkaErrors.message(error));
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(changes.toArray(CompletableFuture[]::new)).thenApply(ignored -> response);
    }

    /** The resource's operations as the name -> value (null: back to the default) map the registry takes. */
    private static Map<String, String> changes(TopicConfig current, AlterConfigsResource resource) {
        Map<String, String> changes = new LinkedHashMap<>();
        for (AlterableConfig config : resource.configs()) {
            String name = config.name();
            if (changes.containsKey(name)) {
                throw new BrokerException(ErrorCode.PRECONDITION_FAILED, "config '" + name
                        + "' appears more than once for " + resource.resourceName());
            }
            if (current.value(name) == null) {
                throw new BrokerException(ErrorCode.INVALID_CONFIG, "Unknown topic config name: " + name);
            }
            AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(config.configOperation());
            if (op == null) {
                throw new BrokerException(ErrorCode.PRECONDITION_FAILED, "unknown config operation "
                        + config.configOperation() + " for '" + name + "'");
            }
            switch (op) {
                case SET -> {
                    if (config.value() == null) {
                        throw new BrokerException(ErrorCode.PRECONDITION_FAILED, "null value not supported for: " + name);
                    }
                    changes.put(name, config.value());
                }
                case DELETE -> changes.put(name, null);
                case APPEND, SUBTRACT -> {
                    if (!TopicConfigTypes.isList(name)) {
                        throw new BrokerException(ErrorCode.INVALID_CONFIG, "Can't " + op.name() + " to key " + name
                                + " because its type is not LIST.");
                    }
                    changes.put(name, listChanged(current.value(name), config.value(), op == AlterConfigOp.OpType.APPEND));
                }
            }
        }
        return changes;
    }

    private static String listChanged(String current, String operand, boolean append) {
        List<String> items = new ArrayList<>(split(current));
        for (String item : split(operand)) {
            if (append && !items.contains(item)) {
                items.add(item);
            } else if (!append) {
                items.remove(item);
            }
        }
        return String.join(",", items);
    }

    private static List<String> split(String list) {
        if (list == null || list.isBlank()) {
            return List.of();
        }
        return Arrays.stream(list.split(",")).map(String::trim).filter(item -> !item.isEmpty()).toList();
    }

    private static void fail(AlterConfigsResourceResponse result, Errors error, String message) {
        result.setErrorCode(error.code()).setErrorMessage(message);
    }
}
