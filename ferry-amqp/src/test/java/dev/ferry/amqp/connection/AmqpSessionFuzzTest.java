package dev.ferry.amqp.connection;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.amqp.AmqpConfig;
import dev.ferry.amqp.AmqpServer;
import dev.ferry.amqp.channel.BrokerChannelHandlerFactory;
import dev.ferry.amqp.codec.AmqpFrames;
import dev.ferry.amqp.codec.FrameWriter;
import dev.ferry.amqp.method.AmqpMethod;
import dev.ferry.amqp.method.BasicAck;
import dev.ferry.amqp.method.BasicCancel;
import dev.ferry.amqp.method.BasicConsume;
import dev.ferry.amqp.method.BasicGet;
import dev.ferry.amqp.method.BasicNack;
import dev.ferry.amqp.method.BasicPublish;
import dev.ferry.amqp.method.BasicQos;
import dev.ferry.amqp.method.BasicRecover;
import dev.ferry.amqp.method.BasicReject;
import dev.ferry.amqp.method.ChannelClose;
import dev.ferry.amqp.method.ChannelFlow;
import dev.ferry.amqp.method.ChannelOpen;
import dev.ferry.amqp.method.ConfirmSelect;
import dev.ferry.amqp.method.ConnectionUpdateSecret;
import dev.ferry.amqp.method.ExchangeBind;
import dev.ferry.amqp.method.ExchangeDeclare;
import dev.ferry.amqp.method.ExchangeDelete;
import dev.ferry.amqp.method.QueueBind;
import dev.ferry.amqp.method.QueueDeclare;
import dev.ferry.amqp.method.QueueDelete;
import dev.ferry.amqp.method.QueuePurge;
import dev.ferry.amqp.method.QueueUnbind;
import dev.ferry.amqp.method.TxCommit;
import dev.ferry.amqp.method.TxRollback;
import dev.ferry.amqp.method.TxSelect;
import dev.ferry.broker.Broker;
import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Coverage-guided fuzzing of what an AMQP connection does with the frames it decodes: an opened
 * connection (handshake and channel 1 done right by the harness) gets the fuzzer's method, content
 * header and body frames over a real socket, and a broker behind it acts on them. The decoders
 * have fuzz tests of their own ({@link dev.ferry.amqp.codec.DecodersFuzzTest}); this one reaches
 * the channel and broker semantics: declarations with odd arguments, publishes to anything,
 * acknowledgements of tags never delivered, transactions and confirms mixed, channels closed
 * midway. Whatever the frames, nothing may fail inside the broker (an ERROR from Ferry's code or an
 * exception reaching the end of a pipeline), and a new connection must be served afterwards.
 *
 * <p>An input is a series of {@code [kind][channel][length: 2 bytes][payload]}: {@code kind}
 * modulo 3 makes the payload a method, content header or body frame, {@code channel} modulo 4 its
 * channel. The harness then opens channel 9 and reads until it is open (or the connection closed,
 * or two seconds passed), so that the next input meets a settled broker.
 *
 * <p>The broker keeps its queues in memory ({@code Broker.withQueueThreads}): the log under a
 * durable queue has fuzz and damage tests of its own. {@code mvn test} replays the committed
 * inputs in {@code AmqpSessionFuzzTestInputs} (short sessions a client would run; see
 * {@link #main}); {@code mvn verify} fuzzes for {@code maxDuration}.
 */
public class AmqpSessionFuzzTest {
    private static final int SYNC_CHANNEL = 9;
    private static final long SETTLE_MS = 2_000;

    private static Server server;

    // Jazzer turns @Timeout into libFuzzer's per-input limit, so a hang fails; JUnit applies it to
    // the whole fuzzing run as well, hence the margin.
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    @FuzzTest(maxDuration = "30s")
    void shouldServeAnySessionWithoutFailingInside(byte[] input) throws Exception {
        fuzzerTestOneInput(input);
    }

    /** The target for Jazzer's own command line (long runs), the same as the test above. */
    public static void fuzzerTestOneInput(byte[] input) throws Exception {
        int port = server().port;
        // Jazzer's SSRF detector flags every connection made while an input runs; ours go to the
        // broker under test on loopback, whatever the input.
        try (SilentCloseable loopbackOnly = BugDetectors.allowNetworkConnections(
                (host, to) -> to == port && ("127.0.0.1".equals(host) || "localhost".equals(host)))) {
            byte[] frames = frames(input);
            if (frames.length == 0) {
                return;
            }
            server.failures.clear();
            runSession(port, frames);
            assertThat(newConnectionServed(port)).as("a new connection is served").isTrue();
            assertThat(server.failures).as("failures inside the broker").isEmpty();
        }
    }

    private static synchronized Server server() throws Exception {
        if (server == null) {
            server = new Server();
        }
        return server;
    }

    /** The frames an input describes, each with its size and frame end right. */
    static byte[] frames(byte[] input) {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        int at = 0;
        while (at + 4 <= input.length) {
            int type = switch ((input[at] & 0xFF) % 3) {
                case 0 -> AmqpFrames.TYPE_METHOD;
                case 1 -> AmqpFrames.TYPE_HEADER;
                default -> AmqpFrames.TYPE_BODY;
            };
            int channel = (input[at + 1] & 0xFF) % 4;
            int length = Math.min(((input[at + 2] & 0xFF) << 8) | (input[at + 3] & 0xFF), input.length - at - 4);
            ByteBuffer frame = ByteBuffer.allocate(8 + length);
            frame.put((byte) type).putShort((short) channel).putInt(length).put(input, at + 4, length)
                    .put((byte) AmqpFrames.FRAME_END);
            frames.writeBytes(frame.array());
            at += 4 + length;
        }
        return frames.toByteArray();
    }

    private static void runSession(int port, byte[] frames) throws IOException {
        try (RawAmqpSocket connection = new RawAmqpSocket(port)) {
            connection.handshake(16, 131072);
            connection.sendMethod(1, new ChannelOpen());
            try {
                connection.send(frames);
                connection.sendMethod(SYNC_CHANNEL, new ChannelOpen());
            } catch (SocketException closedMidway) {
                return; // the broker closed the connection on a connection error: allowed
            }
            settle(connection);
        }
    }

    /** Reads until channel 9 is open, the connection is closed, or {@link #SETTLE_MS} passed. */
    private static void settle(RawAmqpSocket connection) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MS);
        DataInputStream in = connection.input();
        connection.timeout((int) SETTLE_MS);
        while (System.nanoTime() < deadline) {
            int type;
            int channel;
            byte[] payload;
            try {
                type = in.readUnsignedByte();
                channel = in.readUnsignedShort();
                payload = new byte[in.readInt()];
                in.readFully(payload);
                assertThat(in.readUnsignedByte()).as("frame end").isEqualTo(AmqpFrames.FRAME_END);
            } catch (java.io.EOFException | SocketTimeoutException | SocketException closedOrQuiet) {
                return;
            }
            if (type != AmqpFrames.TYPE_METHOD || payload.length < 4) {
                continue;
            }
            int classAndMethod = ByteBuffer.wrap(payload).getInt();
            if (channel == SYNC_CHANNEL && classAndMethod == (20 << 16 | 11)) {
                return; // channel.open-ok: everything sent before it was handled
            }
            if (channel == 0 && classAndMethod == (10 << 16 | 50)) {
                return; // connection.close: the broker refused the session, as it may
            }
        }
    }

    /** Whether a new connection gets through the handshake and opens a channel. */
    private static boolean newConnectionServed(int port) throws IOException {
        try (RawAmqpSocket connection = new RawAmqpSocket(port)) {
            connection.handshake(16, 131072);
            connection.sendMethod(1, new ChannelOpen());
            connection.expectMethod(dev.ferry.amqp.method.ChannelOpenOk.class);
            return true;
        }
    }

    /**
     * Writes the committed inputs: sessions a client would run (declare, bind, publish, get, ack,
     * consume, transactions, confirms, deletions). {@code args[0]}: the inputs directory.
     */
    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        Files.createDirectories(directory);
        Map<String, Object> noArguments = Map.of();
        byte[] body = "hello".getBytes(StandardCharsets.US_ASCII);
        MessageProperties persistent = MessageProperties.EMPTY;
        Map<String, List<byte[]>> sessions = Map.of(
                "declare-publish-get-ack", List.of(
                        method(new QueueDeclare("q", false, false, false, false, false,
                                Map.of("x-message-ttl", 60_000, "x-max-length", 10))),
                        method(new BasicPublish("", "q", true, false)), header(body.length, persistent), body(body),
                        method(new BasicGet("q", false)), method(new BasicAck(1, false)),
                        method(new QueueDelete("q", false, false, false))),
                "exchanges-and-bindings", List.of(
                        method(new ExchangeDeclare("x", "topic", false, false, true, false, false, noArguments)),
                        method(new ExchangeDeclare("y", "headers", false, false, true, false, false, noArguments)),
                        method(new ExchangeBind("y", "x", "a.#", false, noArguments)),
                        method(new QueueDeclare("", false, false, true, true, false,
                                Map.of("x-dead-letter-exchange", "x", "x-max-priority", 5))),
                        method(new QueueBind("", "y", "", false, Map.of("x-match", "any", "k", "v"))),
                        method(new BasicPublish("x", "a.b", false, false)), header(body.length, persistent), body(body),
                        method(new QueueUnbind("", "y", "", noArguments)),
                        method(new ExchangeDelete("y", false, false))),
                "consume-qos-nack-recover", List.of(
                        method(new QueueDeclare("c", false, false, true, true, false, noArguments)),
                        method(new BasicQos(0, 2, false)),
                        method(new BasicConsume("c", "tag", false, false, false, false, Map.of("x-priority", 3))),
                        method(new BasicPublish("", "c", false, false)), header(body.length, persistent), body(body),
                        method(new BasicNack(1, false, true)), method(new BasicRecover(true)),
                        method(new BasicReject(2, false)), method(new BasicCancel("tag", false)),
                        method(new QueuePurge("c", false))),
                "transactions-and-confirms", List.of(
                        method(new TxSelect()),
                        method(new BasicPublish("amq.direct", "none", true, false)), header(body.length, persistent),
                        body(body), method(new TxRollback()), method(new TxCommit()),
                        method(new ConfirmSelect(false)), method(new ChannelFlow(false)),
                        method(new ChannelClose(200, "bye", 0, 0))),
                "update-secret", List.of(
                        method(new ConnectionUpdateSecret("\0guest\0guest".getBytes(StandardCharsets.UTF_8), "fuzz"))));
        for (Map.Entry<String, List<byte[]>> session : sessions.entrySet()) {
            ByteArrayOutputStream input = new ByteArrayOutputStream();
            session.getValue().forEach(input::writeBytes);
            Files.write(directory.resolve(session.getKey()), input.toByteArray());
        }
    }

    /** One input frame: its kind (0 method, 1 header, 2 body), channel 1 (0 for connection methods), payload. */
    private static byte[] frame(int kind, int channel, ByteBuf whole) {
        // The payload is what FrameWriter put between the 7-octet frame header and the frame end.
        byte[] bytes = ByteBufUtil.getBytes(whole);
        int length = bytes.length - 8;
        ByteBuffer entry = ByteBuffer.allocate(4 + length);
        entry.put((byte) kind).put((byte) channel).putShort((short) length).put(bytes, 7, length);
        return entry.array();
    }

    private static byte[] method(AmqpMethod method) {
        int channel = method instanceof ConnectionUpdateSecret ? 0 : 1;
        ByteBuf buffer = Unpooled.buffer();
        FrameWriter.writeMethod(buffer, channel, method);
        return frame(0, channel, buffer);
    }

    private static byte[] header(long bodySize, MessageProperties properties) {
        ByteBuf buffer = Unpooled.buffer();
        FrameWriter.writeContentHeader(buffer, 1, 60, bodySize, properties);
        return frame(1, 1, buffer);
    }

    private static byte[] body(byte[] body) {
        ByteBuf buffer = Unpooled.buffer();
        FrameWriter.writeBody(buffer, 1, body, 131072);
        return frame(2, 1, buffer);
    }

    /** An AMQP listener over an in-memory broker, for the JVM's lifetime. */
    static final class Server {
        final List<String> failures = new CopyOnWriteArrayList<>();
        final int port;

        Server() throws Exception {
            watchForFailures();
            Broker broker = Broker.withQueueThreads(1);
            AmqpServer amqp = new AmqpServer(new AmqpConfig().host("127.0.0.1").port(0).ioThreads(1)
                    .channelHandlerFactory(new BrokerChannelHandlerFactory(broker)));
            port = amqp.start();
        }

        /** An ERROR from Ferry's code, or an exception that reached the end of a pipeline. */
        private void watchForFailures() {
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.setLevel(Level.WARN);
            AppenderBase<ILoggingEvent> watcher = new AppenderBase<>() {
                @Override
                protected void append(ILoggingEvent event) {
                    String message = event.getFormattedMessage();
                    if (event.getLevel() == Level.ERROR || message.contains("reached at the tail of the pipeline")) {
                        failures.add(event.getLoggerName() + ": " + message
                                + (event.getThrowableProxy() == null ? "" : " / " + event.getThrowableProxy().getClassName()
                                + ": " + event.getThrowableProxy().getMessage()));
                    }
                }
            };
            watcher.setContext(root.getLoggerContext());
            watcher.start();
            root.addAppender(watcher);
        }
    }
}
