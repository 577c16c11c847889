package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData.TopicPartitions;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ElectLeaders ({@code kafka-leader-election}, {@code Admin.electLeaders}): on one node every
 * partition has one replica, this node, which is always its leader, so there is never anyone else
 * to elect, preferred or unclean. Each named partition that exists is answered
 * ELECTION_NOT_NEEDED (the tool prints it as "Valid replica already elected"), one that does not
 * UNKNOWN_TOPIC_OR_PARTITION with the texts Kafka 4.3.1's controller gives. Asked for every
 * partition (a null list), Kafka lists each topic with no partition results, since it leaves out
 * the partitions that needed no election; so does this. Partitions are answered in the order and
 * as often as they are named, as Kafka does.
 */
public final class ElectLeadersHandler implements ApiHandler {
    private static final byte PREFERRED = 0;
    private static final byte UNCLEAN = 1;

    private final TopicRegistry topics;
    private final KafkaAcls acls;

    public ElectLeadersHandler(TopicRegistry topics) {
        this(topics, KafkaAcls.ALLOW_ALL);
    }

    /**
     * With ACLs: an election needs ALTER on the cluster, as in Kafka; without it the top-level error
     * (v1+) and every named partition are CLUSTER_AUTHORIZATION_FAILED.
     */
    public ElectLeadersHandler(TopicRegistry topics, KafkaAcls acls) {
        this.topics = topics;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ELECT_LEADERS;
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
        ElectLeadersRequestData data = (ElectLeadersRequestData) request;
        ElectLeadersResponseData response = new ElectLeadersResponseData();
        if (!acls.allowedOnCluster(context, Operation.ALTER)) {
            return CompletableFuture.completedFuture(refused(context, data, response, Errors.CLUSTER_AUTHORIZATION_FAILED,
                    Errors.CLUSTER_AUTHORIZATION_FAILED.message()));
        }
        // v0 has no election type and means preferred; the field reads 0 there.
        if (data.electionType() != PREFERRED && data.electionType() != UNCLEAN) {
            return CompletableFuture.completedFuture(refused(context, data, response, Errors.INVALID_REQUEST,
                    "Unknown election type " + data.electionType()));
        }
        if (data.topicPartitions() == null) {
            topics.topics().stream().map(Topic::name).sorted(Comparator.naturalOrder()).forEach(name ->
                    response.replicaElectionResults().add(new ReplicaElectionResult().setTopic(name)));
            return CompletableFuture.completedFuture(response);
        }
        for (TopicPartitions requested : data.topicPartitions()) {
            ReplicaElectionResult result = new ReplicaElectionResult().setTopic(requested.topic());
            response.replicaElectionResults().add(result);
            Optional<Topic> topic = topics.topic(requested.topic());
            for (int partition : requested.partitions()) {
                PartitionResult partitionResult = new PartitionResult().setPartitionId(partition);
                result.partitionResult().add(partitionResult);
                if (topic.isEmpty()) {
                    partitionResult.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("No such topic as " + requested.topic());
                } else if (partition < 0 || partition >= topic.get().partitionCount()) {
                    partitionResult.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("No such partition as " + requested.topic() + "-" + partition);
                } else {
                    partitionResult.setErrorCode(Errors.ELECTION_NOT_NEEDED.code())
                            .setErrorMessage(Errors.ELECTION_NOT_NEEDED.message());
                }
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    /**
     * A request refused whole: the error at the top (v1+: v0 has no such field) and on every named
     * partition, so that a client reading either sees it.
     */
    private static ElectLeadersResponseData refused(RequestContext context, ElectLeadersRequestData data,
                                                    ElectLeadersResponseData response, Errors error, String message) {
        if (context.apiVersion() >= 1) {
            response.setErrorCode(error.code());
        }
        if (data.topicPartitions() != null) {
            for (TopicPartitions requested : data.topicPartitions()) {
                ReplicaElectionResult result = new ReplicaElectionResult().setTopic(requested.topic());
                response.replicaElectionResults().add(result);
                for (int partition : requested.partitions()) {
                    result.partitionResult().add(new PartitionResult().setPartitionId(partition)
                            .setErrorCode(error.code()).setErrorMessage(message));
                }
            }
        }
        return response;
    }
}
