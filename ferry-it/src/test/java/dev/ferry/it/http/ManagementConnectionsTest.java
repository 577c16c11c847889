package dev.ferry.it.http;

import static dev.ferry.it.http.ManagementTarget.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.ShutdownSignalException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Connections, channels and consumers of real AMQP clients as the management API lists them, and
 * a connection closed through the API: the client is told with 320 and the operator's reason.
 */
class ManagementConnectionsTest {
    private final ManagementTarget target = ManagementTarget.shared();

    @Test
    void shouldListAConnectionItsChannelAndItsConsumerThenCloseItWithAReason() throws Exception {
        String clientName = "mgmt-conn-" + UUID.randomUUID();
        String queue = clientName + "-queue";
        Connection connection = target.connect(clientName);
        CompletableFuture<ShutdownSignalException> closed = new CompletableFuture<>();
        connection.addShutdownListener(closed::complete);
        Channel channel = connection.createChannel();
        channel.queueDeclare(queue, false, false, true, null);
        channel.basicQos(7);
        channel.basicConsume(queue, false, "mgmt-consumer-tag", new DefaultConsumer(channel));
        Channel confirming = connection.createChannel();
        confirming.confirmSelect();

        JsonNode listed = await().atMost(Duration.ofSeconds(20)).until(() -> connectionNamed(clientName), found -> found != null);
        assertThat(listed.path("user").asText()).isEqualTo("guest");
        assertThat(listed.path("vhost").asText()).isEqualTo("/");
        assertThat(listed.path("protocol").asText()).isEqualTo("AMQP 0-9-1");
        assertThat(listed.path("peer_host").asText()).isEqualTo("127.0.0.1");
        assertThat(listed.path("peer_port").asInt()).isPositive();
        assertThat(listed.path("client_properties").path("product").asText()).contains("RabbitMQ");
        String name = listed.path("name").asText();
        assertThat(name).isEqualTo("127.0.0.1:" + listed.path("peer_port").asInt() + " -> 127.0.0.1:" + connection.getPort());
        assertThat(target.get("connections/" + segment(name)).path("name").asText()).isEqualTo(name);

        // RabbitMQ fills a channel's details from its next statistics event; Ferry asks the connection.
        JsonNode channels = await().atMost(Duration.ofSeconds(20)).until(
                () -> target.get("connections/" + segment(name) + "/channels"), found -> found.size() == 2
                        && found.get(0).path("consumer_count").asInt() + found.get(1).path("consumer_count").asInt() == 1);
        JsonNode first = channels.get(0).path("number").asInt() == 1 ? channels.get(0) : channels.get(1);
        JsonNode second = first == channels.get(0) ? channels.get(1) : channels.get(0);
        assertThat(first.path("name").asText()).isEqualTo(name + " (1)");
        assertThat(first.path("prefetch_count").asInt()).isEqualTo(7);
        assertThat(first.path("consumer_count").asInt()).isEqualTo(1);
        assertThat(first.path("connection_details").path("name").asText()).isEqualTo(name);
        assertThat(second.path("confirm").asBoolean()).isTrue();

        JsonNode consumer = await().atMost(Duration.ofSeconds(20)).until(() -> consumerTagged("mgmt-consumer-tag", queue),
                found -> found != null);
        assertThat(consumer.path("queue").path("vhost").asText()).isEqualTo("/");
        assertThat(consumer.path("ack_required").asBoolean()).isTrue();
        assertThat(consumer.path("prefetch_count").asInt()).isEqualTo(7);
        assertThat(consumer.path("channel_details").path("connection_name").asText()).isEqualTo(name);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(target.get("queues/%2F/" + segment(queue)).path("consumers").asInt()).isEqualTo(1));

        assertThat(target.send("DELETE", "connections/" + segment(name), null, "X-Reason", "maintenance window")
                .statusCode()).isEqualTo(204);

        ShutdownSignalException signal = closed.get(10, TimeUnit.SECONDS);
        assertThat(signal.isHardError()).isTrue();
        AMQP.Connection.Close close = (AMQP.Connection.Close) signal.getReason();
        assertThat(close.getReplyCode()).isEqualTo(320);
        assertThat(close.getReplyText()).isEqualTo("CONNECTION_FORCED - maintenance window");
        await().atMost(Duration.ofSeconds(20)).until(() -> connectionNamed(clientName) == null);
        assertThat(target.send("GET", "connections/" + segment(name), null).statusCode()).isEqualTo(404);
    }

    private JsonNode connectionNamed(String clientName) {
        for (JsonNode connection : target.get("connections")) {
            if (connection.path("client_properties").path("connection_name").asText().equals(clientName)) {
                return connection;
            }
        }
        return null;
    }

    private JsonNode consumerTagged(String tag, String queue) {
        for (JsonNode consumer : target.get("consumers/%2F")) {
            if (consumer.path("consumer_tag").asText().equals(tag) && consumer.path("queue").path("name").asText().equals(queue)) {
                return consumer;
            }
        }
        return null;
    }
}
