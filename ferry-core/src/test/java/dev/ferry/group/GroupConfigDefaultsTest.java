package dev.ferry.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;

/**
 * A broker's own defaults and bounds of the group configs: checked against each other at start as
 * Kafka 4.3.1 checks its {@code group.consumer.*} settings (the texts are its), and then the
 * defaults groups work with and the bounds their overrides keep.
 */
class GroupConfigDefaultsTest {
    @Test
    void shouldStartFromKafkasBuiltInValues() {
        GroupConfigDefaults defaults = GroupConfigDefaults.kafkaDefaults();
        assertThat(defaults.values()).containsEntry("group.consumer.heartbeat.interval.ms", 5_000)
                .containsEntry("group.consumer.min.heartbeat.interval.ms", 5_000)
                .containsEntry("group.consumer.max.heartbeat.interval.ms", 15_000)
                .containsEntry("group.consumer.session.timeout.ms", 45_000)
                .containsEntry("group.streams.max.standby.replicas", 2)
                .hasSize(39);
        assertThat(GroupConfigDefaults.of(Map.of())).isEqualTo(defaults);
        assertThat(defaults.isSet("group.consumer.heartbeat.interval.ms")).isFalse();
    }

    @Test
    void shouldGiveGroupsTheBrokersDefaultAndLetOverridesUseItsBounds() {
        GroupConfigDefaults defaults = GroupConfigDefaults.of(Map.of("group.consumer.min.heartbeat.interval.ms", "1000",
                " group.consumer.heartbeat.interval.ms ", " 2000 "));
        assertThat(defaults.value("group.consumer.heartbeat.interval.ms")).isEqualTo(2_000);
        assertThat(defaults.isSet("group.consumer.heartbeat.interval.ms")).isTrue();
        assertThat(defaults.isSet("group.consumer.max.heartbeat.interval.ms")).isFalse();
        assertThat(defaults.defaultValue(DynamicGroupConfig.definition("consumer.heartbeat.interval.ms"))).isEqualTo("2000");
        assertThat(defaults.defaultValue(DynamicGroupConfig.definition("share.isolation.level")))
                .isEqualTo("read_uncommitted");

        Map<String, String> oneSecond = Map.of("consumer.heartbeat.interval.ms", "1000");
        assertThat(DynamicGroupConfig.validated(oneSecond, defaults)).isEqualTo(oneSecond);
        assertThatThrownBy(() -> DynamicGroupConfig.validated(oneSecond)).isInstanceOf(BrokerException.class)
                .hasMessage("consumer.heartbeat.interval.ms must be greater than or equal to "
                        + "group.consumer.min.heartbeat.interval.ms");
        // The session timeout's default is checked against an overridden heartbeat: the broker's.
        GroupConfigDefaults shortSessions = GroupConfigDefaults.of(Map.of("group.consumer.min.session.timeout.ms", "2000",
                "group.consumer.session.timeout.ms", "3000", "group.consumer.min.heartbeat.interval.ms", "1000",
                "group.consumer.heartbeat.interval.ms", "1000"));
        assertThatThrownBy(() -> DynamicGroupConfig.validated(Map.of("consumer.heartbeat.interval.ms", "3000"),
                shortSessions)).isInstanceOf(BrokerException.class)
                .hasMessage("consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms");
    }

    @Test
    void shouldTakeValuesOnTheirBounds() {
        GroupConfigDefaults pinned = GroupConfigDefaults.of(Map.of("group.consumer.max.heartbeat.interval.ms", "5000"));
        assertThat(pinned.value("group.consumer.max.heartbeat.interval.ms")).isEqualTo(5_000);
        GroupConfigDefaults atTheTop = GroupConfigDefaults.of(Map.of("group.consumer.heartbeat.interval.ms", "15000"));
        assertThat(atTheTop.value("group.consumer.heartbeat.interval.ms")).isEqualTo(15_000);
        assertThat(DynamicGroupConfig.validated(Map.of("consumer.heartbeat.interval.ms", "15000", "consumer.session.timeout.ms",
                "60000"), atTheTop)).hasSize(2);
        assertThatThrownBy(() -> DynamicGroupConfig.validated(Map.of("consumer.session.timeout.ms", "60001"), atTheTop))
                .isInstanceOf(BrokerException.class)
                .hasMessage("consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms");
    }

    @Test
    void shouldTellSettingsApartByWhatWasSet() {
        GroupConfigDefaults twoSeconds = GroupConfigDefaults.of(Map.of("group.consumer.min.heartbeat.interval.ms", "1000",
                "group.consumer.heartbeat.interval.ms", "2000"));
        assertThat(twoSeconds).isEqualTo(GroupConfigDefaults.of(Map.of("group.consumer.heartbeat.interval.ms", "2000",
                "group.consumer.min.heartbeat.interval.ms", "1000")));
        assertThat(twoSeconds.hashCode()).isEqualTo(GroupConfigDefaults.of(Map.of("group.consumer.heartbeat.interval.ms",
                "2000", "group.consumer.min.heartbeat.interval.ms", "1000")).hashCode());
        assertThat(twoSeconds).isNotEqualTo(GroupConfigDefaults.of(Map.of("group.consumer.min.heartbeat.interval.ms", "1000")))
                .isNotEqualTo(GroupConfigDefaults.kafkaDefaults()).isNotEqualTo("group.consumer.heartbeat.interval.ms=2000");
        // Setting a value to Kafka's own still counts as set (DescribeConfigs reports it as the broker's).
        assertThat(GroupConfigDefaults.of(Map.of("group.consumer.heartbeat.interval.ms", "5000")))
                .isNotEqualTo(GroupConfigDefaults.kafkaDefaults());
        assertThat(twoSeconds).hasToString("GroupConfigDefaults[group.consumer.heartbeat.interval.ms=2000, "
                + "group.consumer.min.heartbeat.interval.ms=1000]");
    }

    @Test
    void shouldRefuseValuesThatBreakABoundInKafkasOrder() {
        assertRefused(Map.of("group.consumer.heartbeat.interval.ms", "4000"),
                "group.consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms");
        assertRefused(Map.of("group.consumer.heartbeat.interval.ms", "16000"),
                "group.consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms");
        assertRefused(Map.of("group.consumer.min.heartbeat.interval.ms", "20000"),
                "group.consumer.max.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms");
        assertRefused(Map.of("group.consumer.max.session.timeout.ms", "40000"),
                "group.consumer.max.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms");
        assertRefused(Map.of("group.consumer.min.session.timeout.ms", "1000", "group.consumer.session.timeout.ms", "5000"),
                "group.consumer.heartbeat.interval.ms must be less than group.consumer.session.timeout.ms");
        assertRefused(Map.of("group.share.assignment.interval.ms", "16000"),
                "group.share.assignment.interval.ms must be less than or equal to group.share.max.assignment.interval.ms");
        assertRefused(Map.of("group.streams.num.standby.replicas", "3"),
                "group.streams.num.standby.replicas must be less than or equal to group.streams.max.standby.replicas");
        // The heartbeat's bounds come before the session's, as in Kafka.
        Map<String, String> both = new LinkedHashMap<>();
        both.put("group.consumer.max.session.timeout.ms", "1");
        both.put("group.consumer.max.heartbeat.interval.ms", "1");
        assertRefused(both, "group.consumer.max.heartbeat.interval.ms must be greater than or equal to "
                + "group.consumer.min.heartbeat.interval.ms");
    }

    @Test
    void shouldRefuseValuesThatAreNoNumbersOrBelowTheirLowest() {
        assertRefused(Map.of("group.consumer.heartbeat.interval.ms", "soon"),
                "Invalid value soon for configuration group.consumer.heartbeat.interval.ms: Not a number of type INT");
        assertRefused(Map.of("group.consumer.min.heartbeat.interval.ms", "0"),
                "Invalid value 0 for configuration group.consumer.min.heartbeat.interval.ms: Value must be at least 1");
        assertRefused(Map.of("group.consumer.heartbeat.interval.ms", "0"),
                "Invalid value 0 for configuration group.consumer.heartbeat.interval.ms: Value must be at least 1");
        Map<String, String> empty = new java.util.HashMap<>();
        empty.put("group.consumer.session.timeout.ms", null);
        assertRefused(empty, "Invalid value  for configuration group.consumer.session.timeout.ms: Not a number of type INT");
        assertRefused(Map.of("group.consumer.assignment.interval.ms", "-1"),
                "Invalid value -1 for configuration group.consumer.assignment.interval.ms: Value must be at least 0");
        assertRefused(Map.of("group.consumer.min.assignment.interval.ms", "-1"),
                "Invalid value -1 for configuration group.consumer.min.assignment.interval.ms: Value must be at least 0");
        assertRefused(Map.of("group.consumer.max.size", "5"), "not a group config default or bound: group.consumer.max.size");
        assertThat(GroupConfigDefaults.isGroupConfigDefault("group.consumer.max.session.timeout.ms")).isTrue();
        assertThat(GroupConfigDefaults.isGroupConfigDefault("group.initial.rebalance.delay.ms")).isFalse();
        assertThatThrownBy(() -> GroupConfigDefaults.kafkaDefaults().value("group.initial.rebalance.delay.ms"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertRefused(Map<String, String> settings, String message) {
        assertThatThrownBy(() -> GroupConfigDefaults.of(settings)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }
}
