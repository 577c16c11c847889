package dev.ferry.it.http;

import static dev.ferry.it.http.ManagementTarget.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Queues and exchanges through the management API together with a real AMQP client: what the
 * client declares and publishes shows in the API, what the API declares, publishes, peeks and
 * purges the client sees. Runs against RabbitMQ 3.10 too (see {@link ManagementTarget}).
 */
class ManagementQueuesTest {
    private final ManagementTarget target = ManagementTarget.shared();
    private final String prefix = "mgmt-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private Connection connection;
    private Channel channel;

    @BeforeEach
    void connect() throws Exception {
        connection = target.connect("management-queues-test");
        channel = connection.createChannel();
    }

    @AfterEach
    void close() throws Exception {
        if (connection.isOpen()) {
            connection.close();
        }
    }

    private String queuePath(String queue) {
        return "queues/%2F/" + segment(queue);
    }

    @Test
    void shouldShowAQueueAnAmqpClientDeclaredWithItsDepth() throws Exception {
        String queue = prefix + "depth";
        channel.queueDeclare(queue, true, false, false, Map.of("x-max-length", 100));
        channel.confirmSelect();
        for (int i = 0; i < 3; i++) {
            channel.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);

        // Counts are statistics, published after the queue applied the messages (RabbitMQ: every 5 s).
        JsonNode shown = await().atMost(Duration.ofSeconds(20)).until(() -> target.get(queuePath(queue)),
                queueShown -> queueShown.path("messages_ready").asInt() == 3 && queueShown.has("state"));
        assertThat(shown.path("name").asText()).isEqualTo(queue);
        assertThat(shown.path("vhost").asText()).isEqualTo("/");
        assertThat(shown.path("durable").asBoolean()).isTrue();
        assertThat(shown.path("auto_delete").asBoolean()).isFalse();
        assertThat(shown.path("exclusive").asBoolean()).isFalse();
        assertThat(shown.path("arguments").path("x-max-length").asInt()).isEqualTo(100);
        assertThat(shown.path("messages").asInt()).isEqualTo(3);
        assertThat(shown.path("messages_unacknowledged").asInt()).isZero();
        assertThat(shown.path("consumers").asInt()).isZero();
        assertThat(shown.path("type").asText()).isEqualTo("classic");
        assertThat(shown.path("state").asText()).isEqualTo("running");

        // As in RabbitMQ, the name filter applies to pages only.
        JsonNode page = target.get("queues?page=1&name=" + segment(prefix) + "&columns=name,messages");
        assertThat(page.path("items")).hasSize(1);
        assertThat(fieldNames(page.path("items").get(0))).containsExactlyInAnyOrder("name", "messages");
        List<String> names = new ArrayList<>();
        target.get("queues/%2F?columns=name").forEach(listed -> names.add(listed.path("name").asText()));
        assertThat(names).contains(queue);
    }

    @Test
    void shouldPublishThroughTheApiToAnAmqpConsumer() throws Exception {
        String queue = prefix + "consumed";
        channel.queueDeclare(queue, false, false, true, null);
        BlockingQueue<Object[]> received = new LinkedBlockingQueue<>();
        channel.basicConsume(queue, true, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                received.add(new Object[] {envelope, properties, new String(body, StandardCharsets.UTF_8)});
            }
        });

        HttpResponse<String> published = target.send("POST", "exchanges/%2F/amq.default/publish",
                "{\"properties\":{\"content_type\":\"text/plain\",\"delivery_mode\":2,\"headers\":{\"origin\":\"api\"}},"
                        + "\"routing_key\":\"" + queue + "\",\"payload\":\"hello from http\",\"payload_encoding\":\"string\"}");

        assertThat(published.statusCode()).isEqualTo(200);
        assertThat(ManagementTarget.parse(published.body()).path("routed").asBoolean()).isTrue();
        Object[] delivery = received.poll(10, TimeUnit.SECONDS);
        assertThat(delivery).isNotNull();
        assertThat(delivery[2]).isEqualTo("hello from http");
        AMQP.BasicProperties properties = (AMQP.BasicProperties) delivery[1];
        assertThat(properties.getContentType()).isEqualTo("text/plain");
        assertThat(properties.getDeliveryMode()).isEqualTo(2);
        assertThat(String.valueOf(properties.getHeaders().get("origin"))).isEqualTo("api");
        assertThat(((Envelope) delivery[0]).getExchange()).isEmpty();

        HttpResponse<String> unroutable = target.send("POST", "exchanges/%2F/amq.default/publish",
                "{\"properties\":{},\"routing_key\":\"" + prefix + "nobody\",\"payload\":\"aGk=\",\"payload_encoding\":\"base64\"}");
        assertThat(ManagementTarget.parse(unroutable.body()).path("routed").asBoolean()).isFalse();
    }

    @Test
    void shouldPeekWithRequeueThenTakeWithAck() throws Exception {
        String queue = prefix + "peek";
        channel.queueDeclare(queue, false, false, false, null);
        // Confirmed first: the HTTP get goes another way and could reach the queue before the publishes.
        channel.confirmSelect();
        channel.basicPublish("", queue, null, "first".getBytes(StandardCharsets.UTF_8));
        channel.basicPublish("", queue, null, new byte[] {(byte) 0xff, 0, 1});
        channel.waitForConfirmsOrDie(10_000);

        JsonNode peeked = post(queuePath(queue) + "/get", "{\"count\":5,\"ackmode\":\"ack_requeue_true\",\"encoding\":\"auto\"}");
        assertThat(peeked).hasSize(2);
        assertThat(peeked.get(0).path("payload").asText()).isEqualTo("first");
        assertThat(peeked.get(0).path("payload_encoding").asText()).isEqualTo("string");
        assertThat(peeked.get(0).path("redelivered").asBoolean()).isFalse();
        assertThat(peeked.get(0).path("message_count").asInt()).isEqualTo(1);
        assertThat(peeked.get(0).path("payload_bytes").asInt()).isEqualTo(5);
        // Bytes that are not UTF-8 come back as base64 under "auto".
        assertThat(peeked.get(1).path("payload").asText()).isEqualTo("/wAB");
        assertThat(peeked.get(1).path("payload_encoding").asText()).isEqualTo("base64");

        JsonNode rejected = post(queuePath(queue) + "/get", "{\"count\":1,\"ackmode\":\"reject_requeue_true\",\"encoding\":\"base64\",\"truncate\":2}");
        assertThat(rejected.get(0).path("redelivered").asBoolean()).isTrue();
        assertThat(rejected.get(0).path("payload").asText()).isEqualTo("Zmk=");
        assertThat(rejected.get(0).path("payload_bytes").asInt()).isEqualTo(5);

        JsonNode taken = post(queuePath(queue) + "/get", "{\"count\":5,\"ackmode\":\"ack_requeue_false\",\"encoding\":\"auto\"}");
        assertThat(taken).hasSize(2);
        GetResponse left = channel.basicGet(queue, true);
        assertThat(left).isNull();
    }

    @Test
    void shouldPurgeThroughTheApi() throws Exception {
        String queue = prefix + "purge";
        channel.queueDeclare(queue, false, false, false, null);
        channel.confirmSelect();
        for (int i = 0; i < 5; i++) {
            channel.basicPublish("", queue, null, new byte[] {1});
        }
        channel.waitForConfirmsOrDie(10_000);

        assertThat(target.send("DELETE", queuePath(queue) + "/contents", null).statusCode()).isEqualTo(204);

        assertThat(channel.queueDeclarePassive(queue).getMessageCount()).isZero();
    }

    @Test
    void shouldDeclareAndDeleteAQueueThroughTheApi() throws Exception {
        String queue = prefix + "declared";
        String declare = "{\"durable\":false,\"auto_delete\":false,\"arguments\":{\"x-message-ttl\":60000}}";

        assertThat(target.send("PUT", queuePath(queue), declare).statusCode()).isEqualTo(201);
        assertThat(target.send("PUT", queuePath(queue), declare).statusCode()).isEqualTo(204);
        HttpResponse<String> inequivalent = target.send("PUT", queuePath(queue), "{\"durable\":true}");
        assertThat(inequivalent.statusCode()).isEqualTo(400);
        assertThat(ManagementTarget.parse(inequivalent.body()).path("error").asText()).isEqualTo("bad_request");
        assertThat(ManagementTarget.parse(inequivalent.body()).path("reason").asText())
                .startsWith("inequivalent arg 'durable' for queue '" + queue + "' in vhost '/'");
        channel.queueDeclarePassive(queue);

        assertThat(target.send("DELETE", queuePath(queue), null).statusCode()).isEqualTo(204);

        assertThatThrownBy(() -> channel.queueDeclarePassive(queue)).isInstanceOf(IOException.class);
        assertThat(target.send("GET", queuePath(queue), null).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldTakeQueueDeclareDefaultsForWhatABodyLeavesOut() throws Exception {
        // RabbitMQ 3.10: an empty body declares as queue.declare / exchange.declare would, not durable, type direct.
        String queue = prefix + "defaults";
        String exchange = prefix + "defaults-x";
        assertThat(target.send("PUT", queuePath(queue), "{}").statusCode()).isEqualTo(201);
        assertThat(target.send("PUT", "exchanges/%2F/" + exchange, "{}").statusCode()).isEqualTo(201);

        assertThat(target.get(queuePath(queue)).path("durable").asBoolean(true)).isFalse();
        JsonNode declared = target.get("exchanges/%2F/" + exchange);
        assertThat(declared.path("durable").asBoolean(true)).isFalse();
        assertThat(declared.path("type").asText()).isEqualTo("direct");
        target.send("DELETE", queuePath(queue), null);
        target.send("DELETE", "exchanges/%2F/" + exchange, null);
    }

    @Test
    void shouldDeclareExchangesAndBindingsThroughTheApiThatRouteAmqpPublishes() throws Exception {
        String exchange = prefix + "topic";
        String queue = prefix + "bound";
        channel.queueDeclare(queue, false, false, false, null);
        assertThat(target.send("PUT", "exchanges/%2F/" + segment(exchange), "{\"type\":\"topic\",\"durable\":false}")
                .statusCode()).isEqualTo(201);
        assertThat(target.send("POST", "bindings/%2F/e/" + segment(exchange) + "/q/" + segment(queue),
                "{\"routing_key\":\"order.*\",\"arguments\":{}}").statusCode()).isEqualTo(201);

        channel.basicPublish(exchange, "order.created", null, "routed".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> channel.basicGet(queue, true) != null);

        JsonNode bindings = target.get("bindings/%2F/e/" + segment(exchange) + "/q/" + segment(queue));
        assertThat(bindings).hasSize(1);
        assertThat(bindings.get(0).path("routing_key").asText()).isEqualTo("order.*");
        assertThat(bindings.get(0).path("properties_key").asText()).isEqualTo("order.%2A");
        assertThat(bindings.get(0).path("destination_type").asText()).isEqualTo("queue");
        List<String> sources = new ArrayList<>();
        target.get(queuePath(queue) + "/bindings").forEach(binding -> sources.add(binding.path("source").asText()));
        assertThat(sources).containsExactly("", exchange);
        JsonNode shown = target.get("exchanges/%2F/" + segment(exchange));
        assertThat(shown.path("type").asText()).isEqualTo("topic");
        assertThat(shown.path("durable").asBoolean()).isFalse();

        assertThat(target.send("DELETE", "bindings/%2F/e/" + segment(exchange) + "/q/" + segment(queue) + "/"
                + segment(bindings.get(0).path("properties_key").asText()), null).statusCode()).isEqualTo(204);
        assertThat(target.get("bindings/%2F/e/" + segment(exchange) + "/q/" + segment(queue))).isEmpty();
        assertThat(target.send("DELETE", "exchanges/%2F/" + segment(exchange), null).statusCode()).isEqualTo(204);
        assertThatThrownBy(() -> channel.exchangeDeclarePassive(exchange)).isInstanceOf(IOException.class);
    }

    @Test
    void shouldPageSortAndFilterQueuesAsRabbitMq() throws Exception {
        for (int i = 0; i < 25; i++) {
            channel.queueDeclare(prefix + String.format("page-%02d", i), false, false, false, null);
        }
        String filter = "name=" + segment(prefix + "page-") + "&page_size=10";

        JsonNode second = target.get("queues?" + filter + "&page=2&sort=name");
        assertThat(second.path("page").asInt()).isEqualTo(2);
        assertThat(second.path("page_size").asInt()).isEqualTo(10);
        assertThat(second.path("page_count").asInt()).isEqualTo(3);
        assertThat(second.path("filtered_count").asInt()).isEqualTo(25);
        assertThat(second.path("item_count").asInt()).isEqualTo(10);
        assertThat(second.path("total_count").asInt()).isGreaterThanOrEqualTo(25);
        assertThat(second.path("items").get(0).path("name").asText()).isEqualTo(prefix + "page-10");

        JsonNode reversed = target.get("queues?" + filter + "&page=3&sort=name&sort_reverse=true");
        assertThat(reversed.path("item_count").asInt()).isEqualTo(5);
        assertThat(reversed.path("items").get(4).path("name").asText()).isEqualTo(prefix + "page-00");

        JsonNode regex = target.get("queues?name=" + segment("^" + prefix + "page-0[0-4]$") + "&use_regex=true&page=1");
        assertThat(regex.path("filtered_count").asInt()).isEqualTo(5);

        HttpResponse<String> outOfRange = target.send("GET", "queues?" + filter + "&page=4", null);
        assertThat(outOfRange.statusCode()).isEqualTo(400);
        assertThat(ManagementTarget.parse(outOfRange.body()).path("error").asText()).isEqualTo("page_out_of_range");
        HttpResponse<String> tooLarge = target.send("GET", "queues?page=1&page_size=501", null);
        assertThat(tooLarge.statusCode()).isEqualTo(400);
        assertThat(ManagementTarget.parse(tooLarge.body()).path("error").asText()).isEqualTo("invalid_pagination_parameters");
    }

    @Test
    void shouldAnswerTheNodeLevelEndpoints() {
        assertThat(target.get("whoami").path("name").asText()).isEqualTo("guest");
        assertThat(target.get("whoami").path("tags").toString()).contains("administrator");
        assertThat(target.get("aliveness-test/%2F").path("status").asText()).isEqualTo("ok");
        assertThat(target.get("health/checks/alarms").path("status").asText()).isEqualTo("ok");
        assertThat(target.get("health/checks/local-alarms").path("status").asText()).isEqualTo("ok");
        JsonNode overview = target.get("overview");
        assertThat(overview.path("object_totals").path("queues").asInt()).isPositive();
        assertThat(overview.has("queue_totals")).isTrue();
        assertThat(overview.path("exchange_types")).isNotEmpty();
        JsonNode nodes = target.get("nodes");
        assertThat(nodes).hasSize(1);
        assertThat(nodes.get(0).path("running").asBoolean()).isTrue();
        List<String> vhosts = new ArrayList<>();
        target.get("vhosts").forEach(vhost -> vhosts.add(vhost.path("name").asText()));
        assertThat(vhosts).contains("/");
        assertThat(target.get("vhosts/%2F").path("name").asText()).isEqualTo("/");
    }

    @Test
    void shouldReportTheNodesResidentMemoryDiskAndSyncTimes() throws Exception {
        target.assumeFerryBehaviour("mem_rss and fsync_latency_ms are Ferry's own node fields");
        String queue = prefix + "synced";
        channel.queueDeclare(queue, true, false, false, null);
        channel.confirmSelect();
        channel.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, "s".getBytes(StandardCharsets.UTF_8));
        channel.waitForConfirmsOrDie(10_000);

        JsonNode node = target.get("nodes").get(0);

        assertThat(node.path("mem_rss").asLong()).as("resident memory beyond the heap in use")
                .isGreaterThan(node.path("mem_used").asLong());
        assertThat(node.path("disk_free").asLong()).isPositive();
        assertThat(node.path("disk_free_limit").asLong()).isPositive();
        assertThat(node.path("fsync_count").asLong()).as("the confirmed publish was synced").isPositive();
        assertThat(node.path("fsync_latency_ms").isNumber()).isTrue();
    }

    private JsonNode post(String path, String body) {
        HttpResponse<String> response = target.send("POST", path, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return ManagementTarget.parse(response.body());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
