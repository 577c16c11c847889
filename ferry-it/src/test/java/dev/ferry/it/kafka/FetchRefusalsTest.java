package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What Fetch and ListOffsets answer to positions and partitions a consumer should not ask for, as
 * raw requests: offsets outside the log, partitions and topic ids that do not exist, leader epochs
 * other than the partition's. Every expected answer was first seen from Kafka 4.3.1
 * ({@code -Dferry.it.kafka=HOST:PORT}).
 */
class FetchRefusalsTest extends RawRequestTestBase {
    private static final short FETCH_VERSION = 12;
    private static final short LIST_OFFSETS_VERSION = 7;

    @BeforeEach
    void fillPartitionZero() throws Exception {
        SimpleRecord[] records = new SimpleRecord[3];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(1_000L + i, ("r" + i).getBytes(StandardCharsets.UTF_8));
        }
        TopicProduceDataCollection topics = new TopicProduceDataCollection();
        topics.add(new TopicProduceData().setName(topic).setPartitionData(List.of(new PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.withRecords(Compression.NONE, records)))));
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(topics);
        // Kafka takes a moment after CreateTopics before a new partition takes records (NOT_LEADER_OR_FOLLOWER).
        await().atMost(Duration.ofSeconds(30)).until(() -> raw.exchange(ApiKeys.PRODUCE, (short) 9, request,
                new ProduceResponseData()).responses().iterator().next().partitionResponses().get(0).errorCode() == 0);
    }

    @Test
    void shouldAnswerFetchesOutsideTheLogAsKafkaDoes() throws Exception {
        PartitionData atEnd = fetch(0, 3, -1);
        assertThat(Errors.forCode(atEnd.errorCode())).isEqualTo(Errors.NONE);
        assertThat(atEnd.highWatermark()).isEqualTo(3);
        assertThat(Errors.forCode(fetch(0, 4, -1).errorCode())).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
        assertThat(Errors.forCode(fetch(0, -1, -1).errorCode())).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
        assertThat(Errors.forCode(fetch(7, 0, -1).errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(Errors.forCode(fetch(0, 0, 5).errorCode())).as("a newer leader epoch")
                .isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);

        FetchResponseData unknownId = raw.exchange(ApiKeys.FETCH, (short) 13, request(Uuid.randomUuid(), null, 0, 0, -1),
                new FetchResponseData());
        assertThat(Errors.forCode(unknownId.responses().get(0).partitions().get(0).errorCode()))
                .isEqualTo(Errors.UNKNOWN_TOPIC_ID);
        FetchResponseData unknownName = raw.exchange(ApiKeys.FETCH, FETCH_VERSION,
                request(Uuid.ZERO_UUID, unique("no-such-topic"), 0, 0, -1), new FetchResponseData());
        assertThat(Errors.forCode(unknownName.responses().get(0).partitions().get(0).errorCode()))
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void shouldAnswerListOffsetsAsKafkaDoes() throws Exception {
        assertThat(listOffsets(0, -2, -1).offset()).isZero();
        assertThat(listOffsets(0, -1, -1).offset()).isEqualTo(3);
        ListOffsetsPartitionResponse max = listOffsets(0, -3, -1);
        assertThat(max.offset()).isEqualTo(2);
        assertThat(max.timestamp()).isEqualTo(1_002L);
        ListOffsetsPartitionResponse byTime = listOffsets(0, 1_001L, -1);
        assertThat(byTime.offset()).isEqualTo(1);
        ListOffsetsPartitionResponse afterAll = listOffsets(0, 5_000L, -1);
        assertThat(Errors.forCode(afterAll.errorCode())).isEqualTo(Errors.NONE);
        assertThat(afterAll.offset()).isEqualTo(-1);
        assertThat(afterAll.timestamp()).isEqualTo(-1);
        ListOffsetsPartitionResponse empty = listOffsets(1, -3, -1);
        assertThat(empty.offset()).isEqualTo(-1);
        assertThat(Errors.forCode(listOffsets(7, -1, -1).errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(Errors.forCode(listOffsets(0, -1, 5).errorCode())).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
        // Each special timestamp from the version that brought it: -3 (max timestamp) v7, -4 (earliest
        // local) v8, -5 (latest tiered) v9, -6 (earliest pending upload) v11; -7 never.
        long[] special = {-3, -4, -5, -6};
        int[] since = {7, 8, 9, 11};
        for (int i = 0; i < special.length; i++) {
            assertThat(Errors.forCode(listOffsets(0, special[i], -1, (short) (since[i] - 1)).errorCode()))
                    .as("%d at v%d", special[i], since[i] - 1).isEqualTo(Errors.UNSUPPORTED_VERSION);
            assertThat(Errors.forCode(listOffsets(0, special[i], -1, (short) since[i]).errorCode()))
                    .as("%d at v%d", special[i], since[i]).isEqualTo(Errors.NONE);
        }
        assertThat(listOffsets(0, -4, -1, (short) 8).offset()).isZero();
        assertThat(listOffsets(0, -5, -1, (short) 9).offset()).as("no tiered storage").isEqualTo(-1);
        assertThat(Errors.forCode(listOffsets(0, -7, -1, (short) 11).errorCode())).isEqualTo(Errors.UNSUPPORTED_VERSION);

        // The same partition twice in one request.
        ListOffsetsResponseData twice = raw.exchange(ApiKeys.LIST_OFFSETS, LIST_OFFSETS_VERSION,
                new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(new ListOffsetsTopic().setName(topic)
                        .setPartitions(List.of(new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1),
                                new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-2))))),
                new ListOffsetsResponseData());
        assertThat(twice.topics().get(0).partitions()).extracting(p -> Errors.forCode(p.errorCode()))
                .containsOnly(Errors.INVALID_REQUEST);
    }

    private PartitionData fetch(int partition, long offset, int currentLeaderEpoch) throws Exception {
        FetchResponseData answer = raw.exchange(ApiKeys.FETCH, FETCH_VERSION,
                request(Uuid.ZERO_UUID, topic, partition, offset, currentLeaderEpoch), new FetchResponseData());
        return answer.responses().get(0).partitions().get(0);
    }

    private static FetchRequestData request(Uuid topicId, String name, int partition, long offset,
                                            int currentLeaderEpoch) {
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1)
                .setTopics(List.of(new FetchTopic().setTopic(name).setTopicId(topicId).setPartitions(List.of(
                        new FetchPartition().setPartition(partition).setFetchOffset(offset)
                                .setCurrentLeaderEpoch(currentLeaderEpoch).setPartitionMaxBytes(1 << 20)))));
    }

    private ListOffsetsPartitionResponse listOffsets(int partition, long timestamp, int currentLeaderEpoch)
            throws Exception {
        return listOffsets(partition, timestamp, currentLeaderEpoch, LIST_OFFSETS_VERSION);
    }

    private ListOffsetsPartitionResponse listOffsets(int partition, long timestamp, int currentLeaderEpoch,
                                                     short version) throws Exception {
        ListOffsetsResponseData answer = raw.exchange(ApiKeys.LIST_OFFSETS, version,
                new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(new ListOffsetsTopic().setName(topic)
                        .setPartitions(List.of(new ListOffsetsPartition().setPartitionIndex(partition)
                                .setTimestamp(timestamp).setCurrentLeaderEpoch(currentLeaderEpoch))))),
                new ListOffsetsResponseData());
        return answer.topics().get(0).partitions().get(0);
    }
}
