package dev.ferry.it.durability;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Far more durable queues than the process may open files: a broker started under
 * {@code ulimit -n 256} declares 1,000 durable queues with one persistent message each, is killed,
 * starts again under the same limit and gives every message back. Each queue's log opens its files
 * through the broker's bounded file handle cache, so an idle queue holds no descriptor (before,
 * every durable queue held two, and the broker failed after about a hundred queues here).
 *
 * <p>The broker is launched through {@code bash -c 'ulimit -n 256; exec java ...'}, so the limit is
 * the JVM's own, from the jar {@code bin/ferry} runs; the rest is as {@code BrokerProcess} does it.
 */
class DescriptorLimitTest {
    private static final int DESCRIPTOR_LIMIT = 256;
    private static final int QUEUES = 1000;
    private static final Pattern LISTENING = Pattern.compile("listening on amqp://[^:]+:(\\d+)");

    @TempDir
    Path dataDir;
    private Process broker;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private volatile int port = -1;

    @AfterEach
    void stopBroker() throws InterruptedException {
        if (broker != null && broker.isAlive()) {
            broker.toHandle().destroyForcibly();
            broker.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldKeepAThousandDurableQueuesUnderADescriptorLimitOf256() throws Exception {
        startUnderLimit();
        try (Connection connection = connect()) {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            for (int i = 0; i < QUEUES; i++) {
                channel.queueDeclare(queue(i), true, false, false, null);
                channel.basicPublish("", queue(i), MessageProperties.PERSISTENT_TEXT_PLAIN, body(i));
            }
            channel.waitForConfirmsOrDie(60_000);
            assertThat(openDescriptors()).as("the broker's descriptors with %d queues", QUEUES)
                    .isLessThan(DESCRIPTOR_LIMIT);
        }
        broker.toHandle().destroyForcibly();
        assertThat(broker.waitFor(30, TimeUnit.SECONDS)).isTrue();

        startUnderLimit();
        try (Connection connection = connect()) {
            Channel channel = connection.createChannel();
            for (int i = 0; i < QUEUES; i++) {
                GetResponse response = channel.basicGet(queue(i), false);
                assertThat(response).as("the message of %s", queue(i)).isNotNull();
                assertThat(response.getBody()).isEqualTo(body(i));
                channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
                assertThat(channel.basicGet(queue(i), false)).as("one message in %s", queue(i)).isNull();
            }
            assertThat(openDescriptors()).isLessThan(DESCRIPTOR_LIMIT);
        }
        assertThat(output).noneMatch(line -> line.contains("Too many open files"));
        assertThat(broker.isAlive()).isTrue();
    }

    private static String queue(int i) {
        return "durable-" + i;
    }

    private static byte[] body(int i) {
        return ("message of queue " + i).getBytes(StandardCharsets.UTF_8);
    }

    private Connection connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setPort(port);
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection();
    }

    private long openDescriptors() throws IOException {
        try (Stream<Path> descriptors = Files.list(Path.of("/proc", Long.toString(broker.pid()), "fd"))) {
            return descriptors.count();
        }
    }

    /**
     * The jar {@code bin/ferry} runs (one descriptor) when the build made it, as it does before this
     * module's tests: the test class path holds some two hundred jars (Selenium's, Kafka's, ...),
     * and a JVM searching them for classes keeps each it opened, which would count against the
     * broker's 256 descriptors though no broker ships with them.
     */
    private static String brokerClasspath() {
        Path shipped = Path.of("..", "ferry-server", "target", "ferry.jar").toAbsolutePath().normalize();
        return Files.isRegularFile(shipped) ? shipped.toString() : System.getProperty("java.class.path");
    }

    private void startUnderLimit() throws IOException, InterruptedException {
        port = -1;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "ulimit -n " + DESCRIPTOR_LIMIT + " && exec \"$@\"", "bash",
                java, "-Xmx512m", "-ea", "-cp", brokerClasspath(), "dev.ferry.server.FerryMain",
                "--data-dir", dataDir.toString(), "--amqp-port", "0", "--kafka-port", "0", "--http-port", "0",
                "--prometheus-port", "0").redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("FERRY_"));
        broker = builder.start();
        Process process = broker;
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.add(line);
                    Matcher matcher = LISTENING.matcher(line);
                    if (matcher.find()) {
                        port = Integer.parseInt(matcher.group(1));
                    }
                }
            } catch (IOException ignored) {
                // The pipe closes when the broker exits.
            }
        }, "descriptor-limit-broker-output");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (port < 0) {
            assertThat(broker.isAlive()).as("broker exited before listening:%n%s", String.join("\n", output)).isTrue();
            assertThat(System.nanoTime()).as("broker listening within 120 s:%n%s", String.join("\n", output))
                    .isLessThan(deadline);
            // Polling the child's output: there is no event to wait on across the process boundary.
            Thread.sleep(20);
        }
    }
}
