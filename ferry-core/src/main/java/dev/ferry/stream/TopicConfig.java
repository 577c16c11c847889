package dev.ferry.stream;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.compress.Compression;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.log.CompactionSettings;
import dev.ferry.log.LogConfig;

/**
 * A topic's settings, under Kafka's names and with Kafka 4's defaults, so that an admin client's
 * CreateTopics and DescribeConfigs read as they do against Kafka. A topic stores only what was
 * set ({@link #overrides()}); every other name has the broker's default for it
 * ({@link TopicDefaults}, Kafka's {@code log.retention.hours} and the like) if the broker sets one,
 * else Kafka's ({@link #DEFAULTS}).
 *
 * <p>Ferry acts on {@code retention.ms}, {@code retention.bytes}, {@code segment.bytes},
 * {@code segment.ms}, {@code max.message.bytes}, {@code message.timestamp.type},
 * {@code message.timestamp.before.max.ms}, {@code message.timestamp.after.max.ms},
 * {@code index.interval.bytes}, {@code file.delete.delay.ms}, {@code compression.type} (with
 * {@code compression.gzip.level}, {@code compression.lz4.level} and {@code compression.zstd.level}:
 * anything but {@code producer} has each produced batch stored in that codec, see
 * {@link #compression()}), and for compaction
 * {@code cleanup.policy} ({@code delete}, {@code compact} or both), {@code delete.retention.ms},
 * {@code min.cleanable.dirty.ratio} and {@code min.compaction.lag.ms} (see
 * {@link dev.ferry.log.LogCleaner}). The other names are accepted and reported (so tools that set
 * them work) but change nothing: a single node has no replicas to throttle or elect, every append
 * is fsynced whatever {@code flush.messages} says, and {@code max.compaction.lag.ms} is not
 * enforced (the cleaner goes by the dirty ratio).
 *
 * <p>Immutable; thread-safe.
 */
public final class TopicConfig {
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String MESSAGE_TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
    public static final String MESSAGE_TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String COMPRESSION_GZIP_LEVEL = "compression.gzip.level";
    public static final String COMPRESSION_LZ4_LEVEL = "compression.lz4.level";
    public static final String COMPRESSION_ZSTD_LEVEL = "compression.zstd.level";
    public static final String CLEANUP_DELETE = "delete";
    public static final String CLEANUP_COMPACT = "compact";

    /** {@code compression.type}: store batches in whatever codec the producer used. The default. */
    public static final String COMPRESSION_PRODUCER = "producer";
    /** {@code compression.type}'s values, in the order Kafka lists them when it refuses another. */
    private static final List<String> COMPRESSION_TYPES = List.of("uncompressed", "zstd", "lz4", "snappy", "gzip",
            COMPRESSION_PRODUCER);

    public static final String CREATE_TIME = "CreateTime";
    public static final String LOG_APPEND_TIME = "LogAppendTime";

    private enum Type { LONG, INT, BOOLEAN, DOUBLE, STRING }

    private record Definition(String defaultValue, Type type, long min) {
    }

    private static final String LONG_MAX = Long.toString(Long.MAX_VALUE);
    private static final Map<String, Definition> DEFINITIONS = definitions();

    /** Every topic config name Ferry knows, with Kafka 4's default, in name order. */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> defaults = new TreeMap<>();
        DEFINITIONS.forEach((name, definition) -> defaults.put(name, definition.defaultValue()));
        DEFAULTS = Collections.unmodifiableMap(defaults);
    }

    private static final TopicConfig DEFAULT = new TopicConfig(Map.of(), null);

    private final Map<String, String> overrides;
    private final TopicDefaults brokerDefaults; // null: none (TopicDefaults may not be initialised yet when this class is)
    private final long retentionMs;
    private final long retentionBytes;
    private final int segmentBytes;
    private final long segmentMs;
    private final int maxMessageBytes;
    private final boolean logAppendTime;
    private final long timestampBeforeMaxMs;
    private final long timestampAfterMaxMs;
    private final int indexIntervalBytes;
    private final long fileDeleteDelayMs;
    private final boolean cleanupDeletes;
    private final boolean cleanupCompacts;
    private final CompactionSettings compaction;
    private final Compression compression;

    private TopicConfig(Map<String, String> overrides, TopicDefaults brokerDefaults) {
        this.overrides = overrides;
        this.brokerDefaults = brokerDefaults == TopicDefaults.NONE ? null : brokerDefaults;
        this.retentionMs = Long.parseLong(value(RETENTION_MS));
        this.retentionBytes = Long.parseLong(value(RETENTION_BYTES));
        this.segmentBytes = Integer.parseInt(value(SEGMENT_BYTES));
        this.segmentMs = Long.parseLong(value(SEGMENT_MS));
        this.maxMessageBytes = Integer.parseInt(value(MAX_MESSAGE_BYTES));
        this.logAppendTime = LOG_APPEND_TIME.equals(value(MESSAGE_TIMESTAMP_TYPE));
        this.timestampBeforeMaxMs = Long.parseLong(value(MESSAGE_TIMESTAMP_BEFORE_MAX_MS));
        this.timestampAfterMaxMs = Long.parseLong(value(MESSAGE_TIMESTAMP_AFTER_MAX_MS));
        this.indexIntervalBytes = Integer.parseInt(value(INDEX_INTERVAL_BYTES));
        this.fileDeleteDelayMs = Long.parseLong(value(FILE_DELETE_DELAY_MS));
        List<String> policies = cleanupPolicies(value(CLEANUP_POLICY));
        this.cleanupDeletes = policies.contains(CLEANUP_DELETE);
        this.cleanupCompacts = policies.contains(CLEANUP_COMPACT);
        this.compaction = new CompactionSettings(Long.parseLong(value(DELETE_RETENTION_MS)),
                Double.parseDouble(value(MIN_CLEANABLE_DIRTY_RATIO)), Long.parseLong(value(MIN_COMPACTION_LAG_MS)));
        this.compression = switch (value(COMPRESSION_TYPE)) {
            case "uncompressed" -> Compression.NONE;
            case "gzip" -> Compression.gzip().level(Integer.parseInt(value(COMPRESSION_GZIP_LEVEL))).build();
            case "snappy" -> Compression.snappy().build();
            case "lz4" -> Compression.lz4().level(Integer.parseInt(value(COMPRESSION_LZ4_LEVEL))).build();
            case "zstd" -> Compression.zstd().level(Integer.parseInt(value(COMPRESSION_ZSTD_LEVEL))).build();
            default -> null; // producer
        };
    }

    /** The policies of a {@code cleanup.policy} list ("compact,delete"), trimmed, each once. */
    private static List<String> cleanupPolicies(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(policy -> !policy.isEmpty()).distinct().toList();
    }

    /** Every default. */
    public static TopicConfig defaults() {
        return DEFAULT;
    }

    /**
     * The config with {@code overrides} set and every other name at its default.
     *
     * @throws BrokerException {@link ErrorCode#INVALID_CONFIG} naming the first unknown name or wrong value
     */
    public static TopicConfig of(Map<String, String> overrides) {
        return of(overrides, TopicDefaults.NONE);
    }

    /**
     * As {@link #of(Map)}, names not overridden taking {@code brokerDefaults}' values where it has one.
     *
     * @throws BrokerException {@link ErrorCode#INVALID_CONFIG} naming the first unknown name or wrong value
     */
    public static TopicConfig of(Map<String, String> overrides, TopicDefaults brokerDefaults) {
        boolean noDefaults = brokerDefaults == null || brokerDefaults == TopicDefaults.NONE;
        if ((overrides == null || overrides.isEmpty()) && noDefaults) {
            return DEFAULT;
        }
        if (overrides == null) {
            overrides = Map.of();
        }
        Map<String, String> checked = new TreeMap<>();
        for (Map.Entry<String, String> entry : overrides.entrySet()) {
            String name = entry.getKey();
            String value = entry.getValue();
            Definition definition = DEFINITIONS.get(name);
            if (definition == null) {
                throw invalid("Unknown topic config name: " + name);
            }
            if (value == null) {
                continue; // Kafka's "use the default"
            }
            String trimmed = value.trim();
            check(name, trimmed, definition);
            checked.put(name, name.equals(CLEANUP_POLICY) ? String.join(",", cleanupPolicies(trimmed)) : trimmed);
        }
        return new TopicConfig(Collections.unmodifiableMap(checked), noDefaults ? null : brokerDefaults);
    }

    /** This config with {@code changes} applied, the same broker defaults under it: a null value removes an override (back to the default). */
    public TopicConfig with(Map<String, String> changes) {
        Map<String, String> merged = new LinkedHashMap<>(overrides);
        changes.forEach((name, value) -> {
            if (value == null) {
                if (!DEFINITIONS.containsKey(name)) {
                    throw invalid("Unknown topic config name: " + name);
                }
                merged.remove(name);
            } else {
                merged.put(name, value);
            }
        });
        return of(merged, brokerDefaults);
    }

    private static void check(String name, String value, Definition definition) {
        switch (definition.type()) {
            case LONG, INT -> {
                long parsed;
                try {
                    parsed = definition.type() == Type.INT ? Integer.parseInt(value) : Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw invalidValue(name, value, "Not a number of type " + definition.type());
                }
                if (parsed < definition.min()) {
                    throw invalidValue(name, value, "Value must be at least " + definition.min());
                }
                checkCompressionLevel(name, value, parsed);
            }
            case BOOLEAN -> {
                if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                    throw invalidValue(name, value, "Expected value to be either true or false");
                }
            }
            case DOUBLE -> {
                double parsed;
                try {
                    parsed = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    throw invalidValue(name, value, "Not a number of type DOUBLE");
                }
                if (name.equals(MIN_CLEANABLE_DIRTY_RATIO) && !(parsed >= 0)) {
                    throw invalidValue(name, value, "Value must be at least 0");
                }
                if (name.equals(MIN_CLEANABLE_DIRTY_RATIO) && !(parsed <= 1)) {
                    throw invalidValue(name, value, "Value must be no more than 1");
                }
            }
            case STRING -> checkString(name, value);
        }
    }

    private static void checkString(String name, String value) {
        switch (name) {
            case CLEANUP_POLICY -> {
                // Kafka 4: an empty list is allowed (no deletion, no compaction); an empty item is not.
                if (!value.isEmpty() && Arrays.stream(value.split(",", -1)).anyMatch(String::isBlank)) {
                    throw invalid("Configuration '" + name + "' values must not be empty.");
                }
                for (String policy : cleanupPolicies(value)) {
                    if (!policy.equals(CLEANUP_DELETE) && !policy.equals(CLEANUP_COMPACT)) {
                        throw invalidValue(name, policy, "String must be one of: " + CLEANUP_COMPACT + ", " + CLEANUP_DELETE);
                    }
                }
            }
            case MESSAGE_TIMESTAMP_TYPE -> {
                if (!value.equals(CREATE_TIME) && !value.equals(LOG_APPEND_TIME)) {
                    throw invalidValue(name, value, "String must be one of: " + CREATE_TIME + ", " + LOG_APPEND_TIME);
                }
            }
            case COMPRESSION_TYPE -> {
                if (!COMPRESSION_TYPES.contains(value)) {
                    throw invalidValue(name, value, "String must be one of: " + String.join(", ", COMPRESSION_TYPES));
                }
            }
            default -> {
            }
        }
    }

    /**
     * The codec levels Kafka 4 takes (and its wording when it does not): gzip 1 to 9 or -1 (zlib's
     * default), lz4 1 to 17, zstd -131072 to 22 (zstd-jni's bounds, written out here so that checking
     * a config does not load the native library). The lower bounds of lz4 and zstd are the
     * definitions' minimums, checked before this.
     */
    private static void checkCompressionLevel(String name, String value, long level) {
        switch (name) {
            case COMPRESSION_GZIP_LEVEL -> {
                if (level != -1 && (level < 1 || level > 9)) {
                    throw invalidValue(name, value, "Value must be between 1 and 9 or equal to -1");
                }
            }
            case COMPRESSION_LZ4_LEVEL -> {
                if (level > 17) {
                    throw invalidValue(name, value, "Value must be no more than 17");
                }
            }
            case COMPRESSION_ZSTD_LEVEL -> {
                if (level > 22) {
                    throw invalidValue(name, value, "Value must be no more than 22");
                }
            }
            default -> {
            }
        }
    }

    private static BrokerException invalid(String text) {
        return new BrokerException(ErrorCode.INVALID_CONFIG, text);
    }

    /** Kafka's wording for a value its ConfigDef refuses. */
    private static BrokerException invalidValue(String name, String value, String reason) {
        return invalid("Invalid value " + value + " for configuration " + name + ": " + reason);
    }

    /** The value of {@code name}: its override, or the broker's default, or Kafka's; null for a name Ferry does not know. */
    public String value(String name) {
        String value = overrides.get(name);
        if (value != null) {
            return value;
        }
        value = brokerDefaults == null ? null : brokerDefaults.topicValue(name);
        if (value != null) {
            return value;
        }
        Definition definition = DEFINITIONS.get(name);
        return definition == null ? null : definition.defaultValue();
    }

    /** Whether {@code name} was set for this topic rather than left at its default. */
    public boolean isOverridden(String name) {
        return overrides.containsKey(name);
    }

    /**
     * Whether {@code name} is not overridden and DescribeConfigs reports its value as the broker's
     * ({@link TopicDefaults#setsDefaultOf}).
     */
    public boolean isBrokerDefault(String name) {
        return !isOverridden(name) && brokerDefaults != null && brokerDefaults.setsDefaultOf(name);
    }

    /** The broker defaults under this config's overrides. */
    public TopicDefaults brokerDefaults() {
        return brokerDefaults == null ? TopicDefaults.NONE : brokerDefaults;
    }

    /** What was set for the topic, by name. Immutable. */
    public Map<String, String> overrides() {
        return overrides;
    }

    /** Every name Ferry knows with this topic's value, in name order. */
    public Map<String, String> values() {
        Map<String, String> values = new TreeMap<>(DEFAULTS);
        values.replaceAll((name, kafkaDefault) -> value(name));
        return values;
    }

    public long retentionMs() {
        return retentionMs;
    }

    public long retentionBytes() {
        return retentionBytes;
    }

    public int segmentBytes() {
        return segmentBytes;
    }

    public long segmentMs() {
        return segmentMs;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** Whether the partition stamps its own clock into each batch ({@code LogAppendTime}). */
    public boolean logAppendTime() {
        return logAppendTime;
    }

    public long timestampBeforeMaxMs() {
        return timestampBeforeMaxMs;
    }

    public long timestampAfterMaxMs() {
        return timestampAfterMaxMs;
    }

    public int indexIntervalBytes() {
        return indexIntervalBytes;
    }

    public long fileDeleteDelayMs() {
        return fileDeleteDelayMs;
    }

    /** Whether {@code cleanup.policy} holds {@code delete}: retention by time and size applies. */
    public boolean cleanupDeletes() {
        return cleanupDeletes;
    }

    /** Whether {@code cleanup.policy} holds {@code compact}: the log cleaner keeps the latest record per key. */
    public boolean cleanupCompacts() {
        return cleanupCompacts;
    }

    /**
     * The codec every produced batch is stored in, with the topic's level for it
     * ({@code compression.type} and {@code compression.<codec>.level}); {@link Compression#NONE}
     * for {@code uncompressed}; null for {@code producer}, the default: batches stay in the codec
     * the producer chose.
     */
    public Compression compression() {
        return compression;
    }

    /** {@code delete.retention.ms}, {@code min.cleanable.dirty.ratio} and {@code min.compaction.lag.ms}. */
    public CompactionSettings compactionSettings() {
        return compaction;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TopicConfig config && config.overrides.equals(overrides)
                && config.brokerDefaults().equals(brokerDefaults());
    }

    @Override
    public int hashCode() {
        return overrides.hashCode() * 31 + brokerDefaults().hashCode();
    }

    @Override
    public String toString() {
        return "TopicConfig" + overrides;
    }

    private static Map<String, Definition> definitions() {
        Map<String, Definition> d = new LinkedHashMap<>();
        d.put(CLEANUP_POLICY, new Definition("delete", Type.STRING, 0));
        d.put(COMPRESSION_TYPE, new Definition(COMPRESSION_PRODUCER, Type.STRING, 0));
        d.put(COMPRESSION_GZIP_LEVEL, new Definition("-1", Type.INT, Integer.MIN_VALUE));
        d.put(COMPRESSION_LZ4_LEVEL, new Definition("9", Type.INT, 1));
        d.put(COMPRESSION_ZSTD_LEVEL, new Definition("3", Type.INT, -131072));
        d.put(DELETE_RETENTION_MS, new Definition("86400000", Type.LONG, 0));
        d.put(FILE_DELETE_DELAY_MS, new Definition("60000", Type.LONG, 0));
        d.put("flush.messages", new Definition(LONG_MAX, Type.LONG, 1));
        d.put("flush.ms", new Definition(LONG_MAX, Type.LONG, 0));
        d.put("follower.replication.throttled.replicas", new Definition("", Type.STRING, 0));
        d.put(INDEX_INTERVAL_BYTES, new Definition("4096", Type.INT, 0));
        d.put("leader.replication.throttled.replicas", new Definition("", Type.STRING, 0));
        d.put("local.retention.bytes", new Definition("-2", Type.LONG, -2));
        d.put("local.retention.ms", new Definition("-2", Type.LONG, -2));
        d.put("max.compaction.lag.ms", new Definition(LONG_MAX, Type.LONG, 1));
        d.put(MAX_MESSAGE_BYTES, new Definition("1048588", Type.INT, 0));
        d.put(MESSAGE_TIMESTAMP_AFTER_MAX_MS, new Definition("3600000", Type.LONG, 0));
        d.put(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, new Definition(LONG_MAX, Type.LONG, 0));
        d.put(MESSAGE_TIMESTAMP_TYPE, new Definition(CREATE_TIME, Type.STRING, 0));
        d.put(MIN_CLEANABLE_DIRTY_RATIO, new Definition("0.5", Type.DOUBLE, 0));
        d.put(MIN_COMPACTION_LAG_MS, new Definition("0", Type.LONG, 0));
        d.put("min.insync.replicas", new Definition("1", Type.INT, 1));
        d.put("preallocate", new Definition("false", Type.BOOLEAN, 0));
        d.put("remote.log.copy.disable", new Definition("false", Type.BOOLEAN, 0));
        d.put("remote.log.delete.on.disable", new Definition("false", Type.BOOLEAN, 0));
        d.put("remote.storage.enable", new Definition("false", Type.BOOLEAN, 0));
        d.put(RETENTION_BYTES, new Definition("-1", Type.LONG, -1));
        d.put(RETENTION_MS, new Definition("604800000", Type.LONG, -1));
        // Kafka 4 refuses less than 1 MiB; Ferry takes down to the log's own minimum, for tests and small disks.
        d.put(SEGMENT_BYTES, new Definition("1073741824", Type.INT, LogConfig.SEGMENT_BYTES_MIN));
        d.put("segment.index.bytes", new Definition("10485760", Type.INT, 4));
        d.put("segment.jitter.ms", new Definition("0", Type.LONG, 0));
        d.put(SEGMENT_MS, new Definition("604800000", Type.LONG, 1));
        d.put("unclean.leader.election.enable", new Definition("false", Type.BOOLEAN, 0));
        return Collections.unmodifiableMap(d);
    }
}
