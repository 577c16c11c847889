package dev.ferry.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;

/** The checks a group's overrides pass before they are stored; the texts are Kafka 4.3.1's. */
class DynamicGroupConfigTest {
    @Test
    void shouldStoreValuesInTheirUsualForm() {
        assertThat(DynamicGroupConfig.validated(Map.of("consumer.session.timeout.ms", " 50000 ",
                "share.renew.acknowledge.enable", " False ", "share.auto.offset.reset", "by_duration:PT1H")))
                .containsExactly(Map.entry("consumer.session.timeout.ms", "50000"),
                        Map.entry("share.auto.offset.reset", "by_duration:PT1H"),
                        Map.entry("share.renew.acknowledge.enable", "false"));
    }

    @Test
    void shouldTakeEveryFormOfTheShareSettingsKafkaTakes() {
        for (String level : new String[] {"read_committed", "read_uncommitted"}) {
            assertThat(DynamicGroupConfig.validated(Map.of("share.isolation.level", level)))
                    .containsEntry("share.isolation.level", level);
        }
        for (String reset : new String[] {"earliest", "latest", "by_duration:PT0S", "by_duration:P1DT2H"}) {
            assertThat(DynamicGroupConfig.validated(Map.of("share.auto.offset.reset", reset)))
                    .containsEntry("share.auto.offset.reset", reset);
        }
        for (String reset : new String[] {"middle", "by_duration:-PT1H", "by_duration:soon", "duration:PT1H"}) {
            assertRefused(Map.of("share.auto.offset.reset", reset), "Invalid value " + reset + " for configuration "
                    + "share.auto.offset.reset: Invalid value `" + reset + "` for configuration share.auto.offset.reset. "
                    + "The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'.");
        }
    }

    @Test
    void shouldNameUnknownConfigsBeforeAnythingElse() {
        assertRefused(Map.of("nope", "1", "consumer.session.timeout.ms", "x"), "Unknown group config name: nope");
    }

    @Test
    void shouldCheckEachValuesFormThenTheBrokersBoundsThenSessionAgainstHeartbeat() {
        assertRefused(Map.of("consumer.session.timeout.ms", "4.5"),
                "Invalid value 4.5 for configuration consumer.session.timeout.ms: Not a number of type INT");
        assertRefused(Map.of("share.record.lock.duration.ms", "999"),
                "Invalid value 999 for configuration share.record.lock.duration.ms: Value must be at least 1000");
        assertRefused(Map.of("share.record.lock.duration.ms", "14000"),
                "share.record.lock.duration.ms must be greater than or equal to group.share.min.record.lock.duration.ms");
        assertRefused(Map.of("share.partition.max.record.locks", "5000"),
                "share.partition.max.record.locks must be less than or equal to group.share.max.partition.max.record.locks");
        assertRefused(Map.of("share.isolation.level", "READ_COMMITTED"), "Invalid value READ_COMMITTED for "
                + "configuration share.isolation.level: String must be one of: read_committed, read_uncommitted");
        assertThat(DynamicGroupConfig.validated(Map.of("consumer.assignment.interval.ms", "0"))).hasSize(1);
    }

    @Test
    void shouldListSeventeenConfigsWithTheirDefaults() {
        assertThat(DynamicGroupConfig.definitions()).hasSize(17);
        for (DynamicGroupConfig.Definition definition : DynamicGroupConfig.definitions()) {
            assertThat(DynamicGroupConfig.validated(Map.of(definition.name(), definition.defaultValue())))
                    .as(definition.name()).containsEntry(definition.name(), definition.defaultValue());
        }
    }

    private static void assertRefused(Map<String, String> overrides, String message) {
        assertThatThrownBy(() -> DynamicGroupConfig.validated(overrides)).isInstanceOf(BrokerException.class)
                .hasMessage(message);
    }
}
