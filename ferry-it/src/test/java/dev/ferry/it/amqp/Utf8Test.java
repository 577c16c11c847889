package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.AmqpTarget;
import dev.ferry.it.support.RawAmqpClient;
import dev.ferry.it.support.RawAmqpClient.Frame;
import dev.ferry.it.support.RawAmqpClient.MethodWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bytes that are not UTF-8, as RabbitMQ 3.10 treats them. A short string that is a method argument
 * (queue and exchange names, routing keys, consumer tags, reply texts, the virtual host) closes the
 * connection with 501 "FRAME_ERROR - Malformed UTF-8 in shortstr": names are never decoded with
 * replacement characters, which made "q\xff" and "q\xfe" one queue. A publish's exchange and
 * routing key, header tables and content properties are kept as bytes: what a publisher sent comes
 * back byte for byte.
 */
class Utf8Test {
    private static final byte[] NOT_UTF8 = {'n', 'a', 'm', 'e', (byte) 0xC3, 0x28, (byte) 0xFF};

    private final AmqpTarget target = AmqpTarget.shared();

    static Stream<Arguments> methodsWithAName() {
        return Stream.of(
                named("queue.declare name", q -> new MethodWriter(50, 10).shortInt(0).shortString(NOT_UTF8).octet(0).table()),
                named("queue.declare passive name",
                        q -> new MethodWriter(50, 10).shortInt(0).shortString(NOT_UTF8).octet(1).table()),
                named("exchange.declare name", q -> new MethodWriter(40, 10).shortInt(0).shortString(NOT_UTF8)
                        .shortString("direct").octet(0).table()),
                named("queue.bind routing key", q -> new MethodWriter(50, 20).shortInt(0).shortString(q)
                        .shortString("amq.direct").shortString(NOT_UTF8).octet(0).table()),
                named("basic.consume consumer tag", q -> new MethodWriter(60, 20).shortInt(0).shortString(q)
                        .shortString(NOT_UTF8).octet(0).table()),
                named("basic.cancel consumer tag", q -> new MethodWriter(60, 30).shortString(NOT_UTF8).octet(0)),
                named("channel.close reply text", q -> new MethodWriter(20, 40).shortInt(200).shortString(NOT_UTF8)
                        .shortInt(0).shortInt(0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methodsWithAName")
    void shouldCloseTheConnectionForAShortStringThatIsNotUtf8(String what, Function<String, MethodWriter> method)
            throws IOException {
        try (RawAmqpClient client = new RawAmqpClient(target.host(), target.port())) {
            client.handshake(0);
            client.openChannel(1);
            String queue = "utf8-" + UUID.randomUUID();
            client.sendMethod(1, new MethodWriter(50, 10).shortInt(0).shortString(queue).octet(0).table());
            client.expectMethod(50, 11);

            client.sendMethod(1, method.apply(queue));

            Frame close = client.awaitConnectionClose();
            assertThat(close.replyCode()).isEqualTo(501);
            assertThat(close.replyText()).isEqualTo("FRAME_ERROR - Malformed UTF-8 in shortstr");
        }
    }

    @Test
    void shouldRefuseAVirtualHostNameThatIsNotUtf8() throws IOException {
        try (RawAmqpClient client = new RawAmqpClient(target.host(), target.port())) {
            client.sendBytes(RawAmqpClient.PROTOCOL_HEADER);
            client.expectMethod(10, 10);
            client.sendMethod(0, new MethodWriter(10, 11).table().shortString("PLAIN")
                    .longString("\0guest\0guest".getBytes(StandardCharsets.UTF_8)).shortString("en_US"));
            Frame tune = client.expectMethod(10, 30);
            // tune-ok echoes channel_max and frame_max (the four bytes after the ids, then four more)
            client.sendMethod(0, new MethodWriter(10, 31).raw(Arrays.copyOfRange(tune.payload(), 4, 10)).shortInt(0));

            client.sendMethod(0, new MethodWriter(10, 40).shortString(NOT_UTF8).octet(0).octet(0));

            Frame close = client.awaitConnectionClose();
            assertThat(close.replyCode()).isEqualTo(501);
            assertThat(close.replyText()).isEqualTo("FRAME_ERROR - Malformed UTF-8 in shortstr");
        }
    }

    @Test
    void shouldDeliverHeadersAndPropertiesThatAreNotUtf8ByteForByte() throws IOException {
        try (RawAmqpClient client = new RawAmqpClient(target.host(), target.port())) {
            client.handshake(0);
            client.openChannel(1);
            String queue = "utf8-" + UUID.randomUUID();
            client.sendMethod(1, new MethodWriter(50, 10).shortInt(0).shortString(queue).octet(0).table());
            client.expectMethod(50, 11);
            // content-type and a header table with a key and 'S' values that are not UTF-8, one of
            // them binary with a zero byte, and two keys that a lenient decoder would merge.
            byte[] entries = withoutIds(new MethodWriter(0, 0)
                    .shortString(new byte[] {'k', (byte) 0xFF}).octet('S').longString(new byte[] {(byte) 0xFF, 0, (byte) 0xC3, 0x28})
                    .shortString(new byte[] {'k', (byte) 0xFE}).octet('S').longString(new byte[] {(byte) 0xFE, (byte) 0x80})
                    .toByteArray());
            byte[] header = new MethodWriter(60, 0).longLong(2).shortInt((1 << 15) | (1 << 13))
                    .shortString(new byte[] {'t', 'e', 'x', 't', '/', (byte) 0xC3, 0x28})
                    .longInt(entries.length).raw(entries).toByteArray();

            client.sendMethod(1, new MethodWriter(60, 40).shortInt(0).shortString("").shortString(queue).octet(0));
            client.sendFrame(RawAmqpClient.FRAME_HEADER, 1, header);
            client.sendFrame(RawAmqpClient.FRAME_BODY, 1, new byte[] {1, 2});
            client.sendMethod(1, new MethodWriter(60, 70).shortInt(0).shortString(queue).octet(1));

            client.expectMethod(60, 71);
            Frame received = client.readFrame();
            assertThat(received.type()).isEqualTo(RawAmqpClient.FRAME_HEADER);
            assertThat(received.payload()).isEqualTo(header);
        }
    }

    @Test
    void shouldKeepAPublishedRoutingKeyAsBytes() throws IOException {
        try (RawAmqpClient client = new RawAmqpClient(target.host(), target.port())) {
            client.handshake(0);
            client.openChannel(1);

            // mandatory, to an exchange with no binding for it: basic.return shows the key as kept
            client.sendMethod(1, new MethodWriter(60, 40).shortInt(0).shortString("amq.direct").shortString(NOT_UTF8)
                    .octet(1));
            client.sendFrame(RawAmqpClient.FRAME_HEADER, 1, new MethodWriter(60, 0).longLong(1).shortInt(0).toByteArray());
            client.sendFrame(RawAmqpClient.FRAME_BODY, 1, new byte[] {1});

            Frame returned = client.expectMethod(60, 50);
            byte[] expected = new MethodWriter(60, 50).shortInt(312).shortString("NO_ROUTE").shortString("amq.direct")
                    .shortString(NOT_UTF8).toByteArray();
            assertThat(returned.payload()).isEqualTo(expected);
        }
    }

    @Test
    void shouldAnswerAPublishToAnExchangeNameThatIsNotUtf8WithNotFound() throws IOException {
        try (RawAmqpClient client = new RawAmqpClient(target.host(), target.port())) {
            client.handshake(0);
            client.openChannel(1);

            client.sendMethod(1, new MethodWriter(60, 40).shortInt(0).shortString(NOT_UTF8).shortString("rk").octet(0));
            client.sendFrame(RawAmqpClient.FRAME_HEADER, 1, new MethodWriter(60, 0).longLong(1).shortInt(0).toByteArray());
            client.sendFrame(RawAmqpClient.FRAME_BODY, 1, new byte[] {1});

            Frame close = client.expectMethod(20, 40);
            assertThat(close.replyCode()).isEqualTo(404);
        }
    }

    /** The table entries alone: MethodWriter starts with class and method ids, here zero. */
    private static byte[] withoutIds(byte[] written) {
        return Arrays.copyOfRange(written, 4, written.length);
    }

    private static Arguments named(String what, Function<String, MethodWriter> method) {
        return Arguments.of(what, method);
    }
}
