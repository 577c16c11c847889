package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Partition;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetForLeaderEpoch (KIP-320): where a leader epoch's records end, so that a consumer whose
 * position came from an older epoch can tell whether the log it read was truncated since (the
 * Java consumer asks after its metadata shows a new leader epoch, librdkafka after a leader change).
 *
 * <p>A partition of one node has had one leader epoch since it was created, stamped in every batch:
 * that epoch ends at the log end; an older epoch asked for ends where the partition's records start
 * (the answer carries the epoch asked for, as Kafka's does for an epoch before its first); a newer
 * one, or -1, is unknown (-1 / -1). When replication brings epoch changes, this reads the partition's
 * epoch history instead.
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler {
    private static final int UNDEFINED_EPOCH = -1;
    private static final long UNDEFINED_OFFSET = -1;

    private final TopicRegistry topics;
    private final KafkaAcls acls;

    public OffsetForLeaderEpochHandler(TopicRegistry topics) {
        this(topics, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: a topic the user may not DESCRIBE gets TOPIC_AUTHORIZATION_FAILED on each of its partitions, as in Kafka. */
    public OffsetForLeaderEpochHandler(TopicRegistry topics, KafkaAcls acls) {
        this.topics = topics;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_FOR_LEADER_EPOCH;
    }

    @Override
    public short oldestVersion() {
        return 2;
    }

    @Override
    public short latestVersion() {
        return 4;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        OffsetForLeaderEpochRequestData data = (OffsetForLeaderEpochRequestData) request;
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderTopic requestTopic : data.topics()) {
            OffsetForLeaderTopicResult topicResult = new OffsetForLeaderTopicResult().setTopic(requestTopic.topic());
            response.topics().add(topicResult);
            Optional<Topic> topic = topics.topic(requestTopic.topic());
            boolean mayDescribe = acls.allowed(context, Operation.DESCRIBE, ResourceType.TOPIC, requestTopic.topic());
            for (OffsetForLeaderPartition requested : requestTopic.partitions()) {
                EpochEndOffset answer = new EpochEndOffset().setPartition(requested.partition())
                        .setLeaderEpoch(UNDEFINED_EPOCH).setEndOffset(UNDEFINED_OFFSET);
                topicResult.partitions().add(answer);
                if (!mayDescribe) {
                    answer.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    continue;
                }
                if (topic.isEmpty() || requested.partition() < 0 || requested.partition() >= topic.get().partitionCount()) {
                    answer.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    continue;
                }
                Partition partition = topic.get().partition(requested.partition());
                Errors epochError = LeaderEpochs.check(requested.currentLeaderEpoch(), partition.leaderEpoch());
                if (epochError != Errors.NONE) {
                    answer.setErrorCode(epochError.code());
                    continue;
                }
                try {
                    endOf(partition, requested.leaderEpoch(), answer);
                } catch (RuntimeException e) {
                    answer.setErrorCode(KafkaErrors.of(e).code()).setLeaderEpoch(UNDEFINED_EPOCH).setEndOffset(UNDEFINED_OFFSET);
                }
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    private static void endOf(Partition partition, int epoch, EpochEndOffset answer) {
        int current = partition.leaderEpoch();
        if (epoch == current) {
            answer.setLeaderEpoch(current).setEndOffset(partition.logEndOffset());
        } else if (epoch >= 0 && epoch < current) {
            answer.setLeaderEpoch(epoch).setEndOffset(partition.logStartOffset());
        }
    }
}
