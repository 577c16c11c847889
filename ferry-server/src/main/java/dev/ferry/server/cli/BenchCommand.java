package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.ferry.server.ctl.CtlCredentials;
import dev.ferry.server.ctl.CtlException;
import dev.ferry.server.ctl.ExitCodes;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ferry bench}: a quick throughput and latency check of a running broker over AMQP (the
 * RabbitMQ Java client): one connection publishes N messages with publisher confirms into a new
 * exclusive queue (at most {@code --confirm-window} unconfirmed), another consumes them with
 * manual acks, and each message carries its send time, so latency is publish to delivery. Prints
 * msg/s both ways and the latency percentiles. The AMQP port comes from the management API's
 * listeners (the host and login from {@code --url}), or {@code --amqp-url}. The queue is gone after.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Publishes and consumes N messages over AMQP; prints msg/s and latency percentiles")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "20000",
            description = "Messages to publish and consume. Default: ${DEFAULT-VALUE}")
    int count;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "256",
            description = "Body size (at least 8: the send time). Default: ${DEFAULT-VALUE}")
    int size;

    @Option(names = "--persistent", description = "Persistent messages in a durable queue (fsynced before confirm)")
    boolean persistent;

    @Option(names = "--confirm-window", paramLabel = "N", defaultValue = "1000",
            description = "Unconfirmed messages the publisher lets out. Default: ${DEFAULT-VALUE}")
    int confirmWindow;

    @Option(names = "--prefetch", paramLabel = "N", defaultValue = "500", description = "Consumer prefetch. Default: ${DEFAULT-VALUE}")
    int prefetch;

    @Option(names = "--amqp-url", paramLabel = "URL",
            description = "amqp://user:password@host:port/vhost. Default: the broker of --url, its AMQP listener")
    String amqpUrl;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || size < Long.BYTES || confirmWindow < 1 || prefetch < 1) {
            throw new CtlException(ExitCodes.USAGE, "--count, --confirm-window and --prefetch must be positive, --size at least 8");
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(amqpUrl != null ? amqpUrl : amqpUrlOfBroker());
        String queue = "ferry-bench-" + UUID.randomUUID();
        long[] latencyNanos = new long[count];
        AtomicInteger received = new AtomicInteger();
        CountDownLatch allReceived = new CountDownLatch(1);
        long consumeEndNanos;
        long publishStartNanos;
        long publishEndNanos;
        try (Connection consumerConnection = connect(factory, "consumer");
             Connection publisherConnection = connect(factory, "publisher")) {
            Channel consumer = consumerConnection.createChannel();
            // Durable only with --persistent; auto-delete either way: the queue goes with the consumer.
            consumer.queueDeclare(queue, persistent, false, true, Map.of());
            consumer.basicQos(prefetch);
            consumer.basicConsume(queue, false, new DefaultConsumer(consumer) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                        throws IOException {
                    int index = received.getAndIncrement();
                    if (index < count) {
                        latencyNanos[index] = System.nanoTime() - ByteBuffer.wrap(body).getLong();
                    }
                    // One ack for every 50, as consumers that keep up do; the last one acks the rest.
                    if ((index + 1) % 50 == 0 || index + 1 >= count) {
                        getChannel().basicAck(envelope.getDeliveryTag(), true);
                    }
                    if (index + 1 == count) {
                        allReceived.countDown();
                    }
                }
            });
            Channel publisher = publisherConnection.createChannel();
            publisher.confirmSelect();
            AMQP.BasicProperties properties = persistent ? new AMQP.BasicProperties.Builder().deliveryMode(2).build() : null;
            byte[] body = new byte[size];
            try (ProgressBar progress = client.progress("bench", count)) {
                publishStartNanos = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    ByteBuffer.wrap(body).putLong(System.nanoTime());
                    publisher.basicPublish("", queue, properties, body);
                    if ((i + 1) % confirmWindow == 0) {
                        publisher.waitForConfirmsOrDie(60_000);
                        progress.update(received.get());
                    }
                }
                publisher.waitForConfirmsOrDie(60_000);
                publishEndNanos = System.nanoTime();
                while (!allReceived.await(100, TimeUnit.MILLISECONDS)) {
                    progress.update(received.get());
                    if (System.nanoTime() - publishEndNanos > TimeUnit.SECONDS.toNanos(60)) {
                        throw new CtlException(ExitCodes.TEMPORARY_FAILURE, "only " + received.get() + " of " + count
                                + " messages came back within 60 s of the last confirm");
                    }
                }
                consumeEndNanos = System.nanoTime();
                progress.update(count);
            }
        }
        report(publishStartNanos, publishEndNanos, consumeEndNanos, latencyNanos);
        return ExitCodes.OK;
    }

    private static Connection connect(ConnectionFactory factory, String role) throws CtlException {
        try {
            return factory.newConnection("ferry-bench-" + role);
        } catch (IOException | TimeoutException e) {
            throw new CtlException(ExitCodes.UNAVAILABLE, "cannot connect over AMQP to " + factory.getHost() + ":"
                    + factory.getPort() + ": " + e.getMessage());
        }
    }

    /** The broker of --url: its host, its AMQP listener's port (from the overview), the same login and vhost. */
    private String amqpUrlOfBroker() throws CtlException {
        JsonNode overview = client.client().get("overview").orFail().json();
        int port = -1;
        for (JsonNode listener : overview.path("listeners")) {
            if (listener.path("protocol").asText().equals("amqp")) {
                port = listener.path("port").asInt();
            }
        }
        if (port <= 0) {
            throw new CtlException(ExitCodes.DATA_ERROR, "the broker lists no AMQP listener; give --amqp-url");
        }
        CtlCredentials credentials = client.credentials();
        String host = URI.create(credentials.url()).getHost();
        return "amqp://" + encode(credentials.username()) + ":" + encode(credentials.password()) + "@"
                + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port + "/"
                + encode(client.vhost);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private void report(long publishStart, long publishEnd, long consumeEnd, long[] latencyNanos) {
        double publishRate = count / ((publishEnd - publishStart) / 1e9);
        double endToEndRate = count / ((consumeEnd - publishStart) / 1e9);
        Arrays.sort(latencyNanos);
        double p50 = percentileMs(latencyNanos, 0.50);
        double p95 = percentileMs(latencyNanos, 0.95);
        double p99 = percentileMs(latencyNanos, 0.99);
        double max = Math.round(latencyNanos[latencyNanos.length - 1] / 1e4) / 100.0;
        if (client.json()) {
            ObjectNode result = client.object().put("messages", count).put("size", size).put("persistent", persistent)
                    .put("publish_per_second", Math.round(publishRate))
                    .put("end_to_end_per_second", Math.round(endToEndRate));
            result.putObject("latency_ms").put("p50", p50).put("p95", p95).put("p99", p99).put("max", max);
            client.out().println(result);
            return;
        }
        client.out().printf(Locale.ROOT, "%d messages of %d bytes, %s%n", count, size,
                persistent ? "persistent, durable queue" : "transient");
        client.out().printf(Locale.ROOT, "publish (confirmed): %,.0f msg/s%n", publishRate);
        client.out().printf(Locale.ROOT, "publish to last delivery: %,.0f msg/s%n", endToEndRate);
        client.out().printf(Locale.ROOT, "latency ms: p50 %.2f  p95 %.2f  p99 %.2f  max %.2f%n", p50, p95, p99, max);
    }

    private static double percentileMs(long[] sorted, double fraction) {
        int index = (int) Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
        return Math.round(sorted[Math.max(0, index)] / 1e4) / 100.0;
    }
}
