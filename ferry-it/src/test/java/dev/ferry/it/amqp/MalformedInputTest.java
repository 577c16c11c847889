package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTarget;
import dev.ferry.it.support.RawAmqpClient;
import dev.ferry.it.support.RawAmqpClient.Frame;
import dev.ferry.it.support.RawAmqpClient.MethodWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What no client library sends: each broken input gets the reply code AMQP assigns, on the offending
 * connection only, while a well-behaved client on another connection keeps publishing and getting
 * throughout.
 */
class MalformedInputTest {
    private static final int CONNECTION_CLOSE_CLASS = 10;
    private static final int CONNECTION_CLOSE_METHOD = 50;

    private final AmqpTarget target = AmqpTarget.shared();
    private Connection bystander;
    private Channel bystanderChannel;
    private String bystanderQueue;

    @BeforeEach
    void startBystander() throws IOException {
        bystander = target.connect();
        bystanderChannel = bystander.createChannel();
        bystanderQueue = bystanderChannel.queueDeclare().getQueue();
    }

    @AfterEach
    void bystanderStillWorks() throws IOException {
        byte[] body = "still here".getBytes(StandardCharsets.UTF_8);
        bystanderChannel.basicPublish("", bystanderQueue, null, body);
        GetResponse response = null;
        for (int attempt = 0; attempt < 100 && response == null; attempt++) {
            response = bystanderChannel.basicGet(bystanderQueue, true);
        }
        assertThat(response).as("the other connection still gets its message").isNotNull();
        assertThat(response.getBody()).isEqualTo(body);
        bystander.close();
        try (Connection fresh = target.connect()) {
            assertThat(fresh.isOpen()).as("a new connection is still accepted").isTrue();
        }
    }

    private RawAmqpClient raw() throws IOException {
        return new RawAmqpClient(target.host(), target.port());
    }

    @Test
    void shouldAnswerAWrongProtocolHeaderWithItsOwnAndClose() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.sendBytes("HTTP/1.1".getBytes(StandardCharsets.US_ASCII));

            byte[] reply = client.readAvailable(64);

            assertThat(reply).isEqualTo(RawAmqpClient.PROTOCOL_HEADER);
            assertThat(client.isClosedByBroker()).isTrue();
        }
    }

    @Test
    void shouldAnswerAnUnknownProtocolVersionWithItsOwnAndClose() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.sendBytes(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 10, 0});

            assertThat(client.readAvailable(64)).isEqualTo(RawAmqpClient.PROTOCOL_HEADER);
        }
    }

    @Test
    void shouldCloseWithFrameErrorWhenAFrameExceedsFrameMax() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);
            MethodWriter publish = new MethodWriter(60, 40).shortInt(0).shortString("").shortString(bystanderQueue)
                    .octet(0).raw(new byte[client.frameMax() + 100]);

            client.sendMethod(1, publish);

            Frame close = client.awaitConnectionClose();
            assertThat(close.replyCode()).isEqualTo(501);
        }
    }

    @Test
    void shouldCloseWithFrameErrorOnAWrongFrameEnd() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.handshake(0);

            client.sendFrame(RawAmqpClient.FRAME_METHOD, 0, new MethodWriter(20, 10).shortString("").toByteArray(), 0x00);

            assertThat(client.awaitConnectionClose().replyCode()).isEqualTo(501);
        }
    }

    @Test
    void shouldCloseWithFrameErrorOnAnUnknownFrameType() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.handshake(0);

            client.sendFrame(42, 0, new byte[] {1, 2, 3});

            assertThat(client.awaitConnectionClose().replyCode()).isEqualTo(501);
        }
    }

    @Test
    void shouldCloseWithNotImplementedOnAnUnknownMethod() throws IOException {
        target.assumeFerryBehaviour("RabbitMQ drops the socket without a connection.close");
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);

            client.sendMethod(1, new MethodWriter(60, 999));

            Frame close = client.awaitConnectionClose();
            assertThat(close.replyCode()).isEqualTo(540);
        }
    }

    @Test
    void shouldCloseWithNotImplementedOnAnUnknownClass() throws IOException {
        target.assumeFerryBehaviour("RabbitMQ drops the socket without a connection.close");
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);

            client.sendMethod(1, new MethodWriter(4242, 10));

            assertThat(client.awaitConnectionClose().replyCode()).isEqualTo(540);
        }
    }

    @Test
    void shouldCloseWithSyntaxErrorForTruncatedArguments() throws IOException {
        target.assumeFerryBehaviour("RabbitMQ drops the socket without a connection.close");
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);
            // queue.declare whose queue name claims 200 bytes and brings 3.
            MethodWriter truncated = new MethodWriter(50, 10).shortInt(0).octet(200).raw(new byte[] {'a', 'b', 'c'});

            client.sendMethod(1, truncated);

            assertThat(client.awaitConnectionClose().replyCode()).isEqualTo(502);
        }
    }

    @Test
    void shouldCloseWithSyntaxErrorForAFieldTableLongerThanItsFrame() throws IOException {
        target.assumeFerryBehaviour("RabbitMQ drops the socket without a connection.close");
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);
            // queue.declare with a complete name and flags, then arguments claiming 1 MiB.
            MethodWriter overlong = new MethodWriter(50, 10).shortInt(0).shortString("q").octet(0).longInt(1 << 20);

            client.sendMethod(1, overlong);

            assertThat(client.awaitConnectionClose().replyCode()).isEqualTo(502);
        }
    }

    @Test
    void shouldCloseWithChannelErrorForAChannelAboveChannelMax() throws IOException {
        target.assumeFerryBehaviour("RabbitMQ 3.10 does not answer at all");
        try (RawAmqpClient client = raw()) {
            client.handshake(0);

            client.sendMethod(client.channelMax() + 1, new MethodWriter(20, 10).shortString(""));

            assertThat(client.awaitConnectionClose().replyCode()).isEqualTo(504);
        }
    }

    @Test
    void shouldCloseWithChannelErrorForAMethodOnAChannelNeverOpened() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.handshake(0);

            client.sendMethod(7, new MethodWriter(50, 10).shortInt(0).shortString("q").octet(0).table());

            assertThat(client.awaitConnectionClose().replyCode()).isIn(504, 503);
        }
    }

    @Test
    void shouldCloseWithUnexpectedFrameForABodyLongerThanItsHeaderSays() throws IOException {
        target.assumeFerryBehaviour("RabbitMQ 3.10 does not answer at all");
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);
            client.sendMethod(1, new MethodWriter(60, 40).shortInt(0).shortString("").shortString(bystanderQueue).octet(0));
            client.sendFrame(RawAmqpClient.FRAME_HEADER, 1, contentHeader(4));

            client.sendFrame(RawAmqpClient.FRAME_BODY, 1, "far more than four bytes".getBytes(StandardCharsets.UTF_8));

            assertThat(client.awaitConnectionClose().replyCode()).isIn(501, 505);
        }
    }

    @Test
    void shouldCloseWithUnexpectedFrameForAContentHeaderWithoutAPublish() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);

            client.sendFrame(RawAmqpClient.FRAME_HEADER, 1, contentHeader(4));

            assertThat(client.awaitConnectionClose().replyCode()).isEqualTo(505);
        }
    }

    @Test
    void shouldCloseWithUnexpectedFrameForAMethodInTheMiddleOfContent() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);
            client.sendMethod(1, new MethodWriter(60, 40).shortInt(0).shortString("").shortString(bystanderQueue).octet(0));

            client.sendMethod(1, new MethodWriter(50, 10).shortInt(0).shortString("q").octet(0).table());

            assertThat(client.awaitConnectionClose().replyCode()).isEqualTo(505);
        }
    }

    @Test
    void shouldSurviveRandomGarbageAfterTheHandshake() throws IOException {
        Random random = new Random(20261121L);
        for (int round = 0; round < 5; round++) {
            try (RawAmqpClient client = raw()) {
                client.handshake(0);
                byte[] garbage = new byte[64 + random.nextInt(512)];
                random.nextBytes(garbage);
                client.sendBytes(garbage);
                client.setReadTimeoutMillis(10_000);
                assertThat(client.isClosedByBroker()).as("round %d: garbage ends the connection", round).isTrue();
            }
        }
    }

    @Test
    void shouldDropAPeerThatStopsSendingHeartbeats() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.handshake(1);
            long started = System.nanoTime();
            client.setReadTimeoutMillis(15_000);

            assertThat(client.isClosedByBroker()).isTrue();
            long silentMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(silentMillis).as("dropped after about two missed 1 s intervals").isBetween(1_000L, 10_000L);
        }
    }

    /** A basic-class content header: class 60, weight 0, body size, no properties. */
    private static byte[] contentHeader(long bodySize) {
        MethodWriter header = new MethodWriter(60, 0);
        header.longLong(bodySize).shortInt(0);
        byte[] bytes = header.toByteArray();
        return Arrays.copyOf(bytes, bytes.length);
    }
}
