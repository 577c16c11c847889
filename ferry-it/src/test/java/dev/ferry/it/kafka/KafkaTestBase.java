package dev.ferry.it.kafka;

import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * One broker process per test class, reached by Kafka clients on its Kafka port; tests keep apart
 * by using topic names of their own ({@link #unique}). With {@code -Dferry.it.kafka=HOST:PORT}
 * nothing is started and tests that need no more than {@link #bootstrap()} run against that broker.
 */
abstract class KafkaTestBase {
    protected static BrokerProcess broker;
    private static Path dataRoot;

    @BeforeAll
    static void startBroker() throws IOException {
        if (externalBootstrap() != null) {
            return;
        }
        dataRoot = Files.createTempDirectory("ferry-kafka-it");
        broker = BrokerProcess.start(dataRoot.resolve("data"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.terminate();
        }
    }

    protected static String bootstrap() {
        return externalBootstrap() != null ? externalBootstrap() : "127.0.0.1:" + broker.kafkaPort();
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
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        properties.putAll(extra);
        return properties;
    }

    protected static Admin admin() {
        return Admin.create(clientProperties(Map.of()));
    }

    protected static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
