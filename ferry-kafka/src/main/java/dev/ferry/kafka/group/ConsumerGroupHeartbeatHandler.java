package dev.ferry.kafka.group;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.GroupCoordinator;
import dev.ferry.group.GroupResult.ConsumerHeartbeatResult;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.api.ApiHandler;
import dev.ferry.kafka.api.RequestContext;
import dev.ferry.kafka.api.TopicIds;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;

/**
 * ConsumerGroupHeartbeat (API 68), Kafka's consumer protocol (KIP-848, {@code group.protocol=consumer}):
 * the request is checked as Kafka checks it (INVALID_REQUEST with its texts), topic ids are turned
 * into names for the coordinator and the assignment's names back into ids.
 */
public final class ConsumerGroupHeartbeatHandler implements ApiHandler {
    private final GroupCoordinator coordinator;
    private final TopicRegistry topics;
    private final KafkaAcls acls;

    public ConsumerGroupHeartbeatHandler(GroupCoordinator coordinator, TopicRegistry topics, KafkaAcls acls) {
        this.coordinator = coordinator;
        this.topics = topics;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CONSUMER_GROUP_HEARTBEAT;
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
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage message) {
        ConsumerGroupHeartbeatRequestData request = (ConsumerGroupHeartbeatRequestData) message;
        String invalid = invalidReason(request, context.apiVersion());
        if (invalid != null) {
            return answer(Errors.INVALID_REQUEST, invalid);
        }
        if (!acls.allowed(context, Operation.READ, ResourceType.GROUP, request.groupId())) {
            return answer(Errors.GROUP_AUTHORIZATION_FAILED, null);
        }
        if (request.subscribedTopicNames() != null) {
            for (String topic : request.subscribedTopicNames()) {
                if (!acls.allowedQuietly(context, Operation.DESCRIBE, ResourceType.TOPIC, topic)) {
                    return answer(Errors.TOPIC_AUTHORIZATION_FAILED, null);
                }
            }
        }
        // v0 lets the broker name a joining member; from v1 the client always does.
        String memberId = request.memberId().isEmpty() ? UUID.randomUUID().toString() : request.memberId();
        SortedMap<String, Integer> partitionCounts = PartitionCounts.of(topics);
        String clientId = context.clientId() == null ? "" : context.clientId();
        return coordinator.consumerHeartbeat(request.groupId(), memberId, request.memberEpoch(),
                        request.instanceId(), request.rackId(), request.rebalanceTimeoutMs(),
                        request.subscribedTopicNames(), request.subscribedTopicRegex(), request.serverAssignor(),
                        owned(request.topicPartitions()), clientId, ClientHost.of(context.connection()),
                        partitionCounts)
                .thenApply(this::response);
    }

    /** Kafka's checks of a heartbeat's fields, in its order and words; null when it passes. */
    static String invalidReason(ConsumerGroupHeartbeatRequestData request, short version) {
        if (request.groupId() == null || request.groupId().isEmpty()) {
            return "GroupId can't be empty.";
        }
        if (request.instanceId() != null && request.instanceId().isEmpty()) {
            return "InstanceId can't be empty.";
        }
        if (request.rackId() != null && request.rackId().isEmpty()) {
            return "RackId can't be empty.";
        }
        if (version >= 1 && request.memberId().isEmpty()) {
            return "MemberId can't be empty.";
        }
        if (request.memberEpoch() == 0) {
            if (request.rebalanceTimeoutMs() == -1) {
                return "RebalanceTimeoutMs must be provided in first request.";
            }
            if (request.topicPartitions() == null || !request.topicPartitions().isEmpty()) {
                return "TopicPartitions must be empty when (re-)joining.";
            }
            if (request.subscribedTopicNames() == null && request.subscribedTopicRegex() == null) {
                return "Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.";
            }
        } else if (request.memberEpoch() == -2) {
            if (request.instanceId() == null) {
                return "InstanceId can't be null.";
            }
        } else if (request.memberEpoch() < -2) {
            return "MemberEpoch is invalid.";
        }
        if (request.memberEpoch() != 0 && request.memberId().isEmpty()) {
            return "MemberId can't be empty.";
        }
        return null;
    }

    /** What the member says it owns, by topic name; partitions of topics that no longer exist are left out. */
    private List<PartitionRef> owned(List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned) {
        if (owned == null) {
            return null;
        }
        List<PartitionRef> partitions = new ArrayList<>();
        for (ConsumerGroupHeartbeatRequestData.TopicPartitions topic : owned) {
            topics.topic(TopicIds.toFerry(topic.topicId())).ifPresent(found -> {
                for (int partition : topic.partitions()) {
                    partitions.add(new PartitionRef(found.name(), partition));
                }
            });
        }
        return partitions;
    }

    private ApiMessage response(ConsumerHeartbeatResult result) {
        if (result.error() != null) {
            // As Kafka 4.3.1 answers a refusal: no member id, epoch 0, no interval.
            return new ConsumerGroupHeartbeatResponseData().setErrorCode(GroupErrors.code(result.error()))
                    .setErrorMessage(result.errorMessage());
        }
        ConsumerGroupHeartbeatResponseData response = new ConsumerGroupHeartbeatResponseData()
                .setMemberId(result.memberId())
                .setMemberEpoch(result.memberEpoch())
                .setHeartbeatIntervalMs(result.heartbeatIntervalMs());
        if (result.assignment() != null) {
            List<ConsumerGroupHeartbeatResponseData.TopicPartitions> assigned = new ArrayList<>();
            for (Map.Entry<String, List<Integer>> topic : partitionsByTopic(result.assignment()).entrySet()) {
                topics.topic(topic.getKey()).ifPresent(found -> assigned.add(
                        new ConsumerGroupHeartbeatResponseData.TopicPartitions()
                                .setTopicId(TopicIds.toKafka(found.id()))
                                .setPartitions(topic.getValue())));
            }
            response.setAssignment(new ConsumerGroupHeartbeatResponseData.Assignment().setTopicPartitions(assigned));
        }
        return response;
    }

    /** Partition numbers by topic, topics in the order they first appear: how the consumer protocol's answers list them. */
    static Map<String, List<Integer>> partitionsByTopic(List<PartitionRef> partitions) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        for (PartitionRef partition : partitions) {
            byTopic.computeIfAbsent(partition.topic(), topic -> new ArrayList<>()).add(partition.partition());
        }
        return byTopic;
    }

    private static CompletionStage<ApiMessage> answer(Errors error, String message) {
        return CompletableFuture.completedFuture(new ConsumerGroupHeartbeatResponseData()
                .setErrorCode(error.code()).setErrorMessage(message));
    }
}
