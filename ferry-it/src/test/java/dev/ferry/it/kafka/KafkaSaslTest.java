package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.it.support.BrokerProcess;
import dev.ferry.it.support.RawKafkaClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kafka port with {@code --kafka-security-protocol SASL_PLAINTEXT}: kafka-clients and kcat log
 * in as one of the broker's users with PLAIN and SCRAM, a wrong password is refused with Kafka's
 * error, and nothing but the login is served before it.
 */
class KafkaSaslTest {
    private static final String USER = "alice";
    private static final String PASSWORD = "wonder-land-7";
    private static BrokerProcess broker;

    @BeforeAll
    static void startBroker() throws Exception {
        Path data = Files.createTempDirectory("ferry-kafka-sasl").resolve("data");
        broker = BrokerProcess.start(data, "--kafka-security-protocol", "SASL_PLAINTEXT",
                "--users", "guest:guest," + USER + ":" + PASSWORD);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.terminate();
        }
    }

    private static Properties login(String mechanism, String user, String password) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaPort());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        properties.put(SaslConfigs.SASL_MECHANISM, mechanism);
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        properties.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + user + "\" password=\""
                + password + "\";");
        return properties;
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
    void shouldProduceAndConsumeAfterLoggingIn(String mechanism) throws Exception {
        String topic = "sasl-" + mechanism.toLowerCase().replace('-', '_');
        Properties properties = login(mechanism, USER, PASSWORD);
        try (Admin admin = Admin.create(properties)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> producerSettings = new HashMap<>();
        properties.forEach((key, value) -> producerSettings.put((String) key, value));
        producerSettings.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerSettings, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, mechanism + " " + i)).get(30, TimeUnit.SECONDS);
            }
        }
        Map<String, Object> consumerSettings = new HashMap<>();
        properties.forEach((key, value) -> consumerSettings.put((String) key, value));
        consumerSettings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerSettings, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return values.size() >= 5;
            });
        }
        assertThat(values).containsExactly(mechanism + " 0", mechanism + " 1", mechanism + " 2", mechanism + " 3",
                mechanism + " 4");
        assertThat(broker.output()).anyMatch(line -> line.contains("authenticated as '" + USER + "' with " + mechanism));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
    void shouldRefuseAWrongPasswordWithKafkasError(String mechanism) throws Exception {
        try (Admin admin = Admin.create(login(mechanism, USER, "not-the-password"))) {
            assertThatThrownBy(() -> admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class)
                    .cause().hasMessageContaining("Authentication failed");
        }
        // The broker carries on: the right password still works.
        try (Admin admin = Admin.create(login(mechanism, USER, PASSWORD))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void shouldRefuseAnUnknownUser() {
        try (Admin admin = Admin.create(login("SCRAM-SHA-256", "mallory", PASSWORD))) {
            assertThatThrownBy(() -> admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void shouldMakeRepeatedFailuresFromOneAddressWaitLonger() throws Exception {
        int linesBefore = broker.output().size();
        for (int attempt = 0; attempt < 3; attempt++) {
            try (RawKafkaClient raw = raw()) {
                handshake(raw, "PLAIN");
                raw.writeFrame(RawKafkaClient.encode(ApiKeys.SASL_AUTHENTICATE, (short) 2, 2,
                        new org.apache.kafka.common.message.SaslAuthenticateRequestData()
                                .setAuthBytes(("\0" + USER + "\0guess-" + attempt).getBytes(StandardCharsets.UTF_8))));
                ByteBuffer answer = raw.readFrame();
                ByteBufferAccessor reader = new ByteBufferAccessor(answer);
                new org.apache.kafka.common.message.ResponseHeaderData(reader, (short) 1);
                var response = new org.apache.kafka.common.message.SaslAuthenticateResponseData(reader, (short) 2);
                assertThat(response.errorCode()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
                assertThat(response.errorMessage()).isEqualTo("Authentication failed: Invalid username or password");
                assertThat(raw.closedByBroker()).as("closed after a failed login").isTrue();
            }
        }
        List<Long> delays = new ArrayList<>();
        Pattern delay = Pattern.compile("failed to log in with PLAIN: .* \\(answered after (\\d+) ms\\)");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            delays.clear();
            List<String> output = broker.output();
            for (String line : output.subList(linesBefore, output.size())) {
                Matcher matcher = delay.matcher(line);
                if (matcher.find()) {
                    delays.add(Long.parseLong(matcher.group(1)));
                }
            }
            return delays.size() >= 3;
        });
        // Each failure doubles the wait (200 ms first), up to a ceiling of 5 s that these three cannot reach:
        // a successful login clears the address, and other tests leave at most one failure behind them.
        assertThat(delays).hasSize(3);
        assertThat(delays.get(1)).isGreaterThan(delays.get(0));
        assertThat(delays.get(2)).isGreaterThan(delays.get(1));
    }

    @Test
    void shouldServeNothingButTheLoginBeforeIt() throws Exception {
        try (RawKafkaClient raw = raw()) {
            raw.writeFrame(RawKafkaClient.encode(ApiKeys.API_VERSIONS, (short) 3, 1, new ApiVersionsRequestData()
                    .setClientSoftwareName("ferry-it").setClientSoftwareVersion("1")));
            ByteBufferAccessor reader = new ByteBufferAccessor(raw.readFrame());
            new org.apache.kafka.common.message.ResponseHeaderData(reader, (short) 0);
            ApiVersionsResponseData versions = new ApiVersionsResponseData(reader, (short) 3);
            assertThat(versions.apiKeys().find(ApiKeys.SASL_HANDSHAKE.id).maxVersion()).isEqualTo((short) 1);

            raw.writeFrame(RawKafkaClient.encode(ApiKeys.METADATA, (short) 12, 2,
                    new MetadataRequestData().setTopics(null)));
            assertThat(raw.closedByBroker()).isTrue();
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> broker.output().stream()
                .anyMatch(line -> line.contains("unexpected Kafka request of type Metadata during SASL handshake")));
    }

    @Test
    void shouldAnswerAnUnsupportedMechanismWithTheEnabledOnesAndClose() throws Exception {
        try (RawKafkaClient raw = raw()) {
            SaslHandshakeResponseData answer = handshake(raw, "GSSAPI");
            assertThat(answer.errorCode()).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM.code());
            assertThat(answer.mechanisms()).containsExactly("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
            assertThat(raw.closedByBroker()).isTrue();
        }
    }

    @Test
    void shouldLetKcatLogInWithScram() throws Exception {
        assertThat(new java.io.File("/usr/bin/kcat")).as("kcat is installed (apt-get install kcat; .ci/run does)").exists();
        Process process = new ProcessBuilder("kcat", "-b", "127.0.0.1:" + broker.kafkaPort(), "-m", "15", "-L",
                "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-256",
                "-X", "sasl.username=" + USER, "-X", "sasl.password=" + PASSWORD).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("1 brokers:");
    }

    private static SaslHandshakeResponseData handshake(RawKafkaClient raw, String mechanism) throws Exception {
        raw.writeFrame(RawKafkaClient.encode(ApiKeys.SASL_HANDSHAKE, (short) 1, 1,
                new SaslHandshakeRequestData().setMechanism(mechanism)));
        ByteBufferAccessor reader = new ByteBufferAccessor(raw.readFrame());
        new org.apache.kafka.common.message.ResponseHeaderData(reader, (short) 0);
        return new SaslHandshakeResponseData(reader, (short) 1);
    }

    private static RawKafkaClient raw() throws java.io.IOException {
        return new RawKafkaClient("127.0.0.1", broker.kafkaPort());
    }
}
