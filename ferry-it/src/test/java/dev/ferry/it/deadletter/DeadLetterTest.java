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

    /** Whatever is in {@code queue} before a marker published to it now (the marker comes after it, same channel). */
    private List<GetResponse> drain(String queue) throws Exception {
        channel.basicPublish("", queue, null, "marker".getBytes(StandardCharsets.UTF_8));
        List<GetResponse> before = new ArrayList<>();
        while (true) {
            GetResponse response = awaitMessage(queue);
            if (body(response).equals("marker")) {
                return before;
            }
            before.add(response);
        }
    }

    private String queueBoundTo(String exchange, String key) throws IOException {
        String queue = unique("dl-by-" + key);
        channel.queueDeclare(queue, false, false, true, null);
        channel.queueBind(queue, exchange, key);
        return queue;
    }

    @Test
    void shouldDeadLetterByTheCcAndBccKeysUnlessANewRoutingKeyIsSet() throws Exception {
        String source = unique("dl-src");
        channel.exchangeDeclare(source, "direct", false, true, null);
        String dlx = unique("dl-direct");
        channel.exchangeDeclare(dlx, "direct", false, true, null);
        String byKey = queueBoundTo(dlx, "a");
        String byCc = queueBoundTo(dlx, "b");
        String byBcc = queueBoundTo(dlx, "c");
        String byNewKey = queueBoundTo(dlx, "new");
        String keepsKeys = declareWork(args("x-dead-letter-exchange", dlx));
        String newKey = declareWork(args("x-dead-letter-exchange", dlx, "x-dead-letter-routing-key", "new"));
        channel.queueBind(keepsKeys, source, "a");
        channel.queueBind(newKey, source, "a");

        channel.basicPublish(source, "a", new AMQP.BasicProperties.Builder()
                .headers(Map.of("CC", List.of("b"), "BCC", List.of("c"))).build(), "both".getBytes(StandardCharsets.UTF_8));
        channel.basicReject(awaitMessage(keepsKeys, false).getEnvelope().getDeliveryTag(), false);
        channel.basicReject(awaitMessage(newKey, false).getEnvelope().getDeliveryTag(), false);
        // basic.reject has no reply: a passive declare each source answers after the reject, so the
        // dead letters are on their way before drain's marker is published.
        channel.queueDeclarePassive(keepsKeys);
        channel.queueDeclarePassive(newKey);

        // Without a new key: routed again by its key, its CC keys and its BCC keys, though BCC is no header.
        for (String queue : List.of(byKey, byCc, byBcc)) {
            List<GetResponse> copies = drain(queue);
            assertThat(copies).as("dead letters in " + queue).hasSize(1);
            Map<String, Object> headers = copies.get(0).getProps().getHeaders();
            assertThat(texts(headers.get("CC"))).containsExactly("b");
            assertThat(headers).doesNotContainKey("BCC");
            assertThat(text(xDeath(copies.get(0).getProps()).get(0).get("queue"))).isEqualTo(keepsKeys);
            assertThat(texts(xDeath(copies.get(0).getProps()).get(0).get("routing-keys"))).containsExactly("a", "b");
        }
        // With one: that key alone, and CC is gone; x-death still names the keys it was published with.
        List<GetResponse> renamed = drain(byNewKey);
        assertThat(renamed).hasSize(1);
        assertThat(renamed.get(0).getEnvelope().getRoutingKey()).isEqualTo("new");
        assertThat(renamed.get(0).getProps().getHeaders()).doesNotContainKeys("CC", "BCC");
        Map<String, Object> death = xDeath(renamed.get(0).getProps()).get(0);
        assertThat(text(death.get("queue"))).isEqualTo(newKey);
        assertThat(texts(death.get("routing-keys"))).containsExactly("a", "b");
    }

    @Test
    void shouldCountRepeatedDeathsInOneEntryPerQueueAndReason() throws Exception {
        String dlx = unique("dl-ring");
        channel.exchangeDeclare(dlx, "direct", false, true, null);
        String first = unique("ring-1");
        String second = unique("ring-2");
        channel.queueDeclare(first, false, false, true, args("x-dead-letter-exchange", dlx,
                "x-dead-letter-routing-key", second));
        channel.queueDeclare(second, false, false, true, args("x-dead-letter-exchange", dlx,
                "x-dead-letter-routing-key", first));
        channel.queueBind(first, dlx, first);
        channel.queueBind(second, dlx, second);
        publish(first, "round", null);

        // Rejected in first, second, first, second, first: rejections never count as a cycle.
        for (int death = 0; death < 5; death++) {
            String queue = death % 2 == 0 ? first : second;
            channel.basicReject(awaitMessage(queue, false).getEnvelope().getDeliveryTag(), false);
        }
        GetResponse back = awaitMessage(second);

        List<Map<String, Object>> deaths = xDeath(back.getProps());
        assertThat(deaths).hasSize(2);
        assertThat(text(deaths.get(0).get("queue"))).as("the latest death first").isEqualTo(first);
        assertThat(deaths.get(0).get("count")).isEqualTo(3L);
        assertThat(text(deaths.get(1).get("queue"))).isEqualTo(second);
        assertThat(deaths.get(1).get("count")).isEqualTo(2L);
        Map<String, Object> headers = back.getProps().getHeaders();
        assertThat(text(headers.get("x-first-death-queue"))).isEqualTo(first);
        assertThat(text(headers.get("x-first-death-reason"))).isEqualTo("rejected");
        assertThat(texts(deaths.get(0).get("routing-keys"))).as("the first death's keys stay").containsExactly(first);
    }

    private static Map<String, Object> olderDeath(String queue, String reason, String exchange, long epochSeconds,
                                                  Long count) {
        Map<String, Object> death = new HashMap<>();
        death.put("queue", queue);
        death.put("reason", reason);
        death.put("exchange", exchange);
        death.put("routing-keys", List.of(exchange + "-key"));
        death.put("time", new Date(epochSeconds * 1000));
        if (count != null) {
            death.put("count", count);
        }
        return death;
    }

    @Test
    void shouldFoldAnOlderRabbitMqsHistoryIntoOneEntryPerQueueAndReason() throws Exception {
        DeadLetterTarget dlx = deadLetterTarget();
        String work = declareWork(args("x-dead-letter-exchange", dlx.exchange()));
        // As RabbitMQ before 3.5 wrote it, most recent first: a table per death, no count. Then two
        // newer tables of one (queue, reason) as a client copying headers might leave them.
        List<Object> history = List.of(
                olderDeath("other", "expired", "x2", 1_100_000_000L, null),
                olderDeath(work, "rejected", "x1", 1_000_000_000L, null),
                olderDeath(work, "rejected", "x3", 900_000_000L, null),
                olderDeath("other", "expired", "x4", 800_000_000L, null),
                olderDeath("third", "maxlen", "x5", 700_000_000L, 7L),
                olderDeath("third", "maxlen", "x6", 600_000_000L, 3L));
        publish(work, "old", new AMQP.BasicProperties.Builder().headers(Map.of("x-death", history)).build());

        channel.basicReject(awaitMessage(work, false).getEnvelope().getDeliveryTag(), false);
        List<Map<String, Object>> deaths = xDeath(awaitMessage(dlx.queue()).getProps());

        assertThat(deaths).hasSize(3);
        Map<String, Object> latest = deaths.get(0);
        assertThat(text(latest.get("queue"))).isEqualTo(work);
        assertThat(latest.get("count")).as("two older deaths and this one").isEqualTo(3L);
        assertThat(text(latest.get("exchange"))).as("the most recent older table stands for them").isEqualTo("x1");
        Map<String, Map<String, Object>> byQueue = new HashMap<>();
        deaths.forEach(death -> byQueue.put(text(death.get("queue")), death));
        assertThat(byQueue.get("other").get("count")).isEqualTo(2L);
        assertThat(text(byQueue.get("other").get("exchange"))).isEqualTo("x2");
        assertThat(byQueue.get("third").get("count")).as("a count already there is kept").isEqualTo(7L);
        assertThat(text(byQueue.get("third").get("exchange"))).isEqualTo("x5");
        // RabbitMQ 3.10 reverses the order of the other tables at every death; Ferry keeps the most
        // recent first, as RabbitMQ 4 does.
        target.assumeFerryBehaviour("x-death tables after the first keep most-recent-first order");
        assertThat(deaths.stream().map(death -> text(death.get("queue")))).containsExactly(work, "other", "third");
    }

    @Test
    void shouldWriteFirstDeathHeadersOnlyWhenTheMessageHasNoHistory() throws Exception {
        DeadLetterTarget dlx = deadLetterTarget();
        String work = declareWork(args("x-dead-letter-exchange", dlx.exchange()));
        // Copied by a client from a message it consumed, without the x-death they came with.
        publish(work, "stale first death", new AMQP.BasicProperties.Builder().headers(Map.of(
                "x-first-death-reason", "expired", "x-first-death-queue", "elsewhere",
                "x-first-death-exchange", "nowhere")).build());
        // A history without first-death headers (RabbitMQ before 3.7 wrote none).
        publish(work, "history", new AMQP.BasicProperties.Builder().headers(Map.of(
                "x-death", List.of(olderDeath("older", "expired", "x", 1_000_000_000L, 1L)))).build());

        channel.basicReject(awaitMessage(work, false).getEnvelope().getDeliveryTag(), false);
        channel.basicReject(awaitMessage(work, false).getEnvelope().getDeliveryTag(), false);
        Map<String, Object> replaced = awaitMessage(dlx.queue()).getProps().getHeaders();
        Map<String, Object> continued = awaitMessage(dlx.queue()).getProps().getHeaders();

        assertThat(text(replaced.get("x-first-death-reason"))).isEqualTo("rejected");
        assertThat(text(replaced.get("x-first-death-queue"))).isEqualTo(work);
        assertThat(text(replaced.get("x-first-death-exchange"))).isEqualTo("");
        assertThat(continued).doesNotContainKeys("x-first-death-reason", "x-first-death-queue",
                "x-first-death-exchange");
        assertThat((List<?>) continued.get("x-death")).hasSize(2);
    }

    @Test
    void shouldStartAFreshHistoryWhenXDeathIsNotAnArray() throws Exception {
        DeadLetterTarget dlx = deadLetterTarget();
        String work = declareWork(args("x-dead-letter-exchange", dlx.exchange()));
        publish(work, "garbled", new AMQP.BasicProperties.Builder().headers(Map.of("x-death", "garbled")).build());

        channel.basicReject(awaitMessage(work, false).getEnvelope().getDeliveryTag(), false);
        Map<String, Object> headers = awaitMessage(dlx.queue()).getProps().getHeaders();

        List<Map<String, Object>> deaths = xDeath(new AMQP.BasicProperties.Builder().headers(headers).build());
        assertThat(deaths).hasSize(1);
        assertThat(deaths.get(0).get("count")).isEqualTo(1L);
        assertThat(text(deaths.get(0).get("queue"))).isEqualTo(work);
    }

    private Confirms confirmMode() throws IOException {
        Confirms confirms = new Confirms();
        channel.confirmSelect();
        channel.addConfirmListener(confirms);
        return confirms;
    }
}
