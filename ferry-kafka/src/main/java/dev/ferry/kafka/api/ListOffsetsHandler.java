package dev.ferry.kafka.api;

import dev.ferry.access.AclBinding.Operation;
import dev.ferry.access.AclBinding.ResourceType;
import dev.ferry.group.PartitionRef;
import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.log.LogSlice;
import dev.ferry.stream.Partition;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/**
 * ListOffsets: the log start (earliest, -2; earliest local, -4), the latest (-1: what a consumer can
 * read: the high watermark, or under {@code read_committed} the last stable offset), the
 * first offset at or after a timestamp, and the record with the largest timestamp (-3).
 *
 * <p>By timestamp uses the partition's time index; the record's own timestamp is read from its batch.
 * The largest timestamp is found by scanning the batch headers of the whole partition (no per-
 * segment maximum is kept yet), which costs one pass over the log's bytes.
 */
public final class ListOffsetsHandler implements ApiHandler {
    static final long LATEST = -1;
    static final long EARLIEST = -2;
    static final long MAX_TIMESTAMP = -3;
    static final long EARLIEST_LOCAL = -4;
    static final long LATEST_TIERED = -5;
    /** The lowest special timestamp Kafka 4.3 knows. */
    static final long EARLIEST_PENDING_UPLOAD = -6;
    private static final int SCAN_BYTES = 1024 * 1024;

    private final TopicRegistry topics;
    private final KafkaAcls acls;

    public ListOffsetsHandler(TopicRegistry topics) {
        this(topics, KafkaAcls.ALLOW_ALL);
    }

    /** With ACLs: a topic the user may not DESCRIBE gets TOPIC_AUTHORIZATION_FAILED on each of its partitions. */
    public ListOffsetsHandler(TopicRegistry topics, KafkaAcls acls) {
        this.topics = topics;
        this.acls = acls;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_OFFSETS;
    }

    @Override
    public short oldestVersion() {
        return 1;
    }

    @Override
    public short latestVersion() {
        return 11;
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, ApiMessage request) {
        ListOffsetsRequestData data = (ListOffsetsRequestData) request;
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        Set<PartitionRef> duplicated = duplicatedPartitions(data);
        for (ListOffsetsTopic requestTopic : data.topics()) {
            ListOffsetsTopicResponse topicResponse = new ListOffsetsTopicResponse().setName(requestTopic.name());
            response.topics().add(topicResponse);
            Optional<Topic> topic = topics.topic(requestTopic.name());
            boolean mayDescribe = acls.allowed(context, Operation.DESCRIBE, ResourceType.TOPIC, requestTopic.name());
            for (ListOffsetsPartition requested : requestTopic.partitions()) {
                ListOffsetsPartitionResponse answer = new ListOffsetsPartitionResponse()
                        .setPartitionIndex(requested.partitionIndex()).setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
                topicResponse.partitions().add(answer);
                if (!duplicated.isEmpty() && duplicated.contains(new PartitionRef(requestTopic.name(), requested.partitionIndex()))) {
                    // As Kafka: a partition asked for twice is answered neither time.
                    answer.setErrorCode(Errors.INVALID_REQUEST.code());
                    continue;
                }
                if (!mayDescribe) {
                    answer.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    continue;
                }
                if (topic.isEmpty() || requested.partitionIndex() < 0
                        || requested.partitionIndex() >= topic.get().partitionCount()) {
                    answer.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    continue;
                }
                Partition partition = topic.get().partition(requested.partitionIndex());
                Errors epochError = LeaderEpochs.check(requested.currentLeaderEpoch(), partition.leaderEpoch());
                if (epochError != Errors.NONE) {
                    answer.setErrorCode(epochError.code());
                    continue;
                }
                if (context.apiVersion() < firstVersionFor(requested.timestamp())) {
                    // As Kafka 4.3.1: a special timestamp the request's version (or any) does not know.
                    answer.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
                    continue;
                }
                try {
                    answer(partition, requested.timestamp(), data.isolationLevel() == FetchHandler.READ_COMMITTED,
                            answer);
                    if (context.apiVersion() < 4) {
                        answer.setLeaderEpoch(-1); // not in the response before v4
                    }
                } catch (RuntimeException e) {
                    answer.setErrorCode(KafkaErrors.of(e).code()).setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
                }
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    /** The partitions the request names more than once; empty for the usual request. */
    private static Set<PartitionRef> duplicatedPartitions(ListOffsetsRequestData data) {
        int count = 0;
        for (ListOffsetsTopic topic : data.topics()) {
            count += topic.partitions().size();
        }
        if (count < 2) {
            return Set.of();
        }
        Set<PartitionRef> seen = new HashSet<>();
        Set<PartitionRef> duplicated = new HashSet<>();
        for (ListOffsetsTopic topic : data.topics()) {
            for (ListOffsetsPartition partition : topic.partitions()) {
                PartitionRef key = new PartitionRef(topic.name(), partition.partitionIndex());
                if (!seen.add(key)) {
                    duplicated.add(key);
                }
            }
        }
        return duplicated;
    }

    /**
     * The first ListOffsets version that knows {@code timestamp}: -3 came with v7, -4 with v8, -5
     * with v9 and -6 with v11 (each answered UNSUPPORTED_VERSION below it by Kafka 4.3.1); a timestamp
     * under -6 with none.
     */
    static int firstVersionFor(long timestamp) {
        if (timestamp >= EARLIEST) {
            return 0;
        }
        if (timestamp == MAX_TIMESTAMP) {
            return 7;
        }
        if (timestamp == EARLIEST_LOCAL) {
            return 8;
        }
        if (timestamp == LATEST_TIERED) {
            return 9;
        }
        return timestamp == EARLIEST_PENDING_UPLOAD ? 11 : Integer.MAX_VALUE;
    }

    private static void answer(Partition partition, long timestamp, boolean readCommitted,
                               ListOffsetsPartitionResponse answer) {
        if (timestamp == EARLIEST || timestamp == EARLIEST_LOCAL) {
            answer.setOffset(partition.logStartOffset()).setLeaderEpoch(partition.leaderEpoch());
        } else if (timestamp == LATEST) {
            answer.setOffset(readCommitted ? partition.lastStableOffset() : partition.highWatermark())
                    .setLeaderEpoch(partition.leaderEpoch());
        } else if (timestamp == MAX_TIMESTAMP) {
            maxTimestamp(partition, answer);
        } else if (timestamp >= 0) {
            long offset = partition.offsetForTimestamp(timestamp);
            if (offset >= 0) {
                Record record = recordAt(partition, offset);
                answer.setOffset(offset).setTimestamp(record == null ? -1 : record.timestamp())
                        .setLeaderEpoch(partition.leaderEpoch());
            }
        } else {
            // -5 (latest tiered) and -6 (earliest pending upload): Ferry has no tiered storage, so no such offset.
            answer.setOffset(-1);
        }
    }

    private static Record recordAt(Partition partition, long offset) {
        LogSlice slice = partition.read(offset, 1);
        for (Record record : slice.readRecords()) {
            if (record.offset() >= offset) {
                return record;
            }
        }
        return null;
    }

    /** Scans the batch headers below the high watermark for the largest timestamp; the first record holding it wins. */
    private static void maxTimestamp(Partition partition, ListOffsetsPartitionResponse answer) {
        long highWatermark = partition.highWatermark();
        long offset = partition.logStartOffset();
        long bestTimestamp = -1;
        long bestBatchBase = -1;
        while (offset < highWatermark) {
            LogSlice slice = partition.read(offset, SCAN_BYTES);
            if (slice.isEmpty()) {
                break;
            }
            long next = offset;
            for (MutableRecordBatch batch : MemoryRecords.readableRecords(slice.readBytes()).batches()) {
                if (batch.lastOffset() >= offset && batch.maxTimestamp() > bestTimestamp) {
                    bestTimestamp = batch.maxTimestamp();
                    bestBatchBase = batch.baseOffset();
                }
                next = Math.max(next, batch.lastOffset() + 1);
            }
            if (next == offset) {
                break;
            }
            offset = next;
        }
        if (bestBatchBase < 0) {
            return;
        }
        for (Record record : partition.read(Math.max(bestBatchBase, partition.logStartOffset()), 1).readRecords()) {
            if (record.timestamp() == bestTimestamp) {
                answer.setOffset(record.offset()).setTimestamp(bestTimestamp).setLeaderEpoch(partition.leaderEpoch());
                return;
            }
        }
    }
}
