package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.it.support.AmqpTarget;
import dev.ferry.it.support.RawAmqpClient;
import dev.ferry.it.support.RawAmqpClient.Frame;
import dev.ferry.it.support.RawAmqpClient.MethodWriter;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that sends a method only servers send (every -ok answer, deliveries, the handshake's
 * start and tune), or one nothing asked for (channel.flow-ok, an unsolicited close-ok), gets what
 * RabbitMQ 3.10 answers: on a channel, connection.close 503 "COMMAND_INVALID - unimplemented
 * method"; on channel 0 of an open connection, 504 "CHANNEL_ERROR - unexpected method in connection
 * state running"; both naming the method by its ids. Each method is well-formed (RabbitMQ answers a
 * malformed one with 501 before looking at it), with its content when it carries one. Ferry also
 * writes one log line for it, never a stack trace.
 */
class ServerOnlyMethodTest {
    private static final String UNIMPLEMENTED = "COMMAND_INVALID - unimplemented method";
    private static final String UNEXPECTED = "CHANNEL_ERROR - unexpected method in connection state running";

    private final AmqpTarget target = AmqpTarget.shared();

    static Stream<Arguments> serverMethods() {
        return Stream.of(
                onChannel(new MethodWriter(20, 11).longInt(0)), // channel.open-ok
                onChannel(new MethodWriter(20, 21).octet(1)), // channel.flow-ok, never asked for
                onChannel(new MethodWriter(20, 41)), // channel.close-ok for a close never sent
                onChannel(new MethodWriter(40, 11)), // exchange.declare-ok
                onChannel(new MethodWriter(40, 21)), // exchange.delete-ok
                onChannel(new MethodWriter(40, 31)), // exchange.bind-ok
                onChannel(new MethodWriter(40, 51)), // exchange.unbind-ok
                onChannel(new MethodWriter(50, 11).shortString("q").longInt(0).longInt(0)), // queue.declare-ok
                onChannel(new MethodWriter(50, 21)), // queue.bind-ok
                onChannel(new MethodWriter(50, 31).longInt(0)), // queue.purge-ok
                onChannel(new MethodWriter(50, 41).longInt(0)), // queue.delete-ok
                onChannel(new MethodWriter(50, 51)), // queue.unbind-ok
                onChannel(new MethodWriter(60, 11)), // basic.qos-ok
                onChannel(new MethodWriter(60, 21).shortString("tag")), // basic.consume-ok
                onChannel(new MethodWriter(60, 31).shortString("tag")), // basic.cancel-ok
                withContent(new MethodWriter(60, 50).shortInt(312).shortString("NO_ROUTE").shortString("")
                        .shortString("rk")), // basic.return
                withContent(new MethodWriter(60, 60).shortString("tag").longLong(1).octet(0).shortString("")
                        .shortString("rk")), // basic.deliver
                withContent(new MethodWriter(60, 71).longLong(1).octet(0).shortString("").shortString("rk")
                        .longInt(0)), // basic.get-ok
                onChannel(new MethodWriter(60, 72).shortString("")), // basic.get-empty
                onChannel(new MethodWriter(60, 111)), // basic.recover-ok
                onChannel(new MethodWriter(85, 11)), // confirm.select-ok
                onChannel(new MethodWriter(90, 11)), // tx.select-ok
                onChannel(new MethodWriter(90, 21)), // tx.commit-ok
                onChannel(new MethodWriter(90, 31)), // tx.rollback-ok
                onChannel(new MethodWriter(10, 41).shortString("")), // connection.open-ok off channel 0
                onConnection(new MethodWriter(10, 10).octet(0).octet(9).table().longString("PLAIN".getBytes())
                        .longString("en_US".getBytes())), // connection.start
                onConnection(new MethodWriter(10, 20).longString(new byte[] {1})), // connection.secure
                onConnection(new MethodWriter(10, 30).shortInt(16).longInt(131072).shortInt(0)), // connection.tune
                onConnection(new MethodWriter(10, 41).shortString("")), // connection.open-ok
                onConnection(new MethodWriter(10, 51)), // connection.close-ok for a close never sent
                onConnection(new MethodWriter(10, 60).shortString("low on memory")), // connection.blocked
                onConnection(new MethodWriter(10, 61)), // connection.unblocked
                onConnection(new MethodWriter(10, 71)), // connection.update-secret-ok
                onConnection(new MethodWriter(85, 11)), // a channel's method on channel 0
                onConnection(new MethodWriter(60, 21).shortString("tag")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serverMethods")
    void shouldCloseTheConnectionWithRabbitMqsCodeAndText(String name, int channel, MethodWriter method,
            boolean content) throws IOException {
        int classId = method.classId();
        int methodId = method.methodId();
        // The shared broker's log holds earlier tests' connections, some on the same client port.
        int logFrom = target.isFerry() ? target.ferry().output().size() : 0;
        try (RawAmqpClient client = new RawAmqpClient(target.host(), target.port())) {
            client.handshake(0);
            if (channel != 0) {
                client.openChannel(channel);
            }

            client.sendMethod(channel, method);
            if (content) {
                client.sendFrame(RawAmqpClient.FRAME_HEADER, channel, new MethodWriter(60, 0).longLong(2).shortInt(0)
                        .toByteArray());
                client.sendFrame(RawAmqpClient.FRAME_BODY, channel, new byte[] {1, 2});
            }

            Frame close = client.awaitConnectionClose();
            assertThat(close.replyCode()).isEqualTo(channel == 0 ? 504 : 503);
            assertThat(close.replyText()).isEqualTo(channel == 0 ? UNEXPECTED : UNIMPLEMENTED);
            assertThat(close.closeClassId()).isEqualTo(classId);
            assertThat(close.closeMethodId()).isEqualTo(methodId);
            if (target.isFerry()) {
                assertOneLogLineWithoutTrace(client.localPort(), logFrom);
            }
        }
    }

    /**
     * The broker logged the error once for this connection, with no stack trace after it, in what it
     * wrote from line {@code logFrom} on.
     */
    private void assertOneLogLineWithoutTrace(int clientPort, int logFrom) {
        String connection = "connection /127.0.0.1:" + clientPort + " error:";
        // The broker's output reaches us through a pipe; wait for the line rather than a fixed time.
        await().atMost(Duration.ofSeconds(10)).until(() -> target.ferry().output().stream().skip(logFrom)
                .anyMatch(line -> line.contains(connection)));
        List<String> all = target.ferry().output();
        List<String> output = all.subList(logFrom, all.size());
        List<Integer> errorLines = java.util.stream.IntStream.range(0, output.size())
                .filter(i -> output.get(i).contains(connection)).boxed().toList();
        assertThat(errorLines).as("error lines for %s", connection).hasSize(1);
        int next = errorLines.get(0) + 1;
        if (next < output.size()) {
            assertThat(output.get(next)).as("the line after the error").doesNotStartWith("\tat ")
                    .doesNotContain("Exception");
        }
        assertThat(output).noneMatch(line -> line.contains("ClassCastException"));
    }

    private static Arguments onChannel(MethodWriter method) {
        return Arguments.of(method.classId() + "." + method.methodId() + " on channel 1", 1, method, false);
    }

    private static Arguments withContent(MethodWriter method) {
        return Arguments.of(method.classId() + "." + method.methodId() + " with content on channel 1", 1, method, true);
    }

    private static Arguments onConnection(MethodWriter method) {
        return Arguments.of(method.classId() + "." + method.methodId() + " on channel 0", 0, method, false);
    }
}
