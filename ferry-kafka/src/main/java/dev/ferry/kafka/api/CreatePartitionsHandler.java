package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * CreatePartitions: raises a topic's partition count through {@link TopicRegistry#createPartitions}
 * (recorded durably before the answer); a count that is not higher is INVALID_PARTITIONS. Explicit
 * assignments are taken when there is one per new partition and each names this node alone.
 */
public final class CreatePartitionsHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final LocalNode node;
    private final KafkaAcls acls;

    public CreatePartitionsHandler(TopicRegistry topics, LocalNode node) {
        this(topics, node, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: adding partitions needs ALTER on the topic, else TOPIC_AUTHORIZATION_FAILED. */
    public CreatePartitionsHandler(TopicRegistry topics, LocalNode node, KafkaAcls acls) {
        this.topics = topics;
        this.node = node;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_PARTITIONS;
    }

    @Override
    public short oldestVersion() {
        return 0;
    }

    @Override
    public short latestVersion() {
        return 3;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        CreatePartitionsRequestData data = (CreatePartitionsRequestData) request;
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        Map<String, Integer> seen = new HashMap<>();
        for (CreatePartitionsTopic topic : data.topics()) {
            seen.merge(topic.name(), 1, Integer::sum);
        }
        List<CompletableFuture<?>> growths = new ArrayList<>();
        Set<String> answeredDuplicates = new HashSet<>();
        for (CreatePartitionsTopic requested : data.topics()) {
            if (seen.get(requested.name()) > 1) {
                // As Kafka: one answer for a topic named more than once.
                if (answeredDuplicates.add(requested.name())) {
                    CreatePartitionsTopicResult duplicate = new CreatePartitionsTopicResult().setName(requested.name());
                    response.results().add(duplicate);
                    fail(duplicate, Errors.INVALID_REQUEST, "Duplicate topic name.");
                }
                continue;
            }
            CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(requested.name());
            response.results().add(result);
            if (!acls.allowed(context, Operation.ALTER, ResourceType.TOPIC, requested.name())) {
                fail(result, Errors.TOPIC_AUTHORIZATION_FAILED, Errors.TOPIC_AUTHORIZATION_FAILED.message());
                continue;
            }
            Optional<Topic> topic = topics.topic(requested.name());
            if (topic.isEmpty()) {
                fail(result, Errors.UNKNOWN_TOPIC_OR_PARTITION, null); // no text, as Kafka
                continue;
            }
            int current = topic.get().partitionCount();
            if (requested.count() <= current) {
                fail(result, Errors.INVALID_PARTITIONS, TopicRegistry.notAnIncrease(requested.name(), current,
                        requested.count()));
                continue;
            }
            String assignmentProblem = assignmentProblem(requested, current);
            if (assignmentProblem != null) {
                fail(result, Errors.INVALID_REPLICA_ASSIGNMENT, assignmentProblem);
                continue;
            }
            if (data.validateOnly()) {
                continue;
            }
            CompletableFuture<Topic> grown;
            try {
                grown = topics.createPartitions(requested.name(), requested.count());
            } catch (RuntimeException e) {
                grown = CompletableFuture.failedFuture(e);
            }
            growths.add(grown.handle((ignored, error) -> {
                if (error != null) {
                    fail(result, KafkaErrors.of(error), KafkaErrors.message(error));
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(growths.toArray(CompletableFuture[]::new)).thenApply(ignored -> response);
    }

    private String assignmentProblem(CreatePartitionsTopic requested, int current) {
        if (requested.assignments() == null) {
            return null;
        }
        int added = requested.count() - current;
        if (requested.assignments().size() != added) {
            return "increasing the partition count by " + added + " needs " + added + " assignments, got "
                    + requested.assignments().size();
        }
        for (CreatePartitionsAssignment assignment : requested.assignments()) {
            if (!assignment.brokerIds().equals(List.of(node.nodeId()))) {
                return "a new partition is assigned to " + assignment.brokerIds() + "; this cluster has the one node "
                        + node.nodeId();
            }
        }
        return null;
    }

    private static void fail(CreatePartitionsTopicResult result, Errors error, String message) {
        result.setErrorCode(error.code()).setErrorMessage(message);
    }
}
