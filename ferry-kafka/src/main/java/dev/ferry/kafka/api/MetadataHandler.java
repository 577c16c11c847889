package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding;
import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Partition;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Metadata: this broker as the only node, the controller and the leader of every partition (with
 * the partition's leader epoch); the cluster id; and the topics asked for, all of them when the
 * request names none (null, or an empty list in v0).
 *
 * <p>A topic asked for by name that does not exist is created with the broker's
 * {@code num.partitions} when the request and the broker's {@code auto.create.topics.enable} allow
 * it (Kafka's defaults: 1 partition, allowed; see {@link dev.ferry.stream.TopicDefaults}),
 * and the answer waits for the creation to be durable, so the client sees the topic at once
 * instead of retrying on LEADER_NOT_AVAILABLE as it would with Kafka.
 */
public final class MetadataHandler implements ApiHandler {
    private final LocalNode node;
    private final TopicRegistry topics;
    private final boolean autoCreateTopics;
    private final KafkaAcls acls;

    public MetadataHandler(LocalNode node, TopicRegistry topics, boolean autoCreateTopics) {
        this(node, topics, autoCreateTopics, KafkaAcls.ALLOW_ALL);
    }

    /**
     * With ACLs, as Kafka: a listing of all topics leaves out those the user may not DESCRIBE; a
     * topic asked for by name or id gets TOPIC_AUTHORIZATION_FAILED instead; auto-creation needs
     * CREATE on the cluster or on the topic, else TOPIC_AUTHORIZATION_FAILED.
     */
    public MetadataHandler(LocalNode node, TopicRegistry topics, boolean autoCreateTopics, KafkaAcls acls) {
        this.node = node;
        this.topics = topics;
        this.autoCreateTopics = autoCreateTopics;
        this.acls = acls;
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
                .setPort(node.advertisedPort(context.securityProtocol())));
        boolean allTopics = data.topics() == null || (context.apiVersion() == 0 && data.topics().isEmpty());
        if (!allTopics && context.apiVersion() < 12 && data.topics().stream()
                .anyMatch(topic -> topic.name() == null || TopicIds.byId(topic.topicId()))) {
            return CompletableFuture.completedFuture(invalidBeforeTopicIds(data));
        }
        if (allTopics) {
            for (Topic topic : topics.topics()) {
                if (acls.allowedQuietly(context, Operation.DESCRIBE, ResourceType.TOPIC, topic.name())) {
                    response.topics().add(describe(topic));
                }
            }
            return CompletableFuture.completedFuture(withAuthorizedOperations(context, data, response));
        }
        boolean mayCreate = autoCreateTopics && topics.defaults().autoCreateTopics()
                && (context.apiVersion() < 4 || data.allowAutoTopicCreation());
        List<CompletableFuture<?>> creations = new ArrayList<>();
        for (MetadataRequestTopic requested : data.topics()) {
            Optional<Topic> topic = TopicIds.find(topics, requested.name(), requested.topicId());
            String name = topic.map(Topic::name).orElse(requested.name());
            if (name != null && !acls.allowed(context, Operation.DESCRIBE, ResourceType.TOPIC, name)) {
                // By id: the name stays unsaid, as Kafka leaves it out for a topic the user may not see.
                response.topics().add(new MetadataResponseTopic().setName(requested.name())
                        .setTopicId(requested.topicId()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
            } else if (topic.isPresent()) {
                response.topics().add(describe(topic.get()));
            } else if (TopicIds.byId(requested.topicId())) {
                // No name, as Kafka answers (the field is nullable from v12, which ids need).
                response.topics().add(new MetadataResponseTopic().setName(null).setTopicId(requested.topicId())
                        .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
            } else if (requested.name() != null && !Topic.isLegalName(requested.name())) {
                // As Kafka: a name no topic can have, whether or not it may be created.
                response.topics().add(new MetadataResponseTopic().setName(requested.name())
                        .setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code()));
            } else if (requested.name() != null && Topic.isInternalName(requested.name())) {
                // Kafka's bookkeeping topics, whose contents Ferry keeps in logs of its own: never made by a
                // Metadata request, and refused as a producer writing to Kafka's finds its records refused
                // (InvalidTopicException), not left waiting for a topic that never comes.
                response.topics().add(new MetadataResponseTopic().setName(requested.name())
                        .setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code()));
            } else if (mayCreate && requested.name() != null
                    && !acls.allowedOnClusterQuietly(context, Operation.CREATE)
                    && !acls.allowed(context, Operation.CREATE, ResourceType.TOPIC, requested.name())) {
                response.topics().add(new MetadataResponseTopic().setName(requested.name())
                        .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
            } else if (mayCreate && requested.name() != null) {
                MetadataResponseTopic answer = new MetadataResponseTopic().setName(requested.name());
                response.topics().add(answer);
                creations.add(autoCreate(requested.name()).handle((created, error) -> {
                    if (error == null) {
                        fill(answer, created);
                    } else {
                        answer.setErrorCode(KafkaErrors.of(error).code());
                    }
                    return null;
                }));
            } else {
                response.topics().add(new MetadataResponseTopic().setName(requested.name())
                        .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
            }
        }
        return CompletableFuture.allOf(creations.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> withAuthorizedOperations(context, data, response));
    }

    /**
     * When asked: what the client may do with each topic answered (as Kafka 4.3.1, also a topic that
     * does not exist; not one it may not describe, or one without a name) and, before v11, with the
     * cluster.
     */
    private MetadataResponseData withAuthorizedOperations(RequestContext context, MetadataRequestData data,
                                                          MetadataResponseData response) {
        if (data.includeTopicAuthorizedOperations()) {
            for (MetadataResponseTopic topic : response.topics()) {
                if (topic.name() != null && topic.errorCode() != Errors.TOPIC_AUTHORIZATION_FAILED.code()) {
                    topic.setTopicAuthorizedOperations(acls.authorizedOperations(context, ResourceType.TOPIC, topic.name()));
                }
            }
        }
        if (data.includeClusterAuthorizedOperations() && context.apiVersion() >= 8 && context.apiVersion() <= 10) {
            response.setClusterAuthorizedOperations(acls.authorizedOperations(context, ResourceType.CLUSTER,
                    AclBinding.CLUSTER_NAME));
        }
        return response;
    }

    /**
     * Versions 10 and 11 carry a topic id and a nullable name in the request but take neither an id
     * nor a missing name: Kafka refuses such a request with INVALID_REQUEST on every topic it named
     * (a missing name answered as "", which the response's version cannot leave out), and so do we.
     */
    private static MetadataResponseData invalidBeforeTopicIds(MetadataRequestData data) {
        MetadataResponseData response = new MetadataResponseData();
        for (MetadataRequestTopic requested : data.topics()) {
            response.topics().add(new MetadataResponseTopic().setName(requested.name() == null ? "" : requested.name())
                    .setTopicId(requested.topicId()).setErrorCode(Errors.INVALID_REQUEST.code()));
        }
        return response;
    }

    /** Creates a topic with the defaults; another client creating it first is no failure. */
    private CompletableFuture<Topic> autoCreate(String name) {
        CompletableFuture<Topic> created;
        try {
            created = topics.create(name, topics.defaults().numPartitions(), java.util.Map.of());
        } catch (RuntimeException e) {
            created = CompletableFuture.failedFuture(e);
        }
        return created.exceptionallyCompose(error -> {
            Throwable cause = KafkaErrors.unwrap(error);
            Optional<Topic> existing = topics.topic(name);
            if (cause instanceof BrokerException refused && refused.errorCode() == ErrorCode.TOPIC_ALREADY_EXISTS
                    && existing.isPresent()) {
                return CompletableFuture.completedFuture(existing.get());
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    private MetadataResponseTopic describe(Topic topic) {
        MetadataResponseTopic answer = new MetadataResponseTopic().setName(topic.name());
        fill(answer, topic);
        return answer;
    }

    private void fill(MetadataResponseTopic answer, Topic topic) {
        answer.setTopicId(TopicIds.toKafka(topic.id())).setIsInternal(topic.isInternal()).setErrorCode(Errors.NONE.code());
        List<Integer> replicas = List.of(node.nodeId());
        for (Partition partition : topic.partitions()) {
            answer.partitions().add(new MetadataResponsePartition().setPartitionIndex(partition.index())
                    .setLeaderId(node.nodeId()).setLeaderEpoch(partition.leaderEpoch())
                    .setReplicaNodes(replicas).setIsrNodes(replicas).setOfflineReplicas(List.of()));
        }
    }
}
