package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker process's command-line contract: flags, exit codes, configuration precedence, clean stop. */
class ServerProcessTest {
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path temp;

    @Test
    void shouldPrintEveryStableFlagInHelpAndExitZero() throws IOException {
        BrokerProcess help = BrokerProcess.launch(List.of("--help"));

        assertThat(help.awaitExit(EXIT_TIMEOUT)).isZero();
        assertThat(String.join("\n", help.output()))
                .contains("--data-dir", "--amqp-port", "--bind", "--config", "--help");
    }

    @Test
    void shouldRefuseAnOutOfRangePortWithExitCodeTwoAndSayWhy() throws IOException {
        BrokerProcess broker = BrokerProcess.launch(List.of("--amqp-port", "70000", "--data-dir", temp.toString()));

        assertThat(broker.awaitExit(EXIT_TIMEOUT)).isEqualTo(2);
        assertThat(String.join("\n", broker.output())).contains("amqp-port", "70000");
    }

    @Test
    void shouldStartFromTheStartScriptWithAHeapSizedForTheMachine() throws IOException {
        // The script's rule: an eighth of the memory (or the cgroup's limit), 256 MiB to 2 GiB.
        long memoryBytes = 1024 * Long.parseLong(Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(line -> line.startsWith("MemTotal:")).findFirst().orElseThrow().replaceAll("\\D", ""));
        Path cgroupLimit = Path.of("/sys/fs/cgroup/memory.max");
        if (Files.isReadable(cgroupLimit) && Files.readString(cgroupLimit).trim().matches("\\d+")) {
            memoryBytes = Math.min(memoryBytes, Long.parseLong(Files.readString(cgroupLimit).trim()));
        }
        long heapMb = Math.max(256, Math.min(2048, memoryBytes / 1024 / 1024 / 8));

        try (BrokerProcess sized = BrokerProcess.startScript(temp.resolve("sized"), Map.of())) {
            assertThat(commandLine(sized)).contains("-Xmx" + heapMb + "m", "-Xms32m", "-XX:+UseSerialGC",
                    "-XX:-ShrinkHeapInSteps", "-XX:PretenureSizeThreshold=1048576", "-XX:TrimNativeHeapInterval=10000", "-Djdk.nio.maxCachedBufferSize=1048576");
            assertThat(Files.readString(Path.of("/proc", Long.toString(sized.pid()), "environ")).split("\0"))
                    .contains("MALLOC_ARENA_MAX=2");
            assertThat(sized.terminate()).isZero();
        }
        try (BrokerProcess chosen = BrokerProcess.startScript(temp.resolve("chosen"), Map.of("FERRY_HEAP_MB", "300"))) {
            assertThat(commandLine(chosen)).contains("-Xmx300m");
            assertThat(chosen.terminate()).isZero();
        }
        // A collector named in FERRY_JAVA_OPTS replaces the script's; the JVM would refuse both.
        try (BrokerProcess g1 = BrokerProcess.startScript(temp.resolve("g1"),
                Map.of("FERRY_JAVA_OPTS", "-XX:+UseG1GC -XX:G1PeriodicGCInterval=10000"))) {
            assertThat(commandLine(g1)).contains("-XX:+UseG1GC").doesNotContain("-XX:+UseSerialGC");
            assertThat(g1.terminate()).isZero();
        }
    }

    private static List<String> commandLine(BrokerProcess broker) throws IOException {
        return List.of(Files.readString(Path.of("/proc", Long.toString(broker.pid()), "cmdline")).split("\0"));
    }

    @Test
    void shouldRefuseQueueMemoryLimitsTooSmallToPageWithExitCodeTwo() throws IOException {
        for (List<String> bad : List.of(List.of("--queue-memory-messages", "1"), List.of("--queue-memory-bytes", "0"),
                List.of("--memory-paging-ratio", "0"), List.of("--memory-paging-ratio", "1.5"))) {
            List<String> arguments = new java.util.ArrayList<>(bad);
            arguments.addAll(List.of("--data-dir", temp.toString()));
            BrokerProcess broker = BrokerProcess.launch(arguments);

            assertThat(broker.awaitExit(EXIT_TIMEOUT)).as("%s", bad).isEqualTo(2);
            assertThat(String.join("\n", broker.output())).contains(bad.get(0).substring(2));
        }
    }

    @Test
    void shouldRefuseIngressLimitsOutOfRangeWithExitCodeTwo() throws IOException {
        for (List<String> bad : List.of(List.of("--max-message-bytes", "536870913"),
                List.of("--content-budget-bytes", "-1"), List.of("--queue-mailbox-messages", "1"),
                List.of("--queue-mailbox-bytes", "1"))) {
            List<String> arguments = new java.util.ArrayList<>(bad);
            arguments.addAll(List.of("--data-dir", temp.toString()));
            BrokerProcess broker = BrokerProcess.launch(arguments);

            assertThat(broker.awaitExit(EXIT_TIMEOUT)).as("%s", bad).isEqualTo(2);
            assertThat(String.join("\n", broker.output())).as("%s", bad).contains(bad.get(0).substring(2));
        }
    }

    @Test
    void shouldAcceptTheLargestMessageSizeWithSegmentsToHoldIt() throws IOException {
        try (BrokerProcess broker = BrokerProcess.start(temp.resolve("largest"), "--max-message-bytes", "536870912",
                "--queue-segment-bytes", "1073741824")) {
            assertThat(broker.output()).anyMatch(line -> line.contains("messages up to 536870912 bytes"));
            assertThat(broker.terminate()).isZero();
        }
    }

    @Test
    void shouldRefuseAnUnknownFlag() throws IOException {
        BrokerProcess broker = BrokerProcess.launch(List.of("--no-such-flag"));

        assertThat(broker.awaitExit(EXIT_TIMEOUT)).isEqualTo(2);
        assertThat(String.join("\n", broker.output())).contains("--no-such-flag");
    }

    @Test
    void shouldStopCleanlyOnSigtermAndReleaseTheDataDirectory() throws IOException {
        Path dataDir = temp.resolve("data");
        BrokerProcess first = BrokerProcess.start(dataDir);
        assertThat(first.output()).anyMatch(line -> line.contains("data in " + dataDir));

        assertThat(first.terminate()).isZero();
        assertThat(first.output()).anyMatch(line -> line.contains("Ferry stopped"));

        try (BrokerProcess second = BrokerProcess.start(dataDir)) {
            assertThat(second.isAlive()).isTrue();
            assertThat(second.terminate()).isZero();
        }
    }

    @Test
    void shouldTellConnectedClientsWithConnectionForcedOnShutdown() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(temp.resolve("forced"))) {
            com.rabbitmq.client.ConnectionFactory factory = new com.rabbitmq.client.ConnectionFactory();
            factory.setPort(broker.amqpPort());
            factory.setAutomaticRecoveryEnabled(false);
            com.rabbitmq.client.Connection connection = factory.newConnection();
            java.util.concurrent.CompletableFuture<com.rabbitmq.client.ShutdownSignalException> closed =
                    new java.util.concurrent.CompletableFuture<>();
            connection.addShutdownListener(closed::complete);

            assertThat(broker.terminate()).isZero();

            com.rabbitmq.client.ShutdownSignalException signal = closed.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(signal.isHardError()).isTrue();
            assertThat(signal.isInitiatedByApplication()).isFalse();
            com.rabbitmq.client.AMQP.Connection.Close reason = (com.rabbitmq.client.AMQP.Connection.Close) signal.getReason();
            assertThat(reason.getReplyCode()).isEqualTo(320);
            assertThat(reason.getReplyText()).isEqualTo("CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'");
        }
    }

    @Test
    void shouldRefuseASecondBrokerOnTheSameDataDirectory() throws IOException {
        Path dataDir = temp.resolve("shared");
        try (BrokerProcess first = BrokerProcess.start(dataDir)) {
            BrokerProcess second = BrokerProcess.launch(
                    List.of("--data-dir", dataDir.toString(), "--amqp-port", "0"));

            assertThat(second.awaitExit(EXIT_TIMEOUT)).isEqualTo(2);
            assertThat(String.join("\n", second.output())).contains("in use by another Ferry process");
            assertThat(first.isAlive()).isTrue();
        }
    }

    @Test
    void shouldTakeFlagsOverEnvironmentOverConfigurationFile() throws IOException {
        Path fromFile = temp.resolve("from-file");
        Path fromEnvironment = temp.resolve("from-env");
        Path fromFlag = temp.resolve("from-flag");
        Path config = temp.resolve("ferry.conf");
        Files.writeString(config, "data-dir = " + fromFile + "\namqp-port = 0\n");

        assertThat(dataDirChosenBy(List.of("--config", config.toString()), Map.of())).isEqualTo(fromFile);
        assertThat(dataDirChosenBy(List.of("--config", config.toString()),
                Map.of("FERRY_DATA_DIR", fromEnvironment.toString()))).isEqualTo(fromEnvironment);
        assertThat(dataDirChosenBy(List.of("--config", config.toString(), "--data-dir", fromFlag.toString()),
                Map.of("FERRY_DATA_DIR", fromEnvironment.toString()))).isEqualTo(fromFlag);
        assertThat(Files.exists(fromFlag.resolve("ferry.lock"))).isTrue();
    }

    @Test
    void shouldStopCleanlyOnASignalThatArrivesWhileItIsStarting() throws IOException {
        // The metadata log is the first thing startup opens, most of a second before the listeners: a
        // SIGTERM sent on reading that line finds a broker still starting, which must finish, close and exit 0.
        Path dataDir = temp.resolve("signalled-while-starting");
        BrokerProcess starting = BrokerProcess.launch(List.of("--data-dir", dataDir.toString(), "--amqp-port", "0"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                .until(() -> starting.output().stream().anyMatch(line -> line.contains("Opened log 'metadata'")));

        assertThat(starting.terminate()).isZero();
        assertThat(String.join("\n", starting.output())).contains("Ferry stopped");
        try (BrokerProcess again = BrokerProcess.start(dataDir)) {
            assertThat(again.isAlive()).isTrue();
            assertThat(again.terminate()).isZero();
        }
    }

    @Test
    void shouldRefuseAMisspeltSettingInTheConfigurationFile() throws IOException {
        Path config = temp.resolve("typo.conf");
        Files.writeString(config, "amqp-prot = 5673\n");

        BrokerProcess broker = BrokerProcess.launch(List.of("--config", config.toString()));

        assertThat(broker.awaitExit(EXIT_TIMEOUT)).isEqualTo(2);
        assertThat(String.join("\n", broker.output())).contains("unknown setting 'amqp-prot'");
    }

    private static Path dataDirChosenBy(List<String> arguments, Map<String, String> environment) throws IOException {
        BrokerProcess broker = BrokerProcess.launch(arguments, environment);
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> broker.output().stream().anyMatch(line -> line.contains("data in ")));
            String line = broker.output().stream().filter(l -> l.contains("data in ")).findFirst().orElseThrow();
            String path = line.substring(line.indexOf("data in ") + "data in ".length()).trim();
            return Path.of(path);
        } finally {
            assertThat(broker.terminate()).isZero();
        }
    }
}
