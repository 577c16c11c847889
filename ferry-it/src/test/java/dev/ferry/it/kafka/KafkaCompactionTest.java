package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.embedded.Ferry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compacted topics through kafka-clients against the embedded broker: many updates of few keys in
 * small segments, compacted by the broker's log cleaner, read from the beginning by a consumer that
 * must get the latest value of each key, at the offset the producer was given, across the gaps.
 */
class KafkaCompactionTest {
    private static Ferry broker;

    @BeforeAll
    static void startBroker() {
        broker = Ferry.builder().settings(settings -> settings.logCleanerBackoffMs = 100).start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldLeaveTheLatestValueOfEachKeyForAConsumerReadingFromTheBeginning() throws Exception {
        String topic = KafkaTestBase.unique("compacted");
        String bootstrap = broker.kafkaBootstrapServers();
        try (Admin admin = Admin.create(KafkaTestBase.clientProperties(bootstrap, Map.of()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "delete",
                    "segment.bytes", "8192", "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "0"))))
                    .all().get(30, TimeUnit.SECONDS);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry("cleanup.policy", "compact,delete"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            Config described = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            assertThat(described.get("cleanup.policy").value()).isEqualTo("compact,delete");
            assertThat(described.get("min.cleanable.dirty.ratio").value()).isEqualTo("0.01");
        }

        Map<String, Sent> latest = produceUpdates(bootstrap, topic, 8, 300, "gone");

        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> readFromBeginning(bootstrap, topic).size() == latest.size());
        List<ConsumerRecord<String, String>> records = readFromBeginning(bootstrap, topic);
        assertOneRecordPerKeyTheLatest(records, latest);
        assertThat(records).extracting(ConsumerRecord::key).doesNotContain("gone");
        assertThat(records.get(0).offset()).as("the first offsets were cleaned away").isPositive();
    }

    /** A record the producer had acknowledged: its value and the offset it was given. */
    record Sent(String value, long offset) {
    }

    static void assertOneRecordPerKeyTheLatest(List<ConsumerRecord<String, String>> records, Map<String, Sent> latest) {
        Map<String, ConsumerRecord<String, String>> byKey = new HashMap<>();
        records.forEach(record -> assertThat(byKey.put(record.key(), record)).as("one record of key %s", record.key())
                .isNull());
        assertThat(byKey.keySet()).containsExactlyInAnyOrderElementsOf(latest.keySet());
        latest.forEach((key, sent) -> {
            ConsumerRecord<String, String> record = byKey.get(key);
            assertThat(record.value()).as("the latest value of key %s", key).isEqualTo(sent.value());
            assertThat(record.offset()).as("key %s keeps its offset", key).isEqualTo(sent.offset());
        });
    }

    /**
     * {@code rounds} updates of each of {@code keys} keys, then a key written and deleted
     * (tombstone), then single-use keys enough to seal the segments holding all of that.
     *
     * @return for every key that should survive, its latest value and offset
     */
    static Map<String, Sent> produceUpdates(String bootstrap, String topic, int keys, int rounds, String deletedKey)
            throws Exception {
        Properties properties = KafkaTestBase.clientProperties(bootstrap, Map.of(
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.BATCH_SIZE_CONFIG, 2048, ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.ACKS_CONFIG, "all"));
        List<ProducerRecord<String, String>> sends = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < keys; k++) {
                sends.add(new ProducerRecord<>(topic, "key-" + k, "update " + round + " of key-" + k + " " + "x".repeat(60)));
            }
        }
        sends.add(new ProducerRecord<>(topic, deletedKey, "soon deleted"));
        sends.add(new ProducerRecord<>(topic, deletedKey, null));
        for (int filler = 0; filler < 150; filler++) {
            sends.add(new ProducerRecord<>(topic, "filler-" + filler, "once " + "y".repeat(60)));
        }
        Map<String, Sent> latest = new LinkedHashMap<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties)) {
            List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
            for (ProducerRecord<String, String> send : sends) {
                acks.add(producer.send(send));
            }
            for (int i = 0; i < sends.size(); i++) {
                RecordMetadata metadata = acks.get(i).get(30, TimeUnit.SECONDS);
                latest.put(sends.get(i).key(), new Sent(sends.get(i).value(), metadata.offset()));
            }
        }
        latest.remove(deletedKey);
        return latest;
    }

    /** Every record of partition 0 from its start to its end offset now, in offset order. */
    static List<ConsumerRecord<String, String>> readFromBeginning(String bootstrap, String topic) {
        Properties properties = KafkaTestBase.clientProperties(bootstrap, Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4096));
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertThat(consumer.position(partition)).as("read to the end").isEqualTo(end);
        }
        return records;
    }

    @Test
    void shouldCompactAStreamDeclaredOverAmqpWithFerrysCleanupPolicyArgument() throws Exception {
        String stream = KafkaTestBase.unique("amqp-compacted");
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        try (Connection connection = factory.newConnection()) {
            Channel channel = connection.createChannel();
            channel.queueDeclare(stream, true, false, false, Map.of("x-queue-type", "stream",
                    "x-ferry-cleanup-policy", "compact", "x-stream-max-segment-size-bytes", 4096));
            Channel refused = connection.createChannel();
            Map<String, Object> wrong = Map.of("x-queue-type", "stream", "x-ferry-cleanup-policy", "shred");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> refused.queueDeclare(stream + "-wrong", true, false,
                    false, wrong)).hasStackTraceContaining("PRECONDITION_FAILED").hasStackTraceContaining("x-ferry-cleanup-policy");

            channel.queueBind(stream, "amq.topic", "#");
            channel.confirmSelect();
            for (int i = 0; i < 600; i++) {
                // The routing key is the record's key: four sensors updated often, then keys used once.
                String key = i < 560 ? "sensor-" + (i % 4) : "filler-" + i;
                channel.basicPublish("amq.topic", key, null, ("reading " + i).getBytes());
            }
            channel.waitForConfirmsOrDie(30_000);
        }
        String bootstrap = broker.kafkaBootstrapServers();
        try (Admin admin = Admin.create(KafkaTestBase.clientProperties(bootstrap, Map.of()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, stream);
            Config described = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            assertThat(described.get("cleanup.policy").value()).isEqualTo("compact");
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> readFromBeginning(bootstrap, stream).size() == 4 + 40);
        Map<String, String> byKey = new HashMap<>();
        readFromBeginning(bootstrap, stream).forEach(record -> byKey.put(record.key(), record.value()));
        assertThat(byKey).containsEntry("sensor-0", "reading 556").containsEntry("sensor-3", "reading 559")
                .containsEntry("filler-599", "reading 599").hasSize(44);
    }
}
