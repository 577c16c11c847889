package dev.ferry.kafka.api;

import dev.ferry.group.DynamicGroupConfig;
import dev.ferry.group.GroupConfig;
import dev.ferry.kafka.KafkaConfig;
import dev.ferry.kafka.LocalNode;
import dev.ferry.stream.TopicConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The broker configs DescribeConfigs reports for this node: the ones admin clients and Kafka's
 * tools read (replication factors, topic defaults, group timeouts, log dirs, the defaults and bounds
 * of group configs), with the values Ferry actually works with. None can be changed at runtime, so
 * every one is read-only.
 */
final class BrokerConfigs {
    /** Kafka's {@code ConfigSource}: set on the command line (here: derived from Ferry's own settings). */
    static final byte STATIC_BROKER_CONFIG = 4;
    static final byte DEFAULT_CONFIG = 5;

    record Entry(String name, String value, byte type, byte source) {
    }

    private BrokerConfigs() {
    }

    static List<Entry> of(LocalNode node, Path dataDirectory, GroupConfig groups) {
        String nodeId = Integer.toString(node.nodeId());
        TopicConfig defaults = TopicConfig.defaults();
        List<Entry> entries = new ArrayList<>();
        entries.add(fixed("node.id", nodeId, TopicConfigTypes.INT));
        entries.add(fixed("broker.id", nodeId, TopicConfigTypes.INT));
        entries.add(fixed("process.roles", "broker,controller", TopicConfigTypes.LIST));
        entries.add(fixed("log.dirs", dataDirectory.toAbsolutePath().toString(), TopicConfigTypes.STRING));
        String listeners = "PLAINTEXT://" + node.advertisedHost() + ":" + node.advertisedPort()
                + (node.advertisedSslPort() < 0 ? "" : ",SSL://" + node.advertisedHost() + ":" + node.advertisedSslPort());
        entries.add(fixed("advertised.listeners", listeners, TopicConfigTypes.STRING));
        // A single node: every replication factor is 1, whatever Kafka's multi-node defaults say.
        entries.add(fixed("default.replication.factor", "1", TopicConfigTypes.INT));
        entries.add(fixed("offsets.topic.replication.factor", "1", TopicConfigTypes.SHORT));
        entries.add(fixed("transaction.state.log.replication.factor", "1", TopicConfigTypes.SHORT));
        entries.add(standard("min.insync.replicas", defaults.value("min.insync.replicas"), TopicConfigTypes.INT));
        entries.add(standard("auto.create.topics.enable", "true", TopicConfigTypes.BOOLEAN));
        entries.add(standard("delete.topic.enable", "true", TopicConfigTypes.BOOLEAN));
        entries.add(standard("num.partitions", Integer.toString(CreateTopicsHandler.DEFAULT_PARTITIONS), TopicConfigTypes.INT));
        entries.add(standard("message.max.bytes", defaults.value(TopicConfig.MAX_MESSAGE_BYTES), TopicConfigTypes.INT));
        entries.add(standard("log.retention.hours", Long.toString(defaults.retentionMs() / 3_600_000L), TopicConfigTypes.INT));
        entries.add(standard("log.retention.bytes", defaults.value(TopicConfig.RETENTION_BYTES), TopicConfigTypes.LONG));
        entries.add(standard("log.segment.bytes", defaults.value(TopicConfig.SEGMENT_BYTES), TopicConfigTypes.INT));
        entries.add(standard("log.roll.hours", Long.toString(defaults.segmentMs() / 3_600_000L), TopicConfigTypes.INT));
        entries.add(standard("log.cleanup.policy", defaults.value(TopicConfig.CLEANUP_POLICY), TopicConfigTypes.LIST));
        entries.add(standard("log.message.timestamp.type", defaults.value(TopicConfig.MESSAGE_TIMESTAMP_TYPE),
                TopicConfigTypes.STRING));
        entries.add(standard("compression.type", defaults.value("compression.type"), TopicConfigTypes.STRING));
        entries.add(standard("unclean.leader.election.enable", "false", TopicConfigTypes.BOOLEAN));
        entries.add(standard("socket.request.max.bytes", Integer.toString(KafkaConfig.DEFAULT_REQUEST_MAX_BYTES),
                TopicConfigTypes.INT));
        entries.add(fixed("group.initial.rebalance.delay.ms", Integer.toString(groups.initialRebalanceDelayMs()),
                TopicConfigTypes.INT));
        entries.add(fixed("group.min.session.timeout.ms", Integer.toString(groups.minSessionTimeoutMs()),
                TopicConfigTypes.INT));
        entries.add(fixed("group.max.session.timeout.ms", Integer.toString(groups.maxSessionTimeoutMs()),
                TopicConfigTypes.INT));
        entries.add(fixed("offset.metadata.max.bytes", Integer.toString(groups.offsetMetadataMaxBytes()),
                TopicConfigTypes.INT));
        // The defaults and bounds of the group configs (Kafka's, fixed here): group config refusals name them.
        DynamicGroupConfig.brokerConfigs().forEach((name, value) ->
                entries.add(standard(name, Integer.toString(value), TopicConfigTypes.INT)));
        return entries;
    }

    private static Entry fixed(String name, String value, byte type) {
        return new Entry(name, value, type, STATIC_BROKER_CONFIG);
    }

    private static Entry standard(String name, String value, byte type) {
        return new Entry(name, value, type, DEFAULT_CONFIG);
    }
}
