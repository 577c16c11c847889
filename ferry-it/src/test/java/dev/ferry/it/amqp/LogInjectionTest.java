package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.it.support.AmqpTarget;
import dev.ferry.it.support.RawAmqpClient;
import dev.ferry.it.support.RawAmqpClient.MethodWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Text a client supplies reaches Ferry's log escaped: a user name, queue name, client property or
 * close reason carrying a newline, a carriage return and other control characters shows up inside
 * one log line as escapes, and never starts a line of its own that could pass for the broker's.
 */
class LogInjectionTest {
    /** What an attacker would put after the newline: a line that looks like the broker's own. */
    private static final String FORGED = " INFO  dev.ferry.amqp connection opened: user 'admin' ";
    private static final String CONTROLS = "\r\u0007\u001b[2J\u0085\u2028";

    private final AmqpTarget target = AmqpTarget.shared();
    private String marker;

    @BeforeEach
    void onlyAgainstFerry() {
        target.assumeFerryBehaviour("the test reads the broker's own log");
        marker = "forged-" + UUID.randomUUID();
    }

    @Test
    void shouldEscapeAUserNameThatTriesToForgeALogLineBeforeLogin() throws IOException {
        try (RawAmqpClient client = new RawAmqpClient(target.host(), target.port())) {
            client.sendBytes(RawAmqpClient.PROTOCOL_HEADER);
            client.expectMethod(10, 10);
            String user = "eve\n" + marker + FORGED + CONTROLS;
            // The capability makes the broker answer with connection.close; without it the socket just closes.
            client.sendMethod(0, new MethodWriter(10, 11)
                    .table(Map.of("capabilities", Map.of("authentication_failure_close", true))).shortString("PLAIN")
                    .longString(("\0" + user + "\0secret").getBytes(StandardCharsets.UTF_8)).shortString("en_US"));

            assertThat(client.awaitConnectionClose().replyCode()).isEqualTo(403);
        }

        assertEscapedOnOneLine("login failed for user 'eve\\n" + marker);
    }

    @Test
    void shouldEscapeAQueueNameInTheChannelErrorLine() throws Exception {
        try (Connection connection = target.connect()) {
            Channel channel = connection.createChannel();

            // basic.get keeps line breaks in the name (queue.declare strips them, as RabbitMQ does).
            Throwable thrown = catchThrowable(() -> channel.basicGet("ghost\n" + marker + FORGED + CONTROLS, true));

            assertThat(thrown).isNotNull();
        }

        assertEscapedOnOneLine("NOT_FOUND - no queue 'ghost\\n" + marker);
    }

    @Test
    void shouldEscapeClientPropertiesAndTheClientsCloseReason() throws Exception {
        ConnectionFactory factory = target.connectionFactory();
        factory.getClientProperties().put("product", "app\n" + marker + FORGED + CONTROLS);
        Connection connection = factory.newConnection();

        connection.close(200, "bye\n" + marker + FORGED + CONTROLS);

        assertEscapedOnOneLine("client app\\n" + marker);
        assertEscapedOnOneLine("by the client: 200 bye\\n" + marker);
    }

    /** The escaped text is on exactly one line, and no line begins with what followed the newline. */
    private void assertEscapedOnOneLine(String escaped) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> target.ferry().output().stream().anyMatch(line -> line.contains(escaped)));
        List<String> output = target.ferry().output();
        assertThat(output.stream().filter(line -> line.contains(escaped))).hasSize(1);
        assertThat(output).noneMatch(line -> line.startsWith(marker));
        String line = output.stream().filter(l -> l.contains(escaped)).findFirst().orElseThrow();
        assertThat(line).contains("\\r\\u0007\\u001b[2J\\u0085\\u2028");
        assertThat(line.chars()).noneMatch(c -> c < 0x20 && c != '\t');
    }
}
