package dev.ferry.kafka.api;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * AlterConfigs, the original, non-incremental API that Kafka deprecated but still serves (v0-2),
 * and that clients built before IncrementalAlterConfigs use (librdkafka before 2.2, for one): a
 * resource's configs become exactly those given, so every override the request leaves out goes
 * back to its default. Topics change through {@link TopicRegistry#alterConfigs} at once and durably
 * before the answer, groups through the group coordinator; {@code validate_only} checks without
 * changing anything.
 *
 * <p>Refusals as Kafka's broker gives them: a resource named twice, a config named twice, or a
 * config without a value, INVALID_REQUEST; the broker's loggers and unknown resource types,
 * INVALID_REQUEST ("Unknown resource type"), since this API never took loggers; an unknown topic
 * config or a bad value, INVALID_CONFIG; the broker's own configs, INVALID_CONFIG (fixed at start).
 */
public final class AlterConfigsHandler implements ApiHandler {
    private final LocalNode node;
    private final TopicRegistry topics;
    private final GroupCoordinator groups;
    private final KafkaAcls acls;

    /**
     * @param groups the group coordinator keeping group configs; null refuses group resources
     * @param acls   ALTER_CONFIGS on the topic, the group or (for the broker) the cluster
     */
    public AlterConfigsHandler(LocalNode node, TopicRegistry topics, GroupCoordinator groups, KafkaAcls acls) {
        this.node = node;
        this.topics = topics;
        this.groups = groups;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_CONFIGS;
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
        AlterConfigsRequestData data = (AlterConfigsRequestData) request;
        AlterConfigsResponseData response = new AlterConfigsResponseData();
        Map<String, Integer> seen = new HashMap<>();
        for (AlterConfigsResource resource : data.resources()) {
            seen.merge(resource.resourceType() + "/" + resource.resourceName(), 1, Integer::sum);
        }
        List<CompletableFuture<?>> changes = new ArrayList<>();
        for (AlterConfigsResource resource : data.resources()) {
            AlterConfigsResourceResponse result = new AlterConfigsResourceResponse().setErrorMessage(null)
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            response.responses().add(result);
            if (seen.get(resource.resourceType() + "/" + resource.resourceName()) > 1) {
                fail(result, Errors.INVALID_REQUEST, "Each resource must appear at most once.");
                continue;
            }
            ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
            ConfigResourceChecks.Refusal unauthorized = ConfigResourceChecks.unauthorized(context, acls, type,
                    resource.resourceName());
            if (unauthorized != null) {
                fail(result, unauthorized.error(), unauthorized.message());
                continue;
            }
            Map<String, String> given;
            try {
                given = given(resource);
            } catch (BrokerException e) {
                fail(result, Errors.INVALID_REQUEST, e.getMessage());
                continue;
            }
            if (type == ConfigResource.Type.BROKER) {
                ConfigResourceChecks.Refusal fixed = ConfigResourceChecks.brokerConfigsFixed(node, resource.resourceName());
                fail(result, fixed.error(), fixed.message());
            } else if (type == ConfigResource.Type.TOPIC) {
                changes.add(alterTopic(resource.resourceName(), given, data.validateOnly(), result));
            } else if (type == ConfigResource.Type.GROUP && groups != null) {
                changes.add(alterGroup(resource.resourceName(), given, data.validateOnly(), result));
            } else {
                fail(result, Errors.INVALID_REQUEST, "Unknown resource type " + resource.resourceType());
            }
        }
        return CompletableFuture.allOf(changes.toArray(CompletableFuture[]::new)).thenApply(ignored -> response);
    }

    /** The configs a resource is to have, refused (INVALID_REQUEST) if one is named twice or has no value. */
    private static Map<String, String> given(AlterConfigsResource resource) {
        Map<String, String> given = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        List<String> withoutValue = new ArrayList<>();
        for (AlterableConfig config : resource.configs()) {
            if (!names.add(config.name())) {
                throw new BrokerException(ErrorCode.PRECONDITION_FAILED, "Error due to duplicate config keys");
            }
            if (config.value() == null) {
                withoutValue.add(config.name());
            }
            given.put(config.name(), config.value());
        }
        if (!withoutValue.isEmpty()) {
            throw new BrokerException(ErrorCode.PRECONDITION_FAILED, "Null value not supported for : "
                    + String.join(", ", withoutValue));
        }
        return given;
    }

    /** {@code given} as the changes that leave exactly it: every other current override back to its default (null). */
    private static Map<String, String> replacing(Map<String, String> current, Map<String, String> given) {
        Map<String, String> changes = new LinkedHashMap<>(given);
        for (String name : current.keySet()) {
            changes.putIfAbsent(name, null);
        }
        return changes;
    }

    private CompletableFuture<?> alterTopic(String name, Map<String, String> given, boolean validateOnly,
                                            AlterConfigsResourceResponse result) {
        if (name.isEmpty()) {
            fail(result, Errors.INVALID_REQUEST, "Default topic resources are not allowed.");
            return CompletableFuture.completedFuture(null);
        }
        String nameProblem = Topic.nameProblem(name);
        if (nameProblem != null) {
            fail(result, Errors.INVALID_TOPIC_EXCEPTION, nameProblem);
            return CompletableFuture.completedFuture(null);
        }
        Optional<Topic> topic = topics.topic(name);
        if (topic.isEmpty()) {
            fail(result, Errors.UNKNOWN_TOPIC_OR_PARTITION, "The topic '" + name + "' does not exist.");
            return CompletableFuture.completedFuture(null);
        }
        for (String config : given.keySet()) {
            if (topic.get().config().value(config) == null) {
                fail(result, Errors.INVALID_CONFIG, "Unknown topic config name: " + config);
                return CompletableFuture.completedFuture(null);
            }
        }
        Map<String, String> changes = replacing(topic.get().config().overrides(), given);
        CompletableFuture<?> altered;
        try {
            if (validateOnly) {
                topic.get().config().with(changes);
                return CompletableFuture.completedFuture(null);
            }
            altered = topics.alterConfigs(name, changes);
        } catch (RuntimeException e) {
            altered = CompletableFuture.failedFuture(e);
        }
        return altered.handle((ignored, error) -> {
            if (error != null) {
                fail(result, KafkaErrors.of(error), KafkaErrors.message(error));
            }
            return null;
        });
    }

    private CompletableFuture<?> alterGroup(String name, Map<String, String> given, boolean validateOnly,
                                            AlterConfigsResourceResponse result) {
        if (name.isEmpty()) {
            fail(result, Errors.INVALID_REQUEST, "Default group resources are not allowed.");
            return CompletableFuture.completedFuture(null);
        }
        return groups.configs(name)
                .thenCompose(current -> groups.alterConfigs(name, replacing(current, given), validateOnly))
                .handle((answer, failure) -> {
                    if (failure != null) {
                        fail(result, KafkaErrors.of(failure), KafkaErrors.message(failure));
                    } else if (answer.error() != null) {
                        fail(result, KafkaErrors.of(answer.error()), answer.message());
                    }
                    return null;
                });
    }

    private static void fail(AlterConfigsResourceResponse result, Errors error, String message) {
        result.setErrorCode(error.code()).setErrorMessage(message);
    }
}
