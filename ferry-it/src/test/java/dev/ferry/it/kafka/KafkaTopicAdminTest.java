package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DeletedRecords;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Kafka's AdminClient managing topics on Ferry: configs described and changed, partitions added,
 * records deleted, log dirs described; and the errors Kafka gives for the wrong requests.
 */
class KafkaTopicAdminTest extends KafkaTestBase {

    @Test
    void shouldSetReadBackAndDeleteATopicConfig() throws Exception {
        String topic = unique("configs");
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

            Config initial = describe(admin, resource);
            ConfigEntry retention = initial.get("retention.ms");
            assertThat(retention.value()).isEqualTo("604800000");
            assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            assertThat(retention.isReadOnly()).isFalse();
            assertThat(retention.type()).isEqualTo(ConfigEntry.ConfigType.LONG);
            assertThat(initial.get("cleanup.policy").value()).isEqualTo("delete");
            assertThat(initial.get("cleanup.policy").type()).isEqualTo(ConfigEntry.ConfigType.LIST);
            assertThat(initial.get("max.message.bytes").value()).isEqualTo("1048588");

            alter(admin, resource, new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET));

            ConfigEntry changed = describe(admin, resource).get("retention.ms");
            assertThat(changed.value()).isEqualTo("3600000");
            assertThat(changed.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);

            alter(admin, resource, new AlterConfigOp(new ConfigEntry("retention.ms", null), AlterConfigOp.OpType.DELETE));

            ConfigEntry restored = describe(admin, resource).get("retention.ms");
            assertThat(restored.value()).isEqualTo("604800000");
            assertThat(restored.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        }
    }

    @Test
    void shouldRefuseUnknownConfigsBadValuesAppendsToScalarsAndUnknownTopics() throws Exception {
        String topic = unique("bad-configs");
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

            // Kafka 4.3.1's texts, which the admin tools print.
            assertThat(alterFailure(admin, resource, new AlterConfigOp(new ConfigEntry("no.such.config", "1"),
                    AlterConfigOp.OpType.SET))).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("Unknown topic config name: no.such.config");
            assertThat(alterFailure(admin, resource, new AlterConfigOp(new ConfigEntry("retention.ms", "a week"),
                    AlterConfigOp.OpType.SET))).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("Invalid value a week for configuration retention.ms: Not a number of type LONG");
            assertThat(alterFailure(admin, resource, new AlterConfigOp(new ConfigEntry("retention.ms", "1000"),
                    AlterConfigOp.OpType.APPEND))).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("Can't APPEND to key retention.ms because its type is not LIST.");
            ConfigResource missing = new ConfigResource(ConfigResource.Type.TOPIC, unique("missing"));
            assertThat(alterFailure(admin, missing, new AlterConfigOp(new ConfigEntry("retention.ms", "1000"),
                    AlterConfigOp.OpType.SET))).isInstanceOf(UnknownTopicOrPartitionException.class)
                    .hasMessage("The topic '" + missing.name() + "' does not exist.");
            assertThat(alterFailure(admin, new ConfigResource(ConfigResource.Type.TOPIC, ""), new AlterConfigOp(
                    new ConfigEntry("retention.ms", "1000"), AlterConfigOp.OpType.SET)))
                    .isInstanceOf(org.apache.kafka.common.errors.InvalidRequestException.class)
                    .hasMessage("Default topic resources are not allowed.");
            ExecutionException describeMissing = catchThrowableOfType(ExecutionException.class,
                    () -> admin.describeConfigs(List.of(missing)).all().get(30, TimeUnit.SECONDS));
            assertThat(describeMissing.getCause()).isInstanceOf(UnknownTopicOrPartitionException.class);
            ConfigResource unnamed = new ConfigResource(ConfigResource.Type.TOPIC, "");
            ExecutionException describeUnnamed = catchThrowableOfType(ExecutionException.class,
                    () -> admin.describeConfigs(List.of(unnamed)).all().get(30, TimeUnit.SECONDS));
            assertThat(describeUnnamed.getCause()).isInstanceOf(org.apache.kafka.common.errors.InvalidTopicException.class)
                    .hasMessage("Topic name is invalid: the empty string is not allowed");

            // None of the refused changes touched the topic.
            ConfigEntry retention = describe(admin, resource).get("retention.ms");
            assertThat(retention.value()).isEqualTo("604800000");
            assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        }
    }

    @Test
    void shouldTakeAnEmptyCleanupPolicyAsKafka4Does() throws Exception {
        // Subtracting the last policy leaves none: Kafka 4 keeps such a topic's records, neither deleted nor compacted.
        String topic = unique("no-cleanup");
        String repeated = unique("repeated");
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "delete")),
                    new NewTopic(repeated, 1, (short) 1).configs(Map.of("cleanup.policy", "compact, compact"))))
                    .all().get(30, TimeUnit.SECONDS);
            assertThat(describe(admin, new ConfigResource(ConfigResource.Type.TOPIC, repeated)).get("cleanup.policy")
                    .value()).isEqualTo("compact");

            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SUBTRACT))))
                    .all().get(30, TimeUnit.SECONDS);

            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(describe(admin, resource).get("cleanup.policy").value()).isEmpty());
            assertThat(alterFailure(admin, resource, new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete,,compact"),
                    AlterConfigOp.OpType.SET))).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("Configuration 'cleanup.policy' values must not be empty.");
        }
    }

    @Test
    void shouldRefuseBadTopicsInKafkasWords() throws Exception {
        try (Admin admin = admin()) {
            assertThat(createFailure(admin, new NewTopic(unique("none"), 0, (short) 1)))
                    .isInstanceOf(InvalidPartitionsException.class)
                    .hasMessage("Number of partitions was set to an invalid non-positive value.");
            assertThat(createFailure(admin, new NewTopic(unique("rf"), 1, (short) 0)))
                    .isInstanceOf(org.apache.kafka.common.errors.InvalidReplicationFactorException.class)
                    .hasMessage("Replication factor must be larger than 0, or -1 to use the default value.");
            assertThat(createFailure(admin, new NewTopic("bad name!", 1, (short) 1)))
                    .isInstanceOf(org.apache.kafka.common.errors.InvalidTopicException.class)
                    .hasMessage("Topic name is invalid: 'bad name!' contains one or more characters other than ASCII "
                            + "alphanumerics, '.', '_' and '-'");
            String topic = unique("grown");
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            assertThat(partitionsFailure(admin, topic, 2)).isInstanceOf(InvalidPartitionsException.class)
                    .hasMessage("Topic already has 2 partition(s).");
            assertThat(partitionsFailure(admin, topic, 1)).isInstanceOf(InvalidPartitionsException.class)
                    .hasMessage("The topic " + topic + " currently has 2 partition(s); 1 would not be an increase.");
        }
    }

    @Test
    void shouldRefuseOffsetsForPartitionsThatDoNotExistAndStoreTheRest() throws Exception {
        String topic = unique("offsets-checked");
        String group = unique("offsets-group");
        TopicPartition real = new TopicPartition(topic, 0);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

            ExecutionException refused = catchThrowableOfType(ExecutionException.class, () -> admin
                    .alterConsumerGroupOffsets(group, Map.of(real, new org.apache.kafka.clients.consumer.OffsetAndMetadata(5),
                            new TopicPartition(topic, 3), new org.apache.kafka.clients.consumer.OffsetAndMetadata(5),
                            new TopicPartition(unique("missing"), 0), new org.apache.kafka.clients.consumer.OffsetAndMetadata(5)))
                    .all().get(30, TimeUnit.SECONDS));

            assertThat(refused.getCause()).isInstanceOf(UnknownTopicOrPartitionException.class);
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> stored =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertThat(stored).containsOnlyKeys(real);
            assertThat(stored.get(real).offset()).isEqualTo(5);
        }
    }

    private static Throwable createFailure(Admin admin, NewTopic topic) {
        return catchThrowableOfType(ExecutionException.class,
                () -> admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS)).getCause();
    }

    private static Throwable partitionsFailure(Admin admin, String topic, int count) {
        return catchThrowableOfType(ExecutionException.class, () -> admin.createPartitions(
                Map.of(topic, NewPartitions.increaseTo(count))).all().get(30, TimeUnit.SECONDS)).getCause();
    }

    @Test
    void shouldDescribeTheBrokersConfigsAsASingleReadOnlyNode() throws Exception {
        assumeFerry("its broker configs, log.dirs its data directory");
        try (Admin admin = admin()) {
            int nodeId = admin.describeCluster().controller().get(30, TimeUnit.SECONDS).id();
            Config config = describe(admin, new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(nodeId)));

            assertThat(config.get("default.replication.factor").value()).isEqualTo("1");
            assertThat(config.get("offsets.topic.replication.factor").value()).isEqualTo("1");
            assertThat(config.get("num.partitions").value()).isEqualTo("1");
            assertThat(config.get("node.id").value()).isEqualTo(Integer.toString(nodeId));
            assertThat(config.get("log.dirs").value()).isEqualTo(broker.dataDir().toAbsolutePath().toString());
            assertThat(config.entries()).allSatisfy(entry -> assertThat(entry.isReadOnly()).isTrue());
        }
    }

    @Test
    void shouldAddPartitionsThatProducersAndConsumersThenUse() throws Exception {
        String topic = unique("grow");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all().get(30, TimeUnit.SECONDS);

            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions()).hasSize(3);
            RecordMetadata written;
            try (KafkaProducer<String, String> producer = producer()) {
                written = producer.send(new ProducerRecord<>(topic, 2, "k", "in the new partition")).get(30, TimeUnit.SECONDS);
            }
            assertThat(written.partition()).isEqualTo(2);
            assertThat(written.offset()).isZero();
            try (KafkaConsumer<String, String> consumer = consumer()) {
                TopicPartition added = new TopicPartition(topic, 2);
                consumer.assign(List.of(added));
                consumer.seekToBeginning(List.of(added));
                List<ConsumerRecord<String, String>> read = poll(consumer, 1);
                assertThat(read).extracting(ConsumerRecord::value).containsExactly("in the new partition");
            }

            ExecutionException decrease = catchThrowableOfType(ExecutionException.class, () -> admin.createPartitions(
                    Map.of(topic, NewPartitions.increaseTo(2))).all().get(30, TimeUnit.SECONDS));
            assertThat(decrease.getCause()).isInstanceOf(InvalidPartitionsException.class);
            ExecutionException same = catchThrowableOfType(ExecutionException.class, () -> admin.createPartitions(
                    Map.of(topic, NewPartitions.increaseTo(3))).all().get(30, TimeUnit.SECONDS));
            assertThat(same.getCause()).isInstanceOf(InvalidPartitionsException.class);
            ExecutionException missing = catchThrowableOfType(ExecutionException.class, () -> admin.createPartitions(
                    Map.of(unique("missing"), NewPartitions.increaseTo(2))).all().get(30, TimeUnit.SECONDS));
            assertThat(missing.getCause()).isInstanceOf(UnknownTopicOrPartitionException.class);
            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions()).hasSize(3);
        }
    }

    @Test
    void shouldDeleteRecordsSoThatAConsumerFromTheBeginningStartsAtTheNewLogStart() throws Exception {
        String topic = unique("delete-records");
        TopicPartition partition = new TopicPartition(topic, 0);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> producer = producer()) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>(topic, 0, "k", "v" + i)).get(30, TimeUnit.SECONDS);
                }
            }

            DeletedRecords deleted = admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(4)))
                    .lowWatermarks().get(partition).get(30, TimeUnit.SECONDS);

            assertThat(deleted.lowWatermark()).isEqualTo(4);
            assertThat(admin.listOffsets(Map.of(partition, OffsetSpec.earliest())).partitionResult(partition)
                    .get(30, TimeUnit.SECONDS).offset()).isEqualTo(4);
            try (KafkaConsumer<String, String> consumer = consumer()) {
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                assertThat(consumer.position(partition, Duration.ofSeconds(30))).isEqualTo(4);
                List<ConsumerRecord<String, String>> read = poll(consumer, 6);
                assertThat(read.get(0).offset()).isEqualTo(4);
                assertThat(read).extracting(ConsumerRecord::value).containsExactly("v4", "v5", "v6", "v7", "v8", "v9");
            }

            ExecutionException beyond = catchThrowableOfType(ExecutionException.class, () -> admin.deleteRecords(
                    Map.of(partition, RecordsToDelete.beforeOffset(11))).all().get(30, TimeUnit.SECONDS));
            assertThat(beyond.getCause()).isInstanceOf(OffsetOutOfRangeException.class);

            DeletedRecords all = admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(-1)))
                    .lowWatermarks().get(partition).get(30, TimeUnit.SECONDS);
            assertThat(all.lowWatermark()).isEqualTo(10);
        }
    }

    @Test
    void shouldDescribeOneLogDirWhosePartitionSizesGrowWithProducing() throws Exception {
        assumeFerry("its log directory is its data directory");
        String topic = unique("log-dirs");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            int nodeId = admin.describeCluster().controller().get(30, TimeUnit.SECONDS).id();
            long before = replica(admin, nodeId, new TopicPartition(topic, 0)).size();

            try (KafkaProducer<String, String> producer = producer()) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    sent.add(producer.send(new ProducerRecord<>(topic, 0, "k", "x".repeat(1000))));
                }
                for (Future<RecordMetadata> future : sent) {
                    future.get(30, TimeUnit.SECONDS);
                }
            }

            Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(nodeId)).allDescriptions()
                    .get(30, TimeUnit.SECONDS).get(nodeId);
            assertThat(dirs).containsOnlyKeys(broker.dataDir().toAbsolutePath().toString());
            LogDirDescription dir = dirs.values().iterator().next();
            assertThat(dir.error()).isNull();
            assertThat(dir.replicaInfos()).containsKeys(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            ReplicaInfo grown = dir.replicaInfos().get(new TopicPartition(topic, 0));
            assertThat(grown.size()).isGreaterThanOrEqualTo(before + 100 * 1000);
            assertThat(grown.offsetLag()).isZero();
            assertThat(dir.totalBytes()).isPresent();
            assertThat(dir.usableBytes()).isPresent();
        }
    }

    private static ReplicaInfo replica(Admin admin, int nodeId, TopicPartition partition) throws Exception {
        Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(nodeId)).allDescriptions()
                .get(30, TimeUnit.SECONDS).get(nodeId);
        return dirs.values().iterator().next().replicaInfos().get(partition);
    }

    static Config describe(Admin admin, ConfigResource resource) throws Exception {
        return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
    }

    static void alter(Admin admin, ConfigResource resource, AlterConfigOp op) throws Exception {
        admin.incrementalAlterConfigs(Map.of(resource, List.of(op))).all().get(30, TimeUnit.SECONDS);
    }

    private static Throwable alterFailure(Admin admin, ConfigResource resource, AlterConfigOp op) {
        return catchThrowableOfType(ExecutionException.class, () -> alter(admin, resource, op)).getCause();
    }

    private static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(clientProperties(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0)), new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer() {
        return new KafkaConsumer<>(clientProperties(Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)),
                new StringDeserializer(), new StringDeserializer());
    }

    private static List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            return read.size() >= count;
        });
        return read;
    }
}
