package dev.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

/**
 * Kafka's broker settings as topic defaults: which name wins, how hours become milliseconds, what is
 * refused, and the synonym lists DescribeConfigs shows (each compared by hand with Kafka 4.3.1's
 * answer to the same settings).
 */
class TopicDefaultsTest {

    private static void assertInvalid(Map<String, String> settings, String text) {
        assertThatThrownBy(() -> TopicDefaults.of(settings)).isInstanceOf(BrokerException.class)
                .hasMessageContaining(text)
                .extracting(e -> ((BrokerException) e).errorCode()).isEqualTo(ErrorCode.INVALID_CONFIG);
    }

    @Test
    void shouldGiveKafkasOwnDefaultsWhenNothingIsSet() {
        TopicDefaults none = TopicDefaults.of(Map.of());

        assertThat(none).isSameAs(TopicDefaults.NONE);
        assertThat(none.numPartitions()).isEqualTo(1);
        assertThat(none.autoCreateTopics()).isTrue();
        assertThat(none.topicValue(TopicConfig.RETENTION_MS)).isNull();
        assertThat(TopicConfig.of(Map.of(), none).retentionMs()).isEqualTo(604_800_000L);
    }

    @Test
    void shouldTurnHoursAndMinutesIntoMillisecondsTheMostSpecificNameWinning() {
        assertThat(TopicDefaults.of(Map.of("log.retention.hours", "24")).topicValue(TopicConfig.RETENTION_MS))
                .isEqualTo("86400000");
        assertThat(TopicDefaults.of(Map.of("log.retention.hours", "24", "log.retention.minutes", "30"))
                .topicValue(TopicConfig.RETENTION_MS)).isEqualTo("1800000");
        assertThat(TopicDefaults.of(Map.of("log.retention.minutes", "30", "log.retention.ms", "5000"))
                .topicValue(TopicConfig.RETENTION_MS)).isEqualTo("5000");
        assertThat(TopicDefaults.of(Map.of("log.roll.hours", "2")).topicValue(TopicConfig.SEGMENT_MS))
                .isEqualTo("7200000");
        // A negative count of hours is no limit, as Kafka reads it.
        assertThat(TopicDefaults.of(Map.of("log.retention.hours", "-1")).topicValue(TopicConfig.RETENTION_MS))
                .isEqualTo("-1");
    }

    @Test
    void shouldGiveTopicsTheBrokersDefaultUnderTheirOwnOverrides() {
        TopicDefaults defaults = TopicDefaults.of(Map.of("log.retention.ms", "5000", "log.segment.bytes", "2097152",
                "compression.type", "gzip", "message.max.bytes", "2000000"));

        TopicConfig config = TopicConfig.of(Map.of(TopicConfig.RETENTION_MS, "9000"), defaults);

        assertThat(config.retentionMs()).isEqualTo(9000);
        assertThat(config.isBrokerDefault(TopicConfig.RETENTION_MS)).isFalse();
        assertThat(config.segmentBytes()).isEqualTo(2_097_152);
        assertThat(config.isBrokerDefault(TopicConfig.SEGMENT_BYTES)).isTrue();
        assertThat(config.maxMessageBytes()).isEqualTo(2_000_000);
        assertThat(config.compression()).isNotNull();
        assertThat(config.values()).containsEntry(TopicConfig.COMPRESSION_TYPE, "gzip")
                .containsEntry(TopicConfig.RETENTION_BYTES, "-1");
        assertThat(config.isBrokerDefault(TopicConfig.RETENTION_BYTES)).isFalse();

        TopicConfig back = config.with(java.util.Collections.singletonMap(TopicConfig.RETENTION_MS, null));
        assertThat(back.retentionMs()).as("an override removed falls back to the broker's default").isEqualTo(5000);
        assertThat(back).isNotEqualTo(TopicConfig.of(Map.of()));
    }

    @Test
    void shouldTakeThePartitionCountAndAutoCreation() {
        TopicDefaults defaults = TopicDefaults.of(Map.of("num.partitions", "4", "auto.create.topics.enable", "FALSE"));

        assertThat(defaults.numPartitions()).isEqualTo(4);
        assertThat(defaults.autoCreateTopics()).isFalse();
        assertThat(defaults.brokerSynonyms("num.partitions")).containsExactly(
                new TopicDefaults.Synonym("num.partitions", "4", true), new TopicDefaults.Synonym("num.partitions", "1", false));
    }

    @Test
    void shouldRefuseUnknownNamesAndWrongValuesNamingThem() {
        assertInvalid(Map.of("log.retention.dayz", "1"), "Unknown broker setting: log.retention.dayz");
        assertInvalid(Map.of("num.partitions", "0"), "num.partitions");
        assertInvalid(Map.of("num.partitions", "many"), "num.partitions");
        assertInvalid(Map.of("auto.create.topics.enable", "yes"), "auto.create.topics.enable");
        assertInvalid(Map.of("log.retention.hours", "a day"), "log.retention.hours");
        assertInvalid(Map.of("log.cleanup.policy", "shred"), "cleanup.policy");
        assertInvalid(Map.of("log.segment.bytes", "10"), "segment.bytes");
        assertInvalid(Map.of("compression.type", "rar"), "compression.type");
    }

    @Test
    void shouldListSynonymsAsKafkaDoes() {
        TopicDefaults defaults = TopicDefaults.of(Map.of("log.retention.ms", "7200000", "log.retention.minutes", "300",
                "log.roll.ms", "600000"));

        assertThat(defaults.topicSynonyms(TopicConfig.RETENTION_MS)).containsExactly(
                new TopicDefaults.Synonym("log.retention.ms", "7200000", true),
                new TopicDefaults.Synonym("log.retention.minutes", "300", true),
                new TopicDefaults.Synonym("log.retention.hours", "168", false));
        assertThat(defaults.brokerSynonyms("log.retention.minutes")).containsExactly(
                new TopicDefaults.Synonym("log.retention.minutes", "300", true),
                new TopicDefaults.Synonym("log.retention.hours", "168", false));
        assertThat(defaults.topicSynonyms(TopicConfig.SEGMENT_MS)).containsExactly(
                new TopicDefaults.Synonym("log.roll.ms", "600000", true),
                new TopicDefaults.Synonym("log.roll.hours", "168", false));
        assertThat(defaults.topicSynonyms(TopicConfig.SEGMENT_BYTES)).containsExactly(
                new TopicDefaults.Synonym("log.segment.bytes", "1073741824", false));
        assertThat(defaults.topicSynonyms("flush.ms")).isEmpty();
        assertThat(defaults.topicSynonyms("remote.storage.enable")).isEmpty();
        assertThat(defaults.brokerValue("log.retention.ms")).isEqualTo("7200000");
        assertThat(TopicDefaults.NONE.brokerValue("log.retention.ms")).isNull();
        assertThat(TopicDefaults.NONE.brokerValue("log.retention.hours")).isEqualTo("168");
    }

    @Test
    void shouldReportHoursWithoutMillisecondsAsKafkasDefaultAsKafkaDoes() {
        // Kafka 4.3.1 with only log.retention.hours=24: retention.ms is 86400000, source DEFAULT_CONFIG, no synonyms.
        TopicDefaults defaults = TopicDefaults.of(Map.of("log.retention.hours", "24"));
        TopicConfig config = TopicConfig.of(Map.of(), defaults);

        assertThat(config.retentionMs()).isEqualTo(86_400_000L);
        assertThat(defaults.topicSynonyms(TopicConfig.RETENTION_MS)).isEmpty();
        assertThat(config.isBrokerDefault(TopicConfig.RETENTION_MS)).isFalse();
        assertThat(defaults.brokerSynonyms("log.retention.hours")).isEqualTo(List.of(
                new TopicDefaults.Synonym("log.retention.hours", "24", true),
                new TopicDefaults.Synonym("log.retention.hours", "168", false)));
    }
}
