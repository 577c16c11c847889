package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.GetResponse;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sender-selected distribution: the CC and BCC headers add routing keys for direct and topic
 * exchanges, through exchange-to-exchange bindings too; a queue gets one copy however many keys
 * reach it; BCC never reaches a consumer. Checked against RabbitMQ 3.10, which refuses a CC or
 * BCC that is not an array with 406 and skips array entries that are not strings.
 */
@Timeout(60)
class SenderSelectedRoutingTest extends AmqpTestBase {

    private String queueBoundTo(String exchange, String... keys) throws IOException {
        String queue = channel.queueDeclare(unique("ssd"), false, true, true, null).getQueue();
        for (String key : keys) {
            channel.queueBind(queue, exchange, key);
        }
        return queue;
    }

    private String exchange(String type) throws IOException {
        String exchange = unique("ssd-" + type);
        channel.exchangeDeclare(exchange, type, false, true, null);
        return exchange;
    }

    private void publish(String exchange, String routingKey, Map<String, Object> headers, String body)
            throws IOException {
        channel.basicPublish(exchange, routingKey, new AMQP.BasicProperties.Builder().headers(headers).build(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Everything in {@code queue} before a marker published to it now, in order. The marker goes
     * through the default exchange on the same channel, so it arrives after whatever this channel
     * published to the queue earlier: counting copies needs no waiting.
     */
    private List<GetResponse> drain(String queue) throws Exception {
        String marker = "marker-" + queue;
        channel.basicPublish("", queue, null, marker.getBytes(StandardCharsets.UTF_8));
        List<GetResponse> before = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            GetResponse response = channel.basicGet(queue, true);
            if (response == null) {
                Thread.onSpinWait();
                continue;
            }
            if (new String(response.getBody(), StandardCharsets.UTF_8).equals(marker)) {
                return before;
            }
            before.add(response);
        }
        throw new AssertionError("the marker did not come back from " + queue);
    }

    private List<String> bodies(String queue) throws Exception {
        List<String> bodies = new ArrayList<>();
        for (GetResponse response : drain(queue)) {
            bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
        }
        return bodies;
    }

    @Test
    void shouldCopyToEveryQueueACcOrBccKeyReachesOnADirectExchangeOnce() throws Exception {
        String exchange = exchange("direct");
        String byKey = queueBoundTo(exchange, "a");
        String byCc = queueBoundTo(exchange, "b");
        String byTwoCcKeys = queueBoundTo(exchange, "b", "c");
        String byBcc = queueBoundTo(exchange, "d");
        String byNone = queueBoundTo(exchange, "e");

        publish(exchange, "a", Map.of("CC", List.of("b", "c"), "BCC", List.of("d", "a")), "m");

        for (String queue : List.of(byKey, byCc, byTwoCcKeys, byBcc)) {
            List<GetResponse> copies = drain(queue);
            assertThat(copies).as("copies in the queue bound by " + queue).hasSize(1);
            GetResponse copy = copies.get(0);
            assertThat(copy.getEnvelope().getRoutingKey()).as("the routing key as published").isEqualTo("a");
            Map<String, Object> headers = copy.getProps().getHeaders();
            assertThat(headers).as("BCC is removed before delivery").doesNotContainKey("BCC");
            assertThat(((List<?>) headers.get("CC")).stream().map(Object::toString)).containsExactly("b", "c");
        }
        assertThat(drain(byNone)).isEmpty();
    }

    @Test
    void shouldMatchCcKeysAgainstTopicPatterns() throws Exception {
        String exchange = exchange("topic");
        String star = queueBoundTo(exchange, "x.*");
        String hashes = queueBoundTo(exchange, "y.#", "#.z");
        String neither = queueBoundTo(exchange, "w.#");

        publish(exchange, "x.1", Map.of("CC", List.of("y.1.z", "q")), "t");

        assertThat(bodies(star)).containsExactly("t");
        assertThat(bodies(hashes)).containsExactly("t");
        assertThat(bodies(neither)).isEmpty();
    }

    @Test
    void shouldFollowCcAndBccKeysThroughExchangeToExchangeBindings() throws Exception {
        String upstream = exchange("direct");
        String downstream = exchange("direct");
        channel.exchangeBind(downstream, upstream, "b");
        String byKey = queueBoundTo(downstream, "a");
        String byBcc = queueBoundTo(downstream, "c");

        // The upstream binding matches only the CC key; downstream, every key counts again.
        publish(upstream, "a", Map.of("CC", List.of("b")), "cc");
        publish(upstream, "a", Map.of("BCC", List.of("b", "c")), "bcc");

        assertThat(bodies(byKey)).containsExactly("cc", "bcc");
        List<GetResponse> hidden = drain(byBcc);
        assertThat(hidden).hasSize(1);
        assertThat(hidden.get(0).getProps().getHeaders()).doesNotContainKey("BCC");
    }

    @Test
    void shouldNameMoreQueuesOnTheDefaultExchange() throws Exception {
        String first = channel.queueDeclare(unique("ssd"), false, true, true, null).getQueue();
        String second = channel.queueDeclare(unique("ssd"), false, true, true, null).getQueue();

        publish("", first, Map.of("CC", List.of(second)), "both");

        assertThat(bodies(first)).containsExactly("both");
        assertThat(bodies(second)).containsExactly("both");
    }

    @Test
    void shouldSkipEntriesThatAreNotStringsButRouteAnEmptyOne() throws Exception {
        String exchange = exchange("direct");
        String byB = queueBoundTo(exchange, "b");
        String byEmpty = queueBoundTo(exchange, "");
        String byFive = queueBoundTo(exchange, "5");
        String byBytes = queueBoundTo(exchange, "d");

        publish(exchange, "a", Map.of("CC", List.of("", 5, "d".getBytes(StandardCharsets.UTF_8), "b", List.of("c"))),
                "mixed");

        assertThat(bodies(byB)).containsExactly("mixed");
        assertThat(bodies(byEmpty)).containsExactly("mixed");
        assertThat(bodies(byFive)).isEmpty();
        assertThat(bodies(byBytes)).isEmpty();
    }

    @Test
    void shouldTreatHeaderNamesCaseSensitively() throws Exception {
        String exchange = exchange("direct");
        String byB = queueBoundTo(exchange, "b");

        publish(exchange, "a", Map.of("cc", List.of("b"), "Bcc", List.of("b")), "lower");

        assertThat(bodies(byB)).isEmpty();
    }

    @Test
    void shouldNotReturnAMandatoryMessageThatOnlyACcKeyRoutes() throws Exception {
        String exchange = exchange("direct");
        String byCc = queueBoundTo(exchange, "b");
        AtomicInteger returned = new AtomicInteger();
        channel.addReturnListener(message -> returned.incrementAndGet());
        channel.confirmSelect();

        channel.basicPublish(exchange, "nothing", true,
                new AMQP.BasicProperties.Builder().headers(Map.of("CC", List.of("b"))).build(), new byte[] {1});
        channel.waitForConfirmsOrDie(10_000);

        assertThat(drain(byCc)).hasSize(1);
        assertThat(returned).hasValue(0);
    }

    @Test
    void shouldRefuseACcThatIsNotAnArrayWithRabbitMqsText() {
        Throwable thrown = catchThrowable(() -> {
            publish("amq.direct", "a", Map.of("CC", "b"), "x");
            channel.queueDeclare();
        });

        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).isEqualTo(
                "PRECONDITION_FAILED - invalid message: {unacceptable_type_in_header,\"CC\",longstr}");
    }

    @Test
    void shouldRefuseABccThatIsNotAnArrayInsideATransactionAtPublish() throws Exception {
        channel.txSelect();

        Throwable thrown = catchThrowable(() -> {
            publish("amq.direct", "a", Map.of("BCC", 7), "x");
            channel.queueDeclare();
        });

        assertThat(replyCode(thrown)).isEqualTo(406);
        assertThat(replyText(thrown)).isEqualTo(
                "PRECONDITION_FAILED - invalid message: {unacceptable_type_in_header,\"BCC\",signedint}");
    }
}
