package dev.ferry.it.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.ferry.embedded.Ferry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the tests of one log read by two protocols share: one broker per test class, embedded in
 * the test's JVM (nothing here kills it or reads its log), reached by RabbitMQ's Java client on its
 * AMQP port (a connection per test) and by kafka-clients on its Kafka port; AMQP stream consumers
 * that collect what they receive, and pika scripts run with /usr/bin/python3. Tests keep apart by
 * names of their own ({@link #unique}).
 */
abstract class StreamInteropTestBase {
    protected static Ferry broker;
    protected Connection connection;

    /** One AMQP delivery as the client received it. */
    record Delivered(String exchange, String routingKey, AMQP.BasicProperties properties, String body) {
    }

    @BeforeAll
    static void startBroker() {
        broker = Ferry.builder().start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    @BeforeEach
    void connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        connection = factory.newConnection();
    }

    @AfterEach
    void disconnect() {
        if (connection != null && connection.isOpen()) {
            connection.abort();
        }
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Kafka client settings for this broker, with {@code extra}. */
    static Properties kafka(Map<String, Object> extra) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrapServers());
        properties.putAll(extra);
        return properties;
    }

    /** A producer of string keys and values that waits for acks=all. */
    static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(kafka(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName())));
    }

    /** A consumer on {@code channel} that acknowledges each delivery while {@code acking} is set. */
    static List<Delivered> consume(Channel channel, String stream, int prefetch, Map<String, Object> arguments,
                                           AtomicBoolean acking) throws IOException {
        return consume(channel, "", stream, prefetch, arguments, acking);
    }

    /** As {@link #consume(Channel, String, int, Map, AtomicBoolean)} with a consumer tag of the test's. */
    static List<Delivered> consume(Channel channel, String consumerTag, String stream, int prefetch,
                                           Map<String, Object> arguments, AtomicBoolean acking) throws IOException {
        channel.basicQos(prefetch);
        List<Delivered> received = new CopyOnWriteArrayList<>();
        channel.basicConsume(stream, false, consumerTag, false, false, arguments, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                                       byte[] body) throws IOException {
                received.add(new Delivered(envelope.getExchange(), envelope.getRoutingKey(), properties,
                        new String(body, StandardCharsets.UTF_8)));
                if (acking.get()) {
                    getChannel().basicAck(envelope.getDeliveryTag(), false);
                }
            }
        });
        return received;
    }

    /** Runs a script under src/test/python with /usr/bin/python3; returns its output once it exits 0. */
    static List<String> runPython(String script, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3",
                Path.of(System.getProperty("basedir", "."), "src", "test", "python", script).toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process process = builder.start();
        List<String> output = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.add(line);
            }
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
        return output;
    }
}
