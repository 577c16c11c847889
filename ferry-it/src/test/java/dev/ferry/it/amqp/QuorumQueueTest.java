package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * x-queue-type quorum as RabbitMQ 3.10 answers it (and RabbitMQ 4 where the two differ, marked as
 * Ferry's behaviour): declaration rules and texts, arguments of other types refused, the type
 * compared on redeclare, delivery counts and limits, single active consumer, global QoS refused.
 */
class QuorumQueueTest extends AmqpTestBase {
    private final List<String> declared = new ArrayList<>();

    @AfterEach
    void deleteQueues() throws IOException {
        if (declared.isEmpty()) {
            return;
        }
        Channel cleanup = newConnection().createChannel();
        for (String queue : declared) {
            cleanup.queueDelete(queue);
        }
    }

    private static Map<String, Object> quorum(Object... keysAndValues) {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("x-queue-type", "quorum");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            arguments.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return arguments;
    }

    private String declareQuorum(String prefix, Map<String, Object> arguments) throws IOException {
        String queue = unique(prefix);
        channel.queueDeclare(queue, true, false, false, arguments);
        declared.add(queue);
        return queue;
    }

    /** Declares on a channel of its own and returns what the broker closed it with. */
    private Throwable declareRefused(String queue, boolean durable, boolean exclusive, boolean autoDelete,
                                     Map<String, Object> arguments) throws IOException {
        Channel own = connection.createChannel();
        Throwable thrown = catchThrowable(() -> own.queueDeclare(queue, durable, exclusive, autoDelete, arguments));
        assertThat(thrown).as("declare of %s refused", queue).isNotNull();
        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(isConnectionError(thrown)).isFalse();
        return thrown;
    }

    private static String describe(String queue) {
        return "queue '" + queue + "' in vhost '/'";
    }

    private void publish(String queue, String body) throws IOException {
        channel.basicPublish("", queue, null, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldDeclareAQuorumQueueAndCarryMessagesThroughIt() throws Exception {
        String queue = declareQuorum("qq", quorum());
        AMQP.Queue.DeclareOk again = channel.queueDeclare(queue, true, false, false, quorum());
        assertThat(again.getQueue()).isEqualTo(queue);
        channel.confirmSelect();
        for (int i = 0; i < 5; i++) {
            publish(queue, "m" + i);
        }
        channel.waitForConfirmsOrDie(10_000);
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isEqualTo(5);
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            GetResponse response = channel.basicGet(queue, false);
            bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
            channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
        }
        assertThat(bodies).containsExactly("m0", "m1", "m2", "m3", "m4");
        assertThat(channel.queueDelete(queue).getMessageCount()).isZero();
    }

    @Test
    void shouldRefuseQuorumQueuesThatAreNotDurableOrAreExclusiveOrAutoDelete() throws Exception {
        String queue = unique("qq");
        assertThat(replyText(declareRefused(queue, false, false, false, quorum())))
                .isEqualTo("PRECONDITION_FAILED - invalid property 'non-durable' for " + describe(queue));
        assertThat(replyText(declareRefused(queue, true, true, false, quorum())))
                .isEqualTo("PRECONDITION_FAILED - invalid property 'exclusive-owner' for " + describe(queue));
        assertThat(replyText(declareRefused(queue, true, false, true, quorum())))
                .isEqualTo("PRECONDITION_FAILED - invalid property 'auto-delete' for " + describe(queue));
        assertThat(replyText(declareRefused(queue, false, true, true, quorum())))
                .isEqualTo("PRECONDITION_FAILED - invalid property 'auto-delete' for " + describe(queue));
        assertThat(replyText(declareRefused("", true, false, false, quorum())))
                .isEqualTo("PRECONDITION_FAILED - Cannot declare a server-named queue for type rabbit_quorum_queue");
        Channel probe = connection.createChannel();
        assertThat(replyCode(catchThrowable(() -> probe.queueDeclarePassive(queue)))).as("nothing declared").isEqualTo(404);
    }

    @Test
    void shouldRefuseArgumentsThatBelongToOtherQueueTypes() throws Exception {
        String queue = unique("qq");
        for (String key : List.of("x-max-priority", "x-queue-mode", "x-queue-master-locator", "x-max-age",
                "x-initial-cluster-size")) {
            Object value = key.equals("x-max-priority") || key.equals("x-initial-cluster-size") ? 5 : "lazy";
            assertThat(replyText(declareRefused(queue, true, false, false, quorum(key, value))))
                    .isEqualTo("PRECONDITION_FAILED - invalid arg '" + key + "' for " + describe(queue)
                            + " of queue type rabbit_quorum_queue");
        }
        assertThat(replyText(declareRefused(queue, true, false, false, Map.of("x-dead-letter-strategy", "at-most-once"))))
                .isEqualTo("PRECONDITION_FAILED - invalid arg 'x-dead-letter-strategy' for " + describe(queue)
                        + " of queue type rabbit_classic_queue");
        assertThat(replyText(declareRefused(queue, true, false, false, quorum("x-dead-letter-strategy", "sometimes"))))
                .isEqualTo("PRECONDITION_FAILED - invalid arg 'x-dead-letter-strategy' for " + describe(queue)
                        + ": invalid_dlx_strategy");
        assertThat(replyText(declareRefused(queue, true, false, false, quorum("x-quorum-initial-group-size", 0))))
                .isEqualTo("PRECONDITION_FAILED - invalid arg 'x-quorum-initial-group-size' for " + describe(queue)
                        + ": {value_zero,0}");
        assertThat(replyText(declareRefused(queue, true, false, false, Map.of("x-queue-type", "QUORUM"))))
                .isEqualTo("PRECONDITION_FAILED - invalid arg 'x-queue-type' for " + describe(queue)
                        + ": \"unsupported queue type 'QUORUM'\"");
        // Arguments no queue type knows are accepted, as are a quorum queue's own.
        declareQuorum("qq-args", quorum("x-whatever", 1, "x-quorum-initial-group-size", 3, "x-dead-letter-strategy",
                "at-least-once", "x-message-ttl", 60_000, "x-expires", 600_000, "x-max-length", 100,
                "x-queue-leader-locator", "client-local"));
    }

    @Test
    void shouldRefuseARedeclarationOfAnotherType() throws Exception {
        String quorumQueue = declareQuorum("qq", quorum());
        assertThat(replyText(declareRefused(quorumQueue, true, false, false, Map.of("x-queue-type", "classic"))))
                .isEqualTo("PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for " + describe(quorumQueue)
                        + ": received 'classic' but current is 'quorum'");
        assertThat(replyText(declareRefused(quorumQueue, true, false, false, Map.of())))
                .isEqualTo("PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for " + describe(quorumQueue)
                        + ": received none but current is the value 'quorum' of type 'longstr'");
        assertThat(replyText(declareRefused(quorumQueue, false, false, false, quorum())))
                .isEqualTo("PRECONDITION_FAILED - inequivalent arg 'durable' for " + describe(quorumQueue)
                        + ": received 'false' but current is 'true'");

        String classicQueue = unique("cq");
        channel.queueDeclare(classicQueue, true, false, false, null);
        declared.add(classicQueue);
        assertThat(replyText(declareRefused(classicQueue, true, false, false, quorum())))
                .isEqualTo("PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for " + describe(classicQueue)
                        + ": received the value 'quorum' of type 'longstr' but current is none");
        // No type and "classic" are the same type.
        channel.queueDeclare(classicQueue, true, false, false, Map.of("x-queue-type", "classic"));
    }

    @Test
    void shouldRefuseADifferentDeadLetterStrategyOrDeliveryLimitOnRedeclare() throws Exception {
        Map<String, Object> arguments = quorum("x-dead-letter-strategy", "at-most-once", "x-delivery-limit", 5);
        String queue = declareQuorum("qq", arguments);
        Map<String, Object> otherStrategy = new HashMap<>(arguments);
        otherStrategy.put("x-dead-letter-strategy", "at-least-once");
        assertThat(replyText(declareRefused(queue, true, false, false, otherStrategy)))
                .isEqualTo("PRECONDITION_FAILED - inequivalent arg 'x-dead-letter-strategy' for " + describe(queue)
                        + ": received 'at-least-once' but current is 'at-most-once'");
        Map<String, Object> otherLimit = new HashMap<>(arguments);
        otherLimit.put("x-delivery-limit", 6);
        assertThat(replyText(declareRefused(queue, true, false, false, otherLimit)))
                .isEqualTo("PRECONDITION_FAILED - inequivalent arg 'x-delivery-limit' for " + describe(queue)
                        + ": received '6' but current is '5'");
    }

    @Test
    void shouldCountReturnsInXDeliveryCountAndDeadLetterPastTheLimit() throws Exception {
        String parked = unique("parked");
        channel.queueDeclare(parked, false, false, true, null);
        String queue = declareQuorum("qq", quorum("x-delivery-limit", 2, "x-dead-letter-exchange", "",
                "x-dead-letter-routing-key", parked));
        publish(queue, "poison");
        List<Object> counts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            GetResponse response = awaitGet(queue);
            assertThat(response.getEnvelope().isRedeliver()).isEqualTo(i > 0);
            if (i > 0) {
                counts.add(response.getProps().getHeaders().get("x-delivery-count"));
            }
            channel.basicNack(response.getEnvelope().getDeliveryTag(), false, true);
        }
        assertThat(counts).containsExactly(1L, 2L);
        GetResponse deadLetter = awaitGet(parked);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> deaths = (List<Map<String, Object>>) deadLetter.getProps().getHeaders().get("x-death");
        assertThat(deaths.get(0).get("reason").toString()).isEqualTo("delivery_limit");
        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isZero();
    }

    @Test
    void shouldDeadLetterAMessageReturnedMoreThanTwentyTimesByDefault() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ 4 gives quorum queues a delivery limit of 20 by default; 3.10 has none");
        String parked = unique("parked");
        channel.queueDeclare(parked, false, false, true, null);
        String queue = declareQuorum("qq", quorum("x-dead-letter-exchange", "", "x-dead-letter-routing-key", parked));
        publish(queue, "poison");
        for (int returns = 0; returns <= 20; returns++) {
            GetResponse response = awaitGet(queue);
            channel.basicReject(response.getEnvelope().getDeliveryTag(), true);
        }
        GetResponse deadLetter = awaitGet(parked);
        assertThat(new String(deadLetter.getBody(), StandardCharsets.UTF_8)).isEqualTo("poison");
        assertThat(channel.basicGet(queue, false)).isNull();
    }

    @Test
    void shouldNeverGiveUpOnAMessageWhenTheDeliveryLimitIsNegative() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ 4 reads a negative x-delivery-limit as no limit; 3.10 drops the message"
                + " at its first return");
        String queue = declareQuorum("qq", quorum("x-delivery-limit", -1));
        publish(queue, "again");
        for (int returns = 0; returns < 25; returns++) {
            GetResponse response = awaitGet(queue);
            channel.basicReject(response.getEnvelope().getDeliveryTag(), true);
        }
        GetResponse last = awaitGet(queue);
        assertThat(last.getProps().getHeaders()).containsEntry("x-delivery-count", 25L);
    }

    @Test
    void shouldDeliverToOneConsumerAtATimeWithSingleActiveConsumer() throws Exception {
        String queue = declareQuorum("qq", quorum("x-single-active-consumer", true));
        List<String> seen = new CopyOnWriteArrayList<>();
        Channel first = connection.createChannel();
        Channel second = connection.createChannel();
        String firstTag = first.basicConsume(queue, true, (tag, delivery) ->
                seen.add("first:" + new String(delivery.getBody(), StandardCharsets.UTF_8)), tag -> { });
        second.basicConsume(queue, true, (tag, delivery) ->
                seen.add("second:" + new String(delivery.getBody(), StandardCharsets.UTF_8)), tag -> { });
        for (int i = 0; i < 3; i++) {
            publish(queue, "a" + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 3);
        first.basicCancel(firstTag);
        for (int i = 0; i < 3; i++) {
            publish(queue, "b" + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 6);
        assertThat(seen).containsExactly("first:a0", "first:a1", "first:a2", "second:b0", "second:b1", "second:b2");
    }

    @Test
    void shouldRefuseAConsumerOnAChannelWithAChannelWidePrefetch() throws Exception {
        String queue = declareQuorum("qq", quorum());
        Channel perConsumer = connection.createChannel();
        perConsumer.basicQos(10, false);
        perConsumer.basicConsume(queue, false, (tag, delivery) -> { }, tag -> { });
        Channel unlimited = connection.createChannel();
        unlimited.basicQos(0, true);
        unlimited.basicConsume(queue, false, (tag, delivery) -> { }, tag -> { });

        Channel global = newConnection().createChannel();
        global.basicQos(10, true);
        Throwable thrown = catchThrowable(() -> global.basicConsume(queue, true, (tag, delivery) -> { }, tag -> { }));
        assertThat(isConnectionError(thrown)).isTrue();
        assertThat(replyCode(thrown)).isEqualTo(540);
        assertThat(replyText(thrown)).isEqualTo("NOT_IMPLEMENTED - " + describe(queue) + " does not support global qos");
    }

    @Test
    void shouldTreatRejectPublishDlxAsDropHead() throws Exception {
        String queue = declareQuorum("qq", quorum("x-max-length", 1, "x-overflow", "reject-publish-dlx"));
        channel.confirmSelect();
        publish(queue, "first");
        publish(queue, "second");
        channel.waitForConfirmsOrDie(10_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> channel.queueDeclarePassive(queue).getMessageCount() == 1);
        assertThat(new String(awaitGet(queue).getBody(), StandardCharsets.UTF_8)).isEqualTo("second");
    }

    @Test
    void shouldNotCountAtLeastOnceDeadLettersNoQueueTookAgainstTheLengthLimit() throws Exception {
        String deadLetterExchange = unique("dlx");
        channel.exchangeDeclare(deadLetterExchange, "fanout", false, true, null);
        // Nothing bound to the dead-letter exchange: the rejected message stays with its source.
        String queue = declareQuorum("qq", quorum("x-max-length", 1, "x-overflow", "reject-publish",
                "x-dead-letter-exchange", deadLetterExchange, "x-dead-letter-strategy", "at-least-once"));
        channel.confirmSelect();
        publish(queue, "first");
        channel.waitForConfirmsOrDie(10_000);
        GetResponse first = channel.basicGet(queue, false);
        channel.basicReject(first.getEnvelope().getDeliveryTag(), false);
        await().atMost(Duration.ofSeconds(10)).until(() -> channel.queueDeclarePassive(queue).getMessageCount() == 0);

        // RabbitMQ 3.10 checks x-max-length against ready messages only, not those waiting to be dead-lettered.
        publish(queue, "second");
        channel.waitForConfirmsOrDie(10_000);
        assertThat(new String(awaitGet(queue).getBody(), StandardCharsets.UTF_8)).isEqualTo("second");
    }

    @Test
    void shouldDeadLetterAtMostOnceWithoutRejectPublish() throws Exception {
        String deadLetterExchange = unique("dlx");
        channel.exchangeDeclare(deadLetterExchange, "fanout", false, true, null);
        // drop-head is the default overflow: at-least-once falls back to at-most-once and lets go.
        String queue = declareQuorum("qq", quorum("x-max-length", 1,
                "x-dead-letter-exchange", deadLetterExchange, "x-dead-letter-strategy", "at-least-once"));
        channel.confirmSelect();
        publish(queue, "first");
        channel.waitForConfirmsOrDie(10_000);
        GetResponse first = channel.basicGet(queue, false);
        channel.basicReject(first.getEnvelope().getDeliveryTag(), false);
        await().atMost(Duration.ofSeconds(10)).until(() -> channel.queueDeclarePassive(queue).getMessageCount() == 0);

        publish(queue, "second");
        channel.waitForConfirmsOrDie(10_000);
        assertThat(new String(awaitGet(queue).getBody(), StandardCharsets.UTF_8)).isEqualTo("second");
    }

    private GetResponse awaitGet(String queue) {
        List<GetResponse> got = Collections.synchronizedList(new ArrayList<>());
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            GetResponse response = channel.basicGet(queue, false);
            if (response != null) {
                got.add(response);
            }
            return !got.isEmpty();
        });
        return got.get(0);
    }
}
