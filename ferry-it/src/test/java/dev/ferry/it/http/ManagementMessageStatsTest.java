package dev.ferry.it.http;

import static dev.ferry.it.http.ManagementTarget.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * message_stats side by side with RabbitMQ 3.10: one sequence of client actions (publishes with
 * confirms, mandatory and plain unroutable ones, basic.get with and without ack, a requeued get
 * taken again as a redelivery, an empty get, a consumer with acks) and the exact counters it leaves
 * on the queue, the exchange, each channel, the virtual host and the overview, with RabbitMQ's
 * field groups: an object shows only the groups something happened in (a publishing channel no
 * delivery fields, a queue nothing until a message reaches it), an idle queue or exchange no
 * message_stats at all. Runs against RabbitMQ too ({@link ManagementTarget}); there the statistics
 * arrive every collect_statistics_interval, so every check waits for its counters.
 */
class ManagementMessageStatsTest {
    private static final Duration STATS = Duration.ofSeconds(30);
    /** The overview fields RabbitMQ 3.10 has that Ferry does not count (queue disk I/O), left out on both sides. */
    private static final Set<String> RABBITMQ_ONLY = Set.of("disk_reads", "disk_writes");
    /** Ferry's own counter, left out on both sides. */
    private static final Set<String> FERRY_ONLY = Set.of("dead_lettered");

    private final ManagementTarget target = ManagementTarget.shared();
    private final String prefix = "stats-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    @Test
    void shouldCountWhatAClientDoesAsRabbitMqCountsIt() throws Exception {
        String exchange = prefix + "x";
        String queue = prefix + "q";
        String idleQueue = prefix + "idle-q";
        String idleExchange = prefix + "idle-x";
        String clientName = prefix + "client";
        Map<String, Long> overviewBefore = counters(target.get("overview").path("message_stats"));
        Map<String, Long> hostBefore = counters(target.get("vhosts/%2F").path("message_stats"));
        try (Connection connection = target.connect(clientName)) {
            Channel publisher = connection.createChannel();
            publisher.exchangeDeclare(exchange, "direct");
            publisher.queueDeclare(queue, false, false, false, null);
            publisher.queueBind(queue, exchange, "k");
            publisher.exchangeDeclare(idleExchange, "fanout");
            publisher.queueDeclare(idleQueue, false, false, false, null);
            publisher.confirmSelect();
            publisher.addReturnListener(returned -> { });
            for (int i = 0; i < 6; i++) {
                publisher.basicPublish(exchange, "k", true, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            publisher.basicPublish(exchange, "nowhere", true, null, new byte[] {1});
            publisher.basicPublish(exchange, "nowhere", true, null, new byte[] {2});
            publisher.basicPublish(exchange, "nowhere", false, null, new byte[] {3});
            publisher.waitForConfirmsOrDie(10_000);

            Channel getter = connection.createChannel();
            assertThat(getter.basicGet(queue, true)).isNotNull();
            GetResponse requeued = getter.basicGet(queue, false);
            getter.basicNack(requeued.getEnvelope().getDeliveryTag(), false, true);
            GetResponse again = getter.basicGet(queue, false);
            assertThat(again.getEnvelope().isRedeliver()).isTrue();
            getter.basicAck(again.getEnvelope().getDeliveryTag(), false);

            Channel consumer = connection.createChannel();
            consumer.basicQos(10);
            CountDownLatch consumed = new CountDownLatch(4);
            String tag = consumer.basicConsume(queue, false, new DefaultConsumer(consumer) {
                @Override
                public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                                           byte[] body) throws java.io.IOException {
                    getChannel().basicAck(envelope.getDeliveryTag(), false);
                    consumed.countDown();
                }
            });
            assertThat(consumed.await(20, TimeUnit.SECONDS)).isTrue();
            consumer.basicCancel(tag);
            assertThat(getter.basicGet(queue, false)).isNull();

            Map<String, Long> deliveries = Map.of("ack", 5L, "deliver", 4L, "deliver_get", 7L, "deliver_no_ack", 0L,
                    "get", 2L, "get_empty", 1L, "get_no_ack", 1L, "redeliver", 1L);
            Map<String, Long> publishes = Map.of("confirm", 9L, "drop_unroutable", 1L, "publish", 9L,
                    "return_unroutable", 2L);
            Map<String, Long> queueStats = new TreeMap<>(deliveries);
            queueStats.put("publish", 6L);
            awaitCounters("queues/%2F/" + segment(queue), queueStats);
            awaitCounters("exchanges/%2F/" + segment(exchange), Map.of("publish_in", 9L, "publish_out", 6L));

            String connectionName = await().atMost(STATS).until(() -> connectionNamed(clientName), name -> name != null);
            awaitChannelCounters(connectionName, publisher.getChannelNumber(), publishes);
            Map<String, Long> getterStats = new TreeMap<>(Map.of("ack", 1L, "deliver", 0L, "deliver_get", 3L,
                    "deliver_no_ack", 0L, "get", 2L, "get_empty", 1L, "get_no_ack", 1L, "redeliver", 1L));
            awaitChannelCounters(connectionName, getter.getChannelNumber(), getterStats);
            awaitChannelCounters(connectionName, consumer.getChannelNumber(), Map.of("ack", 4L, "deliver", 4L,
                    "deliver_get", 4L, "deliver_no_ack", 0L, "get", 0L, "get_empty", 0L, "get_no_ack", 0L, "redeliver", 0L));

            Map<String, Long> everything = new TreeMap<>(deliveries);
            everything.putAll(publishes);
            awaitGrowth("vhosts/%2F", hostBefore, everything);
            awaitGrowth("overview", overviewBefore, everything);

            assertThat(target.get("queues/%2F/" + segment(idleQueue)).has("message_stats")).as("an idle queue").isFalse();
            assertThat(target.get("exchanges/%2F/" + segment(idleExchange)).has("message_stats")).as("an idle exchange")
                    .isFalse();
            publisher.queueDelete(queue);
            publisher.queueDelete(idleQueue);
            publisher.exchangeDelete(exchange);
            publisher.exchangeDelete(idleExchange);
        }
    }

    /** Each counter with its {@code _details.rate}; the fields one side has and the other does not are left out. */
    private static Map<String, Long> counters(JsonNode stats) {
        Map<String, Long> counters = new TreeMap<>();
        stats.fieldNames().forEachRemaining(name -> {
            if (!name.endsWith("_details") && !RABBITMQ_ONLY.contains(name) && !FERRY_ONLY.contains(name)) {
                assertThat(stats.path(name + "_details").path("rate").isNumber()).as(name + "_details.rate").isTrue();
                counters.put(name, stats.path(name).asLong());
            }
        });
        return counters;
    }

    private void awaitCounters(String path, Map<String, Long> expected) {
        await().atMost(STATS).untilAsserted(() ->
                assertThat(counters(target.get(path).path("message_stats"))).as(path).isEqualTo(new TreeMap<>(expected)));
    }

    private void awaitChannelCounters(String connectionName, int number, Map<String, Long> expected) {
        await().atMost(STATS).untilAsserted(() -> {
            JsonNode channel = null;
            for (JsonNode one : target.get("connections/" + segment(connectionName) + "/channels")) {
                if (one.path("number").asInt() == number) {
                    channel = one;
                }
            }
            assertThat(channel).as("channel " + number).isNotNull();
            assertThat(counters(channel.path("message_stats"))).as("channel " + number)
                    .isEqualTo(new TreeMap<>(expected));
        });
    }

    /** The virtual host and the overview add up every channel: this test's actions are what they grew by. */
    private void awaitGrowth(String path, Map<String, Long> before, Map<String, Long> growth) {
        await().atMost(STATS).untilAsserted(() -> {
            Map<String, Long> now = counters(target.get(path).path("message_stats"));
            Map<String, Long> grown = new LinkedHashMap<>();
            growth.keySet().forEach(name -> grown.put(name, now.getOrDefault(name, 0L) - before.getOrDefault(name, 0L)));
            assertThat(new TreeSet<>(now.keySet())).as(path + " fields").isEqualTo(new TreeSet<>(growth.keySet()));
            assertThat(grown).as(path + " growth").isEqualTo(growth);
        });
    }

    private String connectionNamed(String clientName) {
        for (JsonNode connection : target.get("connections")) {
            if (clientName.equals(connection.path("client_properties").path("connection_name").asText())) {
                return connection.path("name").asText();
            }
        }
        return null;
    }
}
