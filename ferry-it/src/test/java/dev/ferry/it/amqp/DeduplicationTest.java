package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.GetResponse;

import dev.ferry.it.support.AmqpTestBase;

/**
 * Queues declared with {@code x-message-deduplication} (the names of RabbitMQ's community
 * deduplication plugin): a resent message is stored once and confirmed every time; the window of
 * ids is bounded by {@code x-cache-size} and {@code x-cache-ttl}; the id is the
 * {@code x-deduplication-header} header, a header the queue names, or else the message-id; bad
 * arguments are refused with 406. Ferry only (the plugin is not part of RabbitMQ).
 */
class DeduplicationTest extends AmqpTestBase {

    @BeforeEach
    void ferryOnly() {
        assumeThat(target.isFerry()).as("deduplication is a Ferry feature (RabbitMQ needs a plugin)").isTrue();
    }

    private String dedupQueue(Map<String, Object> extra) throws IOException {
        String queue = unique("dedup");
        Map<String, Object> arguments = new HashMap<>(extra);
        arguments.put("x-message-deduplication", true);
        channel.queueDeclare(queue, true, false, false, arguments);
        return queue;
    }

    private static AMQP.BasicProperties withMessageId(String id) {
        return new AMQP.BasicProperties.Builder().deliveryMode(2).messageId(id).build();
    }

    private static AMQP.BasicProperties withHeader(String header, Object id) {
        return new AMQP.BasicProperties.Builder().deliveryMode(2).headers(Map.of(header, id)).build();
    }

    private void publish(String queue, AMQP.BasicProperties properties, String body) throws IOException {
        channel.basicPublish("", queue, properties, body.getBytes(StandardCharsets.UTF_8));
    }

    private int count(String queue) throws IOException {
        return channel.queueDeclarePassive(queue).getMessageCount();
    }

    private List<String> drain(String queue) throws IOException {
        List<String> bodies = new ArrayList<>();
        GetResponse response;
        while ((response = channel.basicGet(queue, true)) != null) {
            bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
        }
        return bodies;
    }

    @Test
    void shouldStoreAResentMessageOnceAndConfirmItBothTimes() throws Exception {
        String queue = dedupQueue(Map.of());
        channel.confirmSelect();
        AtomicInteger acked = new AtomicInteger();
        AtomicInteger nacked = new AtomicInteger();
        channel.addConfirmListener(new ConfirmListener() {
            @Override
            public void handleAck(long deliveryTag, boolean multiple) {
                acked.set((int) deliveryTag);
            }

            @Override
            public void handleNack(long deliveryTag, boolean multiple) {
                nacked.incrementAndGet();
            }
        });

        publish(queue, withMessageId("order-1"), "first");
        channel.waitForConfirmsOrDie(10_000);
        publish(queue, withMessageId("order-1"), "resent after a lost confirm");
        channel.waitForConfirmsOrDie(10_000);

        assertThat(acked.get()).as("highest delivery tag confirmed").isEqualTo(2);
        assertThat(nacked.get()).isZero();
        assertThat(drain(queue)).containsExactly("first");
    }

    @Test
    void shouldDeduplicateInANonDurableQueueAndForTransientMessages() throws Exception {
        String queue = unique("dedup-transient");
        channel.queueDeclare(queue, false, false, true, Map.of("x-message-deduplication", true));
        channel.confirmSelect();
        AMQP.BasicProperties transientMessage = new AMQP.BasicProperties.Builder().messageId("t-1").build();

        publish(queue, transientMessage, "first");
        publish(queue, transientMessage, "again");
        channel.waitForConfirmsOrDie(10_000);

        assertThat(drain(queue)).containsExactly("first");
    }

    @Test
    void shouldKeepMessagesWithOtherIdsOrWithoutAny() throws Exception {
        String queue = dedupQueue(Map.of());
        channel.confirmSelect();

        publish(queue, withMessageId("a"), "a");
        publish(queue, withMessageId("b"), "b");
        publish(queue, new AMQP.BasicProperties.Builder().deliveryMode(2).build(), "no id");
        publish(queue, new AMQP.BasicProperties.Builder().deliveryMode(2).build(), "no id again");
        publish(queue, withMessageId("a"), "a again");
        channel.waitForConfirmsOrDie(10_000);

        assertThat(drain(queue)).containsExactly("a", "b", "no id", "no id again");
    }

    @Test
    void shouldEvictTheOldestIdWhenTheWindowIsFull() throws Exception {
        String queue = dedupQueue(Map.of("x-cache-size", 2));
        channel.confirmSelect();

        publish(queue, withMessageId("a"), "a");
        publish(queue, withMessageId("b"), "b");
        publish(queue, withMessageId("c"), "c"); // the window holds b, c: a is out
        publish(queue, withMessageId("c"), "c again");
        publish(queue, withMessageId("a"), "a again");
        channel.waitForConfirmsOrDie(10_000);

        assertThat(drain(queue)).containsExactly("a", "b", "c", "a again");
    }

    @Test
    void shouldForgetAnIdOnceItsTimeInTheWindowIsOver() throws Exception {
        String queue = dedupQueue(Map.of("x-cache-ttl", 500));
        channel.confirmSelect();
        publish(queue, withMessageId("t"), "t");
        publish(queue, withMessageId("t"), "t within the window");
        channel.waitForConfirmsOrDie(10_000);
        assertThat(count(queue)).isEqualTo(1);
        long firstPublishedAt = System.nanoTime();

        // Resent until one is stored: the first that is must be at least the TTL after the original.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            publish(queue, withMessageId("t"), "t after the window");
            channel.waitForConfirmsOrDie(10_000);
            return count(queue) == 2;
        });

        assertThat(Duration.ofNanos(System.nanoTime() - firstPublishedAt)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        assertThat(drain(queue)).containsExactly("t", "t after the window");
    }

    @Test
    void shouldDropAResendOfAMessageAlreadyConsumedWhileItsIdIsInTheWindow() throws Exception {
        String queue = dedupQueue(Map.of());
        channel.confirmSelect();
        publish(queue, withMessageId("done"), "original");
        channel.waitForConfirmsOrDie(10_000);
        GetResponse consumed = channel.basicGet(queue, false);
        assertThat(consumed).isNotNull();
        channel.basicAck(consumed.getEnvelope().getDeliveryTag(), false);

        publish(queue, withMessageId("done"), "resent");
        channel.waitForConfirmsOrDie(10_000);

        assertThat(count(queue)).isZero();
    }

    @Test
    void shouldTakeTheIdFromThePluginsHeaderBeforeTheMessageId() throws Exception {
        String queue = dedupQueue(Map.of());
        channel.confirmSelect();
        AMQP.BasicProperties first = new AMQP.BasicProperties.Builder().deliveryMode(2).messageId("m1")
                .headers(Map.of("x-deduplication-header", "key-1")).build();
        AMQP.BasicProperties second = new AMQP.BasicProperties.Builder().deliveryMode(2).messageId("m2")
                .headers(Map.of("x-deduplication-header", "key-1")).build();
        publish(queue, first, "first");
        publish(queue, second, "same header, other message-id");
        publish(queue, withHeader("x-deduplication-header", 42), "integer id");
        publish(queue, withHeader("x-deduplication-header", 42L), "the same integer id");
        channel.waitForConfirmsOrDie(10_000);

        assertThat(drain(queue)).containsExactly("first", "integer id");
    }

    @Test
    void shouldTakeTheIdFromTheHeaderTheQueueNames() throws Exception {
        String queue = dedupQueue(Map.of("x-deduplication-header-name", "event-id"));
        channel.confirmSelect();
        publish(queue, withHeader("event-id", "e-1"), "e-1");
        publish(queue, withHeader("event-id", "e-1"), "e-1 again");
        publish(queue, withHeader("event-id", "e-2"), "e-2");
        publish(queue, withMessageId("e-2"), "message-id e-2, no header: the same id");
        channel.waitForConfirmsOrDie(10_000);

        assertThat(drain(queue)).containsExactly("e-1", "e-2");
    }

    @Test
    void shouldRefuseBadDeduplicationArguments() throws Exception {
        List<Map<String, Object>> bad = List.of(
                Map.of("x-message-deduplication", "yes"),
                Map.of("x-message-deduplication", true, "x-cache-size", 0),
                Map.of("x-message-deduplication", true, "x-cache-size", "5"),
                Map.of("x-message-deduplication", true, "x-cache-size", 10_000_001),
                Map.of("x-message-deduplication", true, "x-cache-ttl", -1),
                Map.of("x-message-deduplication", true, "x-deduplication-header-name", ""),
                Map.of("x-message-deduplication", true, "x-deduplication-header-name", 7));
        for (Map<String, Object> arguments : bad) {
            Channel fresh = connection.createChannel();
            Throwable thrown = catchThrowable(() -> fresh.queueDeclare(unique("dedup-bad"), true, false, false, arguments));

            assertThat(replyCode(thrown)).as("%s", arguments).isEqualTo(406);
            String named = arguments.keySet().stream().filter(key -> !key.equals("x-message-deduplication")).findFirst()
                    .orElse("x-message-deduplication");
            assertThat(replyText(thrown)).as("%s", arguments).contains("invalid arg '" + named + "'");
        }
    }

    @Test
    void shouldRefuseARedeclarationWithAnotherWindow() throws Exception {
        String queue = dedupQueue(Map.of("x-cache-size", 10));
        Channel fresh = connection.createChannel();

        Throwable thrown = catchThrowable(() -> fresh.queueDeclare(queue, true, false, false,
                Map.of("x-message-deduplication", true, "x-cache-size", 20)));

        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).contains("x-cache-size");
        channel.queueDelete(queue);
    }
}
