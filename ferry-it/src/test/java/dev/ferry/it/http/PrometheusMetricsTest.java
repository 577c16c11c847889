package dev.ferry.it.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} on {@code --prometheus-port} with rabbitmq_prometheus's names: the totals and,
 * under {@code /metrics/per-object}, one series per queue that follows what an AMQP client does;
 * both pass {@code promtool check metrics} (Debian's prometheus package, installed by
 * {@code .ci/run}).
 */
class PrometheusMetricsTest {
    private final ManagementTarget target = ManagementTarget.shared();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private String scrape(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + target.ferry().prometheusPort() + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(type -> assertThat(type)
                .startsWith("text/plain; version=0.0.4"));
        return response.body();
    }

    private static double value(String metrics, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }

    @Test
    void shouldExposeQueueDepthsPerQueueAndInTotal() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ's node here runs without rabbitmq_prometheus");
        String queue = "prom-" + UUID.randomUUID();
        try (Connection connection = target.connect("prometheus-test")) {
            Channel channel = connection.createChannel();
            channel.queueDeclare(queue, false, false, true, null);
            channel.confirmSelect();
            for (int i = 0; i < 4; i++) {
                channel.basicPublish("", queue, null, new byte[] {1});
            }
            channel.waitForConfirmsOrDie(10_000);
            String series = "{queue=\"" + queue + "\",vhost=\"/\"}";

            await().atMost(Duration.ofSeconds(20)).until(() ->
                    value(scrape("/metrics/per-object"), "rabbitmq_queue_messages_ready" + series) == 4.0);
            channel.basicGet(queue, false);
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    value(scrape("/metrics/per-object"), "rabbitmq_queue_messages_unacked" + series) == 1.0);

            String totals = scrape("/metrics");
            assertThat(value(totals, "rabbitmq_connections")).isGreaterThanOrEqualTo(1.0);
            assertThat(value(totals, "rabbitmq_queue_messages_ready")).isGreaterThanOrEqualTo(3.0);
            assertThat(value(totals, "rabbitmq_queues")).isGreaterThanOrEqualTo(1.0);
            assertThat(totals).contains("rabbitmq_identity_info{").doesNotContain(queue);
            assertThat(value(totals, "rabbitmq_alarms_memory_used_watermark")).isZero();

            connection.createChannel().queueDelete(queue);
            await().atMost(Duration.ofSeconds(20)).until(() -> !scrape("/metrics/per-object").contains(queue));
        }
    }

    @Test
    void shouldPassPromtoolCheckMetrics() throws Exception {
        target.assumeFerryBehaviour("RabbitMQ's node here runs without rabbitmq_prometheus");
        try (Connection connection = target.connect("promtool-test")) {
            connection.createChannel().queueDeclare("promtool-" + UUID.randomUUID(), false, false, true, null);
            for (String path : new String[] {"/metrics", "/metrics/per-object"}) {
                String metrics = scrape(path);
                Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
                try (OutputStream in = promtool.getOutputStream()) {
                    in.write(metrics.getBytes(StandardCharsets.UTF_8));
                }
                String verdict = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(promtool.exitValue()).as(path + ": " + verdict).isZero();
            }
        } catch (IOException e) {
            throw new AssertionError("promtool (Debian's prometheus package, installed by .ci/run) is needed", e);
        }
    }
}
