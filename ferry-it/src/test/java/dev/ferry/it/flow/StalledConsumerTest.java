package dev.ferry.it.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import dev.ferry.it.support.AmqpTestBase;
import dev.ferry.it.support.RawAmqpClient;
import dev.ferry.it.support.RawAmqpClient.MethodWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A no-ack consumer that stops reading its socket must not make the broker buffer everything it
 * would send: deliveries stop once the connection's outbound buffer is full and the rest wait in
 * the queue, where memory alarms and length limits apply. Without that, one such client could fill
 * the broker's memory.
 */
class StalledConsumerTest extends AmqpTestBase {
    private static final int MESSAGES = 3_000;
    private static final int BODY_BYTES = 10_240;

    @Test
    void shouldKeepMessagesInTheQueueWhenANoAckConsumerStopsReading() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ bounds this with its own credit flow; the threshold differs");
        String queue = unique("q-stalled");
        channel.queueDeclare(queue, false, false, true, null);
        try (RawAmqpClient stalled = new RawAmqpClient(target.host(), target.port())) {
            stalled.handshake(0);
            stalled.openChannel(1);
            int noAck = 2;
            stalled.sendMethod(1, new MethodWriter(60, 20).shortInt(0).shortString(queue).shortString("stalled")
                    .octet(noAck).table());
            stalled.expectMethod(60, 21);
            // From here on the raw client reads nothing.

            Channel publisher = newConnection().createChannel();
            publisher.confirmSelect();
            byte[] body = new byte[BODY_BYTES];
            for (int i = 0; i < MESSAGES; i++) {
                publisher.basicPublish("", queue, null, body);
            }
            // Every message is in the queue once confirmed. (The publisher's connection is held back
            // while the queue's thread catches up, so its last writes may take a while to be read;
            // waiting for the confirms, not for the count to settle, is what says they have.)
            publisher.waitForConfirmsOrDie(60_000);

            // About 1 MiB of outbound buffer and the kernel's socket buffers hold a few hundred
            // messages; everything else must still be in the queue, and stay there.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> channel.queueDeclarePassive(queue).getMessageCount() > 0);
            int waiting = channel.queueDeclarePassive(queue).getMessageCount();
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> channel.queueDeclarePassive(queue).getMessageCount() == waiting);
            assertThat(waiting).as("messages not pushed at the stalled client").isGreaterThan(MESSAGES / 2);
        }
        assertThat(connection.isOpen()).isTrue();
    }
}
