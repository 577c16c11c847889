package dev.ferry.it.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import com.rabbitmq.client.ShutdownSignalException;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferryctl} against a started broker (in the test's JVM; {@code bin/ferryctl} as a child
 * process where the script's exit code matters), checked against what real AMQP clients see: a queue's depth, a user it creates logging in, permissions it sets taking
 * effect, a connection it closes reaching the client, a purge emptying the queue; and its answers
 * to bad command lines, unknown objects and a broker that is not there, with rabbitmqctl's texts
 * and exit codes; policies it sets trimming a queue a client filled.
 */
class FerryCtlTest {
    @TempDir
    static Path temp;

    private static BrokerProcess broker;
    private static FerryCtlProcess ctl;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = BrokerProcess.start(Files.createDirectories(temp.resolve("data")));
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.httpPort() > 0);
        Path home = Files.createDirectories(temp.resolve("home"));
        ctl = new FerryCtlProcess(Map.of("FERRY_URL", "http://127.0.0.1:" + broker.httpPort(), "HOME", home.toString()));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldListAQueueWithTheDepthAClientPublishedThenPurgeIt() throws Exception {
        String queue = "ctl-depth-" + UUID.randomUUID();
        try (Connection connection = connect("guest", "guest")) {
            Channel channel = connection.createChannel();
            channel.queueDeclare(queue, true, false, false, Map.of("x-max-length", 100));
            channel.confirmSelect();
            for (int i = 0; i < 3; i++) {
                channel.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(10_000);

            String row = queue + "\t3\t3\t0\ttrue\tfalse\t[{\"x-max-length\",100}]";
            FerryCtlProcess.Result listed = await().atMost(Duration.ofSeconds(20)).until(
                    () -> ctl.run("list_queues", "name", "messages", "messages_ready", "messages_unacknowledged",
                            "durable", "auto_delete", "arguments"),
                    result -> result.lines().contains(row));
            assertThat(listed.exitCode()).isZero();
            assertThat(listed.lines()).startsWith("Timeout: 60.0 seconds ...", "Listing queues for vhost / ...",
                    "name\tmessages\tmessages_ready\tmessages_unacknowledged\tdurable\tauto_delete\targuments");

            FerryCtlProcess.Result silent = ctl.run("-s", "-n", "rabbit@elsewhere", "list_queues");
            assertThat(silent.exitCode()).as(silent.toString()).isZero();
            assertThat(silent.lines()).contains(queue + "\t3").noneMatch(line -> line.startsWith("name\t"))
                    .noneMatch(line -> line.startsWith("Listing"));

            FerryCtlProcess.Result json = ctl.run("list_queues", "name", "messages", "--formatter", "json");
            assertThat(json.out()).contains("{\"name\":\"" + queue + "\",\"messages\":3}").startsWith("[\n");

            FerryCtlProcess.Result purged = ctl.run("purge_queue", queue);
            assertThat(purged.exitCode()).as(purged.toString()).isZero();
            assertThat(purged.out()).isEqualTo("Purging queue '" + queue + "' in vhost '/' ...\n");
            assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isZero();
            assertThat(channel.basicGet(queue, true)).isNull();

            FerryCtlProcess.Result deleted = ctl.run("delete_queue", queue);
            assertThat(deleted.exitCode()).as(deleted.toString()).isZero();
            assertThat(deleted.lines()).containsExactly("Deleting queue '" + queue + "' on vhost '/' ...",
                    "Queue was successfully deleted with 0 ready messages");
            assertThatThrownBy(() -> connection.createChannel().queueDeclarePassive(queue))
                    .hasStackTraceContaining("NOT_FOUND");
        }
        FerryCtlProcess.Result missing = ctl.run("purge_queue", queue);
        assertThat(missing.exitCode()).isEqualTo(69);
        assertThat(missing.err()).isEqualTo("Error:\nQueue '" + queue + "' in vhost '/' not found\n");
        FerryCtlProcess.Result missingDelete = ctl.run("delete_queue", queue);
        assertThat(missingDelete.exitCode()).isEqualTo(64);
        assertThat(missingDelete.err()).isEqualTo("Error:\nQueue not found\n");
    }

    @Test
    void shouldAddAUserWhoLogsInOnlyOnceGrantedPermissionsThenChangeItsPasswordAndDeleteIt() throws Exception {
        String user = "ctl-user-" + UUID.randomUUID();
        FerryCtlProcess.Result added = ctl.run("add_user", user, "first-secret");
        assertThat(added.exitCode()).as(added.toString()).isZero();
        assertThat(added.lines()).first().isEqualTo("Adding user \"" + user + "\" ...");
        FerryCtlProcess.Result again = ctl.run("add_user", user, "other");
        assertThat(again.exitCode()).isEqualTo(70);
        assertThat(again.err()).isEqualTo("Error:\nUser \"" + user + "\" already exists\n");

        // No permission entry in "/" yet: the login is refused at connection.open.
        assertThatThrownBy(() -> connect(user, "first-secret").close()).isInstanceOf(IOException.class)
                .hasStackTraceContaining("access to vhost '/' refused");

        FerryCtlProcess.Result granted = ctl.run("set_permissions", "-p", "/", user, "^ctl-own-.*", ".*", ".*");
        assertThat(granted.exitCode()).as(granted.toString()).isZero();
        assertThat(granted.out()).isEqualTo("Setting permissions for user \"" + user + "\" in vhost \"/\" ...\n");
        assertThat(ctl.run("-q", "list_permissions").lines()).contains(user + "\t^ctl-own-.*\t.*\t.*");
        try (Connection connection = connect(user, "first-secret")) {
            Channel channel = connection.createChannel();
            channel.queueDeclare("ctl-own-" + UUID.randomUUID(), false, false, true, null);
            assertThatThrownBy(() -> channel.queueDeclare("ctl-other-" + UUID.randomUUID(), false, false, true, null))
                    .hasStackTraceContaining("ACCESS_REFUSED");
        }

        FerryCtlProcess.Result tagged = ctl.run("set_user_tags", user, "monitoring", "management");
        assertThat(tagged.exitCode()).as(tagged.toString()).isZero();
        assertThat(tagged.out()).isEqualTo("Setting tags for user \"" + user + "\" to [monitoring, management] ...\n");
        assertThat(ctl.run("-s", "list_users").lines()).contains(user + "\t[management, monitoring]");
        // Tags alone leave the password as it was.
        connect(user, "first-secret").close();

        assertThat(ctl.run("change_password", user, "second-secret").exitCode()).isZero();
        assertThatThrownBy(() -> connect(user, "first-secret").close()).isInstanceOf(PossibleAuthenticationFailureException.class);
        connect(user, "second-secret").close();

        FerryCtlProcess.Result cleared = ctl.run("clear_permissions", user);
        assertThat(cleared.exitCode()).as(cleared.toString()).isZero();
        assertThatThrownBy(() -> connect(user, "second-secret").close()).hasStackTraceContaining("access to vhost '/' refused");

        FerryCtlProcess.Result deleted = ctl.run("delete_user", user);
        assertThat(deleted.exitCode()).as(deleted.toString()).isZero();
        assertThatThrownBy(() -> connect(user, "second-secret").close()).isInstanceOf(PossibleAuthenticationFailureException.class);
        FerryCtlProcess.Result unknown = ctl.run("delete_user", user);
        assertThat(unknown.exitCode()).isEqualTo(67);
        assertThat(unknown.err()).isEqualTo("Error:\nUser \"" + user + "\" does not exist\n");
        FerryCtlProcess.Result unknownGrant = ctl.run("set_permissions", user, ".*", ".*", ".*");
        assertThat(unknownGrant.exitCode()).isEqualTo(67);
        assertThat(unknownGrant.err()).isEqualTo("Error:\nUser " + user + " does not exist\n");
    }

    @Test
    void shouldListAConsumerAndCloseAConnectionByItsListedName() throws Exception {
        String clientName = "ctl-client-" + UUID.randomUUID();
        String queue = clientName + "-queue";
        ConnectionFactory factory = factory("guest", "guest");
        Connection connection = factory.newConnection(clientName);
        try {
            CompletableFuture<ShutdownSignalException> closed = new CompletableFuture<>();
            connection.addShutdownListener(closed::complete);
            Channel channel = connection.createChannel();
            channel.queueDeclare(queue, false, false, true, null);
            channel.basicQos(7);
            channel.basicConsume(queue, false, "ctl-consumer-tag", new DefaultConsumer(channel));

            String consumerRow = await().atMost(Duration.ofSeconds(20)).until(
                    () -> ctl.run("-q", "list_consumers").lines().stream()
                            .filter(line -> line.startsWith(queue + "\t")).findFirst().orElse(null),
                    found -> found != null);
            assertThat(consumerRow.split("\t", -1)).contains("ctl-consumer-tag", "true", "7");

            String[] connectionRow = await().atMost(Duration.ofSeconds(20)).until(
                    () -> ctl.run("-s", "list_connections", "name", "user", "protocol", "client_properties").lines().stream()
                            .filter(line -> line.contains("{\"connection_name\",\"" + clientName + "\"}"))
                            .map(line -> line.split("\t")).findFirst().orElse(null),
                    found -> found != null);
            String connectionName = connectionRow[0];
            assertThat(connectionName).endsWith(" -> 127.0.0.1:" + broker.amqpPort());
            assertThat(connectionRow[1]).isEqualTo("guest");
            assertThat(connectionRow[2]).isEqualTo("{0,9,1}");

            FerryCtlProcess.Result result = ctl.run("close_connection", connectionName, "maintenance window");
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.out()).isEqualTo("Closing connection " + connectionName + ", reason: maintenance window...\n");
            ShutdownSignalException signal = closed.get(10, TimeUnit.SECONDS);
            AMQP.Connection.Close close = (AMQP.Connection.Close) signal.getReason();
            assertThat(close.getReplyCode()).isEqualTo(320);
            assertThat(close.getReplyText()).isEqualTo("CONNECTION_FORCED - maintenance window");

            FerryCtlProcess.Result gone = ctl.run("close_connection", connectionName, "again");
            assertThat(gone.exitCode()).isEqualTo(65);
            assertThat(gone.err()).isEqualTo("Error:\nConnection '" + connectionName + "' not found\n");
        } finally {
            connection.abort();
        }
    }

    @Test
    void shouldAddListAndDeleteAVirtualHost() throws Exception {
        String vhost = "ctl-vhost-" + UUID.randomUUID();
        assertThat(ctl.run("add_vhost", vhost).out()).isEqualTo("Adding vhost \"" + vhost + "\" ...\n");
        assertThat(ctl.run("-q", "list_vhosts", "name", "tracing").lines()).contains(vhost + "\tfalse");
        // As rabbitmqctl: nobody has permissions in a new virtual host, not even the one who added it.
        assertThat(ctl.run("-q", "list_permissions", "-p", vhost).out()).isEmpty();
        FerryCtlProcess.Result exchanges = ctl.run("-q", "-p", vhost, "list_exchanges", "name", "type", "durable");
        assertThat(exchanges.lines()).contains("\tdirect\ttrue", "amq.topic\ttopic\ttrue");
        assertThat(ctl.run("delete_vhost", vhost).exitCode()).isZero();
        assertThat(ctl.run("-q", "list_vhosts").lines()).doesNotContain(vhost);
        FerryCtlProcess.Result again = ctl.run("delete_vhost", vhost);
        assertThat(again.exitCode()).isEqualTo(65);
        assertThat(again.err()).isEqualTo("Virtual host '" + vhost + "' does not exist\n");
        FerryCtlProcess.Result permissions = ctl.run("list_permissions", "-p", vhost);
        assertThat(permissions.exitCode()).isEqualTo(65);
        assertThat(permissions.err()).isEqualTo("Virtual host '" + vhost + "' does not exist\n");
        // As rabbitmqctl: objects of a vhost that does not exist are an empty list.
        FerryCtlProcess.Result listed = ctl.run("-q", "list_queues", "-p", vhost);
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        assertThat(listed.out()).isEmpty();
    }

    @Test
    void shouldAnswerBadCommandLinesWithUsageAndExitCode64() throws Exception {
        FerryCtlProcess.Result unknown = ctl.runScript("frobnicate");
        assertThat(unknown.exitCode()).isEqualTo(64);
        assertThat(unknown.err()).contains("Command 'frobnicate' not found.").contains("list_queues");

        FerryCtlProcess.Result missing = ctl.run("add_user", "only-a-name");
        assertThat(missing.exitCode()).isEqualTo(64);
        assertThat(missing.err()).startsWith("Error (argument validation): not enough arguments.\n")
                .contains("add_user <username> <password>");

        FerryCtlProcess.Result extra = ctl.run("delete_user", "a", "b");
        assertThat(extra.exitCode()).isEqualTo(64);
        assertThat(extra.err()).startsWith("Error (argument validation): too many arguments.\n");

        FerryCtlProcess.Result badColumn = ctl.run("list_queues", "name", "bogus");
        assertThat(badColumn.exitCode()).isEqualTo(64);
        assertThat(badColumn.err()).startsWith("Error (argument validation): Info key(s) bogus are not supported\n");
        assertThat(badColumn.out()).isEmpty();

        assertThat(ctl.runScript().exitCode()).isEqualTo(64);
    }

    @Test
    void shouldSayTheBrokerIsUnavailableWithExitCode69() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        FerryCtlProcess.Result down = ctl.runScript("--url", "http://127.0.0.1:" + closedPort, "list_queues");
        assertThat(down.exitCode()).isEqualTo(69);
        assertThat(down.err()).startsWith("Error:\nunable to perform an operation on node http://127.0.0.1:" + closedPort);

        FerryCtlProcess.Result waited = ctl.run("--url", "http://127.0.0.1:" + closedPort, "--timeout", "1", "await_startup");
        assertThat(waited.exitCode()).isEqualTo(75);
        assertThat(ctl.runScript("await_startup").exitCode()).isZero();
    }

    @Test
    void shouldLogInWithTheCredentialFileOnlyWhenOthersCannotReadIt() throws Exception {
        String user = "ctl-admin-" + UUID.randomUUID();
        assertThat(ctl.run("add_user", user, "admin-secret").exitCode()).isZero();
        assertThat(ctl.run("set_user_tags", user, "administrator").exitCode()).isZero();
        Path file = temp.resolve("credentials-" + user);
        Files.writeString(file, "username=" + user + "\npassword=admin-secret\n");
        Map<String, String> environment = Map.of("FERRY_CTL_CREDENTIALS", file.toString());

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        FerryCtlProcess.Result refused = ctl.run(environment, "list_users");
        assertThat(refused.exitCode()).isEqualTo(78);
        assertThat(refused.err()).contains("readable by others").contains("chmod 600");

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        // add_vhost needs an administrator; guest's password is not in play here.
        String vhost = "ctl-file-" + UUID.randomUUID();
        FerryCtlProcess.Result created = ctl.run(environment, "add_vhost", vhost);
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(ctl.run("-q", "list_vhosts").lines()).contains(vhost);

        FerryCtlProcess.Result wrong = ctl.run(environment, "--password", "not-it", "list_users");
        assertThat(wrong.exitCode()).isEqualTo(69);
        assertThat(wrong.err()).contains("refused the credentials");
    }

    // ---- policies: texts and exit codes recorded from rabbitmqctl 3.10.8 against an isolated node

    @Test
    void shouldSetListAndClearAPolicyThatTrimsAQueueAtOnce() throws Exception {
        try (Connection connection = connect("guest", "guest")) {
            Channel channel = connection.createChannel();
            channel.queueDeclare("ctl-capped", true, false, false, null);
            channel.confirmSelect();
            for (int i = 0; i < 3; i++) {
                channel.basicPublish("", "ctl-capped", null, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(10_000);

            FerryCtlProcess.Result set = ctl.run("set_policy", "--priority", "3", "--apply-to", "queues", "cap",
                    "^ctl-capped$", "{\"max-length\":1}");
            assertThat(set.exitCode()).as(set.toString()).isZero();
            assertThat(set.out()).isEqualTo("Setting policy \"cap\" for pattern \"^ctl-capped$\" to \"{\"max-length\":1}\""
                    + " with priority \"3\" for vhost \"/\" ...\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> channel.queueDeclarePassive("ctl-capped").getMessageCount() == 1);

            FerryCtlProcess.Result listed = ctl.run("list_policies");
            assertThat(listed.out()).isEqualTo("Listing policies for vhost \"/\" ...\n"
                    + "vhost\tname\tpattern\tapply-to\tdefinition\tpriority\n"
                    + "/\tcap\t^ctl-capped$\tqueues\t{\"max-length\":1}\t3\n");

            FerryCtlProcess.Result cleared = ctl.run("clear_policy", "cap");
            assertThat(cleared.exitCode()).as(cleared.toString()).isZero();
            assertThat(cleared.out()).isEqualTo("Clearing policy \"cap\" on vhost \"/\" ...\n");
            assertThat(ctl.run("-q", "list_policies").out()).isEmpty();
            FerryCtlProcess.Result again = ctl.run("clear_policy", "cap");
            assertThat(again.exitCode()).isEqualTo(69);
            assertThat(again.err()).isEqualTo("Error:\nParameter does not exist\n");
        }
    }

    @Test
    void shouldSetAndClearAnOperatorPolicyThatTakesLimitsOnly() throws Exception {
        FerryCtlProcess.Result set = ctl.run("set_operator_policy", "limits", "^ctl-op-", "{\"max-length\":100}");
        assertThat(set.exitCode()).as(set.toString()).isZero();
        assertThat(set.out()).isEqualTo("Setting operator policy override \"limits\" for pattern \"^ctl-op-\" to "
                + "\"{\"max-length\":100}\" with priority \"0\" for vhost \"/\" ...\n");
        assertThat(ctl.run("-q", "list_operator_policies").out()).isEqualTo(
                "vhost\tname\tpattern\tapply-to\tdefinition\tpriority\n/\tlimits\t^ctl-op-\tall\t{\"max-length\":100}\t0\n");
        FerryCtlProcess.Result refused = ctl.run("set_operator_policy", "dlx", "^ctl-op-", "{\"dead-letter-exchange\":\"x\"}");
        assertThat(refused.exitCode()).isEqualTo(69);
        assertThat(refused.err()).isEqualTo("Error:\nValidation failed\n\n[{<<\"dead-letter-exchange\">>,<<\"x\">>}] "
                + "are not recognised policy settings\n\n");
        FerryCtlProcess.Result cleared = ctl.run("clear_operator_policy", "limits");
        assertThat(cleared.out()).isEqualTo("Clearing operator policy \"limits\" on vhost \"/\" ...\n");
        assertThat(ctl.run("-q", "list_operator_policies").out()).isEmpty();
    }

    @Test
    void shouldAnswerBadPolicyCommandLinesAsRabbitmqctl() throws Exception {
        FerryCtlProcess.Result invalid = ctl.run("set_policy", "p", "^x", "{\"message-ttl\":\"x\"}");
        assertThat(invalid.exitCode()).isEqualTo(69);
        assertThat(invalid.err()).isEqualTo("Error:\nValidation failed\n\n<<\"x\">> is not a valid message TTL\n\n");

        FerryCtlProcess.Result notJson = ctl.run("set_policy", "p", "^x", "notjson");
        assertThat(notJson.exitCode()).isEqualTo(69);
        assertThat(notJson.err()).isEqualTo("Error:\nJSON decoding error. Reason: badarg\n");

        FerryCtlProcess.Result missing = ctl.run("set_policy", "p", "^x");
        assertThat(missing.exitCode()).isEqualTo(64);
        assertThat(missing.err()).startsWith("Error (argument validation): not enough arguments.\n");

        FerryCtlProcess.Result priority = ctl.run("set_policy", "--priority", "x", "p", "^x", "{\"max-length\":1}");
        assertThat(priority.exitCode()).isEqualTo(64);
        assertThat(priority.err()).startsWith("Error (argument validation): Invalid options for this command:\n--priority : x\n");

        FerryCtlProcess.Result noVhost = ctl.run("set_policy", "-p", "nosuch", "p", "^x", "{\"max-length\":1}");
        assertThat(noVhost.exitCode()).isEqualTo(65);
        assertThat(noVhost.err()).isEqualTo("Virtual host 'nosuch' does not exist\n");
        FerryCtlProcess.Result listNoVhost = ctl.run("list_policies", "-p", "nosuch");
        assertThat(listNoVhost.exitCode()).isEqualTo(65);
        assertThat(listNoVhost.err()).isEqualTo("Virtual host 'nosuch' does not exist\n");

        FerryCtlProcess.Result applyTo = ctl.run("set_policy", "--apply-to", "foo", "p", "^x", "{}");
        assertThat(applyTo.exitCode()).isEqualTo(69);
        assertThat(applyTo.err()).isEqualTo("Error:\nValidation failed\n\nno policy provided\n"
                + "apply-to 'foo' unrecognised; should be 'queues', 'exchanges' or 'all'\n\n");
        assertThat(ctl.run("-q", "list_policies").out()).as("nothing was set").isEmpty();
    }

    private static Connection connect(String user, String password) throws IOException, TimeoutException {
        return factory(user, password).newConnection();
    }

    private static ConnectionFactory factory(String user, String password) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        factory.setUsername(user);
        factory.setPassword(password);
        factory.setAutomaticRecoveryEnabled(false);
        return factory;
    }
}
