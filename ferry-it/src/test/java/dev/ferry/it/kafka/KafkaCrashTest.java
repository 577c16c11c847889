package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.BrokerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records a Kafka producer had acknowledged are all there after the broker is killed with SIGKILL
 * while the producer runs, and so is the topic and the cluster id: with acks=all (answered once
 * fsynced) and with acks=1 (answered once written, so the page cache has them when the process dies).
 */
class KafkaCrashTest {
    @TempDir
    Path dataDir;

    @ParameterizedTest(name = "acks={0}")
    @ValueSource(strings = {"all", "1"})
    void shouldKeepEveryAcknowledgedRecordAcrossKillNine(String acks) throws Exception {
        String topic = "crash";
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        String clusterId;
        int kafkaPort;
        BrokerProcess broker = BrokerProcess.start(dataDir);
        try {
            kafkaPort = broker.kafkaPort();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + kafkaPort))) {
                admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
                clusterId = admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
            }
            AtomicBoolean sending = new AtomicBoolean(true);
            Thread producerThread = new Thread(() -> produceUntilStopped(kafkaPort, topic, acks, sending, acknowledged));
            producerThread.start();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 2_000);
            broker.kill();
            sending.set(false);
            producerThread.join(120_000);
        } finally {
            broker.close();
        }

        try (BrokerProcess restarted = BrokerProcess.start(dataDir)) {
            Set<String> found = new java.util.HashSet<>();
            Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + restarted.kafkaPort());
            properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties);
                 Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                         "127.0.0.1:" + restarted.kafkaPort()))) {
                assertThat(admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS)).isEqualTo(clusterId);
                List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                long end = consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (found.size() < end && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(500)).forEach(record -> found.add(record.value()));
                }
            }
            assertThat(acknowledged).isNotEmpty();
            assertThat(found).containsAll(acknowledged);
            assertThat(restarted.terminate()).isZero();
        }
    }

    private static void produceUntilStopped(int port, String topic, String acks, AtomicBoolean sending,
                                            Set<String> acknowledged) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        properties.put(ProducerConfig.ACKS_CONFIG, acks);
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, acks.equals("all"));
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5_000);
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 3_000);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties)) {
            for (int i = 0; sending.get(); i++) {
                String value = "record-" + i;
                try {
                    producer.send(new ProducerRecord<>(topic, Integer.toString(i), value), (metadata, error) -> {
                        if (error == null) {
                            acknowledged.add(value);
                        }
                    });
                } catch (RuntimeException e) {
                    break; // The broker is gone: metadata can no longer be fetched.
                }
            }
            producer.close(Duration.ofSeconds(10));
        }
    }
}
