package dev.ferry.it.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import dev.ferry.it.support.AmqpTestBase;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A publisher faster than the consumers of its queue is slowed to their pace once the queue's
 * backlog reaches its memory limit (8192 messages by default), instead of the backlog growing
 * (and paging to disk) for as long as the publisher keeps up its rate. A queue nobody consumes
 * from is not a reason to slow anyone (see the paging tests).
 */
class FlowControlTest extends AmqpTestBase {
    private static final int MESSAGES = 60_000;
    private static final int MEMORY_LIMIT = 8192;

    @Test
    void shouldHoldAFastPublisherToItsSlowConsumersPace() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ's credit flow has other thresholds");
        String queue = unique("q-flow");
        channel.queueDeclare(queue, false, false, true, null);

        Channel consumer = newConnection().createChannel();
        consumer.basicQos(100);
        List<Integer> received = Collections.synchronizedList(new ArrayList<>(MESSAGES));
        consumer.basicConsume(queue, false, (tag, delivery) -> {
            received.add(ByteBuffer.wrap(delivery.getBody()).getInt());
            LockSupport.parkNanos(30_000); // a consumer with a little work per message
            consumer.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
        }, tag -> { });

        AtomicInteger largestBacklog = new AtomicInteger();
        Thread publisher = new Thread(() -> {
            try {
                Channel publishing = newConnection().createChannel();
                for (int i = 0; i < MESSAGES; i++) {
                    publishing.basicPublish("", queue, null, ByteBuffer.allocate(12).putInt(i).array());
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "fast-publisher");
        publisher.start();
        // What the publisher wrote may still sit in socket buffers when its thread is done, so the
        // backlog is watched until everything has arrived.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
            largestBacklog.accumulateAndGet(channel.queueDeclarePassive(queue).getMessageCount(), Math::max);
            return received.size() >= MESSAGES;
        });
        publisher.join(10_000);

        // Without flow control the backlog grows to most of the 60,000 (the publisher is several
        // times faster); with it, it stays near the limit. What the connection read before the queue's
        // next drain flagged congestion comes on top: up to about the limit again on a loaded machine
        // (a CI run saw 18,686), hence three times the limit.
        assertThat(largestBacklog.get()).isGreaterThan(MEMORY_LIMIT / 2).isLessThan(MEMORY_LIMIT * 3);
        for (int i = 0; i < MESSAGES; i++) {
            assertThat(received.get(i)).isEqualTo(i);
        }
    }
}
