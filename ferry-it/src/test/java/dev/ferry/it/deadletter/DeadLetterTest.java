package dev.ferry.it.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Dead-lettering end to end: each reason with the x-death history RabbitMQ writes, the delivery
 * limit, TTLs, length limits with publisher nacks, and Ferry's retry delays. Run with
 * {@code -Dferry.it.amqp=...} against RabbitMQ to check the expectations shared with it.
 */
@Timeout(60)
class DeadLetterTest extends AmqpTestBase {
    private static final long WAIT_MS = 10_000;

    /** A dead-letter exchange (fanout) and the queue parked messages land in. */
    private record DeadLetterTarget(String exchange, String queue) {
    }

    private DeadLetterTarget deadLetterTarget() throws IOException {
        DeadLetterTarget target = new DeadLetterTarget(unique("dlx"), unique("dlq"));
        channel.exchangeDeclare(target.exchange(), "fanout", false, true, null);
        channel.queueDeclare(target.queue(), false, false, true, null);
        channel.queueBind(target.queue(), target.exchange(), "");
        return target;
    }

    private String declareWork(Map<String, Object> arguments) throws IOException {
        String queue = unique("work");
        channel.queueDeclare(queue, false, false, true, arguments);
        return queue;
    }

    private static Map<String, Object> args(Object... pairs) {
        Map<String, Object> arguments = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            arguments.put((String) pairs[i], pairs[i + 1]);
        }
        return arguments;
    }

    private void publish(String queue, String body, AMQP.BasicProperties properties) throws IOException {
        channel.basicPublish("", queue, properties, body.getBytes(StandardCharsets.UTF_8));
    }

    private GetResponse awaitMessage(String queue) throws Exception {
        return awaitMessage(queue, true);
    }

    private GetResponse awaitMessage(String queue, boolean autoAck) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            GetResponse response = channel.basicGet(queue, autoAck);
            if (response != null) {
                return response;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("nothing arrived on " + queue + " within " + WAIT_MS + " ms");
    }

    private static String body(GetResponse response) {
        return new String(response.getBody(), StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> xDeath(AMQP.BasicProperties properties) {
        return (List<Map<String, Object>>) properties.getHeaders().get("x-death");
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    private static List<String> texts(Object values) {
        List<String> result = new ArrayList<>();
        for (Object value : (List<?>) values) {
            result.add(value.toString());
        }
        return result;
    }

    @Test
    void shouldDeadLetterARejectedMessageWithRabbitMqsDeathHistory() throws Exception {
        DeadLetterTarget dlx = deadLetterTarget();
        String work = declareWork(args("x-dead-letter-exchange", dlx.exchange()));
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().expiration("60000")
                .headers(Map.of("CC", List.of("elsewhere"))).messageId("m-1").build();
        publish(work, "bad order", properties);

        GetResponse delivered = awaitMessage(work, false);
        channel.basicReject(delivered.getEnvelope().getDeliveryTag(), false);
        GetResponse parked = awaitMessage(dlx.queue());

        assertThat(body(parked)).isEqualTo("bad order");
        assertThat(parked.getEnvelope().getExchange()).isEqualTo(dlx.exchange());
        assertThat(parked.getEnvelope().getRoutingKey()).isEqualTo(work);
        assertThat(parked.getProps().getExpiration()).as("the per-message TTL is removed").isNull();
        assertThat(parked.getProps().getMessageId()).isEqualTo("m-1");
        Map<String, Object> headers = parked.getProps().getHeaders();
        assertThat(text(headers.get("x-first-death-reason"))).isEqualTo("rejected");
        assertThat(text(headers.get("x-first-death-queue"))).isEqualTo(work);
        assertThat(text(headers.get("x-first-death-exchange"))).isEqualTo("");
        List<Map<String, Object>> deaths = xDeath(parked.getProps());
        assertThat(deaths).hasSize(1);
        Map<String, Object> death = deaths.get(0);
        assertThat(death.keySet()).containsExactlyInAnyOrder("count", "reason", "queue", "time", "exchange",
                "routing-keys", "original-expiration");
        assertThat(death.get("count")).isEqualTo(1L);
        assertThat(text(death.get("reason"))).isEqualTo("rejected");
        assertThat(text(death.get("queue"))).isEqualTo(work);
        assertThat(text(death.get("exchange"))).isEqualTo("");
        assertThat(texts(death.get("routing-keys"))).containsExactly(work, "elsewhere");
        assertThat(text(death.get("original-expiration"))).isEqualTo("60000");
        assertThat(death.get("time")).isInstanceOf(Date.class);
        assertThat(Math.abs(((Date) death.get("time")).getTime() - System.currentTimeMillis())).isLessThan(60_000);
    }

    @Test
    void shouldDeadLetterAnExpiredMessageWithNoConsumer() throws Exception {
        DeadLetterTarget dlx = deadLetterTarget();
        String work = declareWork(args("x-dead-letter-exchange", dlx.exchange(),
                "x-dead-letter-routing-key", "parked", "x-message-ttl", 100));
        publish(work, "stale", null);

        GetResponse parked = awaitMessage(dlx.queue());
        assertThat(parked.getEnvelope().getRoutingKey()).isEqualTo("parked");
        Map<String, Object> death = xDeath(parked.getProps()).get(0);
        assertThat(text(death.get("reason"))).isEqualTo("expired");
        assertThat(death).doesNotContainKey("original-expiration");
        assertThat(texts(death.get("routing-keys"))).containsExactly(work);
    }

    @Test
    void shouldExpireAMessageInTheMiddleOfTheQueue() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ expires messages only when they reach the head");
        DeadLetterTarget dlx = deadLetterTarget();
        String work = declareWork(args("x-dead-letter-exchange", dlx.exchange()));
        publish(work, "first", null);
        publish(work, "short-lived", new AMQP.BasicProperties.Builder().expiration("100").build());
        publish(work, "last", null);

        GetResponse parked = awaitMessage(dlx.queue());
        assertThat(body(parked)).isEqualTo("short-lived");
        assertThat(text(xDeath(parked.getProps()).get(0).get("reason"))).isEqualTo("expired");
        assertThat(channel.queueDeclarePassive(work).getMessageCount()).isEqualTo(2);
        assertThat(body(channel.basicGet(work, true))).isEqualTo("first");
        assertThat(body(channel.basicGet(work, true))).isEqualTo("last");
    }

    @Test
    void shouldRefuseAnInvalidExpiration() {
        String queue = unique("q");
        assertThatThrownBy(() -> {
            channel.queueDeclare(queue, false, false, true, null);
            publish(queue, "x", new AMQP.BasicProperties.Builder().expiration("soon").build());
            channel.queueDeclarePassive(queue);
        }).satisfies(e -> {
            assertThat(replyCode(e)).isEqualTo(406);
            assertThat(replyText(e)).isEqualTo("PRECONDITION_FAILED - invalid expiration 'soon': no_integer");
        });
    }

    @Test
    void shouldDropTheHeadOverMaxLengthAsMaxlen() throws Exception {
        DeadLetterTarget dlx = deadLetterTarget();
        String work = declareWork(args("x-dead-letter-exchange", dlx.exchange(), "x-max-length", 2));
        for (String body : List.of("1", "2", "3")) {
            publish(work, body, null);
        }
        GetResponse parked = awaitMessage(dlx.queue());
        assertThat(body(parked)).isEqualTo("1");
        assertThat(text(xDeath(parked.getProps()).get(0).get("reason"))).isEqualTo("maxlen");
        assertThat(channel.queueDeclarePassive(work).getMessageCount()).isEqualTo(2);
    }

    @Test
    void shouldNackPublishesAFullQueueRejects() throws Exception {
        String work = declareWork(args("x-max-length", 1, "x-overflow", "reject-publish"));
        Confirms confirms = confirmMode();
        publish(work, "kept", null);
        publish(work, "refused", null);
        publish(work, "refused too", null);

        assertThat(confirms.await(3)).containsExactly("ack 1", "nack 2", "nack 3");
        assertThat(channel.queueDeclarePassive(work).getMessageCount()).isEqualTo(1);
        assertThat(body(channel.basicGet(work, true))).isEqualTo("kept");
        publish(work, "room again", null);
        assertThat(confirms.await(1)).containsExactly("ack 4");
    }

    @Test
    void shouldNackAndDeadLetterWithRejectPublishDlx() throws Exception {
        DeadLetterTarget dlx = deadLetterTarget();
        String work = declareWork(args("x-dead-letter-exchange", dlx.exchange(), "x-max-length", 1,
                "x-overflow", "reject-publish-dlx"));
        Confirms confirms = confirmMode();
        publish(work, "kept", null);
        publish(work, "refused", null);

        assertThat(confirms.await(2)).containsExactly("ack 1", "nack 2");
        GetResponse parked = awaitMessage(dlx.queue());
        assertThat(body(parked)).isEqualTo("refused");
        assertThat(text(xDeath(parked.getProps()).get(0).get("reason"))).isEqualTo("maxlen");
    }

    @Test
    void shouldRetryThreeTimesThenDeadLetterWithTheDeliveryLimit() throws Exception {
        DeadLetterTarget dlx = deadLetterTarget();
        Map<String, Object> arguments = args("x-dead-letter-exchange", dlx.exchange(), "x-delivery-limit", 3);
        boolean durable = false;
        if (!target.isFerry()) {
            // RabbitMQ has x-delivery-limit only on quorum queues, which must be durable.
            arguments.put("x-queue-type", "quorum");
            durable = true;
        }
        String work = unique("work");
        channel.queueDeclare(work, durable, false, false, arguments);
        try {
            publish(work, "poison", null);
            List<Object> deliveryCounts = Collections.synchronizedList(new ArrayList<>());
            channel.basicConsume(work, false, (tag, delivery) -> {
                Map<String, Object> headers = delivery.getProperties().getHeaders();
                deliveryCounts.add(headers == null ? null : headers.get("x-delivery-count"));
                channel.basicNack(delivery.getEnvelope().getDeliveryTag(), false, true);
            }, tag -> { });

            GetResponse parked = awaitMessage(dlx.queue());
            assertThat(deliveryCounts).containsExactly(null, 1L, 2L, 3L);
            Map<String, Object> death = xDeath(parked.getProps()).get(0);
            assertThat(text(death.get("reason"))).isEqualTo("delivery_limit");
            assertThat(text(death.get("queue"))).isEqualTo(work);
        } finally {
            channel.queueDelete(work);
        }
    }

    @Test
    void shouldDropAMessageThatWouldExpireRoundACycle() throws Exception {
        String work = unique("work");
        // Expired messages are dead-lettered straight back into the same queue: a cycle.
        channel.queueDeclare(work, false, false, true, args("x-dead-letter-exchange", "",
                "x-dead-letter-routing-key", work, "x-message-ttl", 50));
        publish(work, "round and round", null);
        Thread.sleep(500);
        assertThat(channel.queueDeclarePassive(work).getMessageCount()).isZero();
    }

    @Test
    void shouldWaitTheRetryDelaysWithoutHoldingUpTheQueue() throws Exception {
        target.assumeFerryBehaviour("x-retry-delays is Ferry's own");
        DeadLetterTarget dlx = deadLetterTarget();
        String work = declareWork(args("x-dead-letter-exchange", dlx.exchange(), "x-retry-delays", List.of(300, 600)));
        BlockingQueue<String> arrivals = new LinkedBlockingQueue<>();
        Map<String, Long> lastSeen = new HashMap<>();
        List<Long> retryGaps = Collections.synchronizedList(new ArrayList<>());
        channel.basicQos(1);
        channel.basicConsume(work, false, (tag, delivery) -> {
            String task = new String(delivery.getBody(), StandardCharsets.UTF_8);
            long now = System.nanoTime() / 1_000_000;
            Long before = lastSeen.put(task, now);
            if (before != null) {
                retryGaps.add(now - before);
            }
            arrivals.add(task);
            if (task.equals("fails")) {
                channel.basicNack(delivery.getEnvelope().getDeliveryTag(), false, true);
            } else {
                channel.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
            }
        }, tag -> { });
        long start = System.nanoTime();
        publish(work, "fails", null);
        publish(work, "fine", null);

        assertThat(arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("fails");
        assertThat(arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("fine");
        assertThat((System.nanoTime() - start) / 1_000_000).as("fine is not held up by the delayed message")
                .isLessThan(250);
        assertThat(arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("fails");
        assertThat(arrivals.poll(5, TimeUnit.SECONDS)).isEqualTo("fails");
        GetResponse parked = awaitMessage(dlx.queue());
        assertThat(text(xDeath(parked.getProps()).get(0).get("reason"))).isEqualTo("delivery_limit");
        assertThat(retryGaps).hasSize(2);
        assertThat(retryGaps.get(0)).isBetween(280L, 1_500L);
        assertThat(retryGaps.get(1)).isBetween(580L, 2_000L);
    }

    /** Publisher confirms as they arrive, in order, as "ack n" / "nack n" for each number covered. */
    private static final class Confirms implements ConfirmListener {
        private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        private long lastSeen;

        @Override
        public void handleAck(long deliveryTag, boolean multiple) {
            record("ack", deliveryTag, multiple);
        }

        @Override
        public void handleNack(long deliveryTag, boolean multiple) {
            record("nack", deliveryTag, multiple);
        }

        private synchronized void record(String kind, long deliveryTag, boolean multiple) {
            long from = multiple ? lastSeen + 1 : deliveryTag;
            for (long tag = from; tag <= deliveryTag; tag++) {
                received.add(kind + " " + tag);
            }
            lastSeen = Math.max(lastSeen, deliveryTag);
        }

        List<String> await(int count) throws InterruptedException {
            List<String> result = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String next = received.poll(WAIT_MS, TimeUnit.MILLISECONDS);
                if (next == null) {
                    break;
                }
                result.add(next);
            }
            return result;
        }
    }

    private Confirms confirmMode() throws IOException {
        Confirms confirms = new Confirms();
        channel.confirmSelect();
        channel.addConfirmListener(confirms);
        return confirms;
    }
}
