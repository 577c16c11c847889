package dev.ferry.it.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * x-max-length with requeues and priorities: which message a full queue gives up, and when. The
 * expectations are RabbitMQ 3.10's, found with the same steps against a node: after a requeue a
 * drop-head queue trims its head at once (the requeued message went back to its place, normally
 * the head, so it is the one that goes); a reject-publish queue stays over its limit until it
 * drains; and the head of a priority queue is its highest-priority message.
 */
class MaxLengthRequeueTest extends AmqpTestBase {

    private String deadLetterQueue() throws IOException {
        String queue = unique("parked");
        channel.queueDeclare(queue, false, false, true, null);
        return queue;
    }

    private String declare(String parked, Object... arguments) throws IOException {
        String queue = unique("limited");
        Map<String, Object> table = new HashMap<>();
        if (parked != null) {
            table.put("x-dead-letter-exchange", "");
            table.put("x-dead-letter-routing-key", parked);
        }
        for (int i = 0; i < arguments.length; i += 2) {
            table.put((String) arguments[i], arguments[i + 1]);
        }
        channel.queueDeclare(queue, false, false, true, table);
        return queue;
    }

    private void publish(String queue, String body, Integer priority) throws Exception {
        channel.basicPublish("", queue, new AMQP.BasicProperties.Builder().priority(priority).build(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private int ready(String queue) throws IOException {
        return channel.queueDeclarePassive(queue).getMessageCount();
    }

    private void awaitReady(String queue, int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> ready(queue) == count);
    }

    private List<String> drain(String queue) throws IOException {
        List<String> bodies = new ArrayList<>();
        GetResponse response;
        while ((response = channel.basicGet(queue, true)) != null) {
            bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
        }
        return bodies;
    }

    @SuppressWarnings("unchecked")
    private static String deathReason(GetResponse parked) {
        List<Map<String, Object>> deaths = (List<Map<String, Object>>) parked.getProps().getHeaders().get("x-death");
        return deaths.get(0).get("reason").toString();
    }

    @Test
    void shouldDeadLetterTheRequeuedHeadAtOnceWhenARequeueTakesTheQueueOverItsLimit() throws Exception {
        String parked = deadLetterQueue();
        String queue = declare(parked, "x-max-length", 2);
        channel.confirmSelect();
        publish(queue, "A", null);
        publish(queue, "B", null);
        channel.waitForConfirmsOrDie(10_000);
        Channel taker = connection.createChannel();
        GetResponse a = taker.basicGet(queue, false);
        publish(queue, "C", null);
        channel.waitForConfirmsOrDie(10_000);
        assertThat(ready(queue)).isEqualTo(2);

        taker.basicNack(a.getEnvelope().getDeliveryTag(), false, true);

        awaitReady(parked, 1);
        assertThat(ready(queue)).isEqualTo(2);
        GetResponse dead = channel.basicGet(parked, true);
        assertThat(new String(dead.getBody(), StandardCharsets.UTF_8)).isEqualTo("A");
        assertThat(deathReason(dead)).isEqualTo("maxlen");
        publish(queue, "D", null);
        channel.waitForConfirmsOrDie(10_000);
        awaitReady(parked, 1);
        assertThat(drain(parked)).containsExactly("B");
        assertThat(drain(queue)).containsExactly("C", "D");
    }

    @Test
    void shouldLetARequeueTakeARejectPublishQueueOverItsLimitAndRefuseTheNextPublish() throws Exception {
        String queue = declare(null, "x-max-length", 2, "x-overflow", "reject-publish");
        channel.confirmSelect();
        publish(queue, "A", null);
        publish(queue, "B", null);
        channel.waitForConfirmsOrDie(10_000);
        Channel taker = connection.createChannel();
        GetResponse a = taker.basicGet(queue, false);
        publish(queue, "C", null);
        assertThat(channel.waitForConfirms(10_000)).as("C fits").isTrue();

        taker.basicNack(a.getEnvelope().getDeliveryTag(), false, true);
        awaitReady(queue, 3);
        publish(queue, "D", null);

        assertThat(channel.waitForConfirms(10_000)).as("D refused: the queue is over its limit").isFalse();
        List<String> left = new ArrayList<>();
        GetResponse response;
        while ((response = channel.basicGet(queue, true)) != null) {
            left.add(new String(response.getBody(), StandardCharsets.UTF_8)
                    + (response.getEnvelope().isRedeliver() ? "*" : ""));
        }
        assertThat(left).containsExactly("A*", "B", "C");
    }

    @Test
    void shouldDropTheHighestPriorityHeadOfAFullPriorityQueue() throws Exception {
        String parked = deadLetterQueue();
        String queue = declare(parked, "x-max-priority", 5, "x-max-length", 3);
        channel.confirmSelect();
        publish(queue, "A1", 1);
        publish(queue, "B5", 5);
        publish(queue, "C1", 1);
        publish(queue, "D5", 5); // B5 goes: the head
        publish(queue, "E3", 3); // D5 goes: the head again, though E3 is newer and lower
        channel.waitForConfirmsOrDie(10_000);

        awaitReady(parked, 2);
        assertThat(drain(parked)).containsExactly("B5", "D5");
        assertThat(drain(queue)).containsExactly("E3", "A1", "C1");
    }

    @Test
    void shouldDropRequeuedHighPriorityHeadsOfAFullPriorityQueue() throws Exception {
        String parked = deadLetterQueue();
        String queue = declare(parked, "x-max-priority", 5, "x-max-length", 2);
        channel.confirmSelect();
        publish(queue, "X5", 5);
        publish(queue, "Y1", 1);
        channel.waitForConfirmsOrDie(10_000);
        Channel taker = connection.createChannel();
        taker.basicGet(queue, false);
        GetResponse y1 = taker.basicGet(queue, false);
        publish(queue, "C1", 1);
        publish(queue, "D1", 1);
        channel.waitForConfirmsOrDie(10_000);

        taker.basicNack(y1.getEnvelope().getDeliveryTag(), true, true); // both back, in one nack

        awaitReady(parked, 2);
        assertThat(drain(parked)).containsExactly("X5", "Y1");
        assertThat(drain(queue)).containsExactly("C1", "D1");
    }

    @Test
    void shouldTrimByBytesAfterARequeueToo() throws Exception {
        String parked = deadLetterQueue();
        String queue = declare(parked, "x-max-length-bytes", 4);
        channel.confirmSelect();
        publish(queue, "AA", null);
        publish(queue, "BB", null);
        channel.waitForConfirmsOrDie(10_000);
        Channel taker = connection.createChannel();
        GetResponse a = taker.basicGet(queue, false);
        publish(queue, "CC", null);
        channel.waitForConfirmsOrDie(10_000);

        taker.basicReject(a.getEnvelope().getDeliveryTag(), true);

        awaitReady(parked, 1);
        assertThat(drain(parked)).containsExactly("AA");
        assertThat(drain(queue)).containsExactly("BB", "CC");
    }
}
