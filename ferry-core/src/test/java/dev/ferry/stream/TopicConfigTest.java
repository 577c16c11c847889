package dev.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.compress.Compression;

import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

/** Topic configs as Kafka names, types and bounds them: what is accepted, what is refused, and defaults. */
class TopicConfigTest {

    private static void assertInvalid(Map<String, String> overrides) {
        assertThatThrownBy(() -> TopicConfig.of(overrides)).isInstanceOf(BrokerException.class)
                .extracting(e -> ((BrokerException) e).errorCode()).isEqualTo(ErrorCode.INVALID_CONFIG);
    }

    @Test
    void shouldGiveKafkasDefaultsForWhatIsNotSet() {
        TopicConfig config = TopicConfig.of(Map.of());

        assertThat(config.retentionMs()).isEqualTo(604_800_000L);
        assertThat(config.value(TopicConfig.MAX_MESSAGE_BYTES)).isEqualTo("1048588");
        assertThat(config.isOverridden(TopicConfig.RETENTION_MS)).isFalse();
        assertThat(config.value("no.such.config")).isNull();
        assertThat(config.cleanupDeletes()).isTrue();
        assertThat(config.cleanupCompacts()).isFalse();
    }

    @Test
    void shouldTrimValuesAndTakeANullValueAsTheDefault() {
        Map<String, String> overrides = new HashMap<>();
        overrides.put(TopicConfig.RETENTION_MS, " 1000 ");
        overrides.put(TopicConfig.SEGMENT_MS, null);

        TopicConfig config = TopicConfig.of(overrides);

        assertThat(config.retentionMs()).isEqualTo(1000);
        assertThat(config.isOverridden(TopicConfig.RETENTION_MS)).isTrue();
        assertThat(config.isOverridden(TopicConfig.SEGMENT_MS)).isFalse();
    }

    @Test
    void shouldRefuseUnknownNames() {
        assertInvalid(Map.of("retention.millis", "1000"));
        Map<String, String> removal = new HashMap<>();
        removal.put("retention.millis", null);
        assertThatThrownBy(() -> TopicConfig.defaults().with(removal)).isInstanceOf(BrokerException.class);
    }

    @Test
    void shouldParseIntsAsIntsAndLongsAsLongs() {
        assertThat(TopicConfig.of(Map.of(TopicConfig.RETENTION_MS, "1099511627776")).retentionMs()).isEqualTo(1L << 40);
        assertInvalid(Map.of(TopicConfig.MAX_MESSAGE_BYTES, "2147483648")); // an int config
        assertInvalid(Map.of(TopicConfig.RETENTION_MS, "a week"));
    }

    @Test
    void shouldAcceptEachNumberDownToItsMinimumAndNoLower() {
        assertThat(TopicConfig.of(Map.of(TopicConfig.RETENTION_MS, "-1")).retentionMs()).isEqualTo(-1);
        assertInvalid(Map.of(TopicConfig.RETENTION_MS, "-2"));
        assertThat(TopicConfig.of(Map.of(TopicConfig.SEGMENT_MS, "1")).segmentMs()).isEqualTo(1);
        assertInvalid(Map.of(TopicConfig.SEGMENT_MS, "0"));
    }

    @Test
    void shouldTakeBooleansInAnyCaseAndNothingElse() {
        assertThat(TopicConfig.of(Map.of("preallocate", "TRUE")).value("preallocate")).isEqualTo("TRUE");
        assertThat(TopicConfig.of(Map.of("preallocate", "false")).isOverridden("preallocate")).isTrue();
        assertInvalid(Map.of("preallocate", "yes"));
    }

    @Test
    void shouldBoundTheCleanableRatioBetweenZeroAndOne() {
        TopicConfig.of(Map.of(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0"));
        TopicConfig.of(Map.of(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "1"));
        assertInvalid(Map.of(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "-0.01"));
        assertInvalid(Map.of(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "1.01"));
        assertInvalid(Map.of(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "half"));
    }

    @Test
    void shouldTakeTheCleanupPoliciesKafkaKnows() {
        TopicConfig both = TopicConfig.of(Map.of(TopicConfig.CLEANUP_POLICY, "compact, delete"));
        assertThat(both.cleanupCompacts()).isTrue();
        assertThat(both.cleanupDeletes()).isTrue();
        TopicConfig compacted = TopicConfig.of(Map.of(TopicConfig.CLEANUP_POLICY, "compact"));
        assertThat(compacted.cleanupDeletes()).isFalse();
        assertThat(compacted.cleanupCompacts()).isTrue();
        assertInvalid(Map.of(TopicConfig.CLEANUP_POLICY, "delete,shred"));
    }

    @Test
    void shouldTakeAnEmptyCleanupPolicyAndNormaliseTheListAsKafka4Does() {
        // Kafka 4.3.1: "" is no deletion and no compaction; items are trimmed, kept once, joined by commas.
        TopicConfig neither = TopicConfig.of(Map.of(TopicConfig.CLEANUP_POLICY, " "));
        assertThat(neither.cleanupDeletes()).isFalse();
        assertThat(neither.cleanupCompacts()).isFalse();
        assertThat(neither.value(TopicConfig.CLEANUP_POLICY)).isEmpty();
        assertThat(TopicConfig.of(Map.of(TopicConfig.CLEANUP_POLICY, "compact, delete")).value(TopicConfig.CLEANUP_POLICY))
                .isEqualTo("compact,delete");
        assertThat(TopicConfig.of(Map.of(TopicConfig.CLEANUP_POLICY, "delete,delete")).value(TopicConfig.CLEANUP_POLICY))
                .isEqualTo("delete");
        assertThatThrownBy(() -> TopicConfig.of(Map.of(TopicConfig.CLEANUP_POLICY, ",")))
                .hasMessage("Configuration 'cleanup.policy' values must not be empty.");
        assertThatThrownBy(() -> TopicConfig.of(Map.of(TopicConfig.CLEANUP_POLICY, "delete,,compact")))
                .hasMessage("Configuration 'cleanup.policy' values must not be empty.");
    }

    @Test
    void shouldRefuseInKafkasWords() {
        assertThatThrownBy(() -> TopicConfig.of(Map.of("no.such.config", "1")))
                .hasMessage("Unknown topic config name: no.such.config");
        assertThatThrownBy(() -> TopicConfig.of(Map.of(TopicConfig.RETENTION_MS, "abc")))
                .hasMessage("Invalid value abc for configuration retention.ms: Not a number of type LONG");
        assertThatThrownBy(() -> TopicConfig.of(Map.of(TopicConfig.MAX_MESSAGE_BYTES, "2147483648")))
                .hasMessage("Invalid value 2147483648 for configuration max.message.bytes: Not a number of type INT");
        assertThatThrownBy(() -> TopicConfig.of(Map.of(TopicConfig.RETENTION_MS, "-2")))
                .hasMessage("Invalid value -2 for configuration retention.ms: Value must be at least -1");
        assertThatThrownBy(() -> TopicConfig.of(Map.of(TopicConfig.CLEANUP_POLICY, "delete,shred")))
                .hasMessage("Invalid value shred for configuration cleanup.policy: String must be one of: compact, delete");
        assertThatThrownBy(() -> TopicConfig.of(Map.of(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "1.01")))
                .hasMessage("Invalid value 1.01 for configuration min.cleanable.dirty.ratio: Value must be no more than 1");
        assertThatThrownBy(() -> TopicConfig.of(Map.of(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "-0.01")))
                .hasMessage("Invalid value -0.01 for configuration min.cleanable.dirty.ratio: Value must be at least 0");
        assertThatThrownBy(() -> TopicConfig.of(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE, "logappendtime")))
                .hasMessage("Invalid value logappendtime for configuration message.timestamp.type: String must be one "
                        + "of: CreateTime, LogAppendTime");
    }

    @Test
    void shouldTakeTheTwoTimestampTypesByTheirExactNames() {
        assertThat(TopicConfig.of(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE, TopicConfig.LOG_APPEND_TIME)).logAppendTime())
                .isTrue();
        assertThat(TopicConfig.of(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE, TopicConfig.CREATE_TIME)).logAppendTime())
                .isFalse();
        assertInvalid(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE, "logappendtime"));
    }

    @Test
    void shouldTakeKafkasCompressionTypesAndTheCodecOfEach() {
        assertThat(TopicConfig.defaults().compression()).isNull();
        assertThat(TopicConfig.of(Map.of("compression.type", "producer")).compression()).isNull();
        assertThat(TopicConfig.of(Map.of("compression.type", "uncompressed")).compression()).isEqualTo(Compression.NONE);
        assertThat(TopicConfig.of(Map.of("compression.type", "gzip")).compression())
                .isEqualTo(Compression.gzip().build());
        assertThat(TopicConfig.of(Map.of("compression.type", "snappy")).compression())
                .isEqualTo(Compression.snappy().build());
        assertThat(TopicConfig.of(Map.of("compression.type", "lz4", "compression.lz4.level", "17")).compression())
                .isEqualTo(Compression.lz4().level(17).build());
        assertThat(TopicConfig.of(Map.of("compression.type", "zstd", "compression.zstd.level", "-5")).compression())
                .isEqualTo(Compression.zstd().level(-5).build());
        assertThat(TopicConfig.of(Map.of("compression.type", "gzip", "compression.gzip.level", "9")).compression())
                .isEqualTo(Compression.gzip().level(9).build());
    }

    @Test
    void shouldRefuseWhatKafkaRefusesForCompressionInItsWords() {
        assertThatThrownBy(() -> TopicConfig.of(Map.of("compression.type", "brotli")))
                .hasMessage("Invalid value brotli for configuration compression.type: String must be one of: "
                        + "uncompressed, zstd, lz4, snappy, gzip, producer");
        // The producer's name for no compression is not the topic's, and case counts.
        assertInvalid(Map.of("compression.type", "none"));
        assertInvalid(Map.of("compression.type", "GZIP"));
        assertThatThrownBy(() -> TopicConfig.of(Map.of("compression.gzip.level", "0")))
                .hasMessage("Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 "
                        + "or equal to -1");
        assertInvalid(Map.of("compression.gzip.level", "10"));
        assertInvalid(Map.of("compression.gzip.level", "-2"));
        assertThatThrownBy(() -> TopicConfig.of(Map.of("compression.lz4.level", "18")))
                .hasMessage("Invalid value 18 for configuration compression.lz4.level: Value must be no more than 17");
        assertInvalid(Map.of("compression.lz4.level", "0"));
        assertThatThrownBy(() -> TopicConfig.of(Map.of("compression.zstd.level", "23")))
                .hasMessage("Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22");
        assertThatThrownBy(() -> TopicConfig.of(Map.of("compression.zstd.level", "-131073")))
                .hasMessage("Invalid value -131073 for configuration compression.zstd.level: Value must be at least -131072");
        TopicConfig.of(Map.of("compression.gzip.level", "-1", "compression.lz4.level", "1",
                "compression.zstd.level", "-131072"));
    }

    @Test
    void shouldDropAnOverrideGivenANullChange() {
        TopicConfig config = TopicConfig.of(Map.of(TopicConfig.RETENTION_MS, "1000", TopicConfig.SEGMENT_MS, "5000"));
        Map<String, String> changes = new HashMap<>();
        changes.put(TopicConfig.RETENTION_MS, null);
        changes.put(TopicConfig.SEGMENT_MS, "6000");

        TopicConfig changed = config.with(changes);

        assertThat(changed.isOverridden(TopicConfig.RETENTION_MS)).isFalse();
        assertThat(changed.retentionMs()).isEqualTo(604_800_000L);
        assertThat(changed.segmentMs()).isEqualTo(6000);
        assertThat(changed.values()).containsEntry(TopicConfig.SEGMENT_MS, "6000")
                .containsEntry(TopicConfig.RETENTION_MS, "604800000");
    }
}
