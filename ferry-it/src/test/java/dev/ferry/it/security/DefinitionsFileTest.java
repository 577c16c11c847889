package dev.ferry.it.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.BrokerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documented way to create users without a password on a command line: {@code ferry
 * hash-password} prints a hash, a definitions file carries it, {@code FERRY_DEFINITIONS} names the
 * file; the file's exchanges, queues and bindings are declared at start too. Ferry only.
 */
class DefinitionsFileTest {
    @TempDir
    Path workDir;

    @Test
    void shouldLogInWithAHashFromHashPasswordGivenThroughTheEnvironment() throws Exception {
        String hash = hashPassword("from-stdin-Pw");
        assertThat(hash).as("base64 of 36 bytes").matches("[A-Za-z0-9+/]{48}");
        Path definitions = workDir.resolve("definitions.json");
        Files.writeString(definitions, "{\"users\":[{\"name\":\"sec-ops\",\"password_hash\":\"" + hash
                + "\",\"hashing_algorithm\":\"rabbit_password_hashing_sha256\",\"tags\":\"administrator,monitoring\","
                + "\"limits\":{\"max-connections\":5}}],"
                + "\"topic_permissions\":[{\"user\":\"sec-ops\",\"vhost\":\"ops\",\"exchange\":\"amq.topic\","
                + "\"write\":\"^ops\\\\.\",\"read\":\".*\"}],"
                + "\"parameters\":[{\"vhost\":\"ops\",\"component\":\"vhost-limits\",\"name\":\"limits\","
                + "\"value\":{\"max-queues\":10}}],"
                + "\"vhosts\":[{\"name\":\"ops\"}],"
                + "\"permissions\":[{\"user\":\"sec-ops\",\"vhost\":\"ops\",\"configure\":\".*\",\"write\":\".*\","
                + "\"read\":\".*\"}],"
                + "\"exchanges\":[{\"name\":\"ops.events\",\"vhost\":\"ops\",\"type\":\"topic\",\"durable\":true,"
                + "\"auto_delete\":false,\"internal\":false,\"arguments\":{}}],"
                + "\"queues\":[{\"name\":\"q\",\"vhost\":\"ops\",\"durable\":true,\"auto_delete\":false,"
                + "\"arguments\":{\"x-max-length\":100}}],"
                + "\"bindings\":[{\"source\":\"ops.events\",\"vhost\":\"ops\",\"destination\":\"q\","
                + "\"destination_type\":\"queue\",\"routing_key\":\"orders.#\",\"arguments\":{}}]}");
        Path data = workDir.resolve("data");
        Files.createDirectories(data);
        try (BrokerProcess broker = BrokerProcess.startWithEnvironment(data,
                Map.of("FERRY_DEFINITIONS", definitions.toString()))) {
            assertRoutesIntoTheDeclaredQueue(broker);
            assertThat(catchThrowable(() -> factory(broker, "sec-ops", "wrong", "ops").newConnection()))
                    .isInstanceOf(AuthenticationFailureException.class);
            assertThat(broker.output()).noneMatch(line -> line.contains("from-stdin-Pw"));
        }
        // Applied at every start, as upserts: what is stored already records nothing new.
        try (BrokerProcess again = BrokerProcess.startWithEnvironment(data,
                Map.of("FERRY_DEFINITIONS", definitions.toString()))) {
            assertThat(again.output()).anyMatch(line -> line.contains("applied: 0 changes"));
            assertRoutesIntoTheDeclaredQueue(again);
        }
        // A queue the file declares otherwise than it exists stops the start, naming it.
        Files.writeString(definitions, Files.readString(definitions).replace("\"x-max-length\":100", "\"x-max-length\":7"));
        BrokerProcess refused = BrokerProcess.launch(List.of("--data-dir", data.toString(), "--amqp-port", "0"),
                Map.of("FERRY_DEFINITIONS", definitions.toString()));
        try {
            assertThat(refused.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(refused.output()).anyMatch(line -> line.contains("queue 'q' in vhost 'ops'"));
        } finally {
            refused.close();
        }
    }

    /** The file's exchange, queue and binding were declared at start (as RabbitMQ's load_definitions does). */
    private static void assertRoutesIntoTheDeclaredQueue(BrokerProcess broker) throws Exception {
        try (Connection connection = factory(broker, "sec-ops", "from-stdin-Pw", "ops").newConnection()) {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            channel.basicPublish("ops.events", "orders.created", null, "o".getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);
            GetResponse routed = channel.basicGet("q", true);
            assertThat(routed).as("routed through the file's binding").isNotNull();
            assertThat(new String(routed.getBody(), StandardCharsets.UTF_8)).isEqualTo("o");
        }
    }

    /** Runs {@code FerryMain hash-password} with the password on standard input (no terminal). */
    private static String hashPassword(String password) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.ferry.server.FerryMain", "hash-password");
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        process.getOutputStream().write((password + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        return output;
    }

    private static ConnectionFactory factory(BrokerProcess broker, String user, String password, String vhost) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        factory.setUsername(user);
        factory.setPassword(password);
        factory.setVirtualHost(vhost);
        factory.setAutomaticRecoveryEnabled(false);
        return factory;
    }
}
