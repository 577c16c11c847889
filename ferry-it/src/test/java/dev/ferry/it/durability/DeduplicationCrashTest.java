package dev.ferry.it.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;

import dev.ferry.it.support.BrokerProcess;

/**
 * The deduplication window of a durable queue outlives SIGKILL: after a kill and a restart, a
 * resend of every message published before (half of them consumed and acked, half still queued)
 * is confirmed and stored not once more, and a new id is still taken.
 */
class DeduplicationCrashTest extends BrokerProcessTestBase {
    private static final String QUEUE = "dedup-crash";
    private static final int MESSAGES = 200;
    private static final int CONSUMED = 100;

    private static void publishAll(Channel channel) throws Exception {
        channel.confirmSelect();
        for (int i = 0; i < MESSAGES; i++) {
            AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().deliveryMode(2)
                    .messageId("m" + i).build();
            channel.basicPublish("", QUEUE, properties, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(30_000);
    }

    /**
     * The checkpoint's low-water offset (every offset below it settled: AckCheckpoint's bytes 8 to
     * 16), or -1 while there is no whole checkpoint to read. The queue's messages are offsets 0 on.
     */
    private static long lowWaterOffset(Path checkpoint) {
        try {
            byte[] bytes = Files.readAllBytes(checkpoint);
            ByteBuffer header = ByteBuffer.wrap(bytes);
            return bytes.length >= 16 && header.getInt(0) == 0x46414B43 ? header.getLong(8) : -1;
        } catch (IOException notYet) {
            return -1;
        }
    }

    @Test
    void shouldKeepTheWindowAcrossAKill() throws Exception {
        BrokerProcess broker = start("--ack-checkpoint-interval-ms", "100");
        Channel channel = channel(broker);
        channel.queueDeclare(QUEUE, true, false, false, Map.of("x-message-deduplication", true, "x-cache-size", 10_000));
        publishAll(channel);
        for (int i = 0; i < CONSUMED; i++) {
            GetResponse response = channel.basicGet(QUEUE, false);
            channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
        }
        // The acks are on disk once a checkpoint (written every 100 ms) settles every offset below the
        // 100th. Read from the file, not its modification time: that clock is the kernel's coarse one,
        // milliseconds behind, so a checkpoint written just after the last ack could look older than it
        // and, nothing changing afterwards, never be followed by a newer one.
        Path checkpoint = dataDir.resolve("queues").resolve("%2F").resolve(QUEUE).resolve("acks.checkpoint");
        await().atMost(Duration.ofSeconds(10)).until(() -> lowWaterOffset(checkpoint) >= CONSUMED);
        broker.kill();
        broker.awaitExit(Duration.ofSeconds(10));

        BrokerProcess restarted = start("--ack-checkpoint-interval-ms", "100");
        Channel after = channel(restarted);
        assertThat(after.queueDeclarePassive(QUEUE).getMessageCount()).isEqualTo(MESSAGES - CONSUMED);

        publishAll(after); // every one a resend: consumed or still queued, each is in the window
        assertThat(after.queueDeclarePassive(QUEUE).getMessageCount()).isEqualTo(MESSAGES - CONSUMED);
        after.basicPublish("", QUEUE, new AMQP.BasicProperties.Builder().deliveryMode(2).messageId("new").build(),
                "new".getBytes(StandardCharsets.UTF_8));
        after.waitForConfirmsOrDie(10_000);

        List<String> bodies = new ArrayList<>();
        GetResponse response;
        while ((response = after.basicGet(QUEUE, true)) != null) {
            bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
        }
        List<String> expected = new ArrayList<>();
        for (int i = CONSUMED; i < MESSAGES; i++) {
            expected.add("m" + i);
        }
        expected.add("new");
        assertThat(bodies).containsExactlyElementsOf(expected);
    }
}
