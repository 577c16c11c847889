package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.await;
import static dev.ferry.stream.StreamTestSupport.batch;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.log.FileHandleCache;
import dev.ferry.policy.Policy;
import dev.ferry.policy.PolicyKind;
import dev.ferry.policy.VirtualHostPolicies;

/**
 * Policies of the streams' virtual host on topics: RabbitMQ 3.10's precedence for stream queues
 * (the policy's value replaces the stream's own, the lower {@code max-length-bytes} of policy and
 * operator policy wins), applied to existing and later topics, trimming at once, lifted on clear.
 */
class StreamPolicyTest {
    private static final String VALUE = "v".repeat(200);

    @TempDir
    Path data;

    private final List<TopicRegistry> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(TopicRegistry::close);
    }

    private TopicRegistry open(VirtualHostPolicies policies) {
        TopicRegistry registry = TopicRegistry.open(data, null, FileHandleCache.processDefault(), 2, policies);
        opened.add(registry);
        return registry;
    }

    private static VirtualHostPolicies policies(Policy... policies) {
        return new VirtualHostPolicies(List.of(policies));
    }

    private static Policy policy(String pattern, Map<String, ?> definition) {
        return Policy.create(PolicyKind.USER, "/", "p-" + pattern, pattern, "queues", 0, definition);
    }

    private static Policy operatorPolicy(String pattern, Map<String, ?> definition) {
        return Policy.create(PolicyKind.OPERATOR, "/", "op-" + pattern, pattern, "queues", 0, definition);
    }

    private static void fill(Partition partition, int batches) {
        long now = System.currentTimeMillis();
        for (int i = 0; i < batches; i++) {
            await(partition.append(batch(now, VALUE + i), now));
        }
    }

    @Test
    void shouldReplaceTheStreamsOwnValuesWithThePolicysEvenWhenLarger() {
        TopicRegistry registry = open(VirtualHostPolicies.NONE);
        await(registry.create("small", 1, Map.of(TopicConfig.RETENTION_BYTES, "1000", TopicConfig.RETENTION_MS, "60000")));
        await(registry.usePolicies(policies(policy("^small$", Map.of("max-length-bytes", 50_000, "max-age", "2h")))));

        Topic topic = registry.topic("small").orElseThrow();
        assertThat(topic.effectiveConfig().retentionBytes()).isEqualTo(50_000);
        assertThat(topic.effectiveConfig().retentionMs()).isEqualTo(7_200_000);
        assertThat(topic.partition(0).config().retentionBytes()).isEqualTo(50_000);
        assertThat(topic.config().overrides()).containsEntry(TopicConfig.RETENTION_BYTES, "1000");
    }

    @Test
    void shouldTakeTheLowerMaxLengthBytesOfPolicyAndOperatorPolicy() {
        TopicRegistry registry = open(VirtualHostPolicies.NONE);
        await(registry.create("both", 1, Map.of()));
        await(registry.create("other", 1, Map.of()));
        await(registry.usePolicies(policies(policy("^both$", Map.of("max-length-bytes", 90_000)),
                operatorPolicy("^both$", Map.of("max-length-bytes", 40_000)))));

        assertThat(registry.topic("both").orElseThrow().effectiveConfig().retentionBytes()).isEqualTo(40_000);
        assertThat(registry.topic("other").orElseThrow().effectiveConfig()).isEqualTo(TopicConfig.defaults());
    }

    @Test
    void shouldKeepTheStreamsOwnSegmentSizeWhenThePolicysIsOneTheLogRefuses() {
        TopicRegistry registry = open(VirtualHostPolicies.NONE);
        await(registry.create("seg", 1, Map.of(TopicConfig.SEGMENT_BYTES, "4096")));
        await(registry.usePolicies(policies(policy("^seg$", Map.of("stream-max-segment-size-bytes", 10,
                "max-length-bytes", 8192)))));

        TopicConfig effective = registry.topic("seg").orElseThrow().effectiveConfig();
        assertThat(effective.segmentBytes()).isEqualTo(4096);
        assertThat(effective.retentionBytes()).isEqualTo(8192);
    }

    @Test
    void shouldTrimAtOnceAndStopTrimmingOnceThePolicyIsCleared() {
        TopicRegistry registry = open(VirtualHostPolicies.NONE);
        Partition partition = await(registry.create("trimmed", 1, Map.of(TopicConfig.SEGMENT_BYTES, "2048",
                TopicConfig.FILE_DELETE_DELAY_MS, "0"))).partition(0);
        fill(partition, 60);
        assertThat(partition.segmentCount()).isGreaterThan(5);
        assertThat(partition.logStartOffset()).isZero();

        await(registry.usePolicies(policies(policy("^trimmed$", Map.of("max-length-bytes", 4096)))));
        // The policy's retention round was queued on the partition's owner before this one.
        await(registry.runMaintenance(System.currentTimeMillis()));
        long trimmedTo = partition.logStartOffset();
        assertThat(trimmedTo).isPositive();
        assertThat(partition.sizeInBytes()).isLessThanOrEqualTo(4096 + 2048);

        await(registry.usePolicies(VirtualHostPolicies.NONE));
        assertThat(registry.topic("trimmed").orElseThrow().effectiveConfig().retentionBytes()).isEqualTo(-1);
        fill(partition, 60);
        await(registry.runMaintenance(System.currentTimeMillis()));
        assertThat(partition.logStartOffset()).isEqualTo(trimmedTo);
    }

    @Test
    void shouldGiveTopicsCreatedLaterAndAlteredTopicsThePolicysValues() {
        TopicRegistry registry = open(VirtualHostPolicies.NONE);
        await(registry.usePolicies(policies(policy("^later", Map.of("max-length-bytes", 12_345)))));
        await(registry.create("later", 1, Map.of(TopicConfig.RETENTION_BYTES, "99")));
        assertThat(registry.topic("later").orElseThrow().effectiveConfig().retentionBytes()).isEqualTo(12_345);

        await(registry.alterConfigs("later", Map.of(TopicConfig.RETENTION_MS, "60000")));
        Topic altered = registry.topic("later").orElseThrow();
        assertThat(altered.effectiveConfig().retentionBytes()).isEqualTo(12_345);
        assertThat(altered.effectiveConfig().retentionMs()).isEqualTo(60_000);
        assertThat(altered.partition(0).config()).isEqualTo(altered.effectiveConfig());
    }

    @Test
    void shouldNotApplyPoliciesToInternalTopics() {
        TopicRegistry registry = open(VirtualHostPolicies.NONE);
        await(registry.create("__consumer_offsets", 1, Map.of()));
        await(registry.usePolicies(policies(policy(".*", Map.of("max-length-bytes", 1)))));
        assertThat(registry.topic("__consumer_offsets").orElseThrow().effectiveConfig()).isEqualTo(TopicConfig.defaults());
    }

    @Test
    void shouldOpenPartitionsWithThePolicysSegmentSizeAtStart() {
        TopicRegistry first = open(VirtualHostPolicies.NONE);
        await(first.create("restarted", 1, Map.of()));
        first.close();
        opened.remove(first);

        TopicRegistry reopened = open(policies(policy("^restarted$", Map.of("stream-max-segment-size-bytes", 4096))));
        Partition partition = reopened.topic("restarted").orElseThrow().partition(0);
        assertThat(partition.config().segmentBytes()).isEqualTo(4096);
        fill(partition, 40);
        assertThat(partition.segmentCount()).as("segments of at most 4096 bytes").isGreaterThan(1);
    }
}
