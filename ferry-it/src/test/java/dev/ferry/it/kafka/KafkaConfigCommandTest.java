package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka's {@code kafka-configs} ({@code kafka.admin.ConfigCommand}, from the Kafka 4.3.1 broker's
 * jars, one JVM per run) on groups and broker loggers, with the arguments an operator gives it:
 * what it prints must be what it prints against Kafka 4.3.1 (run with {@code -Dferry.it.kafka=HOST:PORT}).
 * It reads more than DescribeConfigs: ListConfigResources and ListGroups tell it whether a group
 * exists, DescribeCluster whether a broker id does.
 */
class KafkaConfigCommandTest extends KafkaTestBase {
    private static String kafkaClasspath;

    @BeforeAll
    static void resolveKafka() throws Exception {
        Path script = Path.of("..", "ferry-bench", "scripts", "kafka-classpath.sh").toAbsolutePath().normalize();
        Process process = new ProcessBuilder("bash", script.toString(), "4.3.1")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        kafkaClasspath = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.waitFor(10, TimeUnit.MINUTES)).as("classpath resolved in time").isTrue();
        assertThat(process.exitValue()).as("kafka-classpath.sh exit code").isZero();
    }

    private record Run(int exitCode, String out) {
    }

    private static Run configs(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", kafkaClasspath, "kafka.admin.ConfigCommand",
                "--bootstrap-server", bootstrap()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("kafka-configs finished").isTrue();
        // The broker's jars come with a log4j binding that may print its own notices; they are not the tool's.
        String own = out.lines().filter(line -> !line.startsWith("SLF4J") && !line.startsWith("WARN")
                && !line.contains("StatusLogger")).reduce("", (all, line) -> all + line + "\n");
        return new Run(process.exitValue(), own);
    }

    @Test
    void shouldDescribeAlterAndDeleteAGroupsConfigsAsKafkaDoes() throws Exception {
        String group = unique("cc-group");
        assertThat(configs("--describe", "--entity-type", "groups", "--entity-name", group).out())
                .isEqualTo("The group '" + group + "' doesn't exist and doesn't have dynamic config.\n");

        Run altered = configs("--alter", "--entity-type", "groups", "--entity-name", group, "--add-config",
                "consumer.heartbeat.interval.ms=7000,share.auto.offset.reset=earliest");
        assertThat(altered.out()).isEqualTo("Completed updating config for group " + group + ".\n");
        assertThat(configs("--describe", "--entity-type", "groups", "--entity-name", group).out()).isEqualTo(
                "Dynamic configs for group " + group + " are:\n"
                        + "  consumer.heartbeat.interval.ms=7000 sensitive=false synonyms={DYNAMIC_GROUP_CONFIG:"
                        + "consumer.heartbeat.interval.ms=7000, DEFAULT_CONFIG:group.consumer.heartbeat.interval.ms=5000}\n"
                        + "  share.auto.offset.reset=earliest sensitive=false synonyms={DYNAMIC_GROUP_CONFIG:"
                        + "share.auto.offset.reset=earliest, DEFAULT_CONFIG:share.auto.offset.reset=latest}\n");
        assertThat(configs("--describe", "--entity-type", "groups").out())
                .contains("Dynamic configs for group " + group + " are:\n");

        Run refused = configs("--alter", "--entity-type", "groups", "--entity-name", group, "--add-config",
                "consumer.heartbeat.interval.ms=1");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.out()).contains("InvalidConfigurationException: consumer.heartbeat.interval.ms must be "
                + "greater than or equal to group.consumer.min.heartbeat.interval.ms");

        assertThat(configs("--alter", "--entity-type", "groups", "--entity-name", group, "--delete-config",
                "consumer.heartbeat.interval.ms,share.auto.offset.reset").out())
                .isEqualTo("Completed updating config for group " + group + ".\n");
        assertThat(configs("--describe", "--entity-type", "groups", "--entity-name", group).out())
                .isEqualTo("The group '" + group + "' doesn't exist and doesn't have dynamic config.\n");
    }

    @Test
    void shouldDescribeAndAlterTheBrokersLoggersAsKafkaDoes() throws Exception {
        String nodeId;
        try (Admin admin = admin()) {
            nodeId = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().idString();
        }
        String otherId = Integer.toString(Integer.parseInt(nodeId) + 6);
        assertThat(configs("--describe", "--entity-type", "broker-loggers", "--entity-name", otherId).out())
                .isEqualTo("The broker-logger '" + otherId + "' doesn't exist and doesn't have dynamic config.\n");

        String described = configs("--describe", "--entity-type", "broker-loggers", "--entity-name", nodeId).out();
        assertThat(described).startsWith("Dynamic configs for broker-logger " + nodeId + " are:\n");
        String rootLine = described.lines().filter(line -> line.startsWith("  root=")).findFirst().orElseThrow();
        String rootLevel = rootLine.substring("  root=".length(), rootLine.indexOf(' ', 2));
        assertThat(rootLine).isEqualTo("  root=" + rootLevel + " sensitive=false synonyms={}");

        String other = rootLevel.equals("WARN") ? "ERROR" : "WARN";
        try {
            assertThat(configs("--alter", "--entity-type", "broker-loggers", "--entity-name", nodeId, "--add-config",
                    "root=" + other).out()).isEqualTo("Completed updating config for broker-logger " + nodeId + ".\n");
            assertThat(configs("--describe", "--entity-type", "broker-loggers", "--entity-name", nodeId).out())
                    .contains("  root=" + other + " sensitive=false synonyms={}\n");
        } finally {
            configs("--alter", "--entity-type", "broker-loggers", "--entity-name", nodeId, "--add-config",
                    "root=" + rootLevel);
        }

        Run unknown = configs("--alter", "--entity-type", "broker-loggers", "--entity-name", nodeId, "--add-config",
                "ferry.it.no.such.logger=INFO");
        assertThat(unknown.out()).contains("Invalid broker logger(s): ferry.it.no.such.logger");
    }
}
