package dev.ferry.it.kafka;

import dev.ferry.embedded.Ferry;
import dev.ferry.it.support.RawKafkaClient;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * One broker per test class, embedded in the test's JVM (ferry-embedded, the durable log in a
 * temporary directory: these tests need no process to kill or log to read), reached by Kafka
 * clients on its Kafka port; tests keep apart by using topic names of their own ({@link #unique}).
 * With {@code -Dferry.it.kafka=HOST:PORT} nothing is started and tests that need no more than
 * {@link #bootstrap()} run against that broker.
 */
abstract class KafkaTestBase {
    protected static Ferry broker;

    @BeforeAll
    static void startBroker() {
        if (externalBootstrap() != null) {
            return;
        }
        broker = Ferry.builder().settings(settings -> {
            // Kafka's own default, which the embedded broker's test defaults leave out.
            settings.groupInitialRebalanceDelayMs = 3000;
            // Lets a test's consumer-protocol groups heartbeat every second (KafkaConsumerProtocolTest);
            // a group without an override keeps Kafka's 5 s.
            settings.kafkaConfigs = Map.of("group.consumer.min.heartbeat.interval.ms", "1000");
        }).start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    protected static String bootstrap() {
        return externalBootstrap() != null ? externalBootstrap() : broker.kafkaBootstrapServers();
    }

    /** The port of {@link #bootstrap()}: the broker's, whichever broker the tests run against. */
    protected static int bootstrapPort() {
        String bootstrap = bootstrap();
        return Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    }

    /** Skips a test of something only Ferry has (its data directory, its settings) when run against another broker. */
    protected static void assumeFerry(String what) {
        org.junit.jupiter.api.Assumptions.assumeTrue(externalBootstrap() == null, "Ferry's own: " + what);
    }

    /**
     * {@code -Dferry.it.kafka=HOST:PORT} points the tests that only use {@link #bootstrap()} at a
     * broker already running, a real Kafka to compare with; null when not set.
     */
    private static String externalBootstrap() {
        String external = System.getProperty("ferry.it.kafka");
        return external == null || external.isBlank() ? null : external;
    }

    /** Settings every client of these tests shares: this broker, and short timeouts so a failure shows quickly. */
    protected static Properties clientProperties(Map<String, Object> extra) {
        return clientProperties(bootstrap(), extra);
    }

    /** As {@link #clientProperties(Map)}, for a broker at {@code bootstrap}. */
    static Properties clientProperties(String bootstrap, Map<String, Object> extra) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        properties.putAll(extra);
        return properties;
    }

    /** Creates a topic named {@code prefix} and a suffix of its own ({@link #unique}), one replica per partition; its name. */
    protected static String createUniqueTopic(String prefix, int partitions) throws Exception {
        String topic = unique(prefix);
        try (Admin admin = admin()) {
            admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic(topic, partitions, (short) 1)))
                    .all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        return topic;
    }

    /** A raw connection to {@link #bootstrap()}, for requests no client sends. */
    protected static RawKafkaClient connectRaw() throws java.io.IOException {
        String bootstrap = bootstrap();
        return new RawKafkaClient(bootstrap.substring(0, bootstrap.lastIndexOf(':')), bootstrapPort());
    }

    /** FindCoordinator key types: a group's coordinator, a transactional id's. */
    protected static final byte GROUP_KEY = 0;
    protected static final byte TRANSACTION_KEY = 1;

    /**
     * Asks for {@code key}'s coordinator on {@code raw} until one is named, as a client does before
     * its first group or transaction request: Kafka makes its offsets or transaction log on the first
     * such question and answers NOT_COORDINATOR to group and transaction requests until then.
     */
    protected static void awaitCoordinator(RawKafkaClient raw, byte keyType, String key) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> raw.exchange(
                org.apache.kafka.common.protocol.ApiKeys.FIND_COORDINATOR, (short) 4,
                new org.apache.kafka.common.message.FindCoordinatorRequestData().setKeyType(keyType)
                        .setCoordinatorKeys(java.util.List.of(key)),
                new org.apache.kafka.common.message.FindCoordinatorResponseData()).coordinators().get(0).errorCode() == 0);
    }

    protected static Admin admin() {
        return Admin.create(clientProperties(Map.of()));
    }

    protected static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
