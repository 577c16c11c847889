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
        assertThat(TopicDefaults.of(Map.of("log.retention.hours", Long.toString(Long.MAX_VALUE)))
                .topicValue(TopicConfig.RETENTION_MS)).as("too many hours to count in ms: as good as no limit")
                .isEqualTo(Long.toString(Long.MAX_VALUE));
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

    @Test
    void shouldReadBrokerValuesAsSetElseAsKafkasBuiltInOnes() {
        TopicDefaults defaults = TopicDefaults.of(Map.of("num.partitions", "1", "auto.create.topics.enable", "True",
                "log.retention.hours", "0", "log.cleaner.min.cleanable.ratio", "0.25"));

        assertThat(defaults.numPartitions()).isEqualTo(1);
        assertThat(defaults.autoCreateTopics()).isTrue();
        assertThat(defaults.topicValue(TopicConfig.RETENTION_MS)).as("zero hours is zero, not no limit").isEqualTo("0");
        assertThat(defaults.topicValue(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO)).isEqualTo("0.25");
        assertThat(defaults.brokerValue("log.retention.hours")).isEqualTo("0");
        assertThat(TopicDefaults.NONE.brokerValue("num.partitions")).isEqualTo("1");
        assertThat(TopicDefaults.NONE.brokerValue("auto.create.topics.enable")).isEqualTo("true");
        assertThat(TopicDefaults.NONE.brokerValue("log.segment.bytes")).isEqualTo("1073741824");
        assertThat(TopicDefaults.NONE.brokerValue("log.roll.ms")).isNull();
        assertThat(TopicDefaults.NONE.brokerValue("no.such.setting")).isNull();
        assertThat(TopicDefaults.brokerNames()).contains("log.retention.hours", "message.max.bytes", "log.roll.jitter.ms");
        assertThat(TopicDefaults.topicNameOf("log.roll.hours")).isEqualTo(TopicConfig.SEGMENT_MS);
        assertThat(TopicDefaults.topicNameOf("num.partitions")).isNull();
        assertThat(defaults.brokerValues()).containsEntry("num.partitions", "1").hasSize(4);
    }

    @Test
    void shouldListSynonymsOfSettingsThatAreNotTopicDefaults() {
        assertThat(TopicDefaults.NONE.brokerSynonyms("auto.create.topics.enable"))
                .containsExactly(new TopicDefaults.Synonym("auto.create.topics.enable", "true", false));
        assertThat(TopicDefaults.of(Map.of("auto.create.topics.enable", "false")).brokerSynonyms("auto.create.topics.enable"))
                .containsExactly(new TopicDefaults.Synonym("auto.create.topics.enable", "false", true),
                        new TopicDefaults.Synonym("auto.create.topics.enable", "true", false));
        assertThat(TopicDefaults.NONE.brokerSynonyms("log.roll.ms")).isEmpty();
        assertThat(TopicDefaults.NONE.brokerSynonyms("log.roll.hours"))
                .containsExactly(new TopicDefaults.Synonym("log.roll.hours", "168", false));
    }

    @Test
    void shouldTellConfigsApartByTheirBrokerDefaults() {
        TopicDefaults day = TopicDefaults.of(Map.of("log.retention.hours", "24"));
        TopicDefaults sameDay = TopicDefaults.of(Map.of("log.retention.hours", "24"));
        TopicDefaults hour = TopicDefaults.of(Map.of("log.retention.hours", "1"));

        assertThat(day).isEqualTo(sameDay).hasSameHashCodeAs(sameDay).isNotEqualTo(hour);
        assertThat(TopicConfig.of(Map.of(), day)).isEqualTo(TopicConfig.of(Map.of(), sameDay))
                .hasSameHashCodeAs(TopicConfig.of(Map.of(), sameDay))
                .isNotEqualTo(TopicConfig.of(Map.of(), hour))
                .isNotEqualTo(TopicConfig.of(Map.of()));
        assertThat(TopicConfig.of(Map.of(TopicConfig.SEGMENT_MS, "1000"), day))
                .isNotEqualTo(TopicConfig.of(Map.of(TopicConfig.SEGMENT_MS, "2000"), day));
        assertThat(TopicConfig.of(null, null)).isSameAs(TopicConfig.defaults());
        assertThat(TopicConfig.of(null, day).retentionMs()).isEqualTo(86_400_000L);
        assertThat(TopicConfig.of(Map.of(), day).brokerDefaults()).isEqualTo(day);
        assertThat(TopicConfig.of(Map.of()).brokerDefaults()).isSameAs(TopicDefaults.NONE);
    }
}
