package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicConfig;
import dev.ferry.stream.TopicDefaults;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * CreateTopics: each topic through {@link TopicRegistry#create} (recorded and fsynced before it is
 * answered), or only checked with {@code validate_only}. The broker's defaults fill what the
 * request leaves at -1: its {@code num.partitions} (Kafka's default 1, {@link TopicDefaults}) and a
 * replication factor of 1, the only one a single node can have. Explicit replica assignments are taken when they name this node alone.
 */
public final class CreateTopicsHandler implements ApiHandler {
    /** DescribeConfigs' config sources, as CreateTopics v5+ reports them. */
    private static final byte TOPIC_CONFIG = 1;
    private static final byte STATIC_BROKER_CONFIG = 4;
    private static final byte DEFAULT_CONFIG = 5;

    private final TopicRegistry topics;
    private final KafkaAcls acls;
    private final LocalNode node;

    public CreateTopicsHandler(TopicRegistry topics, LocalNode node) {
        this(topics, node, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: creating needs CREATE on the cluster or on the topic, else TOPIC_AUTHORIZATION_FAILED. */
    public CreateTopicsHandler(TopicRegistry topics, LocalNode node, KafkaAcls acls) {
        this.topics = topics;
        this.node = node;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_TOPICS;
    }

    @Override
    public short oldestVersion() {
        return 2;
    }

    @Override
    public short latestVersion() {
        return 7;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        CreateTopicsRequestData data = (CreateTopicsRequestData) request;
        CreateTopicsResponseData response = new CreateTopicsResponseData();
        List<CompletableFuture<?>> creations = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new HashSet<>();
        for (CreatableTopic topic : data.topics()) {
            if (!seen.add(topic.name())) {
                duplicates.add(topic.name());
            }
        }
        boolean clusterCreate = acls.allowedOnClusterQuietly(context, Operation.CREATE);
        for (CreatableTopic requested : data.topics()) {
            CreatableTopicResult result = new CreatableTopicResult().setName(requested.name()).setNumPartitions(-1)
                    .setReplicationFactor((short) -1).setErrorMessage(null);
            if (response.topics().find(requested.name()) != null) {
                continue;
            }
            response.topics().add(result);
            if (duplicates.contains(requested.name())) {
                fail(result, Errors.INVALID_REQUEST, "Duplicate topic name.");
                continue;
            }
            if (!clusterCreate && !acls.allowed(context, Operation.CREATE, ResourceType.TOPIC, requested.name())) {
                fail(result, Errors.TOPIC_AUTHORIZATION_FAILED, "Authorization failed.");
                continue;
            }
            if (Topic.isInternalName(requested.name())) {
                // Kafka's own bookkeeping topics, which Ferry keeps in logs of its own: Kafka, where they
                // exist from the first group or transaction on, answers this.
                fail(result, Errors.TOPIC_ALREADY_EXISTS, "Topic '" + requested.name() + "' already exists.");
                continue;
            }
            int partitions;
            try {
                partitions = partitionCount(requested);
            } catch (Refusal e) {
                fail(result, e.error, e.getMessage());
                continue;
            }
            Map<String, String> configs = new LinkedHashMap<>();
            for (CreatableTopicConfig config : requested.configs()) {
                configs.put(config.name(), config.value());
            }
            if (data.validateOnly()) {
                try {
                    TopicConfig config = topics.validateCreate(requested.name(), partitions, configs);
                    describe(result, partitions, config, context.apiVersion());
                } catch (RuntimeException e) {
                    fail(result, KafkaErrors.of(e), KafkaErrors.message(e));
                }
                continue;
            }
            CompletableFuture<Topic> created;
            try {
                created = topics.create(requested.name(), partitions, configs);
            } catch (RuntimeException e) {
                created = CompletableFuture.failedFuture(e);
            }
            creations.add(created.handle((topic, error) -> {
                if (error != null) {
                    fail(result, KafkaErrors.of(error), KafkaErrors.message(error));
                } else {
                    result.setTopicId(TopicIds.toKafka(topic.id()));
                    describe(result, topic.partitionCount(), topic.config(), context.apiVersion());
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(creations.toArray(CompletableFuture[]::new)).thenApply(ignored -> response);
    }

    /**
     * The partition count asked for, from the count or the assignments; -1 is Kafka's default. Checked
     * in Kafka 4.3.1's controller's order and words: a manual assignment first (no count or factor
     * beside it, partitions 0 to n-1, every replica list this one node), then the factor.
     */
    private int partitionCount(CreatableTopic requested) {
        if (!requested.assignments().isEmpty()) {
            if (requested.replicationFactor() != -1) {
                throw new Refusal(Errors.INVALID_REQUEST,
                        "A manual partition assignment was specified, but replication factor was not set to -1.");
            }
            if (requested.numPartitions() != -1) {
                throw new Refusal(Errors.INVALID_REQUEST,
                        "A manual partition assignment was specified, but numPartitions was not set to -1.");
            }
            int count = requested.assignments().size();
            for (CreatableReplicaAssignment assignment : requested.assignments()) {
                if (assignment.partitionIndex() < 0 || assignment.partitionIndex() >= count) {
                    throw new Refusal(Errors.INVALID_REPLICA_ASSIGNMENT,
                            "partitions should be a consecutive 0-based integer sequence");
                }
            }
            for (CreatableReplicaAssignment assignment : requested.assignments()) {
                for (int broker : assignment.brokerIds()) {
                    if (broker != node.nodeId()) {
                        throw new Refusal(Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes"
                                + " broker " + broker + ", but no such broker is registered.");
                    }
                }
                if (assignment.brokerIds().isEmpty()) {
                    throw new Refusal(Errors.INVALID_REPLICA_ASSIGNMENT,
                            "The manual partition assignment includes an empty replica list.");
                }
                if (assignment.brokerIds().size() > 1) {
                    throw new Refusal(Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes the"
                            + " broker " + node.nodeId() + " more than once.");
                }
            }
            return count;
        }
        if (requested.replicationFactor() == 0 || requested.replicationFactor() < -1) {
            throw new Refusal(Errors.INVALID_REPLICATION_FACTOR,
                    "Replication factor must be larger than 0, or -1 to use the default value.");
        }
        if (requested.replicationFactor() > 1) {
            throw new Refusal(Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition "
                    + requested.replicationFactor() + " time(s): The target replication factor of "
                    + requested.replicationFactor() + " cannot be reached because only 1 broker(s) are registered or"
                    + " some brokers have all their log directories cordoned.");
        }
        return requested.numPartitions() == -1 ? topics.defaults().numPartitions() : requested.numPartitions();
    }

    private static void describe(CreatableTopicResult result, int partitions, TopicConfig config, short version) {
        result.setNumPartitions(partitions).setReplicationFactor((short) 1);
        if (version >= 5) {
            for (Map.Entry<String, String> entry : config.values().entrySet()) {
                result.configs().add(new CreatableTopicConfigs().setName(entry.getKey()).setValue(entry.getValue())
                        .setReadOnly(false).setIsSensitive(false)
                        .setConfigSource(config.isOverridden(entry.getKey()) ? TOPIC_CONFIG
                                : config.isBrokerDefault(entry.getKey()) ? STATIC_BROKER_CONFIG : DEFAULT_CONFIG));
            }
        }
    }

    private static void fail(CreatableTopicResult result, Errors error, String message) {
        result.setErrorCode(error.code()).setErrorMessage(message).setNumPartitions(-1).setReplicationFactor((short) -1);
    }

    /** A topic refused before the registry is asked: Kafka's error and text. */
    private static final class Refusal extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final transient Errors error;

        Refusal(Errors error, String message) {
            super(message);
            this.error = error;
        }
    }
}
