package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.it.support.AmqpTarget;
import dev.ferry.it.support.RawAmqpClient;
import dev.ferry.it.support.RawAmqpClient.Frame;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A login that fails, as RabbitMQ 3.10 ends it. A client that announces the
 * {@code authentication_failure_close} capability (the Java client, pika and amqplib all do) gets
 * connection.close 403 ACCESS_REFUSED with a text that names the mechanism and nothing else, so it
 * can raise its authentication error rather than a generic "connection lost"; the socket closes at
 * its close-ok. A client that does not announce it is not told anything: the socket just closes.
 */
class AuthenticationFailureTest {
    private static final String REFUSED_TEXT =
            "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.";

    private final AmqpTarget target = AmqpTarget.shared();

    @Test
    void shouldRaiseTheJavaClientsAuthenticationFailureException() {
        ConnectionFactory factory = target.connectionFactory();
        factory.setPassword("not-the-password");

        Throwable thrown = catchThrowable(factory::newConnection);

        assertThat(thrown).isInstanceOf(AuthenticationFailureException.class);
        assertThat(thrown.getMessage()).isEqualTo(REFUSED_TEXT);
    }

    @Test
    void shouldCloseWithAccessRefusedBeforeTheSocketWhenTheClientAsksForIt() throws IOException {
        try (RawAmqpClient client = new RawAmqpClient(target.host(), target.port())) {
            client.sendStartOk(clientProperties(true), "guest", "not-the-password");

            List<Frame> frames = client.framesUntilClosed();

            assertThat(frames).as("connection.close, then nothing until the socket closes").hasSize(1);
            Frame close = frames.get(0);
            assertThat(close.channel()).isZero();
            assertThat(close.isMethod(10, 50)).isTrue();
            assertThat(close.replyCode()).isEqualTo(403);
            assertThat(close.replyText()).isEqualTo(REFUSED_TEXT);
            // Not attributed to start-ok: the refusal is about the credentials, not the method.
            assertThat(close.closeClassId()).isZero();
            assertThat(close.closeMethodId()).isZero();
        }
    }

    @Test
    void shouldCloseTheSocketWithoutAWordWhenTheClientDoesNotAskForIt() throws IOException {
        try (RawAmqpClient client = new RawAmqpClient(target.host(), target.port())) {
            client.sendStartOk(clientProperties(false), "guest", "not-the-password");

            assertThat(client.framesUntilClosed()).as("frames before the socket closed").isEmpty();
        }
    }

    @Test
    void shouldRefuseAnUnknownUserTheSameWay() throws IOException {
        try (RawAmqpClient client = new RawAmqpClient(target.host(), target.port())) {
            client.sendStartOk(clientProperties(true), "nobody-" + System.nanoTime(), "guest");

            List<Frame> frames = client.framesUntilClosed();

            assertThat(frames).hasSize(1);
            assertThat(frames.get(0).replyCode()).isEqualTo(403);
            assertThat(frames.get(0).replyText()).isEqualTo(REFUSED_TEXT);
        }
    }

    private static Map<String, Object> clientProperties(boolean authenticationFailureClose) {
        return authenticationFailureClose
                ? Map.of("product", "ferry-it", "capabilities", Map.of("authentication_failure_close", true))
                : Map.of("product", "ferry-it");
    }
}
