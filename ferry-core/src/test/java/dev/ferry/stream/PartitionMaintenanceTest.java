package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.await;
import static dev.ferry.stream.StreamTestSupport.batch;
import static dev.ferry.stream.StreamTestSupport.failure;
import static dev.ferry.stream.StreamTestSupport.values;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.error.ErrorCode;
import dev.ferry.log.FileHandleCache;

/** Retention, segment rolls by age and config changes, driven by {@link TopicRegistry#runMaintenance} with a test clock. */
class PartitionMaintenanceTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final String VALUE = "v".repeat(200);

    @TempDir
    Path data;

    private TopicRegistry registry;

    @BeforeEach
    void open() {
        registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
    }

    @AfterEach
    void close() {
        registry.close();
    }

    private static Map<String, String> smallSegments(String... more) {
        Map<String, String> configs = new HashMap<>(Map.of(TopicConfig.SEGMENT_BYTES, "2048",
                TopicConfig.FILE_DELETE_DELAY_MS, "0"));
        for (int i = 0; i < more.length; i += 2) {
            configs.put(more[i], more[i + 1]);
        }
        return configs;
    }

    private static void fill(Partition partition, int batches, long timestampMs) {
        for (int i = 0; i < batches; i++) {
            await(partition.append(batch(timestampMs, VALUE + i), timestampMs));
        }
    }

    @Test
    void shouldDeleteSegmentsOlderThanRetentionMsAndMoveTheLogStart() {
        Partition partition = await(registry.create("aged", 1, smallSegments(TopicConfig.RETENTION_MS, "60000")))
                .partition(0);
        fill(partition, 20, NOW);
        fill(partition, 20, NOW + 120_000);
        long sizeBefore = partition.sizeInBytes();

        assertThat(await(registry.runMaintenance(NOW + 30_000))).isZero();
        int deleted = await(registry.runMaintenance(NOW + 150_000));

        assertThat(deleted).isPositive();
        assertThat(partition.sizeInBytes()).isLessThan(sizeBefore);
        assertThat(partition.logStartOffset()).isPositive().isLessThanOrEqualTo(20);
        assertThat(values(partition, partition.logStartOffset())).contains(VALUE + 19);
    }

    @Test
    void shouldKeepNoMoreThanRetentionBytesBeyondTheActiveSegment() {
        Partition partition = await(registry.create("sized", 1, smallSegments(TopicConfig.RETENTION_BYTES, "4096")))
                .partition(0);
        fill(partition, 60, NOW);

        await(registry.runMaintenance(NOW));

        assertThat(partition.sizeInBytes()).isLessThan(4096 + 2048);
        assertThat(partition.logStartOffset()).isPositive();
        assertThat(partition.logEndOffset()).isEqualTo(60);
    }

    @Test
    void shouldRollTheActiveSegmentAfterSegmentMs() {
        Partition partition = await(registry.create("rolled", 1, smallSegments(TopicConfig.SEGMENT_MS, "1000",
                TopicConfig.RETENTION_MS, "5000"))).partition(0);
        long opened = System.currentTimeMillis();
        await(partition.append(batch(opened, "only"), opened));

        await(registry.runMaintenance(opened + 2_000));
        await(registry.runMaintenance(opened + 10_000));

        // Rolled by age, the single segment became sealed, then old enough for retention.
        assertThat(partition.logStartOffset()).isEqualTo(1);
        assertThat(partition.highWatermark()).isEqualTo(1);
        assertThat(partition.read(1, 1024).isEmpty()).isTrue();
    }

    @Test
    void shouldRollBySegmentMsOnceTheActiveSegmentIsOlderThanThatAndNotWhenItIsEmpty() {
        Partition partition = await(registry.create("edge", 1, smallSegments(TopicConfig.SEGMENT_MS, "1000")))
                .partition(0);
        fill(partition, 20, NOW); // rolls by size on the way, so the active segment was started at NOW
        int segments = partition.log().segmentCount();
        assertThat(segments).isGreaterThan(1);

        // As Kafka: a segment rolls once it has waited longer than segment.ms, not at exactly segment.ms.
        await(registry.runMaintenance(NOW + 1_000));
        assertThat(partition.log().segmentCount()).as("1000 ms old").isEqualTo(segments);
        await(registry.runMaintenance(NOW + 1_001));
        assertThat(partition.log().segmentCount()).as("1001 ms old").isEqualTo(segments + 1);
        await(registry.runMaintenance(NOW + 10_000));
        assertThat(partition.log().segmentCount()).as("the new segment holds nothing to seal").isEqualTo(segments + 1);
        assertThat(values(partition, 0)).hasSize(20);
    }

    @Test
    void shouldApplyChangedConfigsAndKeepThemAcrossRestarts() {
        Partition partition = await(registry.create("altered", 1, smallSegments())).partition(0);
        fill(partition, 40, NOW);
        assertThat(await(registry.runMaintenance(NOW + 1_000_000))).isZero();

        Topic altered = await(registry.alterConfigs("altered", Map.of(TopicConfig.RETENTION_MS, "1000")));

        assertThat(altered.config().retentionMs()).isEqualTo(1000);
        assertThat(await(registry.runMaintenance(NOW + 10_000))).isPositive();
        assertThat(failure(registry.alterConfigs("altered", Map.of(TopicConfig.CLEANUP_POLICY, "shred"))))
                .isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(failure(registry.alterConfigs("altered", Map.of(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "1.5"))))
                .isEqualTo(ErrorCode.INVALID_CONFIG);
        Map<String, String> backToDefault = new HashMap<>();
        backToDefault.put(TopicConfig.RETENTION_MS, null);
        await(registry.alterConfigs("altered", backToDefault));
        registry.close();
        registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2);
        TopicConfig reopened = registry.topic("altered").orElseThrow().config();
        assertThat(reopened.isOverridden(TopicConfig.RETENTION_MS)).isFalse();
        assertThat(reopened.retentionMs()).isEqualTo(604_800_000L);
        assertThat(reopened.segmentBytes()).isEqualTo(2048);
    }
}
