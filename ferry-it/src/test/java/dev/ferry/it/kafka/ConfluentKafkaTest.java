package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * confluent-kafka for Python (Debian's {@code python3-confluent-kafka}, on librdkafka) against
 * Ferry's Kafka port: the script checks every answer itself (an idempotent producer, a group that
 * consumes and commits, the group coming back to its committed offsets) and exits 0 only if all
 * were right.
 */
class ConfluentKafkaTest extends KafkaTestBase {
    private static final String PYTHON = "/usr/bin/python3";
    private static final Path SCRIPT = Path.of(System.getProperty("basedir", "."), "src", "test", "python",
            "kafka_group_client.py");

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
        Process script = new ProcessBuilder(PYTHON, SCRIPT.toString(), bootstrap(), topic, "300")
                .redirectErrorStream(true).start();
        script.getOutputStream().close();
        byte[] output = script.getInputStream().readAllBytes();
        boolean finished = script.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            script.destroyForcibly();
        }
        String transcript = new String(output, StandardCharsets.UTF_8);

        assertThat(finished).as(transcript).isTrue();
        assertThat(script.exitValue()).as(transcript).isZero();
        assertThat(transcript).contains("kafka_group_client consumed and committed 300", "kafka_group_client ok");
    }
}
