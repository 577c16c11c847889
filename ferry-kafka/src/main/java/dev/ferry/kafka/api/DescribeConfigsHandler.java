package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.kafka.BrokerLoggers;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicConfig;
import dev.ferry.stream.TopicDefaults;
import dev.ferry.stream.TopicRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeConfigs for topics (every config {@link TopicConfig} knows: the topic's override as
 * DYNAMIC_TOPIC_CONFIG, else the broker's default as STATIC_BROKER_CONFIG, else Kafka's as
 * DEFAULT_CONFIG, none read-only, the synonyms under Kafka's broker names, as Kafka reports them),
 * for this broker ({@link BrokerConfigs}, all read-only), for groups ({@link GroupConfigs}, whether
 * or not the group exists, as Kafka answers) and for this broker's loggers
 * ({@link BrokerLoggerConfigs}). Named keys Ferry does not know are left out of the answer, and an
 * empty list of keys asks for every config, as Kafka does. Other resource types get INVALID_REQUEST.
 */
public final class DescribeConfigsHandler implements ApiHandler {
    static final byte DYNAMIC_TOPIC_CONFIG = 1;

    private final LocalNode node;
    private final TopicRegistry topics;
    private final GroupCoordinator groups;
    private final Path logDirectory;
    private final KafkaAcls acls;
    private final BrokerLoggers loggers;

    public DescribeConfigsHandler(LocalNode node, TopicRegistry topics, GroupCoordinator groups, Path logDirectory) {
        this(node, topics, groups, logDirectory, KafkaAcls.ALLOW_ALL);
    }

    public DescribeConfigsHandler(LocalNode node, TopicRegistry topics, GroupCoordinator groups, Path logDirectory,
                                  KafkaAcls acls) {
        this(node, topics, groups, logDirectory, acls, BrokerLoggers.NONE);
    }

    /**
     * With ACLs: a topic's configs need DESCRIBE_CONFIGS on it (else TOPIC_AUTHORIZATION_FAILED), the
     * broker's and its loggers' DESCRIBE_CONFIGS on the cluster (else CLUSTER_AUTHORIZATION_FAILED), a
     * group's DESCRIBE_CONFIGS on the group (else GROUP_AUTHORIZATION_FAILED).
     */
    public DescribeConfigsHandler(LocalNode node, TopicRegistry topics, GroupCoordinator groups, Path logDirectory,
                                  KafkaAcls acls, BrokerLoggers loggers) {
        this.loggers = loggers;
        this.node = node;
        this.topics = topics;
        this.groups = groups;
        this.logDirectory = logDirectory;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CONFIGS;
    }

    @Override
    public short oldestVersion() {
        return 1;
    }

    @Override
    public short latestVersion() {
        return 4;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        DescribeConfigsRequestData data = (DescribeConfigsRequestData) request;
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        boolean typed = context.apiVersion() >= 3;
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (DescribeConfigsResource resource : data.resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            response.results().add(result);
            ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
            String topicNameProblem = type == ConfigResource.Type.TOPIC ? Topic.nameProblem(resource.resourceName()) : null;
            if (type == ConfigResource.Type.TOPIC
                    && !acls.allowed(context, Operation.DESCRIBE_CONFIGS, ResourceType.TOPIC, resource.resourceName())) {
                result.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                        .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message());
            } else if ((type == ConfigResource.Type.BROKER || type == ConfigResource.Type.BROKER_LOGGER)
                    && !acls.allowedOnCluster(context, Operation.DESCRIBE_CONFIGS)) {
                result.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                        .setErrorMessage(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
            } else if (type == ConfigResource.Type.GROUP
                    && !acls.allowed(context, Operation.DESCRIBE_CONFIGS, ResourceType.GROUP, resource.resourceName())) {
                result.setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())
                        .setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message());
            } else if (type == ConfigResource.Type.GROUP && resource.resourceName().isEmpty()) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Group name must not be empty");
            } else if (type == ConfigResource.Type.GROUP) {
                pending.add(groups.configs(resource.resourceName()).thenAccept(overrides -> result.setConfigs(
                        GroupConfigs.describe(overrides, groups.config().groupConfigDefaults(),
                                asked(resource), data.includeSynonyms(),
                                data.includeDocumentation(), typed))).exceptionally(failure -> {
                    result.setErrorCode(KafkaErrors.of(failure).code()).setErrorMessage(KafkaErrors.message(failure));
                    return null;
                }));
            } else if (type == ConfigResource.Type.BROKER_LOGGER) {
                BrokerLoggerConfigs.Refusal refusal = BrokerLoggerConfigs.describeRefusal(resource.resourceName(),
                        node.nodeId());
                if (refusal != null) {
                    result.setErrorCode(refusal.error().code()).setErrorMessage(refusal.message());
                } else {
                    result.setConfigs(BrokerLoggerConfigs.describe(loggers, asked(resource)));
                }
            } else if (topicNameProblem != null) {
                // Kafka 4.3.1's answer and text: a name no topic can have.
                result.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code()).setErrorMessage(topicNameProblem);
            } else if (type == ConfigResource.Type.TOPIC) {
                Optional<Topic> topic = topics.topic(resource.resourceName());
                if (topic.isEmpty()) {
                    // Kafka 4.3.1 says no more than the code.
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage("");
                    continue;
                }
                TopicConfig config = topic.get().config();
                for (Map.Entry<String, String> entry : config.values().entrySet()) {
                    String name = entry.getKey();
                    if (!wanted(resource, name)) {
                        continue;
                    }
                    byte source = config.isOverridden(name) ? DYNAMIC_TOPIC_CONFIG
                            : config.isBrokerDefault(name) ? BrokerConfigs.STATIC_BROKER_CONFIG : BrokerConfigs.DEFAULT_CONFIG;
                    DescribeConfigsResourceResult described = entry(name, entry.getValue(), false, source,
                            TopicConfigTypes.of(name), typed);
                    if (data.includeSynonyms()) {
                        if (config.isOverridden(name)) {
                            described.synonyms().add(new DescribeConfigsSynonym().setName(name)
                                    .setValue(entry.getValue()).setSource(DYNAMIC_TOPIC_CONFIG));
                        }
                        // Kafka lists the broker settings behind the value under their own names.
                        for (TopicDefaults.Synonym synonym : config.brokerDefaults().topicSynonyms(name)) {
                            described.synonyms().add(BrokerConfigs.synonym(synonym));
                        }
                    }
                    result.configs().add(described);
                }
            } else if (type == ConfigResource.Type.BROKER) {
                ConfigResourceChecks.Refusal other = ConfigResourceChecks.otherBroker(node, resource.resourceName(), true);
                if (other != null) {
                    result.setErrorCode(other.error().code()).setErrorMessage(other.message());
                    continue;
                }
                if (resource.resourceName().isEmpty()) {
                    // The cluster-wide defaults set at runtime, which Ferry has none of: its broker
                    // configs are fixed at start, and describing this broker's id lists them.
                    continue;
                }
                for (BrokerConfigs.Entry entry : BrokerConfigs.of(node, logDirectory, groups.config(), topics.defaults())) {
                    if (!wanted(resource, entry.name())) {
                        continue;
                    }
                    DescribeConfigsResourceResult described = entry(entry.name(), entry.value(), true, entry.source(),
                            entry.type(), typed);
                    if (data.includeSynonyms()) {
                        described.synonyms().addAll(entry.synonyms());
                    }
                    result.configs().add(described);
                }
            } else if (type == ConfigResource.Type.UNKNOWN) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(Errors.INVALID_REQUEST.message());
            } else {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Ferry describes the configs of "
                        + "topics, groups, the broker and its loggers only, not of resource type "
                        + resource.resourceType());
            }
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(ignored -> response);
    }

    private static boolean wanted(DescribeConfigsResource resource, String name) {
        List<String> keys = asked(resource);
        return keys == null || keys.contains(name);
    }

    /** The names asked for, null for all: no list or an empty one asks for every config, as with Kafka 4.3.1. */
    private static List<String> asked(DescribeConfigsResource resource) {
        List<String> keys = resource.configurationKeys();
        return keys == null || keys.isEmpty() ? null : keys;
    }

    private static DescribeConfigsResourceResult entry(String name, String value, boolean readOnly, byte source,
            byte type, boolean typed) {
        DescribeConfigsResourceResult described = new DescribeConfigsResourceResult().setName(name).setValue(value)
                .setReadOnly(readOnly).setConfigSource(source).setIsSensitive(false).setSynonyms(new ArrayList<>());
        if (typed) {
            described.setConfigType(type).setDocumentation(null);
        }
        return described;
    }
}
