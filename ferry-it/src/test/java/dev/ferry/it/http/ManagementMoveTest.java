package dev.ferry.it.http;

import static dev.ferry.it.http.ManagementTarget.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ferry's {@code POST /api/queues/{vhost}/{name}/move}, which RabbitMQ has no counterpart of (it
 * takes a shovel): dead letters go back to the queue they died in, or to a named queue, filtered by
 * the reason of their latest death, a number at a time, and the AMQP client finds them there.
 */
class ManagementMoveTest {
    private final ManagementTarget target = ManagementTarget.shared();
    private final String prefix = "move-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private Connection connection;
    private Channel channel;
    private String deadLetters;

    @BeforeEach
    void connect() throws Exception {
        target.assumeFerryBehaviour("move is Ferry's own endpoint");
        connection = target.connect("management-move-test");
        channel = connection.createChannel();
        channel.confirmSelect();
        deadLetters = prefix + "dlq";
        channel.exchangeDeclare(prefix + "dlx", "fanout", false, true, null);
        channel.queueDeclare(deadLetters, true, false, false, null);
        channel.queueBind(deadLetters, prefix + "dlx", "");
    }

    @AfterEach
    void close() throws Exception {
        if (connection != null && connection.isOpen()) {
            connection.close();
        }
    }

    private String workQueue(String name, Map<String, Object> extra) throws Exception {
        Map<String, Object> arguments = new java.util.HashMap<>(extra);
        arguments.put("x-dead-letter-exchange", prefix + "dlx");
        channel.queueDeclare(prefix + name, true, false, false, arguments);
        return prefix + name;
    }

    private void publish(String queue, String... bodies) throws Exception {
        for (String body : bodies) {
            channel.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, body.getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);
    }

    private void rejectAll(String queue, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            GetResponse taken = channel.basicGet(queue, false);
            assertThat(taken).as("message %d of %s", i, queue).isNotNull();
            channel.basicReject(taken.getEnvelope().getDeliveryTag(), false);
        }
    }

    private List<String> drain(String queue) throws Exception {
        List<String> bodies = new ArrayList<>();
        for (GetResponse taken = channel.basicGet(queue, true); taken != null; taken = channel.basicGet(queue, true)) {
            bodies.add(new String(taken.getBody(), StandardCharsets.UTF_8));
        }
        return bodies;
    }

    private JsonNode move(String queue, String body, int expectedStatus) {
        HttpResponse<String> response = target.send("POST", "queues/%2F/" + segment(queue) + "/move", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
        return ManagementTarget.parse(response.body());
    }

    private void awaitReady(String queue, int ready) throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> channel.queueDeclarePassive(queue).getMessageCount() == ready);
    }

    @Test
    void shouldMoveRejectedMessagesBackToTheirQueueAndLeaveExpiredOnesWhereTheyAre() throws Exception {
        String orders = workQueue("orders", Map.of());
        String expiring = workQueue("expiring", Map.of("x-message-ttl", 1));
        publish(orders, "o1", "o2", "o3");
        rejectAll(orders, 3);
        publish(expiring, "e1", "e2");
        awaitReady(deadLetters, 5);

        JsonNode answer = move(deadLetters, "{\"reason\":\"rejected\"}", 200);

        assertThat(answer.path("moved").asInt()).isEqualTo(3);
        assertThat(answer.path("skipped").asInt()).isEqualTo(2);
        assertThat(answer.path("remaining").asInt()).isEqualTo(2);
        assertThat(drain(orders)).containsExactly("o1", "o2", "o3");
        assertThat(drain(expiring)).isEmpty();

        // Without a filter the expired ones would go back to a queue that expires them again: name one.
        String parking = prefix + "parking";
        channel.queueDeclare(parking, true, false, false, null);
        JsonNode second = move(deadLetters, "{\"destination\":\"" + parking + "\"}", 200);
        assertThat(second.path("moved").asInt()).isEqualTo(2);
        assertThat(second.path("remaining").asInt()).isZero();
        assertThat(drain(parking)).containsExactlyInAnyOrder("e1", "e2");
        assertThat(drain(deadLetters)).isEmpty();
    }

    @Test
    void shouldMoveAtMostCountAndKeepTheDeathHistory() throws Exception {
        String orders = workQueue("counted", Map.of());
        publish(orders, "c1", "c2", "c3", "c4", "c5");
        rejectAll(orders, 5);
        awaitReady(deadLetters, 5);

        JsonNode first = move(deadLetters, "{\"count\":2}", 200);
        assertThat(first.path("moved").asInt()).isEqualTo(2);
        assertThat(first.path("remaining").asInt()).isEqualTo(3);

        GetResponse back = channel.basicGet(orders, true);
        assertThat(new String(back.getBody(), StandardCharsets.UTF_8)).isEqualTo("c1");
        AMQP.BasicProperties properties = back.getProps();
        assertThat(properties.getDeliveryMode()).isEqualTo(2);
        assertThat(properties.getHeaders()).containsKey("x-death");
        assertThat(drain(orders)).containsExactly("c2");

        JsonNode rest = move(deadLetters, "{}", 200);
        assertThat(rest.path("moved").asInt()).isEqualTo(3);
        assertThat(drain(orders)).containsExactly("c3", "c4", "c5");
    }

    @Test
    void shouldLeaveMessagesThatNeverDiedWhenNoDestinationIsNamed() throws Exception {
        publish(deadLetters, "plain");
        awaitReady(deadLetters, 1);

        JsonNode answer = move(deadLetters, "{}", 200);

        assertThat(answer.path("moved").asInt()).isZero();
        assertThat(answer.path("skipped").asInt()).isEqualTo(1);
        assertThat(drain(deadLetters)).containsExactly("plain");
    }

    @Test
    void shouldRefuseBadRequestsAndKeepTheMessages() throws Exception {
        String orders = workQueue("refused", Map.of());
        publish(orders, "r1");
        rejectAll(orders, 1);
        awaitReady(deadLetters, 1);

        assertThat(move(deadLetters, "{\"destination\":\"" + prefix + "nowhere\"}", 400).path("reason").asText())
                .contains("not found");
        assertThat(move(deadLetters, "{\"reason\":\"bored\"}", 400).path("reason").asText())
                .contains("rejected, expired, maxlen, delivery_limit");
        assertThat(move(deadLetters, "{\"count\":0}", 400).path("reason").asText()).contains("count");
        assertThat(target.send("POST", "queues/%2F/" + segment(prefix + "absent") + "/move", "{}").statusCode())
                .isEqualTo(404);
        assertThat(target.send("GET", "queues/%2F/" + segment(deadLetters) + "/move", null).statusCode())
                .isEqualTo(405);

        assertThat(drain(deadLetters)).containsExactly("r1");
    }
}
