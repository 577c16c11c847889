package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * confluent-kafka for Python (Debian's {@code python3-confluent-kafka}, on librdkafka) against
 * Ferry's Kafka port: the script checks every answer itself (an idempotent producer, a group that
 * consumes and commits, the group coming back to its committed offsets) and exits 0 only if all
 * were right; and the non-incremental AlterConfigs, which librdkafka before 2.2 sends for
 * {@code alter_configs}.
 */
class ConfluentKafkaTest extends KafkaTestBase {
    private static final String PYTHON = "/usr/bin/python3";
    private static final Path SCRIPTS = Path.of(System.getProperty("basedir", "."), "src", "test", "python");
    private static final Path GROUP_SCRIPT = SCRIPTS.resolve("kafka_group_client.py");
    private static final Path ALTER_CONFIGS_SCRIPT = SCRIPTS.resolve("kafka_alter_configs.py");

    @BeforeAll
    static void confluentKafkaIsInstalled() throws Exception {
        Process probe = new ProcessBuilder(PYTHON, "-c", "import confluent_kafka").redirectErrorStream(true).start();
        assertThat(probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0)
                .as("%s can import confluent_kafka (apt-get install python3-confluent-kafka; .ci/run does)", PYTHON)
                .isTrue();
    }

    @Test
    void shouldProduceConsumeInAGroupAndCommitWithConfluentKafka() throws Exception {
        String topic = unique("confluent");
        try (var admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        String transcript = run(GROUP_SCRIPT, topic, "300");

        assertThat(transcript).contains("kafka_group_client consumed and committed 300", "kafka_group_client ok");
    }

    @Test
    void shouldReplaceATopicsConfigsWithTheNonIncrementalAlterConfigs() throws Exception {
        String topic = unique("alter-configs");
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (var admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry("segment.ms", "600000"), AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        }

        String transcript = run(ALTER_CONFIGS_SCRIPT, topic);

        assertThat(transcript).contains("kafka_alter_configs refused: INVALID_CONFIG", "kafka_alter_configs ok");
        try (var admin = admin()) {
            Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            assertThat(config.get("retention.ms").value()).isEqualTo("123456");
            assertThat(config.get("max.message.bytes").value()).isEqualTo("50000");
            // Left out of the request, so back to its default: the API sets a resource's whole config.
            assertThat(config.get("segment.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            assertThat(config.get("segment.ms").value()).isEqualTo("604800000");
        }
    }

    /** Runs one of our scripts against the broker, its arguments after the bootstrap address; exit 0 required. */
    private static String run(Path script, String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(PYTHON, script.toString(), bootstrap()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        boolean finished = process.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String transcript = new String(output, StandardCharsets.UTF_8);
        assertThat(finished).as(transcript).isTrue();
        assertThat(process.exitValue()).as(transcript).isZero();
        return transcript;
    }
}
