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
import java.util.Map;
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
    private static final String EXPECTED_METHOD = "UNEXPECTED_FRAME - expected method frame, got non method frame instead";
    /**
     * The largest payload a frame may have before tune-ok: frame-min-size (4096), which RabbitMQ
     * counts as payload, not as the whole frame (it lets a frame go 8 octets over frame_max).
     */
    private static final int HANDSHAKE_PAYLOAD_MAX = 4096;

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
    void shouldCloseWithUnexpectedFrameForAContentBodyWithoutAPublish() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);

            client.sendFrame(RawAmqpClient.FRAME_BODY, 1, "Hello".getBytes(StandardCharsets.UTF_8));

            Frame close = client.awaitConnectionClose();
            assertThat(close.replyCode()).isEqualTo(505);
            assertThat(close.replyText()).isEqualTo(EXPECTED_METHOD);
        }
    }

    @Test
    void shouldCloseWithUnexpectedFrameForAPublishSentAsAContentHeader() throws IOException {
        // What the Java client's own test suite sends to check this (UnexpectedFrames.missingMethod):
        // the method's bytes in a header frame, which do not read as a content header either.
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);
            byte[] publish = new MethodWriter(60, 40).shortInt(0).shortString("").shortString(bystanderQueue).octet(0)
                    .toByteArray();

            client.sendFrame(RawAmqpClient.FRAME_HEADER, 1, publish);
            client.sendFrame(RawAmqpClient.FRAME_BODY, 1, "Hello".getBytes(StandardCharsets.UTF_8));

            Frame close = client.awaitConnectionClose();
            assertThat(close.replyCode()).isEqualTo(505);
            assertThat(close.replyText()).isEqualTo(EXPECTED_METHOD);
        }
    }

    @Test
    void shouldCloseWithUnexpectedFrameForAContentHeaderSentAsABody() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);
            client.sendMethod(1, new MethodWriter(60, 40).shortInt(0).shortString("").shortString(bystanderQueue).octet(0));

            client.sendFrame(RawAmqpClient.FRAME_BODY, 1, contentHeader(5));

            Frame close = client.awaitConnectionClose();
            assertThat(close.replyCode()).isEqualTo(505);
            assertThat(close.replyText())
                    .isEqualTo("UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead");
        }
    }

    @Test
    void shouldCloseWithUnexpectedFrameForAHeartbeatOnAChannel() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.handshake(0);
            client.openChannel(1);

            client.sendFrame(RawAmqpClient.FRAME_HEARTBEAT, 1, new byte[0]);

            Frame close = client.awaitConnectionClose();
            assertThat(close.replyCode()).isEqualTo(505);
            assertThat(close.replyText()).startsWith("UNEXPECTED_FRAME - ");
        }
    }

    @Test
    void shouldAcceptHandshakeFramesUpToTheMinimumFrameSize() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.sendStartOkOfPayloadSize(HANDSHAKE_PAYLOAD_MAX);

            assertThat(client.nextMethod().isMethod(10, 30)).as("connection.tune follows").isTrue();
        }
    }

    @Test
    void shouldRefuseAStartOkLargerThanTheMinimumFrameSize() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.sendStartOkOfPayloadSize(HANDSHAKE_PAYLOAD_MAX + 1);

            assertThat(client.framesUntilClosed()).as("frames before the socket closed").isEmpty();
        }
    }

    @Test
    void shouldRefuseATuneOkLargerThanTheMinimumFrameSize() throws IOException {
        try (RawAmqpClient client = raw()) {
            client.sendStartOk(Map.of("product", "ferry-it"), "guest", "guest");
            client.expectMethod(10, 30);
            // A frame_max far above the minimum is on offer, but nothing is agreed before tune-ok is read.
            MethodWriter tuneOk = new MethodWriter(10, 31).shortInt(16).longInt(131072).shortInt(0)
                    .raw(new byte[HANDSHAKE_PAYLOAD_MAX + 1 - 12]);

            client.sendMethod(0, tuneOk);
            client.sendMethod(0, new MethodWriter(10, 40).shortString("/").shortString("").octet(0));

            assertThat(client.framesUntilClosed()).as("frames before the socket closed").isEmpty();
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
