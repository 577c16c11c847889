package dev.ferry.stream;

import java.util.List;
import java.util.UUID;

/**
 * A named, partitioned stream: its id (stable across restarts, new for a topic re-created under
 * the same name), its partitions and its config. A snapshot as of when it was looked up: adding
 * partitions or changing configs publishes a new {@code Topic} in the {@link TopicRegistry}; the
 * {@link Partition} objects themselves are shared between snapshots.
 *
 * <p>Two configs: {@link #config()} is the topic's own (what was set at creation or through
 * AlterConfigs, recorded in the registry), {@link #effectiveConfig()} what its partitions apply,
 * the own config with what a policy of the streams' virtual host sets in its place
 * ({@link StreamPolicyConfigs}).
 *
 * <p>Immutable; thread-safe.
 */
public final class Topic {
    private final String name;
    private final UUID id;
    private final List<Partition> partitions;
    private final TopicConfig config;
    private final TopicConfig effectiveConfig;

    Topic(String name, UUID id, List<Partition> partitions, TopicConfig config, TopicConfig effectiveConfig) {
        this.name = name;
        this.id = id;
        this.partitions = List.copyOf(partitions);
        this.config = config;
        this.effectiveConfig = effectiveConfig;
    }

    public String name() {
        return name;
    }

    /** The topic id; a Kafka front shows it as {@code new Uuid(msb, lsb)}. */
    public UUID id() {
        return id;
    }

    public int partitionCount() {
        return partitions.size();
    }

    /**
     * Partition {@code index}.
     *
     * @throws dev.ferry.error.BrokerException {@link dev.ferry.error.ErrorCode#UNKNOWN_TOPIC_OR_PARTITION} if there is none
     */
    public Partition partition(int index) {
        if (index < 0 || index >= partitions.size()) {
            throw StreamErrors.unknownPartition(name, index);
        }
        return partitions.get(index);
    }

    /** The partitions in order. */
    public List<Partition> partitions() {
        return partitions;
    }

    /** The topic's own config: its overrides are what Kafka's DescribeConfigs reports as set for the topic. */
    public TopicConfig config() {
        return config;
    }

    /** The config the partitions apply: {@link #config()} with a policy's retention and segment size in their place. */
    public TopicConfig effectiveConfig() {
        return effectiveConfig;
    }

    /** Whether this is one of the topics Kafka marks internal in Metadata responses. */
    public boolean isInternal() {
        return isInternalName(name);
    }

    /** Whether {@code name} follows Kafka's rules for topic names (what a new topic's name must). */
    public static boolean isLegalName(String name) {
        return TopicNames.problem(name) == null;
    }

    /** What is wrong with {@code name} as a topic name, in Kafka's words ("Topic name is invalid: ..."); null when nothing is. */
    public static String nameProblem(String name) {
        return TopicNames.problem(name);
    }

    public static boolean isInternalName(String name) {
        return name.equals("__consumer_offsets") || name.equals("__transaction_state")
                || name.equals("__share_group_state");
    }

    @Override
    public String toString() {
        return "Topic{" + name + ", " + id + ", " + partitions.size() + " partitions}";
    }
}
