package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.impl.CredentialsProvider;
import com.rabbitmq.client.impl.CredentialsRefreshService;
import dev.ferry.it.support.AmqpTarget;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * connection.update-secret, which OAuth 2 clients send when their token is refreshed, sent by the
 * Java client's own credential refresh: the client registers a refresh with its
 * {@link CredentialsRefreshService} when its credentials can expire, and the refresh sends the
 * provider's current password as the new secret and waits for update-secret-ok. Here the test, not
 * a timer, runs the refresh. The answer is update-secret-ok and the connection and its channels
 * carry on, whatever the new secret (as RabbitMQ answers for the users of its own database).
 */
class UpdateSecretTest {
    private final AmqpTarget target = AmqpTarget.shared();
    private final ExpiringPassword password = new ExpiringPassword("guest", "guest");
    private final RefreshOnDemand refreshService = new RefreshOnDemand();
    private Connection connection;

    @BeforeEach
    void connect() throws Exception {
        ConnectionFactory factory = target.connectionFactory();
        factory.setCredentialsProvider(password);
        factory.setCredentialsRefreshService(refreshService);
        connection = factory.newConnection();
    }

    @AfterEach
    void disconnect() {
        if (connection.isOpen()) {
            connection.abort(5_000);
        }
    }

    @Test
    void shouldAnswerUpdateSecretOkAndCarryOn() throws Exception {
        Channel channel = connection.createChannel();
        String queue = channel.queueDeclare("update-secret-" + UUID.randomUUID(), false, false, true, null).getQueue();

        assertThat(refreshService.refreshNow()).as("update-secret-ok received").isTrue();
        channel.basicPublish("", queue, null, "after the update".getBytes(StandardCharsets.UTF_8));

        assertThat(connection.isOpen()).isTrue();
        assertThat(getOne(channel, queue).getBody()).asString(StandardCharsets.UTF_8).isEqualTo("after the update");
        assertThat(connection.createChannel().queueDeclarePassive(queue).getQueue()).isEqualTo(queue);
    }

    @Test
    void shouldAcceptManyUpdatesOnOneConnection() throws Exception {
        for (int update = 0; update < 20; update++) {
            assertThat(refreshService.refreshNow()).as("update %d answered", update).isTrue();
        }

        assertThat(connection.createChannel().queueDeclare().getQueue()).startsWith("amq.gen-");
    }

    @Test
    void shouldAcceptASecretThatIsNotTheUsersAndChangeNothing() throws Exception {
        // As RabbitMQ 3.10 for users of its own database: their credentials never expire, so the
        // new secret is not checked, and it is no new password either.
        password.change("not-the-password");

        assertThat(refreshService.refreshNow()).as("update-secret-ok received").isTrue();

        assertThat(connection.isOpen()).isTrue();
        assertThat(connection.createChannel().queueDeclare().getQueue()).startsWith("amq.gen-");
        ConnectionFactory withTheSecret = target.connectionFactory();
        withTheSecret.setPassword("not-the-password");
        assertThat(catchThrowable(withTheSecret::newConnection)).isInstanceOf(AuthenticationFailureException.class);
    }

    private static GetResponse getOne(Channel channel, String queue) throws Exception {
        GetResponse response = null;
        for (int attempt = 0; attempt < 100 && response == null; attempt++) {
            response = channel.basicGet(queue, true);
        }
        assertThat(response).as("a message in %s", queue).isNotNull();
        return response;
    }

    /** Credentials that expire in an hour (so the client registers a refresh) and whose password the test changes. */
    private static final class ExpiringPassword implements CredentialsProvider {
        private final String username;
        private volatile String password;

        ExpiringPassword(String username, String password) {
            this.username = username;
            this.password = password;
        }

        void change(String newPassword) {
            password = newPassword;
        }

        @Override
        public String getUsername() {
            return username;
        }

        @Override
        public String getPassword() {
            return password;
        }

        @Override
        public Duration getTimeBeforeExpiration() {
            return Duration.ofHours(1);
        }
    }

    /** Keeps the refresh the connection registers, for the test to run when it chooses. */
    private static final class RefreshOnDemand implements CredentialsRefreshService {
        private volatile Callable<Boolean> refresh;

        @Override
        public String register(CredentialsProvider credentialsProvider, Callable<Boolean> refreshAction) {
            refresh = refreshAction;
            return "on-demand";
        }

        @Override
        public void unregister(CredentialsProvider credentialsProvider, String registrationId) {
            refresh = null;
        }

        @Override
        public boolean isApproachingExpiration(Duration timeBeforeExpiration) {
            return false;
        }

        /** Sends update-secret with the provider's password; true once update-secret-ok has come back. */
        boolean refreshNow() throws Exception {
            Callable<Boolean> registered = refresh;
            assertThat(registered).as("the connection registered its refresh").isNotNull();
            return registered.call();
        }
    }
}
