package dev.ferry.it.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.impl.AMQConnection;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry} with a command against a started broker (in the test's JVM; {@code bin/ferry} as a
 * child process where the script's exit code matters), checked against what a real AMQP client sees: what the CLI declares, publishes, consumes, purges, moves
 * and deletes is what the client finds in the broker, and what a client does is what the CLI
 * lists. Also its answers to bad command lines and to a broker that is not there: one line, and
 * an exit code a script can test.
 */
class FerryCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path temp;

    private static BrokerProcess broker;
    private static FerryCtlProcess ferry;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = BrokerProcess.start(Files.createDirectories(temp.resolve("data")));
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.httpPort() > 0);
        Path home = Files.createDirectories(temp.resolve("home"));
        ferry = new FerryCtlProcess("ferry", Map.of("FERRY_URL", "http://guest:guest@127.0.0.1:" + broker.httpPort(),
                "HOME", home.toString()));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldDeclarePublishConsumePurgeAndDeleteAQueueAsAnAmqpClientSeesIt() throws Exception {
        String queue = "cli-" + UUID.randomUUID();
        ok(ferry.run("declare", "queue", queue, "--argument", "x-max-length=1000"));
        try (Connection connection = connect()) {
            Channel channel = connection.createChannel();
            // Declaring it again with the arguments the CLI gave succeeds; with others it would be 406.
            channel.queueDeclare(queue, true, false, false, Map.of("x-max-length", 1000));

            FerryCtlProcess.Result published = ok(ferry.run("publish", queue, "--count", "50", "--size", "100",
                    "--progress"));
            assertThat(published.err()).contains("100% 50/50").contains("ETA").contains("published 50 messages");
            assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isEqualTo(50);

            JsonNode listed = JSON.readTree(ok(ferry.run("queues", "--format", "json")).out());
            JsonNode row = find(listed, queue);
            assertThat(row.path("messages").asInt()).isEqualTo(50);
            assertThat(row.path("arguments").path("x-max-length").asInt()).isEqualTo(1000);

            Path saved = temp.resolve("saved-" + queue);
            FerryCtlProcess.Result consumed = ok(ferry.run("consume", queue, "--count", "10", "--save-to",
                    saved.toString()));
            assertThat(consumed.out()).isEmpty();
            try (var files = Files.list(saved)) {
                assertThat(files.map(file -> file.getFileName().toString()).sorted())
                        .hasSize(10).first().isEqualTo("message-000001");
            }
            assertThat(Files.readString(saved.resolve("message-000001"))).startsWith("message ").hasSize(100);
            assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isEqualTo(40);

            channel.basicPublish("", queue, null, "from the client".getBytes(StandardCharsets.UTF_8));
            ok(ferry.run("purge", queue));
            assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isZero();
            channel.basicPublish("", queue, null, "printed".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(10)).until(() -> channel.queueDeclarePassive(queue).getMessageCount() == 1);
            assertThat(ok(ferry.run("consume", queue)).out()).isEqualTo("printed\n");
            assertThat(channel.basicGet(queue, true)).isNull();

            ok(ferry.run("delete", "queue", queue));
            assertThatThrownBy(() -> connection.createChannel().queueDeclarePassive(queue))
                    .hasStackTraceContaining("NOT_FOUND");
        }
        FerryCtlProcess.Result missing = ferry.run("delete", "queue", queue);
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(65);
        assertThat(missing.err()).isEqualTo("ferry: queue '" + queue + "' does not exist in virtual host '/'\n");
    }

    @Test
    void shouldRouteAClientsMessagesThroughAnExchangeAndBindingTheCliDeclared() throws Exception {
        String exchange = "cli-events-" + UUID.randomUUID();
        String queue = "cli-orders-" + UUID.randomUUID();
        ok(ferry.run("declare", "exchange", exchange, "--type", "topic"));
        ok(ferry.run("declare", "queue", queue));
        ok(ferry.run("declare", "binding", "--source", exchange, "--destination", queue, "--routing-key", "order.#"));
        try (Connection connection = connect()) {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            channel.basicPublish(exchange, "order.created", null, "o1".getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);
            GetResponse routed = channel.basicGet(queue, true);
            assertThat(routed).isNotNull();
            assertThat(new String(routed.getBody(), StandardCharsets.UTF_8)).isEqualTo("o1");

            JsonNode bindings = JSON.readTree(ok(ferry.run("bindings", "--format", "json")).out());
            assertThat(bindings).anySatisfy(binding -> {
                assertThat(binding.path("source").asText()).isEqualTo(exchange);
                assertThat(binding.path("destination").asText()).isEqualTo(queue);
                assertThat(binding.path("routing_key").asText()).isEqualTo("order.#");
            });
            FerryCtlProcess.Result unroutable = ferry.run("publish", "--exchange", exchange, "--routing-key",
                    "invoice.paid", "x");
            assertThat(unroutable.exitCode()).as(unroutable.toString()).isEqualTo(65);
            assertThat(unroutable.err()).contains("reached no queue");

            ok(ferry.run("delete", "binding", "--source", exchange, "--destination", queue, "-k", "order.#"));
            channel.basicPublish(exchange, "order.created", null, "o2".getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);
            assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isZero();
            ok(ferry.run("delete", "exchange", exchange));
            assertThatThrownBy(() -> connection.createChannel().exchangeDeclarePassive(exchange))
                    .hasStackTraceContaining("NOT_FOUND");
        }
    }

    @Test
    void shouldListAClientsConnectionAndSizeTheTableToTheTerminal() throws Exception {
        String longName = "cli-a-queue-with-a-name-far-too-long-for-a-narrow-terminal-" + UUID.randomUUID();
        try (Connection connection = connect()) {
            connection.createChannel().queueDeclare(longName, false, false, false, Map.of());
            String port = Integer.toString(((AMQConnection) connection).getLocalPort());
            FerryCtlProcess.Result connections = ok(ferry.run("connections", "--format", "json"));
            assertThat(JSON.readTree(connections.out())).anySatisfy(row ->
                    assertThat(row.path("peer_port").asText()).isEqualTo(port));

            FerryCtlProcess.Result narrow = ok(ferry.run(Map.of("COLUMNS", "90"), "queues"));
            assertThat(narrow.lines()).first().asString().startsWith("NAME ");
            assertThat(narrow.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(90));
            assertThat(narrow.lines()).anySatisfy(line -> assertThat(line).startsWith("cli-a-queue-").contains("~ "));
            FerryCtlProcess.Result wide = ok(ferry.run(Map.of("COLUMNS", "300"), "queues"));
            assertThat(wide.out()).contains(longName);
        }
    }

    @Test
    void shouldMoveDeadLetteredMessagesBackWithProgressAndFilterByReason() throws Exception {
        String work = "cli-work-" + UUID.randomUUID();
        String dlq = work + ".dlq";
        String other = work + ".other";
        int count = 450;
        try (Connection connection = connect()) {
            Channel channel = connection.createChannel();
            channel.queueDeclare(dlq, true, false, false, Map.of());
            channel.queueDeclare(other, true, false, false, Map.of());
            channel.queueDeclare(work, true, false, false, Map.of("x-dead-letter-exchange", "",
                    "x-dead-letter-routing-key", dlq));
            channel.confirmSelect();
            for (int i = 0; i < count; i++) {
                channel.basicPublish("", work, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(10_000);
            for (int i = 0; i < count; i++) {
                GetResponse message = channel.basicGet(work, false);
                channel.basicReject(message.getEnvelope().getDeliveryTag(), false);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> channel.queueDeclarePassive(dlq).getMessageCount() == count);

            FerryCtlProcess.Result filtered = ok(ferry.run("move", "--from", dlq, "--to", other, "--reason", "expired",
                    "--format", "json"));
            assertThat(JSON.readTree(filtered.out()).path("moved").asInt()).isZero();
            assertThat(channel.queueDeclarePassive(dlq).getMessageCount()).isEqualTo(count);

            FerryCtlProcess.Result moved = ok(ferry.run("move", "--from", dlq, "--reason", "rejected", "--progress"));
            assertThat(moved.err()).contains("100% " + count + "/" + count).contains("moved " + count + ", skipped 0, 0 left");
            assertThat(channel.queueDeclarePassive(dlq).getMessageCount()).isZero();
            await().atMost(Duration.ofSeconds(20)).until(() -> channel.queueDeclarePassive(work).getMessageCount() == count);
        }
        FerryCtlProcess.Result unknown = ferry.run("move", "--from", "cli-no-such-" + UUID.randomUUID());
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(65);
    }

    @Test
    void shouldExportDefinitionsAndImportThemBackWithProgress() throws Exception {
        String queue = "cli-defs-" + UUID.randomUUID();
        ok(ferry.run("declare", "queue", queue, "-a", "x-message-ttl=60000"));
        Path file = temp.resolve("definitions-" + queue + ".json");
        ok(ferry.run("definitions", "export", file.toString()));
        assertThat(JSON.readTree(file.toFile()).path("queues")).anySatisfy(entry ->
                assertThat(entry.path("name").asText()).isEqualTo(queue));
        try (Connection connection = connect()) {
            connection.createChannel().queueDelete(queue);
            FerryCtlProcess.Result imported = ok(ferry.run("definitions", "import", file.toString(), "--progress"));
            assertThat(imported.err()).contains("100%").contains("imported ");
            Channel channel = connection.createChannel();
            channel.queueDeclare(queue, true, false, false, Map.of("x-message-ttl", 60000));
        }
        FerryCtlProcess.Result broken = ferry.run("definitions", "import", temp.resolve("none.json").toString());
        assertThat(broken.exitCode()).isEqualTo(65);
    }

    @Test
    void shouldAddAUserWhoseLoginWorksThenChangeItsPasswordAndDeleteIt() throws Exception {
        String user = "cli-user-" + UUID.randomUUID();
        ok(ferry.run("users", "add", user, "--new-password", "first", "--tags", "monitoring"));
        assertThat(JSON.readTree(ok(ferry.run("users", "list", "--format", "json")).out())).anySatisfy(row -> {
            assertThat(row.path("name").asText()).isEqualTo(user);
            assertThat(row.path("tags").toString()).contains("monitoring");
        });
        ok(ferry.run("connections", "--url", "http://" + user + ":first@127.0.0.1:" + broker.httpPort()));
        ok(ferry.run("users", "passwd", user, "--new-password", "second"));
        FerryCtlProcess.Result refused = ferry.run("connections", "--username", user, "--password", "first");
        assertThat(refused.exitCode()).isEqualTo(69);
        assertThat(refused.err()).contains("refused the credentials").doesNotContain("\n\n").hasLineCount(1);
        ok(ferry.run("users", "delete", user));
        assertThat(ferry.run("users", "delete", user).exitCode()).isEqualTo(67);
    }

    @Test
    void shouldBenchThroughputAndLatencyOverAmqpAndLeaveNoQueueBehind() throws Exception {
        JsonNode result = JSON.readTree(ok(ferry.run("bench", "--count", "1000", "--format", "json")).out());
        assertThat(result.path("messages").asInt()).isEqualTo(1000);
        assertThat(result.path("publish_per_second").asLong()).isPositive();
        assertThat(result.path("latency_ms").path("p50").asDouble())
                .isLessThanOrEqualTo(result.path("latency_ms").path("p99").asDouble());
        JsonNode queues = JSON.readTree(ok(ferry.run("queues", "--format", "json")).out());
        assertThat(queues).noneSatisfy(row -> assertThat(row.path("name").asText()).startsWith("ferry-bench-"));
    }

    @Test
    void shouldAnswerBadCommandLinesAndAnUnreachableBrokerWithOneLineAndAnExitCode() throws Exception {
        FerryCtlProcess.Result unknownCommand = ferry.runScript("frobnicate");
        assertThat(unknownCommand.exitCode()).isEqualTo(64);
        assertThat(unknownCommand.err()).startsWith("ferry: unknown command 'frobnicate'\n");

        FerryCtlProcess.Result unknownOption = ferry.run("queues", "--bogus");
        assertThat(unknownOption.exitCode()).isEqualTo(64);
        assertThat(unknownOption.err()).contains("--bogus").contains("ferry queues --help");

        FerryCtlProcess.Result badReason = ferry.run("move", "--from", "q", "--reason", "bored");
        assertThat(badReason.exitCode()).isEqualTo(64);
        assertThat(badReason.err()).contains("bored").contains("rejected, expired, maxlen, delivery_limit");

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        FerryCtlProcess.Result unreachable = ferry.runScript("queues", "--url", "http://127.0.0.1:" + closedPort);
        assertThat(unreachable.exitCode()).isEqualTo(69);
        assertThat(unreachable.out()).isEmpty();
        assertThat(unreachable.err()).hasLineCount(1).startsWith("ferry: ").contains("127.0.0.1:" + closedPort)
                .contains("connection refused");

        FerryCtlProcess.Result help = ok(ferry.run("publish", "--help"));
        assertThat(help.out()).contains("--count").contains("--rate").contains("--file");
        assertThat(ok(ferry.run("help")).out()).contains("queues").contains("move").contains("bench").contains("server");
        FerryCtlProcess.Result completion = ok(ferry.run("completion"));
        assertThat(completion.out()).contains("complete -F").contains("publish").contains("definitions");
        FerryCtlProcess.Result serverHelp = ok(ferry.run("server", "--help"));
        assertThat(serverHelp.out()).contains("--data-dir").contains("--amqp-port").contains("ferry help");
    }

    private static FerryCtlProcess.Result ok(FerryCtlProcess.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }

    private static JsonNode find(JsonNode rows, String name) {
        for (JsonNode row : rows) {
            if (row.path("name").asText().equals(name)) {
                return row;
            }
        }
        throw new AssertionError(name + " is not among " + rows);
    }

    private static Connection connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection();
    }
}
