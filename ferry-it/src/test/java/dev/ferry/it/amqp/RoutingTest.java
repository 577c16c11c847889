package dev.ferry.it.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.Return;
import dev.ferry.it.support.AmqpTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** How each exchange type routes, observed through the queues a real client reads. */
class RoutingTest extends AmqpTestBase {

    @Test
    void shouldRouteByExactKeyOnADirectExchange() throws IOException {
        String exchange = declare("direct");
        String errors = boundQueue(exchange, "error");
        String infos = boundQueue(exchange, "info");

        publish(exchange, "error", "disk full");
        publish(exchange, "info", "started");
        publish(exchange, "debug", "ignored");

        assertThat(drain(errors)).containsExactly("disk full");
        assertThat(drain(infos)).containsExactly("started");
    }

    @Test
    void shouldCopyToEveryQueueOnAFanoutExchange() throws IOException {
        String exchange = declare("fanout");
        List<String> queues = List.of(boundQueue(exchange, ""), boundQueue(exchange, "ignored"), boundQueue(exchange, "x"));

        publish(exchange, "any.key", "hello");

        for (String queue : queues) {
            assertThat(drain(queue)).containsExactly("hello");
        }
    }

    @Test
    void shouldMatchTopicWildcards() throws IOException {
        String exchange = declare("topic");
        String star = boundQueue(exchange, "*.error");
        String hash = boundQueue(exchange, "order.#");
        String middle = boundQueue(exchange, "a.#.z");
        String everything = boundQueue(exchange, "#");

        publish(exchange, "disk.error", "1");
        publish(exchange, "disk.error.extra", "2");
        publish(exchange, "order", "3");
        publish(exchange, "order.created.eu", "4");
        publish(exchange, "a.z", "5");
        publish(exchange, "a.b.c.z", "6");

        assertThat(drain(star)).containsExactly("1");
        assertThat(drain(hash)).containsExactly("3", "4");
        assertThat(drain(middle)).containsExactly("5", "6");
        assertThat(drain(everything)).containsExactly("1", "2", "3", "4", "5", "6");
    }

    @Test
    void shouldMatchHeadersWithAllAndAny() throws IOException {
        String exchange = declare("headers");
        String all = channel.queueDeclare().getQueue();
        channel.queueBind(all, exchange, "", Map.of("x-match", "all", "format", "pdf", "type", "report"));
        String any = channel.queueDeclare().getQueue();
        channel.queueBind(any, exchange, "", Map.of("x-match", "any", "format", "pdf", "type", "report"));

        publishWithHeaders(exchange, Map.of("format", "pdf", "type", "report"), "both");
        publishWithHeaders(exchange, Map.of("format", "pdf", "type", "log"), "one");
        publishWithHeaders(exchange, Map.of("format", "zip"), "none");

        assertThat(drain(all)).containsExactly("both");
        assertThat(drain(any)).containsExactly("both", "one");
    }

    @Test
    void shouldDeliverOnceToAQueueBoundTwiceWithMatchingKeys() throws IOException {
        String exchange = declare("topic");
        String queue = channel.queueDeclare().getQueue();
        channel.queueBind(queue, exchange, "a.*");
        channel.queueBind(queue, exchange, "*.b");
        channel.queueBind(queue, exchange, "#");

        publish(exchange, "a.b", "once");

        assertThat(drain(queue)).containsExactly("once");
    }

    @Test
    void shouldReturnAnUnroutableMandatoryMessageWithNoRoute() throws Exception {
        String exchange = declare("direct");
        List<Return> returns = new CopyOnWriteArrayList<>();
        channel.addReturnListener(returns::add);

        channel.basicPublish(exchange, "nobody-listens", true, null, "lost?".getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(10)).until(() -> returns.size() == 1);
        Return returned = returns.get(0);
        assertThat(returned.getReplyCode()).isEqualTo(312);
        assertThat(returned.getReplyText()).isEqualTo("NO_ROUTE");
        assertThat(returned.getExchange()).isEqualTo(exchange);
        assertThat(returned.getRoutingKey()).isEqualTo("nobody-listens");
        assertThat(new String(returned.getBody(), StandardCharsets.UTF_8)).isEqualTo("lost?");
    }

    @Test
    void shouldRouteByQueueNameOnTheDefaultExchange() throws IOException {
        String queue = channel.queueDeclare().getQueue();

        publish("", queue, "direct to queue");

        assertThat(drain(queue)).containsExactly("direct to queue");
    }

    @Test
    void shouldKeepPropertiesAndHeadersIntact() throws IOException {
        String queue = channel.queueDeclare().getQueue();
        Map<String, Object> headers = Map.of("text", "v", "number", 42, "long", 1L << 40, "flag", true,
                "nested", Map.of("inner", "x"), "list", List.of(1, "two"));
        AMQP.BasicProperties sent = new AMQP.BasicProperties.Builder()
                .contentType("application/json").contentEncoding("utf-8").headers(headers).deliveryMode(2)
                .priority(3).correlationId("c-1").replyTo("r").expiration("60000").messageId("m-1")
                .timestamp(new java.util.Date(1_700_000_000_000L)).type("t").userId("guest").appId("app").build();

        channel.basicPublish("", queue, sent, "{}".getBytes(StandardCharsets.UTF_8));

        GetResponse response = getOne(queue);
        AMQP.BasicProperties received = response.getProps();
        assertThat(received.getContentType()).isEqualTo("application/json");
        assertThat(received.getContentEncoding()).isEqualTo("utf-8");
        assertThat(received.getDeliveryMode()).isEqualTo(2);
        assertThat(received.getPriority()).isEqualTo(3);
        assertThat(received.getCorrelationId()).isEqualTo("c-1");
        assertThat(received.getReplyTo()).isEqualTo("r");
        assertThat(received.getExpiration()).isEqualTo("60000");
        assertThat(received.getMessageId()).isEqualTo("m-1");
        assertThat(received.getTimestamp()).isEqualTo(new java.util.Date(1_700_000_000_000L));
        assertThat(received.getType()).isEqualTo("t");
        assertThat(received.getUserId()).isEqualTo("guest");
        assertThat(received.getAppId()).isEqualTo("app");
        assertThat(received.getHeaders().get("text").toString()).isEqualTo("v");
        assertThat(received.getHeaders().get("number")).isEqualTo(42);
        assertThat(received.getHeaders().get("long")).isEqualTo(1L << 40);
        assertThat(received.getHeaders().get("flag")).isEqualTo(true);
        assertThat(((Map<?, ?>) received.getHeaders().get("nested")).get("inner").toString()).isEqualTo("x");
        assertThat(((List<?>) received.getHeaders().get("list")).get(0)).isEqualTo(1);
        assertThat(((List<?>) received.getHeaders().get("list")).get(1).toString()).isEqualTo("two");
    }

    private String declare(String type) throws IOException {
        String name = unique("x-" + type);
        channel.exchangeDeclare(name, type, false, true, null);
        return name;
    }

    private String boundQueue(String exchange, String key) throws IOException {
        String queue = channel.queueDeclare().getQueue();
        channel.queueBind(queue, exchange, key);
        return queue;
    }

    private void publish(String exchange, String key, String body) throws IOException {
        channel.basicPublish(exchange, key, null, body.getBytes(StandardCharsets.UTF_8));
    }

    private void publishWithHeaders(String exchange, Map<String, Object> headers, String body) throws IOException {
        channel.basicPublish(exchange, "", new AMQP.BasicProperties.Builder().headers(headers).build(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private GetResponse getOne(String queue) throws IOException {
        GetResponse response = null;
        for (int attempt = 0; attempt < 100 && response == null; attempt++) {
            response = channel.basicGet(queue, true);
        }
        assertThat(response).as("a message in " + queue).isNotNull();
        return response;
    }

    /**
     * Everything in the queue, in order. Publishes on this channel were sent before this get, and a
     * broker handles one channel's commands in order, so the queue holds them by now; a marker
     * message published last makes that independent of timing.
     */
    private List<String> drain(String queue) throws IOException {
        String marker = "end-" + unique("m");
        channel.basicPublish("", queue, null, marker.getBytes(StandardCharsets.UTF_8));
        List<String> bodies = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            GetResponse response = channel.basicGet(queue, true);
            if (response == null) {
                continue;
            }
            String body = new String(response.getBody(), StandardCharsets.UTF_8);
            if (body.equals(marker)) {
                return bodies;
            }
            bodies.add(body);
        }
        throw new AssertionError("marker never arrived in " + queue + "; got " + bodies);
    }
}
