package dev.ferry.kafka.api;

import dev.ferry.group.GroupConfig;
import dev.ferry.group.GroupConfigDefaults;
import dev.ferry.kafka.KafkaConfig;
import dev.ferry.kafka.LocalNode;
import dev.ferry.stream.TopicDefaults;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;

/**
 * The broker configs DescribeConfigs reports for this node: the ones admin clients and Kafka's
 * tools read (replication factors, the settings behind topic defaults, group timeouts, log dirs,
 * the defaults and bounds of group configs), with the values Ferry actually works with. None can be
 * changed at runtime, so every one is read-only. A setting given at start ({@link TopicDefaults})
 * is STATIC_BROKER_CONFIG, with Kafka's built-in value after it among its synonyms, as Kafka lists them.
 */
final class BrokerConfigs {
    /** Kafka's {@code ConfigSource}: set on the command line (here: derived from Ferry's own settings). */
    static final byte STATIC_BROKER_CONFIG = 4;
    static final byte DEFAULT_CONFIG = 5;

    record Entry(String name, String value, byte type, byte source, List<DescribeConfigsSynonym> synonyms) {
    }

    private BrokerConfigs() {
    }

    static List<Entry> of(LocalNode node, Path dataDirectory, GroupConfig groups, TopicDefaults defaults) {
        String nodeId = Integer.toString(node.nodeId());
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
        entries.add(standard("delete.topic.enable", "true", TopicConfigTypes.BOOLEAN));
        entries.add(topicDefault(TopicDefaults.NUM_PARTITIONS, TopicConfigTypes.INT, defaults));
        entries.add(topicDefault(TopicDefaults.AUTO_CREATE_TOPICS, TopicConfigTypes.BOOLEAN, defaults));
        for (String name : TopicDefaults.brokerNames()) {
            entries.add(topicDefault(name, brokerType(name), defaults));
        }
        entries.add(standard("socket.request.max.bytes", Integer.toString(KafkaConfig.DEFAULT_REQUEST_MAX_BYTES),
                TopicConfigTypes.INT));
        entries.add(fixed("group.initial.rebalance.delay.ms", Integer.toString(groups.initialRebalanceDelayMs()),
                TopicConfigTypes.INT));
        entries.add(fixed("group.consumer.migration.policy", groups.migrationPolicy().kafkaName(),
                TopicConfigTypes.STRING));
        entries.add(fixed("group.min.session.timeout.ms", Integer.toString(groups.minSessionTimeoutMs()),
                TopicConfigTypes.INT));
        entries.add(fixed("group.max.session.timeout.ms", Integer.toString(groups.maxSessionTimeoutMs()),
                TopicConfigTypes.INT));
        entries.add(fixed("offset.metadata.max.bytes", Integer.toString(groups.offsetMetadataMaxBytes()),
                TopicConfigTypes.INT));
        entries.add(groupSize("group.max.size", groups.classicMaxSize()));
        entries.add(groupSize("group.consumer.max.size", groups.consumerMaxSize()));
        // The defaults and bounds of the group configs: group config refusals name them.
        GroupConfigDefaults groupDefaults = groups.groupConfigDefaults();
        groupDefaults.values().forEach((name, value) -> entries.add(groupDefaults.isSet(name)
                ? setAtStart(name, Integer.toString(value), GroupConfigDefaults.kafkaDefaults().value(name))
                : standard(name, Integer.toString(value), TopicConfigTypes.INT)));
        return entries;
    }

    /** One synonym line of a broker setting behind a topic default. */
    static DescribeConfigsSynonym synonym(TopicDefaults.Synonym synonym) {
        return new DescribeConfigsSynonym().setName(synonym.name()).setValue(synonym.value())
                .setSource(synonym.setOnBroker() ? STATIC_BROKER_CONFIG : DEFAULT_CONFIG);
    }

    private static Entry topicDefault(String name, byte type, TopicDefaults defaults) {
        byte source = defaults.brokerValues().containsKey(name) ? STATIC_BROKER_CONFIG : DEFAULT_CONFIG;
        List<DescribeConfigsSynonym> synonyms = defaults.brokerSynonyms(name).stream().map(BrokerConfigs::synonym).toList();
        return new Entry(name, defaults.brokerValue(name), type, source, synonyms);
    }

    /** Kafka's type of a broker setting behind a topic default: that of the topic config, but counts of hours and minutes are ints. */
    private static byte brokerType(String name) {
        if (name.endsWith(".hours") || name.endsWith(".minutes")) {
            return TopicConfigTypes.INT;
        }
        return TopicConfigTypes.of(TopicDefaults.topicNameOf(name));
    }

    private static Entry fixed(String name, String value, byte type) {
        return new Entry(name, value, type, STATIC_BROKER_CONFIG, List.of(own(name, value, STATIC_BROKER_CONFIG)));
    }

    /** A group size bound: Kafka's default is no bound (the largest int); another one was set at start. */
    private static Entry groupSize(String name, int size) {
        return size == Integer.MAX_VALUE ? standard(name, Integer.toString(size), TopicConfigTypes.INT)
                : setAtStart(name, Integer.toString(size), Integer.MAX_VALUE);
    }

    /** An int setting the broker was started with: Kafka's built-in value follows it among the synonyms. */
    private static Entry setAtStart(String name, String value, int builtIn) {
        return new Entry(name, value, TopicConfigTypes.INT, STATIC_BROKER_CONFIG, List.of(
                own(name, value, STATIC_BROKER_CONFIG), own(name, Integer.toString(builtIn), DEFAULT_CONFIG)));
    }

    private static Entry standard(String name, String value, byte type) {
        return new Entry(name, value, type, DEFAULT_CONFIG, List.of(own(name, value, DEFAULT_CONFIG)));
    }

    private static DescribeConfigsSynonym own(String name, String value, byte source) {
        return new DescribeConfigsSynonym().setName(name).setValue(value).setSource(source);
    }
}
