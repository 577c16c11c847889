package dev.ferry.it.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferryctl export_definitions} and {@code import_definitions} as rabbitmqctl 3.10 has them,
 * run as child processes against a started broker: what an AMQP client declared comes out in the
 * file (and on standard output with {@code -}), an edited file imported back gives a topology an
 * AMQP client can route through, and bad files are refused with a reason and exit code 65.
 */
class FerryCtlDefinitionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Path.of(System.getProperty("basedir", "."), "..", "bin", "ferryctl").normalize();

    @TempDir
    static Path temp;

    private static BrokerProcess broker;
    private static FerryCtlProcess ctl;
    private static Map<String, String> environment;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = BrokerProcess.start(Files.createDirectories(temp.resolve("data")));
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.httpPort() > 0);
        environment = Map.of("FERRY_URL", "http://127.0.0.1:" + broker.httpPort(),
                "HOME", Files.createDirectories(temp.resolve("home")).toString());
        ctl = new FerryCtlProcess(environment);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Connection connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection();
    }

    private static List<String> names(JsonNode definitions, String kind) {
        List<String> names = new ArrayList<>();
        definitions.path(kind).forEach(entry -> names.add(entry.path("name").asText()));
        return names;
    }

    @Test
    void shouldExportWhatAClientDeclaredAndImportAnEditedCopyThatRoutes() throws Exception {
        try (Connection connection = connect()) {
            Channel channel = connection.createChannel();
            channel.exchangeDeclare("defs.x", "topic", true);
            channel.queueDeclare("defs.q", true, false, false, Map.of("x-max-length", 10));
            channel.queueBind("defs.q", "defs.x", "order.*");
        }
        Path file = temp.resolve("definitions.json");
        FerryCtlProcess.Result exported = ctl.run("export_definitions", file.toString());
        assertThat(exported.exitCode()).as(exported.toString()).isZero();
        assertThat(exported.out()).isEqualTo("Exporting definitions in JSON to a file at \"" + file + "\" ...\n");
        JsonNode definitions = JSON.readTree(file.toFile());
        assertThat(names(definitions, "queues")).contains("defs.q");
        assertThat(names(definitions, "exchanges")).contains("defs.x");
        assertThat(definitions.path("rabbitmq_version").asText()).isEqualTo("3.10.0");

        FerryCtlProcess.Result piped = ctl.run("export_definitions", "-");
        assertThat(piped.exitCode()).as(piped.toString()).isZero();
        assertThat(names(JSON.readTree(piped.out()), "queues")).contains("defs.q");

        // The same topology under new names, as an operator would carry it to another broker.
        String edited = Files.readString(file).replace("defs.q", "defs.q2").replace("defs.x", "defs.x2");
        Path editedFile = temp.resolve("edited.json");
        Files.writeString(editedFile, edited);
        FerryCtlProcess.Result imported = ctl.run("import_definitions", editedFile.toString());
        assertThat(imported.exitCode()).as(imported.toString()).isZero();
        assertThat(imported.lines()).containsExactly("Importing definitions in JSON from a file at \"" + editedFile + "\" ...",
                "Successfully started definition import. This process is asynchronous and can take some time.");
        try (Connection connection = connect()) {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            channel.basicPublish("defs.x2", "order.created", null, "routed".getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);
            GetResponse got = channel.basicGet("defs.q2", true);
            assertThat(got).isNotNull();
            assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("routed");
        }
    }

    @Test
    void shouldImportFromStandardInput() throws Exception {
        Path file = temp.resolve("stdin.json");
        Files.writeString(file, "{\"queues\":[{\"name\":\"defs.stdin\",\"vhost\":\"/\",\"durable\":true,"
                + "\"auto_delete\":false,\"arguments\":{}}]}");
        ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), "import_definitions", "-");
        builder.environment().keySet().removeIf(name -> name.startsWith("FERRY_"));
        builder.environment().putAll(environment);
        builder.redirectInput(file.toFile()).redirectErrorStream(true);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).startsWith("Importing definitions in JSON from standard input ...\n");
        try (Connection connection = connect()) {
            assertThat(connection.createChannel().queueDeclarePassive("defs.stdin").getMessageCount()).isZero();
        }
    }

    @Test
    void shouldRefuseABadFileWithAReasonAndExitCode65() throws Exception {
        Path notJson = temp.resolve("not.json");
        Files.writeString(notJson, "{\"queues\": [");
        FerryCtlProcess.Result malformed = ctl.run("import_definitions", notJson.toString());
        assertThat(malformed.exitCode()).as(malformed.toString()).isEqualTo(65);
        assertThat(malformed.err()).startsWith("Error:\nfailed to decode definitions in JSON from " + notJson + ": ");

        FerryCtlProcess.Result missing = ctl.run("import_definitions", temp.resolve("nowhere.json").toString());
        assertThat(missing.exitCode()).isEqualTo(65);
        assertThat(missing.err()).isEqualTo("Error:\nfile " + temp.resolve("nowhere.json") + " does not exist\n");

        Path dangling = temp.resolve("dangling.json");
        Files.writeString(dangling, "{\"bindings\":[{\"source\":\"amq.direct\",\"vhost\":\"/\",\"destination\":"
                + "\"defs.absent\",\"destination_type\":\"queue\",\"routing_key\":\"k\",\"arguments\":{}}]}");
        FerryCtlProcess.Result refused = ctl.run("import_definitions", dangling.toString());
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(65);
        assertThat(refused.err()).contains("queue 'defs.absent' does not exist");

        FerryCtlProcess.Result array = ctl.run("import_definitions", writeAndReturn("array.json", "[]").toString());
        assertThat(array.exitCode()).isEqualTo(65);
        assertThat(array.err()).isEqualTo("Error:\ndefinitions must be a JSON object\n");

        FerryCtlProcess.Result noArgument = ctl.run("export_definitions");
        assertThat(noArgument.exitCode()).isEqualTo(64);
        FerryCtlProcess.Result unwritable = ctl.run("export_definitions", temp.resolve("no/such/dir/out.json").toString());
        assertThat(unwritable.exitCode()).isEqualTo(73);
    }

    private static Path writeAndReturn(String name, String text) throws IOException {
        Path file = temp.resolve(name);
        Files.writeString(file, text);
        return file;
    }
}
