package dev.ferry.kafka.api;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.BrokerLoggers;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicConfig;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * A group's configs ({@link dev.ferry.group.DynamicGroupConfig}) take SET and DELETE through the
 * group coordinator, checked against the set they leave and durable before the answer; the broker's
 * loggers take SET and DELETE of a level at once ({@link BrokerLoggerConfigs}). For both, a config
 * named twice or a SET without a value refuse the resource, as Kafka's broker does before anything
 * else. The broker's own configs cannot be changed (INVALID_CONFIG), but for a DELETE of the
 * replication throttles, which Ferry never has and so answers as done; other resource types are
 * INVALID_REQUEST.
 *
 * <p>APPEND and SUBTRACT are computed from the config the topic has when the request is handled:
 * two concurrent appends to the same list may lose one, which Kafka's single controller avoids.
 */
public final class IncrementalAlterConfigsHandler implements ApiHandler {
    /** The broker configs that limit replica copying, which {@code kafka-reassign-partitions} clears. */
    private static final Set<String> BROKER_REPLICATION_THROTTLES = Set.of("leader.replication.throttled.rate",
            "follower.replication.throttled.rate", "replica.alter.log.dirs.io.max.bytes.per.second");

    private final LocalNode node;
    private final TopicRegistry topics;
    private final KafkaAcls acls;
    private final GroupCoordinator groups;
    private final BrokerLoggers loggers;

    public IncrementalAlterConfigsHandler(LocalNode node, TopicRegistry topics) {
        this(node, topics, KafkaAcls.ALLOW_ALL);
    }

    public IncrementalAlterConfigsHandler(LocalNode node, TopicRegistry topics, KafkaAcls acls) {
        this(node, topics, null, acls, BrokerLoggers.NONE);
    }

    /**
     * With ACLs: a topic's configs need ALTER_CONFIGS on it (else TOPIC_AUTHORIZATION_FAILED), the
     * broker's and its loggers' ALTER_CONFIGS on the cluster (else CLUSTER_AUTHORIZATION_FAILED), a
     * group's ALTER_CONFIGS on the group (else GROUP_AUTHORIZATION_FAILED).
     *
     * @param groups the group coordinator keeping group configs; null refuses group resources
     */
    public IncrementalAlterConfigsHandler(LocalNode node, TopicRegistry topics, GroupCoordinator groups, KafkaAcls acls,
                                          BrokerLoggers loggers) {
        this.groups = groups;
        this.loggers = loggers;
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
            // A success carries no message (null), as Kafka's answers do.
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
            if (malformed(resource, result)) {
                continue;
            }
            if (type == ConfigResource.Type.BROKER_LOGGER) {
                BrokerLoggerConfigs.Refusal refusal = BrokerLoggerConfigs.alter(loggers, node.nodeId(),
                        resource.resourceName(), resource.configs(), data.validateOnly());
                if (refusal != null) {
                    fail(result, refusal.error(), refusal.message());
                }
                continue;
            }
            if (type == ConfigResource.Type.GROUP && groups != null) {
                changes.add(alterGroup(resource, data.validateOnly(), result));
                continue;
            }
            if (type == ConfigResource.Type.BROKER) {
                if (onlyClearsReplicationThrottles(resource)) {
                    continue;
                }
                ConfigResourceChecks.Refusal fixed = ConfigResourceChecks.brokerConfigsFixed(node, resource.resourceName());
                fail(result, fixed.error(), fixed.message());
                continue;
            }
            if (type == ConfigResource.Type.UNKNOWN) {
                fail(result, Errors.INVALID_REQUEST, "Unknown resource type " + resource.resourceType());
                continue;
            }
            if (type != ConfigResource.Type.TOPIC) {
                fail(result, Errors.INVALID_REQUEST, "Ferry alters the configs of topics, groups and the broker's "
                        + "loggers only, not of resource type " + resource.resourceType());
                continue;
            }
            if (resource.resourceName().isEmpty()) {
                // Kafka keeps no default topic configs to alter (its cluster defaults are broker configs).
                fail(result, Errors.INVALID_REQUEST, "Default topic resources are not allowed.");
                continue;
            }
            String nameProblem = Topic.nameProblem(resource.resourceName());
            if (nameProblem != null) {
                fail(result, Errors.INVALID_TOPIC_EXCEPTION, nameProblem);
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

    /**
     * Whether a change to the broker's configs only deletes its replication throttles, which is
     * how {@code kafka-reassign-partitions --verify} and {@code --cancel} end, on every broker
     * {@code DescribeCluster} names. Ferry copies no replicas and never has such a throttle, so
     * deleting one is done before it is asked: a success that changes nothing, so that the tool
     * finishes as it does against Kafka. Setting one, or any other change to the broker's configs,
     * is still refused.
     */
    private boolean onlyClearsReplicationThrottles(AlterConfigsResource resource) {
        if (resource.configs().isEmpty() || !resource.resourceName().isEmpty()
                && !resource.resourceName().equals(Integer.toString(node.nodeId()))) {
            return false;
        }
        for (AlterableConfig config : resource.configs()) {
            if (config.configOperation() != AlterConfigOp.OpType.DELETE.id()
                    || !BROKER_REPLICATION_THROTTLES.contains(config.name())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Kafka's first checks of a resource, before its type or name matters: a config named twice, or a value
     * missing from anything but a DELETE, refuse it with INVALID_REQUEST.
     */
    private static boolean malformed(AlterConfigsResource resource, AlterConfigsResourceResponse result) {
        Set<String> names = new HashSet<>();
        List<String> withoutValue = new ArrayList<>();
        for (AlterableConfig config : resource.configs()) {
            if (!names.add(config.name())) {
                fail(result, Errors.INVALID_REQUEST, "Error due to duplicate config keys");
                return true;
            }
            if (config.configOperation() != AlterConfigOp.OpType.DELETE.id() && config.value() == null) {
                withoutValue.add(config.name());
            }
        }
        if (!withoutValue.isEmpty()) {
            fail(result, Errors.INVALID_REQUEST, "Null value not supported for : " + String.join(", ", withoutValue));
            return true;
        }
        return false;
    }

    /** A group's SET and DELETE, through the group coordinator (which checks the set they leave). */
    private CompletableFuture<?> alterGroup(AlterConfigsResource resource, boolean validateOnly,
                                            AlterConfigsResourceResponse result) {
        if (resource.resourceName().isEmpty()) {
            fail(result, Errors.INVALID_REQUEST, "Default group resources are not allowed.");
            return CompletableFuture.completedFuture(null);
        }
        Map<String, String> wanted = new LinkedHashMap<>();
        for (AlterableConfig config : resource.configs()) {
            AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(config.configOperation());
            if (op == AlterConfigOp.OpType.APPEND || op == AlterConfigOp.OpType.SUBTRACT) {
                // Every group config is a single value.
                fail(result, Errors.INVALID_CONFIG, "Can't " + op.name() + " to key " + config.name()
                        + " because its type is not LIST.");
                return CompletableFuture.completedFuture(null);
            }
            if (op == null) {
                fail(result, Errors.INVALID_REQUEST, "Unknown operation type " + config.configOperation());
                return CompletableFuture.completedFuture(null);
            }
            wanted.put(config.name(), op == AlterConfigOp.OpType.SET ? config.value() : null);
        }
        return groups.alterConfigs(resource.resourceName(), wanted, validateOnly).handle((answer, failure) -> {
            if (failure != null) {
                fail(result, KafkaErrors.of(failure), KafkaErrors.message(failure));
            } else if (answer.error() != null) {
                fail(result, KafkaErrors.of(answer.error()), answer.message());
            }
            return null;
        });
    }

    /**
     * The resource's operations as the name -> value (null: back to the default) map the registry
     * takes; {@link #malformed} has refused names given twice and missing values. Deleting a name
     * no topic config has changes nothing, as with Kafka 4.3.1; any other operation on one is refused.
     */
    private static Map<String, String> changes(TopicConfig current, AlterConfigsResource resource) {
        Map<String, String> changes = new LinkedHashMap<>();
        for (AlterableConfig config : resource.configs()) {
            String name = config.name();
            AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(config.configOperation());
            if (op == null) {
                // Kafka 4.3.1 answers UNKNOWN_SERVER_ERROR here, the failure of a cast.
                throw new BrokerException(ErrorCode.PRECONDITION_FAILED, "Unknown operation type " + config.configOperation());
            }
            if (current.value(name) == null) {
                if (op == AlterConfigOp.OpType.DELETE) {
                    continue;
                }
                throw new BrokerException(ErrorCode.INVALID_CONFIG, "Unknown topic config name: " + name);
            }
            switch (op) {
                case SET -> changes.put(name, config.value());
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
