package dev.ferry.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedded brokers as an application uses them: two in one JVM on free ports, each reached by the
 * RabbitMQ Java client and by kafka-clients, each keeping its own messages; closing them releases
 * every port and the temporary data; a durable one started again on its data directory has its
 * messages back.
 */
class EmbeddedFerryTest {

    @Test
    void shouldRunTwoBrokersInOneJvmServeAmqpAndKafkaAndReleaseTheirPortsOnClose() throws Exception {
        List<Integer> ports = new ArrayList<>();
        Path firstData;
        try (Ferry first = Ferry.builder().amqpPort(0).kafkaPort(0).httpPort(0).inMemory(true).start();
             Ferry second = Ferry.builder().amqpPort(0).kafkaPort(0).httpPort(0).start()) {
            firstData = first.dataDir();
            for (Ferry ferry : List.of(first, second)) {
                ports.addAll(List.of(ferry.amqpPort(), ferry.kafkaPort(), ferry.httpPort(), ferry.prometheusPort()));
            }
            assertThat(ports).doesNotContain(0, -1).doesNotHaveDuplicates();
            assertThat(first.amqpUri().toString()).isEqualTo("amqp://guest:guest@127.0.0.1:" + first.amqpPort());

            publishOverAmqp(first, "only-in-first");
            publishOverAmqp(second, "only-in-second");
            assertThat(getOverAmqp(first)).isEqualTo("only-in-first");
            assertThat(getOverAmqp(second)).isEqualTo("only-in-second");

            produceOverKafka(first, "k-first");
            produceOverKafka(second, "k-second");
            assertThat(consumeOverKafka(first)).containsExactly("k-first");
            assertThat(consumeOverKafka(second)).containsExactly("k-second");
        }
        for (int port : ports) {
            assertThat(canBind(port)).as("port %d released", port).isTrue();
        }
        assertThat(firstData).doesNotExist();
    }

    @Test
    void shouldKeepDurableMessagesInAGivenDataDirectoryAcrossARestart(@TempDir Path data) throws Exception {
        try (Ferry ferry = Ferry.builder().dataDir(data).start()) {
            publishOverAmqp(ferry, "kept");
        }
        assertThat(Files.list(data)).isNotEmpty();
        try (Ferry again = Ferry.builder().dataDir(data).start()) {
            assertThat(getOverAmqp(again)).isEqualTo("kept");
        }
    }

    private static void publishOverAmqp(Ferry ferry, String body) throws Exception {
        try (Connection connection = connect(ferry)) {
            Channel channel = connection.createChannel();
            channel.queueDeclare("embedded", true, false, false, Map.of());
            channel.confirmSelect();
            channel.basicPublish("", "embedded", MessageProperties.PERSISTENT_TEXT_PLAIN,
                    body.getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);
        }
    }

    private static String getOverAmqp(Ferry ferry) throws Exception {
        try (Connection connection = connect(ferry)) {
            GetResponse response = connection.createChannel().basicGet("embedded", true);
            return response == null ? null : new String(response.getBody(), StandardCharsets.UTF_8);
        }
    }

    private static Connection connect(Ferry ferry) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(ferry.amqpUri());
        return factory.newConnection();
    }

    private static void produceOverKafka(Ferry ferry, String value) throws Exception {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ferry.kafkaBootstrapServers());
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties)) {
            producer.send(new ProducerRecord<>("embedded-events", "key", value)).get();
        }
    }

    private static List<String> consumeOverKafka(Ferry ferry) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ferry.kafkaBootstrapServers());
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
            TopicPartition partition = new TopicPartition("embedded-events", 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    values.add(record.value());
                }
                return !values.isEmpty();
            });
        }
        return values;
    }

    private static boolean canBind(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
