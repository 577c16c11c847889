package dev.ferry.kafka.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData.ForgottenTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The session cache on its own, with the clock in the test's hands: Kafka's lookup, epoch and eviction rules. */
class FetchSessionCacheTest {
    static final Uuid TOPIC = Uuid.randomUuid();
    private static final long EVICTION_MS = 1_000;

    @Test
    void shouldRefuseAnUnknownIdAndAWrongEpochButKeepTheSession() {
        FetchSessionCache cache = new FetchSessionCache(10, EVICTION_MS);
        int id = cache.create(0, true, request(0, 1), answer(0, 1));
        assertThat(id).isNotZero();
        assertThat(cache.incremental(id + 1, 1, true, List.of(), List.of(), 1).error())
                .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        assertThat(cache.incremental(id, 2, true, List.of(), List.of(), 1).error())
                .isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
        assertThat(cache.incremental(id, 1, false, List.of(), List.of(), 1).error())
                .isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
        FetchSessionCache.Incremental next = cache.incremental(id, 1, true, List.of(), List.of(), 1);
        assertThat(next.error()).isEqualTo(Errors.NONE);
        assertThat(next.session().epoch()).isEqualTo(2);
        assertThat(cache.incremental(id, 1, true, List.of(), List.of(), 2).error())
                .isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
        assertThat(cache.incrementalFetches()).isEqualTo(1);
    }

    @Test
    void shouldDropASessionWhoseLastPartitionIsForgotten() {
        FetchSessionCache cache = new FetchSessionCache(10, EVICTION_MS);
        int id = cache.create(0, true, request(0, 1), answer(0, 1));
        FetchSessionCache.Incremental forgetting = cache.incremental(id, 1, true, List.of(),
                List.of(new ForgottenTopic().setTopicId(TOPIC).setPartitions(List.of(0, 1))), 1);
        assertThat(forgetting.error()).isEqualTo(Errors.NONE);
        assertThat(forgetting.session()).isNull();
        assertThat(cache.size()).isZero();
    }

    @Test
    void shouldMakeNoSessionWhenFullOfYoungOnes() {
        FetchSessionCache cache = new FetchSessionCache(2, EVICTION_MS);
        assertThat(cache.create(0, true, request(0), answer(0))).isNotZero();
        assertThat(cache.create(0, true, request(0), answer(0))).isNotZero();
        assertThat(cache.create(500, true, request(0, 1, 2), answer(0, 1, 2))).isZero();
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.evictions()).isZero();
    }

    @Test
    void shouldEvictTheLeastRecentlyUsedSessionOnceIdleForTheEvictionTime() {
        FetchSessionCache cache = new FetchSessionCache(2, EVICTION_MS);
        int idle = cache.create(0, true, request(0), answer(0));
        int busy = cache.create(0, true, request(0), answer(0));
        assertThat(cache.incremental(busy, 1, true, List.of(), List.of(), 900).error()).isEqualTo(Errors.NONE);
        assertThat(cache.create(1_001, true, request(0), answer(0))).isNotZero();
        assertThat(cache.incremental(idle, 1, true, List.of(), List.of(), 1_002).error())
                .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        assertThat(cache.incremental(busy, 2, true, List.of(), List.of(), 1_002).error()).isEqualTo(Errors.NONE);
        assertThat(cache.evictions()).isEqualTo(1);
    }

    @Test
    void shouldEvictAnOldSmallerSessionOnlyForABiggerOne() {
        FetchSessionCache cache = new FetchSessionCache(2, EVICTION_MS);
        int small = cache.create(0, true, request(0), answer(0));
        int large = cache.create(0, true, request(0, 1, 2), answer(0, 1, 2));
        // Both used after the eviction time has passed since they were made: both may now be evicted for bigger ones.
        cache.incremental(small, 1, true, List.of(), List.of(), 1_500);
        cache.incremental(large, 1, true, List.of(), List.of(), 1_500);
        assertThat(cache.create(1_600, true, request(0), answer(0))).as("no bigger than the smallest").isZero();
        int bigger = cache.create(1_600, true, request(0, 1), answer(0, 1));
        assertThat(bigger).isNotZero();
        assertThat(cache.incremental(small, 2, true, List.of(), List.of(), 1_700).error())
                .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        assertThat(cache.incremental(large, 2, true, List.of(), List.of(), 1_700).error()).isEqualTo(Errors.NONE);
    }

    @Test
    void shouldKeepNoSessionWithNoSlots() {
        FetchSessionCache cache = new FetchSessionCache(0, EVICTION_MS);
        assertThat(cache.create(0, true, request(0), answer(0))).isZero();
    }

    @Test
    void shouldAddAndForgetPartitionsAndRotateThoseWithRecords() {
        FetchSessionCache cache = new FetchSessionCache(10, EVICTION_MS);
        int id = cache.create(0, true, request(0, 1), answer(0, 1));
        FetchSession session = cache.incremental(id, 1, true, request(2), List.of(
                new ForgottenTopic().setTopicId(TOPIC).setPartitions(List.of(0))), 1).session();
        assertThat(partitions(session.toFetch())).containsExactly(1, 2);

        FetchResponseData answer = answer(1, 2);
        answer.responses().get(0).partitions().get(0).setRecords(
                org.apache.kafka.common.record.internal.MemoryRecords.withRecords(
                        org.apache.kafka.common.compress.Compression.NONE,
                        new org.apache.kafka.common.record.internal.SimpleRecord("x".getBytes())));
        session.keepIncremental(answer);
        // 1 had records, 2 was new: both reported; 1 goes to the back.
        assertThat(answer.responses().get(0).partitions()).extracting(PartitionData::partitionIndex).containsExactly(1, 2);
        assertThat(partitions(session.toFetch())).containsExactly(2, 1);
    }

    static List<FetchTopic> request(int... partitions) {
        FetchTopic topic = new FetchTopic().setTopicId(TOPIC);
        for (int partition : partitions) {
            topic.partitions().add(new FetchPartition().setPartition(partition).setFetchOffset(0).setPartitionMaxBytes(100));
        }
        return new ArrayList<>(List.of(topic));
    }

    static FetchResponseData answer(int... partitions) {
        FetchableTopicResponse topic = new FetchableTopicResponse().setTopicId(TOPIC);
        for (int partition : partitions) {
            topic.partitions().add(new PartitionData().setPartitionIndex(partition).setHighWatermark(5)
                    .setLastStableOffset(5).setLogStartOffset(0));
        }
        FetchResponseData answer = new FetchResponseData();
        answer.responses().add(topic);
        return answer;
    }

    private static List<Integer> partitions(List<FetchTopic> topics) {
        return topics.stream().flatMap(topic -> topic.partitions().stream()).map(FetchPartition::partition).toList();
    }
}
