package dev.ferry.it.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka SSL listener (Kafka's {@code listeners=SSL://...}) beside the plain one, with
 * kafka-clients (PEM trust and key stores) and kcat ({@code security.protocol=ssl}): Metadata sends
 * each client to the port of the listener it came in on, and a client certificate becomes the
 * connection's principal, as Kafka's default principal builder names it.
 */
class KafkaSslTest {
    @TempDir
    static Path directory;
    static TestCertificates authority;
    static TestCertificates.Issued client;
    static Path clientKeyStore;
    static BrokerProcess broker;

    @BeforeAll
    static void startBroker() throws IOException {
        authority = TestCertificates.authority(directory.resolve("ca"), "Ferry test CA");
        TestCertificates.Issued server = authority.server("server");
        client = authority.client("kafka-app", "kafka-app");
        // Kafka's PEM key store: the PKCS#8 key and the certificate chain in one file.
        clientKeyStore = directory.resolve("kafka-app-keystore.pem");
        Files.writeString(clientKeyStore, Files.readString(client.key()) + Files.readString(client.certificate()));
        broker = BrokerProcess.start(directory.resolve("data"), "--tls-cert", server.certificate().toString(),
                "--tls-key", server.key().toString(), "--tls-ca", authority.caCertificate.toString(),
                "--amqps-port", "-1", "--kafka-ssl-port", "0");
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Properties ssl(boolean withCertificate) {
        Properties properties = new Properties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaSslPort());
        properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        properties.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
        properties.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, authority.caCertificate.toString());
        if (withCertificate) {
            properties.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM");
            properties.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, clientKeyStore.toString());
        }
        properties.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        properties.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return properties;
    }

    @Test
    void shouldAdvertiseEachListenersOwnPort() throws Exception {
        Properties plain = new Properties();
        plain.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaPort());
        try (Admin overSsl = Admin.create(ssl(false)); Admin overPlainText = Admin.create(plain)) {
            Collection<Node> sslNodes = overSsl.describeCluster().nodes().get(30, TimeUnit.SECONDS);
            Collection<Node> plainNodes = overPlainText.describeCluster().nodes().get(30, TimeUnit.SECONDS);

            assertThat(sslNodes).extracting(Node::port).containsExactly(broker.kafkaSslPort());
            assertThat(plainNodes).extracting(Node::port).containsExactly(broker.kafkaPort());
        }
        assertThat(broker.kafkaSslPort()).isNotEqualTo(broker.kafkaPort());
    }

    @Test
    void shouldProduceAndConsumeOverSslWithAClientCertificate() throws Exception {
        String topic = "ssl-" + System.nanoTime();
        try (Admin admin = Admin.create(ssl(true))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Properties producerProperties = ssl(true);
        producerProperties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerProperties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties)) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "value " + i)).get(30, TimeUnit.SECONDS);
            }
        }
        Properties consumerProperties = ssl(true);
        consumerProperties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerProperties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties)) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < 100 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
            }
        }

        assertThat(values).hasSize(100).startsWith("value 0").endsWith("value 99");
        // Kafka's default principal for an SSL client: the certificate subject's distinguished name.
        assertThat(broker.output()).anyMatch(line -> line.contains("is User:CN=kafka-app,O=Ferry tests"));
    }

    @Test
    void shouldServeKcatOverSsl() throws Exception {
        String topic = "kcat-ssl-" + System.nanoTime();
        List<String> ssl = List.of("-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + authority.caCertificate,
                "-X", "ssl.certificate.location=" + client.certificate(), "-X", "ssl.key.location=" + client.key());

        String listed = kcat(ssl, null, "-L");
        assertThat(listed).containsPattern("broker \\d+ at 127\\.0\\.0\\.1:" + broker.kafkaSslPort());

        kcat(ssl, "one\ntwo\nthree\n", "-t", topic, "-P");
        String consumed = kcat(ssl, null, "-t", topic, "-C", "-o", "beginning", "-e", "-f", "%s@%o\n");
        assertThat(consumed).contains("one@0", "two@1", "three@2");
    }

    /** Runs kcat against the SSL port with {@code ssl} settings; fails unless it exits 0. */
    private static String kcat(List<String> ssl, String input, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("kcat", "-b", "127.0.0.1:" + broker.kafkaSslPort(), "-m", "15"));
        command.addAll(ssl);
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (input != null) {
            process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
        return output;
    }
}
