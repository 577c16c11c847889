package dev.ferry.it.security;

import static dev.ferry.it.support.AmqpTestBase.replyCode;
import static dev.ferry.it.support.AmqpTestBase.replyText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.it.support.BrokerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users, virtual hosts and permissions are data: recorded in the data directory before they take
 * effect, so they survive SIGKILL; {@code --users} is a first-start bootstrap only, with a warning;
 * a definitions file is applied at every start. Ferry only (RabbitMQ keeps users in its own database).
 */
class AccessDurabilityTest {
    @TempDir
    Path workDir;

    @Test
    void shouldKeepBootstrapUsersAcrossSigkillAndIgnoreUsersOnLaterStarts() throws Exception {
        Path data = workDir.resolve("data");
        Files.createDirectories(data);
        try (BrokerProcess first = BrokerProcess.start(data, "--users", "sec-admin:first-Pw", "--loopback-users=")) {
            assertThat(first.output()).anyMatch(line -> line.contains("--users is applied on the first start only"));
            login(first, "sec-admin", "first-Pw", "/");
            assertRefusedLogin(first, "guest", "guest");
            first.kill();
        }
        try (BrokerProcess second = BrokerProcess.start(data, "--users", "sec-other:other-Pw", "--loopback-users=")) {
            assertThat(second.output()).anyMatch(line -> line.contains("ignored: users are stored in the data directory"));
            login(second, "sec-admin", "first-Pw", "/");
            assertRefusedLogin(second, "sec-other", "other-Pw");
            second.kill();
        }
    }

    @Test
    void shouldKeepWhatADefinitionsFileCreatedWhenTheFileIsGoneAfterSigkill() throws Exception {
        Path data = workDir.resolve("data");
        Files.createDirectories(data);
        Path definitions = workDir.resolve("definitions.json");
        Files.writeString(definitions, new AccessSetup().vhost("sec-orders")
                .user("sec-orders-app", "orders-Pw", "monitoring")
                .permissions("sec-orders-app", "sec-orders", "^orders-", "^orders-", "^orders-")
                .definitionsJson());
        try (BrokerProcess first = BrokerProcess.start(data, "--definitions", definitions.toString())) {
            login(first, "sec-orders-app", "orders-Pw", "sec-orders");
            first.kill();
        }
        try (BrokerProcess second = BrokerProcess.start(data)) {
            login(second, "sec-orders-app", "orders-Pw", "sec-orders");
            // The permissions came back too: only orders-* may be declared.
            try (var connection = factory(second, "sec-orders-app", "orders-Pw", "sec-orders").newConnection()) {
                connection.createChannel().queueDeclare("orders-1", true, false, false, null);
                Throwable refused = catchThrowable(() -> connection.createChannel().queueDeclare("payments-1", true, false,
                        false, null));
                assertThat(replyCode(refused)).isEqualTo(403);
                assertThat(replyText(refused)).isEqualTo("ACCESS_REFUSED - access to queue 'payments-1' in vhost "
                        + "'sec-orders' refused for user 'sec-orders-app'");
            }
            // guest was created on the first start (nothing was stored) and is still there.
            login(second, "guest", "guest", "/");
            second.kill();
        }
        try (BrokerProcess third = BrokerProcess.start(data)) {
            try (var connection = factory(third, "sec-orders-app", "orders-Pw", "sec-orders").newConnection()) {
                assertThat(connection.createChannel().queueDeclarePassive("orders-1").getQueue()).isEqualTo("orders-1");
            }
        }
    }

    @Test
    void shouldRefuseToStartWithABadDefinitionsFile() throws Exception {
        Path data = workDir.resolve("data");
        Files.createDirectories(data);
        Path definitions = workDir.resolve("bad.json");
        Files.writeString(definitions, "{\"users\":[{\"name\":\"x\",\"password_hash\":\"not-a-hash\"}]}");
        BrokerProcess broker = BrokerProcess.launch(java.util.List.of("--data-dir", data.toString(), "--amqp-port", "0",
                "--kafka-port", "0", "--definitions", definitions.toString()));
        try {
            assertThat(broker.awaitExit(java.time.Duration.ofSeconds(30))).isEqualTo(2);
            assertThat(broker.output()).anyMatch(line -> line.contains("definitions file " + definitions)
                    && line.contains("user 'x'"));
        } finally {
            broker.close();
        }
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

    private static void login(BrokerProcess broker, String user, String password, String vhost) throws Exception {
        factory(broker, user, password, vhost).newConnection().close();
    }

    private static void assertRefusedLogin(BrokerProcess broker, String user, String password) {
        assertThat(catchThrowable(() -> login(broker, user, password, "/")))
                .isInstanceOf(AuthenticationFailureException.class);
    }
}
