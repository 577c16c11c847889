package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Priority queues ({@code x-max-priority}) as RabbitMQ's Java client sees them: what a declaration
 * may say, the order of gets and deliveries, requeues. Every expectation here is what RabbitMQ
 * 3.10 does (run with {@code -Dferry.it.amqp=...} against a node to check).
 */
class PriorityQueueTest extends AmqpTestBase {

    private void publish(String queue, String body, Integer priority) throws IOException {
        channel.basicPublish("", queue, new AMQP.BasicProperties.Builder().priority(priority).build(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private String declare(Object... arguments) throws IOException {
        String queue = unique("q-priority");
        Map<String, Object> table = new HashMap<>();
        for (int i = 0; i < arguments.length; i += 2) {
            table.put((String) arguments[i], arguments[i + 1]);
        }
        channel.queueDeclare(queue, false, false, true, table);
        return queue;
    }

    /** Gets (auto-ack) until empty; a redelivered message is marked with '*'. */
    private List<String> drain(Channel from, String queue) throws IOException {
        List<String> bodies = new ArrayList<>();
        GetResponse response;
        while ((response = from.basicGet(queue, true)) != null) {
            bodies.add(new String(response.getBody(), StandardCharsets.UTF_8)
                    + (response.getEnvelope().isRedeliver() ? "*" : ""));
        }
        return bodies;
    }

    private void awaitReady(String queue, int count) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> channel.queueDeclarePassive(queue).getMessageCount() == count);
    }

    private String refusal(Object maxPriority) {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("x-max-priority", maxPriority);
        Channel probe;
        try {
            probe = connection.createChannel();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        String queue = unique("q-bad-priority");
        Throwable thrown = catchThrowable(() -> probe.queueDeclare(queue, false, false, true, arguments));
        assertThat(replyCode(thrown)).as("reply code for %s", maxPriority).isEqualTo(406);
        String prefix = "PRECONDITION_FAILED - invalid arg 'x-max-priority' for queue '" + queue + "' in vhost '/': ";
        assertThat(replyText(thrown)).startsWith(prefix);
        return replyText(thrown).substring(prefix.length());
    }

    @Test
    void shouldRefuseMaxPrioritiesOutOfRangeOrNotIntegers() {
        assertThat(refusal(256)).isEqualTo("{max_value_exceeded,256}");
        assertThat(refusal(100_000L)).isEqualTo("{max_value_exceeded,100000}");
        assertThat(refusal(-1)).isEqualTo("{value_negative,-1}");
        assertThat(refusal("5")).isEqualTo("\"expected integer, got longstr\"");
        assertThat(refusal(5.0)).isEqualTo("\"expected integer, got double\"");
        assertThat(refusal(true)).isEqualTo("\"expected integer, got bool\"");
        assertThat(refusal(new BigDecimal("5"))).isEqualTo("\"expected integer, got decimal\"");
        assertThat(refusal(null)).isEqualTo("\"expected integer, got void\"");
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void shouldAcceptEveryIntegerWidthFromZeroTo255() throws IOException {
        for (Object maxPriority : List.of(0, 1, 255, (byte) 3, (short) 10, 10L)) {
            String queue = declare("x-max-priority", maxPriority);
            assertThat(channel.queueDeclarePassive(queue).getQueue()).isEqualTo(queue);
        }
    }

    @Test
    void shouldRefuseARedeclarationWithAnotherMaxPriority() throws IOException {
        String queue = declare("x-max-priority", 5);

        Throwable thrown = catchThrowable(() ->
                channel.queueDeclare(queue, false, false, true, Map.of("x-max-priority", 6)));

        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).startsWith("PRECONDITION_FAILED - inequivalent arg 'x-max-priority'");
    }

    @Test
    void shouldGetHigherPrioritiesFirstAndPublishOrderWithinAPriority() throws IOException {
        String queue = declare("x-max-priority", 5);
        publish(queue, "a-none", null);
        publish(queue, "b3", 3);
        publish(queue, "c9", 9); // above the maximum: counts as 5, and came before e5
        publish(queue, "d0", 0);
        publish(queue, "e5", 5);
        publish(queue, "f3", 3);
        awaitReady(queue, 6);

        assertThat(drain(channel, queue)).containsExactly("c9", "e5", "b3", "f3", "a-none", "d0");
    }

    @Test
    void shouldKeepPublishOrderWithMaxPriorityZeroOrWithoutIt() throws IOException {
        for (String queue : List.of(declare("x-max-priority", 0), declare())) {
            publish(queue, "a-none", null);
            publish(queue, "b3", 3);
            publish(queue, "c9", 9);
            awaitReady(queue, 3);

            assertThat(drain(channel, queue)).containsExactly("a-none", "b3", "c9");
        }
    }

    @Test
    void shouldDeliverABacklogToAConsumerInPriorityOrder() throws Exception {
        String queue = declare("x-max-priority", 10);
        List<String> expected = new ArrayList<>();
        for (int priority = 0; priority <= 10; priority += 2) {
            for (int i = 0; i < 5; i++) {
                publish(queue, "p" + priority + "-" + i, priority);
            }
        }
        for (int priority = 10; priority >= 0; priority -= 2) {
            for (int i = 0; i < 5; i++) {
                expected.add("p" + priority + "-" + i);
            }
        }
        awaitReady(queue, 30);
        Channel consumer = newConnection().createChannel();
        consumer.basicQos(1);
        List<String> received = Collections.synchronizedList(new ArrayList<>());
        consumer.basicConsume(queue, false, (tag, delivery) -> {
            received.add(new String(delivery.getBody(), StandardCharsets.UTF_8));
            consumer.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
        }, tag -> { });

        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 30);
        assertThat(received).containsExactlyElementsOf(expected);
    }

    @Test
    void shouldPutRequeuedMessagesBackInTheirPlaceWithinTheirPriority() throws IOException {
        String queue = declare("x-max-priority", 5);
        publish(queue, "a1", 1);
        publish(queue, "b1", 1);
        publish(queue, "c5", 5);
        publish(queue, "d1", 1);
        publish(queue, "e5", 5);
        awaitReady(queue, 5);
        Channel taker = connection.createChannel();
        GetResponse c5 = taker.basicGet(queue, false);
        GetResponse e5 = taker.basicGet(queue, false);
        GetResponse a1 = taker.basicGet(queue, false);
        assertThat(List.of(c5, e5, a1)).extracting(r -> new String(r.getBody(), StandardCharsets.UTF_8))
                .containsExactly("c5", "e5", "a1");

        taker.basicNack(a1.getEnvelope().getDeliveryTag(), false, true);
        taker.basicNack(c5.getEnvelope().getDeliveryTag(), false, true);
        taker.basicNack(e5.getEnvelope().getDeliveryTag(), false, true);
        awaitReady(queue, 5);

        assertThat(drain(channel, queue)).containsExactly("c5*", "e5*", "a1*", "b1", "d1");
    }

    @Test
    void shouldCountMessagesOfEveryPriority() throws IOException {
        String queue = declare("x-max-priority", 3);
        for (int i = 0; i < 12; i++) {
            publish(queue, "m" + i, i % 5 == 4 ? null : i % 5);
        }

        awaitReady(queue, 12);
        assertThat(channel.queuePurge(queue).getMessageCount()).isEqualTo(12);
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isZero();
    }
}
