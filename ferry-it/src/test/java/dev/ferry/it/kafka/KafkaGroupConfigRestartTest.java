package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.BrokerProcess;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group's configs set through AdminClient are what the broker has after a restart (they are in
 * the groups' log, replayed and compacted at start), and so is their removal.
 */
class KafkaGroupConfigRestartTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldKeepGroupConfigsAndTheirRemovalAcrossRestarts() throws Exception {
        ConfigResource kept = KafkaGroupConfigTest.group("kept");
        ConfigResource cleared = KafkaGroupConfigTest.group("cleared");
        try (BrokerProcess broker = BrokerProcess.start(dataDir); Admin admin = admin(broker)) {
            ConfigChanges.alter(admin, kept, ConfigChanges.set("consumer.session.timeout.ms", "50000"),
                    ConfigChanges.set("share.auto.offset.reset", "earliest"));
            ConfigChanges.alter(admin, cleared, ConfigChanges.set("streams.num.standby.replicas", "2"));
        }

        try (BrokerProcess broker = BrokerProcess.start(dataDir); Admin admin = admin(broker)) {
            Config config = KafkaGroupConfigTest.describe(admin, kept, false);
            assertThat(config.get("consumer.session.timeout.ms").value()).isEqualTo("50000");
            assertThat(config.get("consumer.session.timeout.ms").source())
                    .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG);
            assertThat(config.get("share.auto.offset.reset").value()).isEqualTo("earliest");
            assertThat(KafkaGroupConfigTest.describe(admin, cleared, false).get("streams.num.standby.replicas").value())
                    .isEqualTo("2");
            ConfigChanges.alter(admin, cleared, new AlterConfigOp(
                    new ConfigEntry("streams.num.standby.replicas", null), AlterConfigOp.OpType.DELETE));
        }

        try (BrokerProcess broker = BrokerProcess.start(dataDir); Admin admin = admin(broker)) {
            ConfigEntry standby = KafkaGroupConfigTest.describe(admin, cleared, false).get("streams.num.standby.replicas");
            assertThat(standby.value()).isEqualTo("0");
            assertThat(standby.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            assertThat(KafkaGroupConfigTest.describe(admin, kept, false).get("consumer.session.timeout.ms").value())
                    .isEqualTo("50000");
        }
    }

    private static Admin admin(BrokerProcess broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaPort(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }
}
