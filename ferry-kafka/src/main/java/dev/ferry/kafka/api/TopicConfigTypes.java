package dev.ferry.kafka.api;

import java.util.Set;

/**
 * What Kafka calls each topic config's type, for DescribeConfigs v3+ ({@code config_type}) and for
 * IncrementalAlterConfigs, where only list configs take APPEND and SUBTRACT. The wire codes are
 * Kafka's {@code DescribeConfigsResponse.ConfigType}.
 */
final class TopicConfigTypes {
    static final byte BOOLEAN = 1;
    static final byte STRING = 2;
    static final byte INT = 3;
    static final byte SHORT = 4;
    static final byte LONG = 5;
    static final byte DOUBLE = 6;
    static final byte LIST = 7;

    private static final Set<String> LISTS = Set.of("cleanup.policy", "leader.replication.throttled.replicas",
            "follower.replication.throttled.replicas");
    private static final Set<String> INTS = Set.of("compression.gzip.level", "compression.lz4.level",
            "compression.zstd.level", "index.interval.bytes", "max.message.bytes", "min.insync.replicas",
            "segment.bytes", "segment.index.bytes");
    private static final Set<String> BOOLEANS = Set.of("preallocate", "remote.storage.enable",
            "remote.log.copy.disable", "remote.log.delete.on.disable", "unclean.leader.election.enable");
    private static final Set<String> STRINGS = Set.of("compression.type", "message.timestamp.type");

    private TopicConfigTypes() {
    }

    /** Kafka's type of the topic config {@code name}; every config not named here is a long. */
    static byte of(String name) {
        if (LISTS.contains(name)) {
            return LIST;
        }
        if (INTS.contains(name)) {
            return INT;
        }
        if (BOOLEANS.contains(name)) {
            return BOOLEAN;
        }
        if (STRINGS.contains(name)) {
            return STRING;
        }
        return name.equals("min.cleanable.dirty.ratio") ? DOUBLE : LONG;
    }

    static boolean isList(String name) {
        return LISTS.contains(name);
    }
}
