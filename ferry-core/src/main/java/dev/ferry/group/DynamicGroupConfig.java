package dev.ferry.group;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

/**
 * The configs a single group can be given (Kafka's {@code GROUP} config resource, KIP-848): their
 * names, types, defaults and the bounds a value must keep, and the check a group's whole set of
 * overrides must pass before it is stored. The names, built-in defaults and bounds are Kafka
 * 4.3.1's; a broker may start with other defaults and bounds ({@link GroupConfigDefaults}, Kafka's
 * {@code group.consumer.heartbeat.interval.ms}, {@code group.consumer.min.heartbeat.interval.ms} and
 * the like), checked here against each other as Kafka checks its own at start.
 *
 * <p>The consumer settings are read by groups of the consumer protocol; the share and streams
 * settings are kept, listed and survive restarts, but nothing in Ferry reads them yet (Ferry has
 * no share or streams groups).
 *
 * <p>Design note: the checks run on the whole set of overrides a change leaves (not on the change
 * alone), in the order Kafka runs them, so a request that breaks two rules gets the same message
 * from both brokers: unknown names, then each value's own form and lowest value in definition
 * order, then the broker's bounds, then session timeouts against heartbeat intervals.
 */
public final class DynamicGroupConfig {
    /** How a value is read, and the config type DescribeConfigs reports. */
    public enum Type { INT, STRING, BOOLEAN }

    /**
     * One group config.
     *
     * @param brokerSynonym the broker config whose value is the default ({@code group.consumer.session.timeout.ms}),
     *     or null when the default is fixed
     * @param lowest the smallest value the config's own definition takes (INT only; {@link Integer#MIN_VALUE}: none)
     */
    public record Definition(String name, Type type, String defaultValue, String brokerSynonym, int lowest,
                             String documentation) {
    }

    /** A broker bound a value must keep: {@code value >= bound} when {@code lower}, else {@code value <= bound}. */
    private record Bound(String name, String boundName, int bound, boolean lower) {
    }

    private static final Map<String, Definition> DEFINITIONS = new LinkedHashMap<>();
    private static final List<Bound> BOUNDS = new ArrayList<>();

    static {
        integer("consumer.session.timeout.ms", 45_000, "group.consumer.session.timeout.ms", 1,
                "How long a member of a consumer-protocol group may stay silent before it is removed.");
        integer("consumer.heartbeat.interval.ms", 5_000, "group.consumer.heartbeat.interval.ms", 1,
                "How often the members of a consumer-protocol group are told to heartbeat.");
        integer("consumer.assignment.interval.ms", 1_000, "group.consumer.assignment.interval.ms", 0,
                "The least time between two assignment updates of a consumer-protocol group.");
        integer("share.session.timeout.ms", 45_000, "group.share.session.timeout.ms", 1,
                "How long a member of a share group may stay silent before it is removed.");
        integer("share.heartbeat.interval.ms", 5_000, "group.share.heartbeat.interval.ms", 1,
                "How often the members of a share group are told to heartbeat.");
        integer("share.record.lock.duration.ms", 30_000, "group.share.record.lock.duration.ms", 1_000,
                "How long a share group member holds a record it acquired, in milliseconds.");
        integer("share.delivery.count.limit", 5, "group.share.delivery.count.limit", 2,
                "How many times a share group may be given a record before it is given up on.");
        integer("share.partition.max.record.locks", 2_000, "group.share.partition.max.record.locks", 100,
                "How many records of one partition a share group may hold acquired at once.");
        define(new Definition("share.auto.offset.reset", Type.STRING, "latest", null, Integer.MIN_VALUE,
                "Where a share group starts reading a partition it has no position in: earliest, latest, "
                        + "or by_duration:<ISO-8601 duration> back from now."));
        define(new Definition("share.isolation.level", Type.STRING, "read_uncommitted", null, Integer.MIN_VALUE,
                "Whether a share group is given records of open and aborted transactions (read_uncommitted) "
                        + "or only committed ones (read_committed)."));
        define(new Definition("share.renew.acknowledge.enable", Type.BOOLEAN, "true", null, Integer.MIN_VALUE,
                "Whether share group members may renew the lock on a record they hold."));
        integer("share.assignment.interval.ms", 1_000, "group.share.assignment.interval.ms", 0,
                "The least time between two assignment updates of a share group.");
        integer("streams.session.timeout.ms", 45_000, "group.streams.session.timeout.ms", 1,
                "How long a member of a streams group may stay silent before it is removed.");
        integer("streams.heartbeat.interval.ms", 5_000, "group.streams.heartbeat.interval.ms", 1,
                "How often the members of a streams group are told to heartbeat.");
        integer("streams.num.standby.replicas", 0, "group.streams.num.standby.replicas", 0,
                "How many standby copies of each task a streams group keeps.");
        integer("streams.initial.rebalance.delay.ms", 3_000, "group.streams.initial.rebalance.delay.ms", 0,
                "How long a new streams group waits for more members before its first assignment.");
        integer("streams.assignment.interval.ms", 1_000, "group.streams.assignment.interval.ms", 0,
                "The least time between two assignment updates of a streams group.");

        // The broker's bounds (Kafka 4.3.1's defaults), in the order Kafka checks them.
        range("consumer.heartbeat.interval.ms", "group.consumer.min.heartbeat.interval.ms", 5_000,
                "group.consumer.max.heartbeat.interval.ms", 15_000);
        range("consumer.session.timeout.ms", "group.consumer.min.session.timeout.ms", 45_000,
                "group.consumer.max.session.timeout.ms", 60_000);
        range("consumer.assignment.interval.ms", "group.consumer.min.assignment.interval.ms", 0,
                "group.consumer.max.assignment.interval.ms", 15_000);
        range("share.heartbeat.interval.ms", "group.share.min.heartbeat.interval.ms", 5_000,
                "group.share.max.heartbeat.interval.ms", 15_000);
        range("share.session.timeout.ms", "group.share.min.session.timeout.ms", 45_000,
                "group.share.max.session.timeout.ms", 60_000);
        range("share.record.lock.duration.ms", "group.share.min.record.lock.duration.ms", 15_000,
                "group.share.max.record.lock.duration.ms", 60_000);
        range("share.delivery.count.limit", "group.share.min.delivery.count.limit", 2,
                "group.share.max.delivery.count.limit", 10);
        range("share.partition.max.record.locks", "group.share.min.partition.max.record.locks", 100,
                "group.share.max.partition.max.record.locks", 4_000);
        range("share.assignment.interval.ms", "group.share.min.assignment.interval.ms", 0,
                "group.share.max.assignment.interval.ms", 15_000);
        range("streams.heartbeat.interval.ms", "group.streams.min.heartbeat.interval.ms", 5_000,
                "group.streams.max.heartbeat.interval.ms", 15_000);
        range("streams.session.timeout.ms", "group.streams.min.session.timeout.ms", 45_000,
                "group.streams.max.session.timeout.ms", 60_000);
        BOUNDS.add(new Bound("streams.num.standby.replicas", "group.streams.max.standby.replicas", 2, false));
        range("streams.assignment.interval.ms", "group.streams.min.assignment.interval.ms", 0,
                "group.streams.max.assignment.interval.ms", 15_000);
    }

    private DynamicGroupConfig() {
    }

    private static void integer(String name, int defaultValue, String brokerSynonym, int lowest, String documentation) {
        define(new Definition(name, Type.INT, Integer.toString(defaultValue), brokerSynonym, lowest, documentation));
    }

    private static void define(Definition definition) {
        DEFINITIONS.put(definition.name(), definition);
    }

    private static void range(String name, String minName, int min, String maxName, int max) {
        BOUNDS.add(new Bound(name, minName, min, true));
        BOUNDS.add(new Bound(name, maxName, max, false));
    }

    /** Every group config, in Kafka's definition order. */
    public static List<Definition> definitions() {
        return List.copyOf(DEFINITIONS.values());
    }

    /**
     * The broker configs behind the group configs with Kafka's built-in values: each default's source
     * ({@code group.consumer.session.timeout.ms}) and each bound ({@code group.consumer.min.session.timeout.ms}),
     * sorted by name.
     */
    static Map<String, Integer> builtInBrokerValues() {
        Map<String, Integer> configs = new TreeMap<>();
        for (Definition definition : DEFINITIONS.values()) {
            if (definition.brokerSynonym() != null) {
                configs.put(definition.brokerSynonym(), Integer.parseInt(definition.defaultValue()));
            }
        }
        for (Bound bound : BOUNDS) {
            configs.put(bound.boundName(), bound.bound());
        }
        return configs;
    }

    /**
     * Checks broker values of these configs against each other, as Kafka checks its own at start:
     * each bound pair in order (the maximum not below the minimum, the default within them), and
     * each family's heartbeat interval below its session timeout once its session bounds passed.
     * Values the broker does not set are the built-in ones.
     *
     * @param values every broker value ({@link #builtInBrokerValues()} with the broker's changes)
     * @throws IllegalArgumentException naming the first rule broken, in Kafka's words
     */
    static void checkBrokerValues(Map<String, Integer> values) {
        Map<String, Bound[]> boundsByConfig = new LinkedHashMap<>(); // [lower, upper], either may be null
        for (Bound bound : BOUNDS) {
            boundsByConfig.computeIfAbsent(bound.name(), name -> new Bound[2])[bound.lower() ? 0 : 1] = bound;
        }
        boundsByConfig.forEach((name, bounds) -> {
            String source = DEFINITIONS.get(name).brokerSynonym();
            Bound lower = bounds[0];
            Bound upper = bounds[1];
            if (lower != null && upper != null) {
                require(values.get(upper.boundName()) >= values.get(lower.boundName()),
                        upper.boundName() + " must be greater than or equal to " + lower.boundName());
            }
            if (lower != null) {
                require(values.get(source) >= values.get(lower.boundName()),
                        source + " must be greater than or equal to " + lower.boundName());
            }
            if (upper != null) {
                require(values.get(source) <= values.get(upper.boundName()),
                        source + " must be less than or equal to " + upper.boundName());
            }
            if (name.endsWith(".session.timeout.ms")) {
                String family = name.substring(0, name.indexOf('.'));
                String heartbeat = DEFINITIONS.get(family + ".heartbeat.interval.ms").brokerSynonym();
                require(values.get(heartbeat) < values.get(source), heartbeat + " must be less than " + source);
            }
        });
    }

    /**
     * The lowest value the broker config {@code brokerName} takes: that of the group config it is the
     * default or a bound of; {@link Integer#MIN_VALUE} when it is none of these.
     */
    static int lowestBrokerValue(String brokerName) {
        for (Definition definition : DEFINITIONS.values()) {
            if (brokerName.equals(definition.brokerSynonym())) {
                return definition.lowest();
            }
        }
        for (Bound bound : BOUNDS) {
            if (bound.boundName().equals(brokerName)) {
                return DEFINITIONS.get(bound.name()).lowest();
            }
        }
        return Integer.MIN_VALUE;
    }

    private static void require(boolean rule, String message) {
        if (!rule) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The config named {@code name}, or null when there is none. */
    public static Definition definition(String name) {
        return DEFINITIONS.get(name);
    }

    /**
     * Checks a group's whole set of overrides and returns it as stored: each value in its usual
     * form (trimmed; booleans in lower case), sorted by name.
     *
     * @throws BrokerException INVALID_CONFIG naming the first rule the set breaks, in Kafka's words
     */
    public static Map<String, String> validated(Map<String, String> overrides) {
        return validated(overrides, GroupConfigDefaults.kafkaDefaults());
    }

    /**
     * As {@link #validated(Map)}, on a broker whose defaults and bounds are {@code broker}'s.
     *
     * @throws BrokerException INVALID_CONFIG naming the first rule the set breaks, in Kafka's words
     */
    public static Map<String, String> validated(Map<String, String> overrides, GroupConfigDefaults broker) {
        for (String name : overrides.keySet()) {
            if (!DEFINITIONS.containsKey(name)) {
                throw invalid("Unknown group config name: " + name);
            }
        }
        Map<String, String> stored = new TreeMap<>();
        Map<String, Integer> integers = new LinkedHashMap<>();
        for (Definition definition : DEFINITIONS.values()) {
            String raw = overrides.get(definition.name());
            String value = raw == null ? broker.defaultValue(definition) : normalised(definition, raw);
            if (raw != null) {
                stored.put(definition.name(), value);
            }
            if (definition.type() == Type.INT) {
                integers.put(definition.name(), Integer.parseInt(value));
            }
        }
        for (Bound bound : BOUNDS) {
            int value = integers.get(bound.name());
            int limit = broker.value(bound.boundName());
            if (bound.lower() && value < limit) {
                throw invalid(bound.name() + " must be greater than or equal to " + bound.boundName());
            }
            if (!bound.lower() && value > limit) {
                throw invalid(bound.name() + " must be less than or equal to " + bound.boundName());
            }
        }
        for (String family : List.of("consumer", "share", "streams")) {
            String session = family + ".session.timeout.ms";
            String heartbeat = family + ".heartbeat.interval.ms";
            if (integers.get(session) <= integers.get(heartbeat)) {
                throw invalid(session + " must be greater than " + heartbeat);
            }
        }
        return stored;
    }

    /** The value in the form it is stored and reported in, or INVALID_CONFIG when it does not fit its config. */
    private static String normalised(Definition definition, String raw) {
        String value = raw.trim();
        switch (definition.type()) {
            case INT -> {
                int parsed;
                try {
                    parsed = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw invalidValue(definition, raw, "Not a number of type INT");
                }
                if (parsed < definition.lowest()) {
                    throw invalidValue(definition, raw, "Value must be at least " + definition.lowest());
                }
                return Integer.toString(parsed);
            }
            case BOOLEAN -> {
                String lower = value.toLowerCase(Locale.ROOT);
                if (!lower.equals("true") && !lower.equals("false")) {
                    throw invalidValue(definition, raw, "Expected value to be either true or false");
                }
                return lower;
            }
            default -> {
                if (definition.name().equals("share.isolation.level")
                        && !value.equals("read_committed") && !value.equals("read_uncommitted")) {
                    throw invalidValue(definition, raw, "String must be one of: read_committed, read_uncommitted");
                }
                if (definition.name().equals("share.auto.offset.reset") && !isOffsetReset(value)) {
                    throw invalidValue(definition, raw, "Invalid value `" + value + "` for configuration "
                            + definition.name() + ". The value must be either 'earliest', 'latest' or of the format "
                            + "'by_duration:<PnDTnHnMn.nS>'.");
                }
                return value;
            }
        }
    }

    private static boolean isOffsetReset(String value) {
        if (value.equals("earliest") || value.equals("latest")) {
            return true;
        }
        String prefix = "by_duration:";
        if (!value.startsWith(prefix)) {
            return false;
        }
        try {
            return !Duration.parse(value.substring(prefix.length())).isNegative();
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static BrokerException invalidValue(Definition definition, String raw, String why) {
        return invalid("Invalid value " + raw + " for configuration " + definition.name() + ": " + why);
    }

    private static BrokerException invalid(String message) {
        return new BrokerException(ErrorCode.INVALID_CONFIG, message);
    }
}
