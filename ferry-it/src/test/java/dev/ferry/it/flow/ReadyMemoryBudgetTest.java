package dev.ferry.it.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import dev.ferry.it.support.BrokerJmx;
import dev.ferry.it.support.BrokerProcess;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many queues each within its own memory limits can together hold more than the heap has: the
 * broker-wide budget for ready messages in memory ({@code --memory-paging-ratio}) makes the queues
 * page new messages once all of them together hold it. Twenty queues on a fanout, nobody
 * consuming, each given 2 MiB of 1 KiB messages (a quarter of its own 8 MiB limit): without the
 * budget they hold 43 MiB in memory; with a budget of about 1 MiB they hold little more than it,
 * and every message still comes back, in order, from a real client.
 */
class ReadyMemoryBudgetTest {
    private static final int QUEUES = 20;
    private static final int MESSAGES = 2_000;
    private static final int BODY_BYTES = 1024;
    private static final int ROUND = 100;

    @TempDir
    Path temp;

    @Test
    void shouldPageOnceAllQueuesTogetherHoldTheBudgetAndLoseNothing() throws Exception {
        // The test broker's heap (512 MiB) times 0.4 (the watermark) times 0.005: about 1 MiB.
        try (BrokerProcess broker = BrokerProcess.start(temp.resolve("data"), "--memory-paging-ratio", "0.005")) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setPort(broker.amqpPort());
            factory.setAutomaticRecoveryEnabled(false);
            try (Connection connection = factory.newConnection(); BrokerJmx jmx = BrokerJmx.attach(broker)) {
                Channel channel = connection.createChannel();
                channel.exchangeDeclare("wide", "fanout");
                for (int q = 0; q < QUEUES; q++) {
                    channel.queueDeclare("ready-" + q, true, false, false, null);
                    channel.queueBind("ready-" + q, "wide", "");
                }
                channel.confirmSelect();
                for (int i = 0; i < MESSAGES; i++) {
                    channel.basicPublish("wide", "", MessageProperties.MINIMAL_PERSISTENT_BASIC, body(i));
                    if ((i + 1) % ROUND == 0) {
                        channel.waitForConfirmsOrDie(30_000);
                    }
                }
                long budget = jmx.ingress("ReadyMemoryBudgetBytes");
                long held = jmx.ingress("ReadyMemoryBytes");
                long unbounded = (long) QUEUES * MESSAGES * (BODY_BYTES + 64);
                // Past the budget each queue still takes what one drain brings (at most a round here).
                long slack = (long) QUEUES * ROUND * (BODY_BYTES + 64);
                assertThat(budget).as("the ratio makes a small budget").isLessThan(2L * 1024 * 1024);
                assertThat(held).as("ready bytes in memory, budget %d, %d without it", budget, unbounded)
                        .isLessThanOrEqualTo(budget + slack)
                        .isLessThan(unbounded / 10);

                for (int q = 0; q < QUEUES; q++) {
                    assertThat(channel.queueDeclarePassive("ready-" + q).getMessageCount()).isEqualTo(MESSAGES);
                }
                for (int q = 0; q < QUEUES; q++) {
                    for (int i = 0; i < MESSAGES; i++) {
                        GetResponse response = channel.basicGet("ready-" + q, true);
                        assertThat(response).as("message %d of queue %d", i, q).isNotNull();
                        assertThat(ByteBuffer.wrap(response.getBody()).getInt()).as("queue %d in order", q).isEqualTo(i);
                    }
                    assertThat(channel.basicGet("ready-" + q, true)).isNull();
                }
                assertThat(jmx.ingress("ReadyMemoryBytes")).as("all taken").isZero();
            }
        }
    }

    private static byte[] body(int sequence) {
        byte[] body = new byte[BODY_BYTES];
        ByteBuffer.wrap(body).putInt(sequence);
        return body;
    }
}
