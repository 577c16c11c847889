package dev.ferry.it.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;

import dev.ferry.it.support.BrokerProcess;

/**
 * Priority queues whose backlog is mostly paged out (memory limit set very low): delivered in
 * priority order while running, and recovered in priority order after a clean stop and after
 * SIGKILL, unacked deliveries back in their places.
 */
class PriorityQueueDurabilityTest extends BrokerProcessTestBase {
    private static final int PRIORITIES = 10; // 0..9, declared with x-max-priority 9
    private static final int PER_PRIORITY = 300;

    /** Publishes {@code PER_PRIORITY} messages per priority, interleaved, and waits for their confirms. */
    private static void publishInterleaved(Channel channel, String queue, boolean persistent) throws Exception {
        channel.confirmSelect();
        for (int i = 0; i < PER_PRIORITY; i++) {
            for (int priority = 0; priority < PRIORITIES; priority++) {
                // Priority 0 is sent as "no priority" on every other message: the same level.
                Integer property = priority == 0 && i % 2 == 1 ? null : priority;
                AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                        .deliveryMode(persistent ? 2 : 1).priority(property).build();
                channel.basicPublish("", queue, properties, body(priority, i).getBytes(StandardCharsets.UTF_8));
            }
        }
        channel.waitForConfirmsOrDie(60_000);
    }

    private static String body(int priority, int index) {
        return "p" + priority + "-" + index;
    }

    /** Highest priority first, publish order within one. */
    private static List<String> priorityOrder() {
        List<String> expected = new ArrayList<>();
        for (int priority = PRIORITIES - 1; priority >= 0; priority--) {
            for (int i = 0; i < PER_PRIORITY; i++) {
                expected.add(body(priority, i));
            }
        }
        return expected;
    }

    private static List<String> drain(Channel channel, String queue) throws Exception {
        List<String> bodies = new ArrayList<>();
        GetResponse response;
        while ((response = channel.basicGet(queue, true)) != null) {
            bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
        }
        return bodies;
    }

    @Test
    void shouldDeliverPagedBacklogsInPriorityOrder() throws Exception {
        BrokerProcess broker = start("--queue-memory-messages", "50");
        Channel channel = channel(broker);
        channel.queueDeclare("prio-durable", true, false, false, Map.of("x-max-priority", PRIORITIES - 1));
        channel.queueDeclare("prio-transient", false, false, false, Map.of("x-max-priority", PRIORITIES - 1));
        publishInterleaved(channel, "prio-durable", true);
        publishInterleaved(channel, "prio-transient", false);
        int total = PRIORITIES * PER_PRIORITY;
        assertThat(channel.queueDeclarePassive("prio-durable").getMessageCount()).isEqualTo(total);
        assertThat(channel.queueDeclarePassive("prio-transient").getMessageCount()).isEqualTo(total);

        Channel consumer = channel(broker);
        consumer.basicQos(20);
        List<String> durable = Collections.synchronizedList(new ArrayList<>());
        List<String> transientBodies = Collections.synchronizedList(new ArrayList<>());
        for (String queue : List.of("prio-durable", "prio-transient")) {
            List<String> into = queue.equals("prio-durable") ? durable : transientBodies;
            consumer.basicConsume(queue, false, (tag, delivery) -> {
                into.add(new String(delivery.getBody(), StandardCharsets.UTF_8));
                consumer.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
            }, tag -> { });
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> durable.size() + transientBodies.size() >= 2 * total);
        assertThat(durable).containsExactlyElementsOf(priorityOrder());
        assertThat(transientBodies).containsExactlyElementsOf(priorityOrder());
    }

    @Test
    void shouldRecoverConfirmedMessagesInPriorityOrderAfterACleanStopAndAfterSigkill() throws Exception {
        BrokerProcess broker = start("--queue-memory-messages", "50");
        Channel channel = channel(broker);
        channel.queueDeclare("prio", true, false, false, Map.of("x-max-priority", PRIORITIES - 1));
        publishInterleaved(channel, "prio", true);
        // Some of the highest are delivered and left unacked: they come back in their places.
        Channel taker = channel(broker);
        for (int i = 0; i < 25; i++) {
            GetResponse response = taker.basicGet("prio", false);
            assertThat(new String(response.getBody(), StandardCharsets.UTF_8)).isEqualTo(body(PRIORITIES - 1, i));
        }
        assertThat(broker.terminate()).as("exit code of a clean stop").isZero();

        BrokerProcess restarted = start("--queue-memory-messages", "50");
        Channel after = channel(restarted);
        int total = PRIORITIES * PER_PRIORITY;
        assertThat(after.queueDeclarePassive("prio").getMessageCount()).isEqualTo(total);
        Channel secondTaker = channel(restarted);
        List<String> taken = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            taken.add(new String(secondTaker.basicGet("prio", false).getBody(), StandardCharsets.UTF_8));
        }
        assertThat(taken).containsExactlyElementsOf(priorityOrder().subList(0, 40));
        restarted.kill();

        BrokerProcess recovered = start("--queue-memory-messages", "50");
        Channel last = channel(recovered);
        assertThat(last.queueDeclarePassive("prio").getMessageCount()).isEqualTo(total);
        assertThat(drain(last, "prio")).containsExactlyElementsOf(priorityOrder());
    }
}
