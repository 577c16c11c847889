package dev.ferry.it.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.ferry.embedded.Ferry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A policy's stream retention on a stream that holds many segments, seen through real clients: the
 * RabbitMQ Java client publishes (with confirms) and reads from {@code x-stream-offset: first}, the
 * management API sets and clears the policy and shows the log start. The policy's
 * {@code max-length-bytes} replaces the stream's own {@code x-max-length-bytes} and trims at once;
 * once it is cleared, the retention rounds (every 200 ms here) trim nothing more.
 */
class StreamRetentionPolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SEGMENT_BYTES = 4096;
    private static final int POLICY_BYTES = 20_000;
    private static final byte[] BODY = "r".repeat(400).getBytes(StandardCharsets.UTF_8);

    private static Ferry broker;
    private static Connection connection;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String stream = "retained-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void start() throws Exception {
        broker = Ferry.builder().settings(settings -> settings.logRetentionCheckIntervalMs = 200).start();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        connection = factory.newConnection("stream-retention-policy-test");
    }

    @AfterAll
    static void stop() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldTrimByThePolicyAtOnceAndStopTrimmingOnceItIsCleared() throws Exception {
        Channel channel = connection.createChannel();
        channel.queueDeclare(stream, true, false, false, Map.of("x-queue-type", "stream",
                "x-max-length-bytes", 10_000_000, "x-stream-max-segment-size-bytes", SEGMENT_BYTES));
        publish(channel, 250);
        JsonNode before = streamJson();
        assertThat(before.path("segments").asInt()).isGreaterThan(10);
        assertThat(before.path("partitions").get(0).path("log_start_offset").asLong()).isZero();

        String policyPath = "policies/%2F/" + stream;
        assertThat(send("PUT", policyPath, "{\"pattern\":\"^" + stream + "$\",\"apply-to\":\"queues\","
                + "\"definition\":{\"max-length-bytes\":" + POLICY_BYTES + "}}").statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(20)).until(() -> logStart() > 0);
        JsonNode trimmed = streamJson();
        assertThat(trimmed.path("policy").asText()).isEqualTo(stream);
        assertThat(trimmed.path("config").path("retention.bytes").asText()).isEqualTo(Integer.toString(POLICY_BYTES));
        assertThat(trimmed.path("config_overrides").path("retention.bytes").asText()).isEqualTo("10000000");
        assertThat(trimmed.path("size_bytes").asLong()).isLessThanOrEqualTo(POLICY_BYTES + SEGMENT_BYTES);
        assertThat(firstOffsetRead(channel)).isEqualTo(logStart());

        assertThat(send("DELETE", policyPath, null).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> streamJson().path("config").path("retention.bytes").asText().equals("10000000"));
        long startAfterClear = logStart();
        publish(channel, 250);
        assertThat(streamJson().path("size_bytes").asLong()).isGreaterThan(2L * POLICY_BYTES);
        // Five retention rounds pass; with the stream's own 10 MB limit none of them deletes a segment.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> logStart() == startAfterClear);
        assertThat(firstOffsetRead(channel)).isEqualTo(startAfterClear);
        channel.close();
    }

    private void publish(Channel channel, int count) throws Exception {
        channel.confirmSelect();
        for (int i = 0; i < count; i++) {
            channel.basicPublish("", stream, null, BODY);
        }
        channel.waitForConfirmsOrDie(30_000);
    }

    /** The x-stream-offset of the first message a consumer from "first" gets. */
    private long firstOffsetRead(Channel channel) throws Exception {
        CompletableFuture<Long> first = new CompletableFuture<>();
        channel.basicQos(10);
        String tag = channel.basicConsume(stream, false, Map.of("x-stream-offset", "first"), new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                first.complete(((Number) properties.getHeaders().get("x-stream-offset")).longValue());
            }
        });
        long offset = first.get(20, TimeUnit.SECONDS);
        channel.basicCancel(tag);
        return offset;
    }

    private long logStart() throws Exception {
        return streamJson().path("partitions").get(0).path("log_start_offset").asLong();
    }

    private JsonNode streamJson() throws Exception {
        HttpResponse<String> response = send("GET", "streams/%2F/" + stream, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broker.httpPort() + "/api/" + path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8)))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
