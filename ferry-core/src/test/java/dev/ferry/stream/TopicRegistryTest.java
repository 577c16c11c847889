package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.await;
import static dev.ferry.stream.StreamTestSupport.batch;
import static dev.ferry.stream.StreamTestSupport.failure;
import static dev.ferry.stream.StreamTestSupport.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

class TopicRegistryTest {
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path data;

    private TopicRegistry registry;

    @AfterEach
    void closeRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    private TopicRegistry open() {
        registry = TopicRegistry.open(data, null, dev.ferry.log.FileHandleCache.processDefault(), 2);
        return registry;
    }

    private TopicRegistry reopen() {
        registry.close();
        return open();
    }

    @Test
    void shouldCreateTopicWithPartitionDirectoriesAndKeepItAcrossRestarts() {
        Topic created = await(open().create("orders", 3, Map.of(TopicConfig.RETENTION_MS, "3600000")));

        assertThat(created.partitionCount()).isEqualTo(3);
        assertThat(data.resolve("topics/orders-0")).isDirectory();
        assertThat(data.resolve("topics/orders-2")).isDirectory();
        Topic reopened = reopen().topic("orders").orElseThrow();
        assertThat(reopened.id()).isEqualTo(created.id());
        assertThat(reopened.partitionCount()).isEqualTo(3);
        assertThat(reopened.config().retentionMs()).isEqualTo(3_600_000L);
        assertThat(registry.topic(created.id())).contains(reopened);
    }

    @Test
    void shouldGiveTopicsTheDefaultsOfTheBrokerTheyAreOpenedIn() {
        registry = TopicRegistry.open(data, null, dev.ferry.log.FileHandleCache.processDefault(), 2,
                dev.ferry.policy.VirtualHostPolicies.NONE, TopicDefaults.of(Map.of("log.retention.ms", "5000")));
        await(registry.create("plain", 1, Map.of()));
        await(registry.create("own", 1, Map.of(TopicConfig.RETENTION_MS, "9000")));
        assertThat(registry.topic("plain").orElseThrow().config().retentionMs()).isEqualTo(5000);
        registry.close();

        // Only overrides are stored: a topic that did not set it follows the broker's default of the day.
        registry = TopicRegistry.open(data, null, dev.ferry.log.FileHandleCache.processDefault(), 2,
                dev.ferry.policy.VirtualHostPolicies.NONE, TopicDefaults.of(Map.of("log.retention.hours", "2")));
        assertThat(registry.topic("plain").orElseThrow().config().retentionMs()).isEqualTo(7_200_000L);
        assertThat(registry.topic("own").orElseThrow().config().retentionMs()).isEqualTo(9000);
        Topic altered = await(registry.alterConfigs("own", java.util.Collections.singletonMap(TopicConfig.RETENTION_MS, null)));
        assertThat(altered.config().retentionMs()).isEqualTo(7_200_000L);
        assertThat(altered.partitions().get(0).config().retentionMs())
                .as("the partition acts on the broker's default").isEqualTo(7_200_000L);
        assertThat(reopen().topic("plain").orElseThrow().config().retentionMs())
                .as("opened without defaults: Kafka's").isEqualTo(604_800_000L);
    }

    @Test
    void shouldRefuseAnExistingNameABadNameAndBadPartitionCounts() {
        await(open().create("orders", 1, Map.of()));

        assertThat(failure(registry.create("orders", 1, Map.of()))).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS);
        assertThat(failure(registry.create("or/ders", 1, Map.of()))).isEqualTo(ErrorCode.INVALID_TOPIC);
        assertThat(failure(registry.create("", 1, Map.of()))).isEqualTo(ErrorCode.INVALID_TOPIC);
        assertThat(failure(registry.create("x".repeat(250), 1, Map.of()))).isEqualTo(ErrorCode.INVALID_TOPIC);
        assertThat(failure(registry.create("zero", 0, Map.of()))).isEqualTo(ErrorCode.INVALID_PARTITIONS);
        assertThat(failure(registry.create("bad", 1, Map.of("retention.ms", "soon")))).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(failure(registry.create("bad", 1, Map.of("no.such.config", "1")))).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(registry.topics()).extracting(Topic::name).containsExactly("orders");
    }

    @Test
    void shouldRefuseANameThatCollidesWithAnotherOnDotAndUnderscore() {
        await(open().create("a_b", 1, Map.of()));

        assertThat(failure(registry.create("a.b", 1, Map.of()))).isEqualTo(ErrorCode.INVALID_TOPIC);
    }

    @Test
    void shouldDeleteTopicAndItsFilesAndGiveARecreatedTopicANewIdAndNoOldRecords() {
        Topic first = await(open().create("events", 1, Map.of()));
        await(first.partition(0).append(batch(NOW, "old"), NOW));

        await(registry.delete("events"));

        assertThat(registry.topic("events")).isEmpty();
        assertThat(data.resolve("topics/events-0")).doesNotExist();
        assertThat(failure(first.partition(0).append(batch(NOW, "late"), NOW)))
                .isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        Topic second = await(registry.create("events", 1, Map.of()));
        assertThat(second.id()).isNotEqualTo(first.id());
        assertThat(second.partition(0).logEndOffset()).isZero();
        assertThat(reopen().topic("events").orElseThrow().id()).isEqualTo(second.id());
        assertThat(failure(registry.delete("nothing"))).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void shouldNotTakeADirectoryOfAnotherTopicIdForItsPartition() throws Exception {
        Topic first = await(open().create("events", 1, Map.of()));
        await(first.partition(0).append(batch(NOW, "old"), NOW));
        registry.close();
        registry = null;
        // A deletion that crashed after recording itself but before its files went: simulate by
        // stamping another topic id into the directory of a re-created topic.
        Path directory = data.resolve("topics/events-0");
        Files.writeString(directory.resolve(Partition.METADATA_FILE), "version: 0\ntopic_id: " + UUID.randomUUID() + "\n");

        Topic reopened = open().topic("events").orElseThrow();

        assertThat(reopened.partition(0).logEndOffset()).isZero();
        try (var children = Files.list(data.resolve("topics"))) {
            assertThat(children.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith("-stray"));
        }
    }

    @Test
    void shouldAddPartitionsDurably() {
        await(open().create("grow", 2, Map.of()));

        Topic grown = await(registry.createPartitions("grow", 5));

        assertThat(grown.partitionCount()).isEqualTo(5);
        assertThat(failure(registry.createPartitions("grow", 5))).isEqualTo(ErrorCode.INVALID_PARTITIONS);
        assertThat(failure(registry.createPartitions("none", 5))).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(reopen().topic("grow").orElseThrow().partitionCount()).isEqualTo(5);
    }

    @Test
    void shouldWakeAReaderOfEveryPartitionWhenTheTopicGrowsOrIsDeleted() {
        Topic topic = await(open().create("watched", 2, Map.of()));
        AtomicInteger grew = new AtomicInteger();
        AtomicInteger withdrawn = new AtomicInteger();
        AtomicInteger deleted = new AtomicInteger();
        AtomicInteger late = new AtomicInteger();

        HighWatermarkWait growth = registry.whenPartitionCountAbove(topic.id(), 2, grew::incrementAndGet);
        HighWatermarkWait cancelled = registry.whenPartitionCountAbove(topic.id(), 2, withdrawn::incrementAndGet);
        assertThat(cancelled.cancel()).isTrue();
        for (int i = 0; i < 1000; i++) {
            registry.whenPartitionCountAbove(topic.id(), 2, withdrawn::incrementAndGet).cancel();
        }
        assertThat(registry.partitionCountWaits(topic.id())).as("withdrawn waits do not pile up").isLessThanOrEqualTo(2);
        assertThat(grew).hasValue(0);
        await(registry.createPartitions("watched", 3));
        assertThat(grew).hasValue(1);
        assertThat(growth.cancel()).as("already ran").isFalse();
        assertThat(withdrawn).hasValue(0);

        registry.whenPartitionCountAbove(topic.id(), 3, deleted::incrementAndGet);
        registry.whenPartitionCountAbove(topic.id(), 2, late::incrementAndGet);
        assertThat(late).as("the count is already above 2").hasValue(1);
        await(registry.delete("watched"));
        assertThat(deleted).hasValue(1);
        AtomicInteger afterDelete = new AtomicInteger();
        registry.whenPartitionCountAbove(topic.id(), 3, afterDelete::incrementAndGet);
        assertThat(afterDelete).as("a deleted topic wakes at once").hasValue(1);
    }

    @Test
    void shouldKeepClusterIdentityAcrossRestarts() {
        ClusterIdentity identity = open().identity();

        assertThat(identity.clusterId()).hasSize(22);
        assertThat(reopen().identity()).isEqualTo(identity);
    }

    @Test
    void shouldNeverHandOutAProducerIdTwiceAcrossRestarts() {
        long first = await(open().allocateProducerId());
        long second = await(registry.allocateProducerId());
        assertThat(second).isGreaterThan(first);

        long afterRestart = await(reopen().allocateProducerId());

        assertThat(afterRestart).isGreaterThan(second);
    }

    @Test
    void shouldKeepRecordsAcrossRestarts() {
        Partition partition = await(open().create("log", 1, Map.of())).partition(0);
        await(partition.append(batch(NOW, "a", "b"), NOW));
        await(partition.append(batch(NOW, "c"), NOW));

        Partition reopened = reopen().topic("log").orElseThrow().partition(0);

        assertThat(values(reopened, 0)).containsExactly("a", "b", "c");
        assertThat(reopened.highWatermark()).isEqualTo(3);
    }

    @Test
    void shouldNameAMissingPartition() {
        Topic topic = await(open().create("one", 1, Map.of()));

        assertThatThrownBy(() -> topic.partition(1)).isInstanceOf(BrokerException.class)
                .extracting(e -> ((BrokerException) e).errorCode()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(registry.partition("one", 0)).isSameAs(topic.partition(0));
        assertThatThrownBy(() -> registry.partition("two", 0)).isInstanceOf(BrokerException.class)
                .extracting(e -> ((BrokerException) e).errorCode()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
}
