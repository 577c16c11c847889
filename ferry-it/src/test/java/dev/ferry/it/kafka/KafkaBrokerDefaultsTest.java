package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's broker settings given to Ferry ({@code --kafka-config NAME=VALUE}, {@code kafka.NAME} in the
 * configuration file): {@code num.partitions}, {@code auto.create.topics.enable} and the broker-wide
 * defaults of topic configs, through kafka-clients against a started broker. What DescribeConfigs
 * shows was compared with Kafka 4.3.1 started with the same settings (see ferry-kafka's README).
 */
class KafkaBrokerDefaultsTest {
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void shouldCreateTopicsWithTheBrokersDefaultsAndFollowThemAcrossRestarts() throws Exception {
        String topic = "defaults";
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (BrokerProcess broker = BrokerProcess.start(dataDir, "--kafka-config", "num.partitions=3",
                "--kafka-config", "log.retention.ms=3600000", "--kafka-config", "log.segment.bytes=65536",
                "--kafka-config", "auto.create.topics.enable=false");
             Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty())))
                    .all().get(30, TimeUnit.SECONDS);

            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions()).hasSize(3);
            Config configs = describe(admin, resource);
            ConfigEntry retention = configs.get("retention.ms");
            assertThat(retention.value()).isEqualTo("3600000");
            assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
            assertThat(retention.synonyms()).extracting(ConfigEntry.ConfigSynonym::name)
                    .containsExactly("log.retention.ms", "log.retention.hours");
            assertThat(configs.get("segment.bytes").value()).isEqualTo("65536");
            assertThat(configs.get("retention.bytes").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            Config brokerConfigs = describe(admin, new ConfigResource(ConfigResource.Type.BROKER,
                    admin.describeCluster().controller().get(30, TimeUnit.SECONDS).idString()));
            assertThat(brokerConfigs.get("num.partitions").value()).isEqualTo("3");
            assertThat(brokerConfigs.get("num.partitions").source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
            assertThat(brokerConfigs.get("auto.create.topics.enable").value()).isEqualTo("false");

            // No auto-creation: a producer's metadata request for an unknown topic creates nothing.
            try (KafkaProducer<byte[], byte[]> producer = producer(broker, 2_000)) {
                Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
                        () -> producer.send(new ProducerRecord<>("never-created", new byte[1])).get(30, TimeUnit.SECONDS));
                assertThat(refused).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
            }
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain("never-created");
        }

        // Without the settings, the topic (which stored no override) has Kafka's defaults, and topics auto-create.
        try (BrokerProcess broker = BrokerProcess.start(dataDir); Admin admin = admin(broker)) {
            ConfigEntry retention = describe(admin, resource).get("retention.ms");
            assertThat(retention.value()).isEqualTo("604800000");
            assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            try (KafkaProducer<byte[], byte[]> producer = producer(broker, 30_000)) {
                producer.send(new ProducerRecord<>("auto-created", new byte[1])).get(30, TimeUnit.SECONDS);
            }
            assertThat(admin.describeTopics(List.of("auto-created")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("auto-created").partitions()).hasSize(1);
        }
    }

    @Test
    void shouldTrimTopicsByTheBrokersRetentionDefault() throws Exception {
        String topic = "short-lived";
        try (BrokerProcess broker = BrokerProcess.start(dataDir, "--kafka-config", "log.retention.ms=1000",
                "--kafka-config", "log.segment.bytes=16384", "--log-retention-check-interval-ms", "200");
             Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<byte[], byte[]> producer = producer(broker, 30_000)) {
                for (int i = 0; i < 100; i++) {
                    // One record per batch: 100 batches of about 1 KiB fill several 16 KiB segments.
                    producer.send(new ProducerRecord<>(topic, new byte[1000])).get(30, TimeUnit.SECONDS);
                }
            }
            TopicPartition partition = new TopicPartition(topic, 0);
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(broker)) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(consumer.beginningOffsets(List.of(partition)).get(partition)).isGreaterThan(0L));
                assertThat(consumer.endOffsets(List.of(partition)).get(partition)).isEqualTo(100L);
            }
        }
    }

    @Test
    void shouldTakeKafkaSettingsFromTheConfigurationFileTheCommandLineWinning() throws Exception {
        Path config = dataDir.resolve("ferry.conf");
        Files.writeString(config, "kafka.num.partitions = 2\nkafka.log.cleanup.policy = compact,delete\n");

        try (BrokerProcess broker = BrokerProcess.start(dataDir.resolve("file"), "--config", config.toString());
             Admin admin = admin(broker)) {
            assertThat(createdPartitions(admin, "from-file")).isEqualTo(2);
            assertThat(describe(admin, new ConfigResource(ConfigResource.Type.TOPIC, "from-file"))
                    .get("cleanup.policy").value()).isEqualTo("compact,delete");
        }
        try (BrokerProcess broker = BrokerProcess.start(dataDir.resolve("flag"), "--config", config.toString(),
                "--kafka-config", "num.partitions=5");
             Admin admin = admin(broker)) {
            assertThat(createdPartitions(admin, "from-flag")).isEqualTo(5);
        }
    }

    /**
     * The broker's own defaults and bounds of group configs ({@code group.consumer.heartbeat.interval.ms},
     * {@code group.consumer.min.heartbeat.interval.ms}): what a group without an override works with,
     * and the bounds an override must keep, reported as Kafka 4.3.1 reports them when started with the
     * same two settings (values, sources and synonyms compared with its DescribeConfigs).
     */
    @Test
    void shouldGiveGroupsTheBrokersOwnHeartbeatDefaultAndBound() throws Exception {
        ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, "tuned");
        try (BrokerProcess broker = BrokerProcess.start(dataDir, "--kafka-config", "group.consumer.min.heartbeat.interval.ms=1000",
                "--kafka-config", "group.consumer.heartbeat.interval.ms=2000");
             Admin admin = admin(broker)) {
            Config brokerConfigs = describe(admin, new ConfigResource(ConfigResource.Type.BROKER,
                    admin.describeCluster().controller().get(30, TimeUnit.SECONDS).idString()));
            assertThat(synonyms(brokerConfigs.get("group.consumer.heartbeat.interval.ms"))).containsExactly(
                    "STATIC_BROKER_CONFIG:group.consumer.heartbeat.interval.ms=2000",
                    "DEFAULT_CONFIG:group.consumer.heartbeat.interval.ms=5000");
            assertThat(brokerConfigs.get("group.consumer.min.heartbeat.interval.ms").value()).isEqualTo("1000");

            ConfigEntry heartbeat = describe(admin, group).get("consumer.heartbeat.interval.ms");
            assertThat(heartbeat.value()).isEqualTo("2000");
            assertThat(heartbeat.source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
            assertThat(describe(admin, group).get("consumer.session.timeout.ms").source())
                    .isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);

            alterGroup(admin, group, "consumer.heartbeat.interval.ms", "1000").get(30, TimeUnit.SECONDS);
            heartbeat = describe(admin, group).get("consumer.heartbeat.interval.ms");
            assertThat(heartbeat.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG);
            assertThat(synonyms(heartbeat)).containsExactly("DYNAMIC_GROUP_CONFIG:consumer.heartbeat.interval.ms=1000",
                    "STATIC_BROKER_CONFIG:group.consumer.heartbeat.interval.ms=2000",
                    "DEFAULT_CONFIG:group.consumer.heartbeat.interval.ms=5000");
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() ->
                    alterGroup(admin, group, "consumer.heartbeat.interval.ms", "999").get(30, TimeUnit.SECONDS));
            assertThat(refused).hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidConfigurationException.class)
                    .cause().hasMessage("consumer.heartbeat.interval.ms must be greater than or equal to "
                            + "group.consumer.min.heartbeat.interval.ms");
        }
    }

    /**
     * {@code group.max.size} and {@code group.consumer.max.size}: a consumer beyond the maximum fails
     * with GroupMaxSizeReachedException (the Java client's text for a classic group, the broker's
     * for a consumer-protocol one), the member already in the group keeps its partitions. Kafka 4.3.1
     * started with the same two settings answered both the same way.
     */
    @Test
    void shouldRefuseAConsumerBeyondTheGroupsMaximumSize() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(dataDir, "--kafka-config", "group.max.size=1",
                "--kafka-config", "group.consumer.max.size=1");
             Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("bounded", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Config brokerConfigs = describe(admin, new ConfigResource(ConfigResource.Type.BROKER,
                    admin.describeCluster().controller().get(30, TimeUnit.SECONDS).idString()));
            assertThat(brokerConfigs.get("group.max.size").value()).isEqualTo("1");
            assertThat(brokerConfigs.get("group.consumer.max.size").source())
                    .isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
            for (String protocol : List.of("classic", "consumer")) {
                String group = "bounded-" + protocol;
                try (KafkaConsumer<byte[], byte[]> first = consumer(broker, protocol, group);
                     KafkaConsumer<byte[], byte[]> second = consumer(broker, protocol, group)) {
                    Throwable refused = refusedBeside(first, second, "bounded");
                    assertThat(refused).as(protocol)
                            .isInstanceOf(org.apache.kafka.common.errors.GroupMaxSizeReachedException.class)
                            .hasMessageContaining(protocol.equals("classic")
                                    ? "Consumer group " + group + " already has the configured maximum number of members."
                                    : "The consumer group has reached its maximum capacity of 1 members.");
                    first.poll(Duration.ofMillis(100));
                    assertThat(first.assignment()).as(protocol).hasSize(2);
                }
            }
        }
    }

    /**
     * {@code member} subscribes to {@code topic} (two partitions) and gets both; then {@code refused}
     * subscribes and polls for up to ten seconds: what its polls threw (null if nothing).
     */
    private static Throwable refusedBeside(KafkaConsumer<byte[], byte[]> member, KafkaConsumer<byte[], byte[]> refused,
                                           String topic) {
        member.subscribe(List.of(topic));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            member.poll(Duration.ofMillis(100));
            return member.assignment().size() == 2;
        });
        refused.subscribe(List.of(topic));
        return org.assertj.core.api.Assertions.catchThrowable(() -> {
            for (int i = 0; i < 100; i++) {
                refused.poll(Duration.ofMillis(100));
            }
        });
    }

    private static org.apache.kafka.common.KafkaFuture<Void> alterGroup(Admin admin, ConfigResource group, String name,
                                                                        String value) {
        return admin.incrementalAlterConfigs(Map.of(group, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                new ConfigEntry(name, value), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all();
    }

    private static List<String> synonyms(ConfigEntry entry) {
        return entry.synonyms().stream().map(synonym -> synonym.source() + ":" + synonym.name() + "=" + synonym.value())
                .toList();
    }

    /**
     * {@code group.consumer.migration.policy=disabled}: a consumer of the new protocol may not join a
     * running classic group (Kafka's GROUP_ID_NOT_FOUND with its reason), which goes on undisturbed.
     */
    @Test
    void shouldKeepARunningClassicGroupClassicWhenMigrationIsDisabled() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(dataDir, "--kafka-config",
                "group.consumer.migration.policy=disabled");
             Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("migrating", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Config brokerConfigs = describe(admin, new ConfigResource(ConfigResource.Type.BROKER,
                    admin.describeCluster().controller().get(30, TimeUnit.SECONDS).idString()));
            assertThat(brokerConfigs.get("group.consumer.migration.policy").value()).isEqualTo("disabled");
            try (KafkaConsumer<byte[], byte[]> classic = consumer(broker, "classic");
                 KafkaConsumer<byte[], byte[]> modern = consumer(broker, "consumer")) {
                Throwable refused = refusedBeside(classic, modern, "migrating");
                assertThat(refused).isInstanceOf(org.apache.kafka.common.errors.GroupIdNotFoundException.class)
                        .hasMessageContaining("Cannot upgrade classic group migrating-group to consumer group "
                                + "because online upgrade is disabled.");
                classic.poll(Duration.ofMillis(100));
                assertThat(classic.assignment()).hasSize(2);
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(BrokerProcess broker, String protocol) {
        return consumer(broker, protocol, "migrating-group");
    }

    private static KafkaConsumer<byte[], byte[]> consumer(BrokerProcess broker, String protocol, String group) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaPort(),
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Test
    void shouldRefuseUnknownOrWrongKafkaSettingsWithExitCodeTwo() throws IOException {
        Path badFile = dataDir.resolve("bad.conf");
        Files.writeString(badFile, "kafka.num.partitions = 0\n");
        List<List<String>> cases = List.of(
                List.of("--kafka-config", "log.retention.dayz=1"),
                List.of("--kafka-config", "log.retention.hours=soon"),
                List.of("--kafka-config", "offsets.retention.minutes=5"),
                List.of("--kafka-config", "group.consumer.migration.policy=sideways"),
                List.of("--kafka-config", "group.consumer.heartbeat.interval.ms=4000"),
                List.of("--kafka-config", "group.max.size=0"),
                List.of("--config", badFile.toString()));
        List<String> expected = List.of("Unknown broker setting: log.retention.dayz", "log.retention.hours",
                "--offsets-retention-minutes", "group.consumer.migration.policy must be one of",
                "group.consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms",
                "Invalid value 0 for configuration group.max.size: Value must be at least 1",
                "num.partitions");
        for (int i = 0; i < cases.size(); i++) {
            List<String> arguments = new ArrayList<>(cases.get(i));
            arguments.addAll(List.of("--data-dir", dataDir.resolve("refused-" + i).toString()));
            BrokerProcess broker = BrokerProcess.launch(arguments);

            assertThat(broker.awaitExit(EXIT_TIMEOUT)).as("%s", cases.get(i)).isEqualTo(2);
            assertThat(String.join("\n", broker.output())).as("%s", cases.get(i)).contains(expected.get(i));
        }
    }

    private static int createdPartitions(Admin admin, String topic) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
    }

    private static Config describe(Admin admin, ConfigResource resource) throws Exception {
        return admin.describeConfigs(List.of(resource), new DescribeConfigsOptions().includeSynonyms(true))
                .all().get(30, TimeUnit.SECONDS).get(resource);
    }

    private static Admin admin(BrokerProcess broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaPort(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static KafkaProducer<byte[], byte[]> producer(BrokerProcess broker, int maxBlockMs) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaPort(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, maxBlockMs, ProducerConfig.LINGER_MS_CONFIG, 0),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(BrokerProcess broker) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaPort()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
