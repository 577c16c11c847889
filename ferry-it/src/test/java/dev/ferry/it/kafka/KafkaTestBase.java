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
 * by using topic names of their own ({@link #unique}).
 */
abstract class KafkaTestBase {
    protected static BrokerProcess broker;
    private static Path dataRoot;

    @BeforeAll
    static void startBroker() throws IOException {
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
        return "127.0.0.1:" + broker.kafkaPort();
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
