package dev.ferry.amqp.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Connection;
import dev.ferry.amqp.AmqpConfig;
import dev.ferry.amqp.AmqpServer;
import dev.ferry.amqp.codec.AmqpFrames;
import dev.ferry.amqp.method.BasicPublish;
import dev.ferry.amqp.method.ChannelClose;
import dev.ferry.amqp.method.ChannelCloseOk;
import dev.ferry.amqp.method.ChannelOpen;
import dev.ferry.amqp.method.ChannelOpenOk;
import dev.ferry.amqp.method.ConnectionClose;
import dev.ferry.amqp.method.ConnectionCloseOk;
import dev.ferry.amqp.method.TxSelect;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Garbage on the wire, sent over a raw socket: each case gets the reply code the spec assigns, and
 * afterwards the broker still serves a real client.
 */
class MalformedInputTest {
    private static final int MAX_MESSAGE_BYTES = 1000;
    private static AmqpServer server;
    private static int port;

    @BeforeAll
    static void startServer() throws InterruptedException {
        server = new AmqpServer(new AmqpConfig().host("127.0.0.1").port(0).ioThreads(1)
                .maxMessageBytes(MAX_MESSAGE_BYTES).closeTimeoutMs(500));
        port = server.start();
    }

    @AfterAll
    static void stopServer() {
        server.stop();
    }

    @AfterEach
    void realClientStillConnects() throws Exception {
        try (Connection connection = RealClientTest.factory(port).newConnection()) {
            assertThat(connection.createChannel().isOpen()).isTrue();
        }
    }

    @Test
    void shouldAnswerWrongProtocolHeaderWithOursAndClose() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port)) {
            socket.send("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(socket.readBytes(8)).isEqualTo(AmqpFrames.protocolHeader());
            assertThat(socket.closedByServer()).isTrue();
        }
    }

    @Test
    void shouldRefuseAmqp10HeaderWithOurVersion() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port)) {
            socket.send(new byte[] {'A', 'M', 'Q', 'P', 0, 1, 0, 0});

            assertThat(socket.readBytes(8)).isEqualTo(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1});
            assertThat(socket.closedByServer()).isTrue();
        }
    }

    @Test
    void shouldCloseWithFrameErrorForFrameAboveFrameMax() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 4096)) {
            socket.send(Unpooled.buffer().writeByte(1).writeShort(0).writeInt(5000));

            assertThat(socket.expectMethod(ConnectionClose.class).replyCode()).isEqualTo(501);
        }
    }

    @Test
    void shouldCloseWithFrameErrorForBadFrameEnd() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 0)) {
            socket.send(Unpooled.buffer().writeByte(1).writeShort(1).writeInt(4)
                    .writeShort(20).writeShort(10).writeByte(0x00));

            ConnectionClose close = socket.expectMethod(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(501);
            assertThat(close.replyText()).startsWith("FRAME_ERROR - frame end");
        }
    }

    @Test
    void shouldCloseWithFrameErrorForUnknownFrameType() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 0)) {
            socket.send(Unpooled.buffer().writeByte(9).writeShort(0).writeInt(0).writeByte(0xCE));

            ConnectionClose close = socket.expectMethod(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(501);
            assertThat(close.replyText()).contains("type 9");
        }
    }

    @Test
    void shouldCloseWithNotImplementedForUnknownMethodAndWaitForCloseOk() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 0)) {
            socket.send(methodFrame(0, 99, 1));

            ConnectionClose close = socket.expectMethod(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(540);
            assertThat(close.failingClassId()).isEqualTo(99);
            assertThat(close.failingMethodId()).isEqualTo(1);
            socket.sendMethod(0, new ConnectionCloseOk());
            assertThat(socket.closedByServer()).isTrue();
        }
    }

    @Test
    void shouldCloseWithSyntaxErrorForTableLongerThanItsFrame() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 0)) {
            socket.sendMethod(1, new ChannelOpen());
            socket.expectMethod(ChannelOpenOk.class);
            // queue.declare: ticket, queue "q", bits, then a table claiming 1000 bytes of which none follow
            ByteBuf payload = Unpooled.buffer().writeShort(50).writeShort(10).writeShort(0)
                    .writeByte(1).writeByte('q').writeByte(0).writeInt(1000);
            socket.send(frame(1, payload));

            ConnectionClose close = socket.expectMethod(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(502);
            assertThat(close.failingClassId()).isEqualTo(50);
        }
    }

    @Test
    void shouldCloseWithChannelErrorAboveChannelMax() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(10, 0)) {
            socket.sendMethod(11, new ChannelOpen());

            ConnectionClose close = socket.expectMethod(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(504);
            assertThat(close.replyText()).contains("channel_max");
        }
    }

    @Test
    void shouldCloseWithChannelErrorForFrameOnUnopenedChannel() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 0)) {
            socket.sendMethod(3, new TxSelect());

            assertThat(socket.expectMethod(ConnectionClose.class).replyCode()).isEqualTo(504);
        }
    }

    @Test
    void shouldCloseWithChannelErrorWhenReopeningAnOpenChannel() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 0)) {
            socket.sendMethod(1, new ChannelOpen());
            socket.expectMethod(ChannelOpenOk.class);
            socket.sendMethod(1, new ChannelOpen());

            assertThat(socket.expectMethod(ConnectionClose.class).replyCode()).isEqualTo(504);
        }
    }

    @Test
    void shouldCloseWithUnexpectedFrameForHeaderWithoutMethod() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 0)) {
            socket.sendMethod(1, new ChannelOpen());
            socket.expectMethod(ChannelOpenOk.class);
            socket.sendHeader(1, 3);

            assertThat(socket.expectMethod(ConnectionClose.class).replyCode()).isEqualTo(505);
        }
    }

    @Test
    void shouldCloseWithUnexpectedFrameForMethodInsideContent() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 0)) {
            socket.sendMethod(1, new ChannelOpen());
            socket.expectMethod(ChannelOpenOk.class);
            socket.sendMethod(1, new BasicPublish("", "q", false, false));
            socket.sendHeader(1, 10);
            socket.sendMethod(1, new TxSelect());

            assertThat(socket.expectMethod(ConnectionClose.class).replyCode()).isEqualTo(505);
        }
    }

    @Test
    void shouldCloseWithUnexpectedFrameForBodyLongerThanAnnounced() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 0)) {
            socket.sendMethod(1, new ChannelOpen());
            socket.expectMethod(ChannelOpenOk.class);
            socket.sendMethod(1, new BasicPublish("", "q", false, false));
            socket.sendHeader(1, 2);
            socket.sendBody(1, new byte[] {1, 2, 3});

            assertThat(socket.expectMethod(ConnectionClose.class).replyCode()).isEqualTo(505);
        }
    }

    @Test
    void shouldCloseOnlyTheChannelForMessageAboveMaxSize() throws Exception {
        try (RawAmqpSocket socket = new RawAmqpSocket(port).handshake(0, 0)) {
            socket.sendMethod(1, new ChannelOpen());
            socket.expectMethod(ChannelOpenOk.class);
            socket.sendMethod(1, new BasicPublish("", "q", false, false));
            socket.sendHeader(1, MAX_MESSAGE_BYTES + 1);
            socket.sendBody(1, new byte[MAX_MESSAGE_BYTES + 1]); // discarded: the channel is closing

            ChannelClose close = socket.expectMethod(ChannelClose.class);
            assertThat(close.replyCode()).isEqualTo(406);
            assertThat(close.replyText()).isEqualTo("PRECONDITION_FAILED - message size 1001 is larger than "
                    + "configured max size 1000");
            assertThat(close.failingClassId()).isEqualTo(60);
            assertThat(close.failingMethodId()).isEqualTo(40);

            socket.sendMethod(1, new ChannelCloseOk());
            socket.sendMethod(1, new ChannelOpen());
            socket.expectMethod(ChannelOpenOk.class);
        }
    }

    private static ByteBuf methodFrame(int channel, int classId, int methodId) {
        return frame(channel, Unpooled.buffer().writeShort(classId).writeShort(methodId));
    }

    private static ByteBuf frame(int channel, ByteBuf payload) {
        return Unpooled.buffer().writeByte(1).writeShort(channel).writeInt(payload.readableBytes())
                .writeBytes(payload).writeByte(0xCE);
    }
}
