package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.BrokerProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A topic config and a partition count changed through AdminClient are what the broker has after a restart. */
class KafkaTopicConfigRestartTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldKeepAlteredConfigsAndAddedPartitionsAcrossARestart() throws Exception {
        String topic = "kept";
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (BrokerProcess broker = BrokerProcess.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            KafkaTopicAdminTest.alter(admin, resource, new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"),
                    AlterConfigOp.OpType.SET));
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all().get(30, TimeUnit.SECONDS);
        }

        try (BrokerProcess broker = BrokerProcess.start(dataDir); Admin admin = admin(broker)) {
            ConfigEntry retention = KafkaTopicAdminTest.describe(admin, resource).get("retention.ms");
            assertThat(retention.value()).isEqualTo("3600000");
            assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions()).hasSize(2);

            KafkaTopicAdminTest.alter(admin, resource, new AlterConfigOp(new ConfigEntry("retention.ms", null),
                    AlterConfigOp.OpType.DELETE));
            ConfigEntry restored = KafkaTopicAdminTest.describe(admin, resource).get("retention.ms");
            assertThat(restored.value()).isEqualTo("604800000");
            assertThat(restored.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        }
    }

    private static Admin admin(BrokerProcess broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaPort(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }
}
