package dev.ferry.group;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.ferry.text.KafkaIntSetting;

/**
 * The broker-wide defaults and bounds of the group configs ({@link DynamicGroupConfig}) this broker
 * started with: Kafka's {@code group.consumer.session.timeout.ms}, {@code group.consumer.heartbeat.interval.ms},
 * {@code group.consumer.min.heartbeat.interval.ms} and the like. A group without an override of its
 * own works with the default; an override must keep within the bounds. Kafka's built-in values
 * unless the broker was started with others, which are checked against each other as Kafka checks
 * them at start. Fixed while the broker runs (Kafka cannot change these at runtime either).
 */
public final class GroupConfigDefaults {
    private static final GroupConfigDefaults KAFKA = new GroupConfigDefaults(DynamicGroupConfig.builtInBrokerValues(), Set.of());

    private final Map<String, Integer> values;
    private final Set<String> set;

    private GroupConfigDefaults(Map<String, Integer> values, Set<String> set) {
        this.values = Map.copyOf(values);
        this.set = Collections.unmodifiableSortedSet(new TreeSet<>(set));
    }

    /** Kafka 4.3.1's built-in values. */
    public static GroupConfigDefaults kafkaDefaults() {
        return KAFKA;
    }

    /** Whether {@code brokerName} is one of these configs (a default or a bound of a group config). */
    public static boolean isGroupConfigDefault(String brokerName) {
        return KAFKA.values.containsKey(brokerName);
    }

    /**
     * The built-in values with {@code settings} in their place.
     *
     * @param settings broker config names ({@link #isGroupConfigDefault}) and their values as given
     * @throws IllegalArgumentException naming what is wrong, in Kafka's words: an unknown name, a value
     *     that is not a number or is below the config's lowest, or values that break a bound of another
     */
    public static GroupConfigDefaults of(Map<String, String> settings) {
        Map<String, Integer> values = new TreeMap<>(KAFKA.values);
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            String name = setting.getKey().trim();
            if (!values.containsKey(name)) {
                unknown.add(name);
                continue;
            }
            values.put(name, KafkaIntSetting.parse(name, setting.getValue(), DynamicGroupConfig.lowestBrokerValue(name)));
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("not a group config default or bound: " + String.join(", ", unknown));
        }
        DynamicGroupConfig.checkBrokerValues(values);
        Set<String> set = new TreeSet<>();
        settings.keySet().forEach(name -> set.add(name.trim()));
        return new GroupConfigDefaults(values, set);
    }

    /** The value of the broker config {@code brokerName}. */
    public int value(String brokerName) {
        Integer value = values.get(brokerName);
        if (value == null) {
            throw new IllegalArgumentException("not a group config default or bound: " + brokerName);
        }
        return value;
    }

    /** Whether the broker was started with a value of its own for {@code brokerName}. */
    public boolean isSet(String brokerName) {
        return set.contains(brokerName);
    }

    /** Every default and bound, sorted by name. */
    public Map<String, Integer> values() {
        return new TreeMap<>(values);
    }

    /** The value a group without an override of {@code definition} works with. */
    public String defaultValue(DynamicGroupConfig.Definition definition) {
        return definition.brokerSynonym() == null ? definition.defaultValue()
                : Integer.toString(value(definition.brokerSynonym()));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GroupConfigDefaults defaults && values.equals(defaults.values) && set.equals(defaults.set);
    }

    @Override
    public int hashCode() {
        return values.hashCode() * 31 + set.hashCode();
    }

    @Override
    public String toString() {
        return "GroupConfigDefaults" + set.stream().map(name -> name + "=" + values.get(name)).toList();
    }
}
