package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import dev.ferry.it.support.RawAmqpClient;
import dev.ferry.it.support.RawAmqpClient.MethodWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A channel or connection that closes before the queue has answered its basic.consume (no-wait or
 * not) or basic.get must leave nothing behind on the queue: no consumer, no message held unacked by
 * a channel that is gone. Each round sends open, qos, consume or get, and close in one write, so the
 * close reaches the broker before the queue can answer; afterwards another client must find the
 * queue without consumers and every message deliverable.
 */
class CloseBeforeAnswerTest extends AmqpTestBase {
    private static final int MESSAGES = 10;
    private static final int ROUNDS = 40;

    private String queue;

    @BeforeEach
    void fillQueue() throws IOException {
        queue = unique("close-race");
        channel.queueDeclare(queue, false, false, false, null);
        for (int i = 0; i < MESSAGES; i++) {
            channel.basicPublish("", queue, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> channel.queueDeclarePassive(queue).getMessageCount() == MESSAGES);
    }

    @Test
    void shouldForgetAConsumerWhoseChannelClosedBeforeConsumeOk() throws IOException {
        try (RawAmqpClient client = raw()) {
            for (int round = 0; round < ROUNDS; round++) {
                int number = round + 1;
                boolean noWait = round % 2 == 0;
                client.sendBytes(concat(open(number), qos(number, 5), consume(number, noWait), closeChannel(number)));
                client.awaitMethod(number, 20, 41);
            }
        }

        assertQueueWhole();
    }

    @Test
    void shouldRequeueWhatAGetTookWhenItsChannelClosedBeforeGetOk() throws IOException {
        int receivedWithoutAck = 0;
        try (RawAmqpClient client = raw()) {
            for (int round = 0; round < ROUNDS; round++) {
                int number = round + 1;
                boolean noAck = round % 2 == 0;
                client.sendBytes(concat(open(number), qos(number, 5), get(number, noAck), closeChannel(number)));
                // A get-ok that did go out before close-ok delivered its message for good when it
                // was no-ack (RabbitMQ sends it, Ferry drops the answer and requeues instead); one
                // that was not sent must leave its message in the queue.
                while (true) {
                    RawAmqpClient.Frame frame = client.readFrame();
                    if (frame.channel() == number && frame.isMethod(60, 71) && noAck) {
                        receivedWithoutAck++;
                    }
                    if (frame.channel() == number && frame.isMethod(20, 41)) {
                        break;
                    }
                }
            }
        }

        assertQueueHolds(MESSAGES - receivedWithoutAck);
    }

    @Test
    void shouldForgetConsumersAndGetsOfAConnectionClosedBeforeTheQueueAnswered() throws IOException {
        for (int round = 0; round < ROUNDS / 2; round++) {
            try (RawAmqpClient client = raw()) {
                client.sendBytes(concat(open(1), qos(1, 5), consume(1, round % 2 == 0), open(2), get(2, false),
                        RawAmqpClient.methodFrame(0, new MethodWriter(10, 50).shortInt(200).shortString("bye")
                                .shortInt(0).shortInt(0))));
                client.awaitMethod(0, 10, 51);
            }
        }

        assertQueueWhole();
    }

    /** No consumer is left on the queue, and all its messages can be taken again. */
    private void assertQueueWhole() throws IOException {
        assertQueueHolds(MESSAGES);
    }

    private void assertQueueHolds(int messages) throws IOException {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            AMQP.Queue.DeclareOk counts = channel.queueDeclarePassive(queue);
            assertThat(counts.getConsumerCount()).as("consumers left on the queue").isZero();
            assertThat(counts.getMessageCount()).as("messages ready again").isEqualTo(messages);
        });
        Set<String> bodies = new HashSet<>();
        GetResponse response;
        while ((response = channel.basicGet(queue, true)) != null) {
            bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
        }
        assertThat(bodies).hasSize(messages);
    }

    @Test
    void shouldKeepTheSocketOpenAfterCloseOkUntilTheClientClosesIt() throws IOException {
        try (RawAmqpClient client = raw()) {
            // A client with frames queued behind its close (amqplib's writer interleaves channels):
            // the broker must read and drop them rather than close with them unread, which the
            // client's TCP sees as a reset, often before it has read the close-ok.
            byte[] heartbeat = RawAmqpClient.frameBytes(8, 0, new byte[0]);
            ByteArrayOutputStream behind = new ByteArrayOutputStream();
            for (int i = 0; i < 50_000; i++) {
                behind.writeBytes(heartbeat);
            }
            byte[] close = RawAmqpClient.methodFrame(0, new MethodWriter(10, 50).shortInt(200).shortString("bye")
                    .shortInt(0).shortInt(0));
            client.sendBytes(concat(close, behind.toByteArray()));
            client.expectMethod(10, 51);

            client.sendBytes(behind.toByteArray());
            client.setReadTimeoutMillis(1_000);
            // As RabbitMQ: nothing more, and no end of stream or reset while the client keeps its end open.
            assertThatThrownBy(client::readFrame).isInstanceOf(SocketTimeoutException.class);
            client.sendBytes(heartbeat);
        }
    }

    @Test
    void shouldCloseAConnectionWhoseClientStopsReading() throws Exception {
        String full = unique("unread");
        channel.queueDeclare(full, false, false, false, null);
        byte[] body = new byte[100_000];
        for (int i = 0; i < 200; i++) {
            channel.basicPublish("", full, null, body);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> channel.queueDeclarePassive(full).getMessageCount() == 200);
        try (RawAmqpClient stalled = new RawAmqpClient(target.host(), target.port(), 4096)) {
            stalled.handshake(0);
            stalled.sendBytes(concat(open(1), RawAmqpClient.methodFrame(1, new MethodWriter(60, 20).shortInt(0)
                    .shortString(full).shortString("").octet(0).table())));
            // The client reads nothing from here on; the broker has 20 MB for it. As RabbitMQ, the
            // broker gives up on the connection (its deliveries go back to the queue).
            await().atMost(Duration.ofSeconds(20)).until(() -> channel.queueDeclarePassive(full).getConsumerCount() == 1);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> channel.queueDeclarePassive(full).getConsumerCount() == 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> channel.queueDeclarePassive(full).getMessageCount() == 200);
        }
    }

    private RawAmqpClient raw() throws IOException {
        RawAmqpClient client = new RawAmqpClient(target.host(), target.port());
        client.handshake(0);
        return client;
    }

    private static byte[] open(int channel) {
        return RawAmqpClient.methodFrame(channel, new MethodWriter(20, 10).shortString(""));
    }

    private static byte[] qos(int channel, int prefetch) {
        return RawAmqpClient.methodFrame(channel, new MethodWriter(60, 10).longInt(0).shortInt(prefetch).octet(0));
    }

    private byte[] consume(int channel, boolean noWait) {
        // Ack mode: what the dead consumer received would stay unacked for good.
        return RawAmqpClient.methodFrame(channel, new MethodWriter(60, 20).shortInt(0).shortString(queue)
                .shortString("").octet(noWait ? 8 : 0).table());
    }

    private byte[] get(int channel, boolean noAck) {
        return RawAmqpClient.methodFrame(channel, new MethodWriter(60, 70).shortInt(0).shortString(queue)
                .octet(noAck ? 1 : 0));
    }

    private static byte[] closeChannel(int channel) {
        return RawAmqpClient.methodFrame(channel, new MethodWriter(20, 40).shortInt(200).shortString("bye")
                .shortInt(0).shortInt(0));
    }

    private static byte[] concat(byte[]... frames) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] frame : frames) {
            all.writeBytes(frame);
        }
        return all.toByteArray();
    }
}
