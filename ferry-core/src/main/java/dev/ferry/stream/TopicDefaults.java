package dev.ferry.stream;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.text.KafkaIntSetting;

/**
 * What a topic gets from the broker when its creator leaves something out: Kafka's broker settings
 * {@code num.partitions}, {@code auto.create.topics.enable} and the broker-wide defaults of topic
 * configs under their broker names ({@code log.retention.hours} for {@code retention.ms},
 * {@code log.segment.bytes} for {@code segment.bytes}, ...). A topic keeps only its own overrides, so
 * a default changed between two starts reaches every topic that does not override it, as in Kafka.
 *
 * <p>The broker names, their order and the default each reports are Kafka 4's (its topic config
 * synonyms): DescribeConfigs lists them so that {@code kafka-configs --describe --all} and admin
 * clients see where a value comes from.
 *
 * <p>Immutable; thread-safe.
 */
public final class TopicDefaults {
    /** Kafka's {@code num.partitions}. */
    public static final String NUM_PARTITIONS = "num.partitions";
    /** Kafka's {@code auto.create.topics.enable}. */
    public static final String AUTO_CREATE_TOPICS = "auto.create.topics.enable";

    /** A broker setting that sets a topic config's default: its name and how many ms one of its units is (1 if none). */
    private record BrokerName(String name, long unitMs) {
    }

    /** A topic config's broker names, most specific first, and the name and value Kafka reports as the built-in default. */
    private record Synonyms(List<BrokerName> names, String defaultName, String defaultValue) {
    }

    /** One line of DescribeConfigs' synonyms: a name, its value, and whether it was set on this broker. */
    public record Synonym(String name, String value, boolean setOnBroker) {
    }

    private static final Map<String, Synonyms> SYNONYMS = synonyms();
    private static final Map<String, String> TOPIC_NAME_OF = topicNames();

    /** Nothing set: Kafka's built-in defaults. */
    public static final TopicDefaults NONE = new TopicDefaults(Map.of(), Map.of(), 1, true);

    private final Map<String, String> brokerValues; // broker name -> value as set, in name order
    private final Map<String, String> topicValues;  // topic config name -> the default the broker settings give it
    private final int numPartitions;
    private final boolean autoCreateTopics;

    private TopicDefaults(Map<String, String> brokerValues, Map<String, String> topicValues, int numPartitions,
                          boolean autoCreateTopics) {
        this.brokerValues = brokerValues;
        this.topicValues = topicValues;
        this.numPartitions = numPartitions;
        this.autoCreateTopics = autoCreateTopics;
    }

    /**
     * The defaults {@code settings} give, by Kafka broker name. A topic config set under two of its
     * names takes the most specific ({@code log.retention.ms} over {@code log.retention.minutes} over
     * {@code log.retention.hours}); a negative time in minutes or hours means no limit, as in Kafka.
     *
     * @throws BrokerException {@link ErrorCode#INVALID_CONFIG} naming an unknown setting or a wrong value
     */
    public static TopicDefaults of(Map<String, String> settings) {
        Map<String, String> brokerValues = new TreeMap<>();
        int numPartitions = 1;
        boolean autoCreateTopics = true;
        for (Map.Entry<String, String> entry : settings.entrySet()) {
            String name = entry.getKey().trim();
            String value = entry.getValue() == null ? "" : entry.getValue().trim();
            if (name.equals(NUM_PARTITIONS)) {
                numPartitions = positiveInt(name, value);
            } else if (name.equals(AUTO_CREATE_TOPICS)) {
                autoCreateTopics = bool(name, value);
            } else if (!TOPIC_NAME_OF.containsKey(name)) {
                throw new BrokerException(ErrorCode.INVALID_CONFIG, "Unknown broker setting: " + name + " (Ferry takes "
                        + NUM_PARTITIONS + ", " + AUTO_CREATE_TOPICS + " and the defaults of topic configs: "
                        + String.join(", ", new TreeMap<>(TOPIC_NAME_OF).keySet()) + ")");
            }
            brokerValues.put(name, value);
        }
        Map<String, String> topicValues = new TreeMap<>();
        SYNONYMS.forEach((topicName, synonyms) -> {
            for (BrokerName broker : synonyms.names()) {
                String value = brokerValues.get(broker.name());
                if (value != null) {
                    topicValues.put(topicName, broker.unitMs() == 1 ? value : inMs(broker, value));
                    return;
                }
            }
        });
        try {
            TopicConfig.of(topicValues); // the same checks as a topic's own value
        } catch (BrokerException e) {
            throw new BrokerException(ErrorCode.INVALID_CONFIG, "Broker default of a topic config: " + e.getMessage());
        }
        if (brokerValues.isEmpty()) {
            return NONE;
        }
        return new TopicDefaults(Collections.unmodifiableMap(brokerValues), Collections.unmodifiableMap(topicValues),
                numPartitions, autoCreateTopics);
    }

    private static String inMs(BrokerName broker, String value) {
        long units;
        try {
            units = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new BrokerException(ErrorCode.INVALID_CONFIG, "Invalid value " + value + " for configuration "
                    + broker.name() + ": Not a number of type INT");
        }
        if (units < 0) {
            return "-1";
        }
        try {
            return Long.toString(Math.multiplyExact(units, broker.unitMs()));
        } catch (ArithmeticException e) {
            return Long.toString(Long.MAX_VALUE);
        }
    }

    private static int positiveInt(String name, String value) {
        try {
            return KafkaIntSetting.parse(name, value, 1);
        } catch (IllegalArgumentException e) {
            throw new BrokerException(ErrorCode.INVALID_CONFIG, e.getMessage());
        }
    }

    private static boolean bool(String name, String value) {
        String lower = value.toLowerCase(Locale.ROOT);
        if (!lower.equals("true") && !lower.equals("false")) {
            throw new BrokerException(ErrorCode.INVALID_CONFIG, "Invalid value " + value + " for configuration " + name
                    + ": Expected value to be either true or false");
        }
        return lower.equals("true");
    }

    /** Partitions of a topic created without a count (CreateTopics with -1, a Metadata auto-creation). */
    public int numPartitions() {
        return numPartitions;
    }

    /** Whether a Metadata request may create the topics it names. */
    public boolean autoCreateTopics() {
        return autoCreateTopics;
    }

    /** The default the broker's settings give topic config {@code topicName}, or null if they leave it at Kafka's. */
    public String topicValue(String topicName) {
        return topicValues.get(topicName);
    }

    /** The broker settings as given, by Kafka name, in name order. */
    public Map<String, String> brokerValues() {
        return brokerValues;
    }

    /** Every broker setting behind a topic config default, by topic config name and then most specific first. */
    public static List<String> brokerNames() {
        return List.copyOf(TOPIC_NAME_OF.keySet());
    }

    /** The topic config a broker setting is the default of, or null for none. */
    public static String topicNameOf(String brokerName) {
        return TOPIC_NAME_OF.get(brokerName);
    }

    /**
     * Where topic config {@code topicName}'s default comes from, as Kafka lists it under the topic's
     * value: the synonyms of its most specific broker name ({@link #brokerSynonyms}). Kafka's
     * quirk included: with {@code log.retention.hours} set and {@code log.retention.ms} not, the list
     * is empty and the value (taken from the hours) reads as Kafka's default.
     */
    public List<Synonym> topicSynonyms(String topicName) {
        Synonyms synonyms = SYNONYMS.get(topicName);
        if (synonyms == null) {
            return List.of();
        }
        return chain(synonyms, 0);
    }

    /** Whether the broker's settings give topic config {@code topicName} its default, as DescribeConfigs reports it. */
    public boolean setsDefaultOf(String topicName) {
        return topicSynonyms(topicName).stream().anyMatch(Synonym::setOnBroker);
    }

    /**
     * The synonyms of broker setting {@code brokerName}, as Kafka lists them: none if it is neither
     * set nor has a built-in value of its own ({@code log.retention.ms}); else itself if set, the less
     * specific names of the same topic config that are set, then the built-in default.
     */
    public List<Synonym> brokerSynonyms(String brokerName) {
        String topicName = TOPIC_NAME_OF.get(brokerName);
        if (topicName == null) {
            List<Synonym> own = new ArrayList<>();
            String value = brokerValues.get(brokerName);
            if (value != null) {
                own.add(new Synonym(brokerName, value, true));
            }
            if (brokerName.equals(NUM_PARTITIONS)) {
                own.add(new Synonym(brokerName, "1", false));
            } else if (brokerName.equals(AUTO_CREATE_TOPICS)) {
                own.add(new Synonym(brokerName, "true", false));
            }
            return own;
        }
        Synonyms synonyms = SYNONYMS.get(topicName);
        int from = 0;
        while (!synonyms.names().get(from).name().equals(brokerName)) {
            from++;
        }
        return chain(synonyms, from);
    }

    /** The value broker setting {@code brokerName} has here: as set, else its built-in default (null if it has none). */
    public String brokerValue(String brokerName) {
        String value = brokerValues.get(brokerName);
        if (value != null) {
            return value;
        }
        if (brokerName.equals(NUM_PARTITIONS)) {
            return "1";
        }
        if (brokerName.equals(AUTO_CREATE_TOPICS)) {
            return "true";
        }
        String topicName = TOPIC_NAME_OF.get(brokerName);
        if (topicName == null) {
            return null;
        }
        Synonyms synonyms = SYNONYMS.get(topicName);
        return brokerName.equals(synonyms.defaultName()) ? synonyms.defaultValue() : null;
    }

    private List<Synonym> chain(Synonyms synonyms, int from) {
        String first = synonyms.names().get(from).name();
        if (!brokerValues.containsKey(first) && !first.equals(synonyms.defaultName())) {
            return List.of();
        }
        List<Synonym> chain = new ArrayList<>();
        for (int i = from; i < synonyms.names().size(); i++) {
            String name = synonyms.names().get(i).name();
            String value = brokerValues.get(name);
            if (value != null) {
                chain.add(new Synonym(name, value, true));
            }
        }
        if (synonyms.defaultName() != null) {
            chain.add(new Synonym(synonyms.defaultName(), synonyms.defaultValue(), false));
        }
        return chain;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TopicDefaults defaults && defaults.brokerValues.equals(brokerValues);
    }

    @Override
    public int hashCode() {
        return brokerValues.hashCode();
    }

    @Override
    public String toString() {
        return "TopicDefaults" + brokerValues;
    }

    private static Map<String, String> topicNames() {
        Map<String, String> names = new LinkedHashMap<>();
        SYNONYMS.forEach((topicName, synonyms) -> synonyms.names().forEach(broker -> names.put(broker.name(), topicName)));
        return Collections.unmodifiableMap(names);
    }

    private static Map<String, Synonyms> synonyms() {
        Map<String, Synonyms> s = new TreeMap<>();
        same(s, TopicConfig.CLEANUP_POLICY, "log.cleanup.policy");
        same(s, TopicConfig.COMPRESSION_GZIP_LEVEL, TopicConfig.COMPRESSION_GZIP_LEVEL);
        same(s, TopicConfig.COMPRESSION_LZ4_LEVEL, TopicConfig.COMPRESSION_LZ4_LEVEL);
        same(s, TopicConfig.COMPRESSION_TYPE, TopicConfig.COMPRESSION_TYPE);
        same(s, TopicConfig.COMPRESSION_ZSTD_LEVEL, TopicConfig.COMPRESSION_ZSTD_LEVEL);
        same(s, TopicConfig.DELETE_RETENTION_MS, "log.cleaner.delete.retention.ms");
        same(s, TopicConfig.FILE_DELETE_DELAY_MS, "log.segment.delete.delay.ms");
        same(s, "flush.messages", "log.flush.interval.messages");
        s.put("flush.ms", new Synonyms(List.of(new BrokerName("log.flush.interval.ms", 1)), null, null));
        same(s, TopicConfig.INDEX_INTERVAL_BYTES, "log.index.interval.bytes");
        same(s, "local.retention.bytes", "log.local.retention.bytes");
        same(s, "local.retention.ms", "log.local.retention.ms");
        same(s, "max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms");
        same(s, TopicConfig.MAX_MESSAGE_BYTES, "message.max.bytes");
        same(s, TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS, "log.message.timestamp.after.max.ms");
        same(s, TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, "log.message.timestamp.before.max.ms");
        same(s, TopicConfig.MESSAGE_TIMESTAMP_TYPE, "log.message.timestamp.type");
        same(s, TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "log.cleaner.min.cleanable.ratio");
        same(s, TopicConfig.MIN_COMPACTION_LAG_MS, "log.cleaner.min.compaction.lag.ms");
        same(s, "min.insync.replicas", "min.insync.replicas");
        same(s, "preallocate", "log.preallocate");
        same(s, TopicConfig.RETENTION_BYTES, "log.retention.bytes");
        s.put(TopicConfig.RETENTION_MS, new Synonyms(List.of(new BrokerName("log.retention.ms", 1),
                new BrokerName("log.retention.minutes", 60_000L), new BrokerName("log.retention.hours", 3_600_000L)),
                "log.retention.hours", "168"));
        same(s, TopicConfig.SEGMENT_BYTES, "log.segment.bytes");
        same(s, "segment.index.bytes", "log.index.size.max.bytes");
        s.put("segment.jitter.ms", new Synonyms(List.of(new BrokerName("log.roll.jitter.ms", 1),
                new BrokerName("log.roll.jitter.hours", 3_600_000L)), null, null));
        s.put(TopicConfig.SEGMENT_MS, new Synonyms(List.of(new BrokerName("log.roll.ms", 1),
                new BrokerName("log.roll.hours", 3_600_000L)), "log.roll.hours", "168"));
        same(s, "unclean.leader.election.enable", "unclean.leader.election.enable");
        return Collections.unmodifiableMap(s);
    }

    /** A topic config with one broker name, whose built-in default is the topic config's own. */
    private static void same(Map<String, Synonyms> s, String topicName, String brokerName) {
        s.put(topicName, new Synonyms(List.of(new BrokerName(brokerName, 1)), brokerName,
                TopicConfig.DEFAULTS.get(topicName)));
    }
}
