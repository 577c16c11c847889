package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.kafka.LocalNode;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * AlterPartitionReassignments ({@code kafka-reassign-partitions --execute} and {@code --cancel}):
 * every partition already lives on this node alone, so the only replica list a partition can be
 * given is that one, which is where it already is: accepted (NONE) and complete at once, nothing
 * moves. A cancel (null replicas) finds nothing to cancel, NO_REASSIGNMENT_IN_PROGRESS. Any other
 * list is INVALID_REPLICA_ASSIGNMENT, checked as Kafka 4.3.1's controller checks it and with its
 * texts: an empty list first, then the brokers in ascending order, each one that is not this node
 * unknown and one named twice a duplicate. A missing topic or partition is
 * UNKNOWN_TOPIC_OR_PARTITION before the list is looked at. {@code allow_replication_factor_change}
 * (v1) never matters: the one valid list keeps the factor at 1; it is echoed back, as Kafka does.
 */
public final class AlterPartitionReassignmentsHandler implements ApiHandler {
    private final TopicRegistry topics;
    private final LocalNode node;
    private final KafkaAcls acls;

    public AlterPartitionReassignmentsHandler(TopicRegistry topics, LocalNode node) {
        this(topics, node, KafkaAcls.ALLOW_ALL);
    }

    /**
     * With ACLs: reassigning needs ALTER on the cluster, as in Kafka; without it the top-level error
     * and every partition are CLUSTER_AUTHORIZATION_FAILED.
     */
    public AlterPartitionReassignmentsHandler(TopicRegistry topics, LocalNode node, KafkaAcls acls) {
        this.topics = topics;
        this.node = node;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_PARTITION_REASSIGNMENTS;
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
        AlterPartitionReassignmentsRequestData data = (AlterPartitionReassignmentsRequestData) request;
        AlterPartitionReassignmentsResponseData response = new AlterPartitionReassignmentsResponseData()
                .setErrorMessage(null).setAllowReplicationFactorChange(data.allowReplicationFactorChange());
        boolean allowed = acls.allowedOnCluster(context, Operation.ALTER);
        if (!allowed) {
            response.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                    .setErrorMessage(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
        }
        for (ReassignableTopic requested : data.topics()) {
            ReassignableTopicResponse topicResult = new ReassignableTopicResponse().setName(requested.name());
            response.responses().add(topicResult);
            Optional<Topic> topic = topics.topic(requested.name());
            for (ReassignablePartition partition : requested.partitions()) {
                ReassignablePartitionResponse result = new ReassignablePartitionResponse()
                        .setPartitionIndex(partition.partitionIndex()).setErrorMessage(null);
                topicResult.partitions().add(result);
                if (!allowed) {
                    fail(result, Errors.CLUSTER_AUTHORIZATION_FAILED, Errors.CLUSTER_AUTHORIZATION_FAILED.message());
                } else if (topic.isEmpty()) {
                    fail(result, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find a topic named " + requested.name() + ".");
                } else if (partition.partitionIndex() < 0 || partition.partitionIndex() >= topic.get().partitionCount()) {
                    fail(result, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find partition " + requested.name() + ":"
                            + partition.partitionIndex() + ".");
                } else if (partition.replicas() == null) {
                    // Kafka sends this one without a message.
                    fail(result, Errors.NO_REASSIGNMENT_IN_PROGRESS, null);
                } else {
                    String problem = replicasProblem(partition.replicas());
                    if (problem != null) {
                        fail(result, Errors.INVALID_REPLICA_ASSIGNMENT, problem);
                    }
                }
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    /** Why a replica list is not this node alone, in Kafka's words; null when it is. */
    private String replicasProblem(List<Integer> replicas) {
        if (replicas.isEmpty()) {
            return "The manual partition assignment includes an empty replica list.";
        }
        List<Integer> sorted = new ArrayList<>(replicas);
        sorted.sort(null);
        Integer previous = null;
        for (Integer broker : sorted) {
            if (broker != node.nodeId()) {
                return "The manual partition assignment includes broker " + broker + ", but no such broker is registered.";
            }
            if (broker.equals(previous)) {
                return "The manual partition assignment includes the broker " + broker + " more than once.";
            }
            previous = broker;
        }
        return null;
    }

    private static void fail(ReassignablePartitionResponse result, Errors error, String message) {
        result.setErrorCode(error.code()).setErrorMessage(message);
    }
}
