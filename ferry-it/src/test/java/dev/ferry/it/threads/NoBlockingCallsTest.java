package dev.ferry.it.threads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.MessageProperties;

import dev.ferry.it.support.BlockHoundFerryMain;
import dev.ferry.it.support.BrokerProcess;

/**
 * No event loop and no queue owner thread ever waits: a broker run under BlockHound
 * ({@link BlockHoundFerryMain}) through a broad workload, restarted, and its output searched for
 * the marker BlockHound prints for each blocking call on such a thread.
 */
class NoBlockingCallsTest {
    private static final List<String> JVM_OPTIONS = List.of("-XX:+AllowRedefinitionToAddDeleteMethods");
    /** Small memory limits page queues to disk; small segments make queue logs roll. */
    private static final String[] SETTINGS = {"--queue-memory-messages", "50", "--queue-memory-bytes", "65536",
            "--max-message-bytes", "65536", "--queue-segment-bytes", "262144", "--ack-checkpoint-interval-ms", "200"};
    private static final byte[] KIB = new byte[1024];

    @TempDir
    Path dataDir;
    private final List<BrokerProcess> brokers = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        for (Connection connection : connections) {
            try {
                connection.abort(1000);
            } catch (RuntimeException ignored) {
                // The broker may be gone already.
            }
        }
        brokers.forEach(BrokerProcess::close);
        // The brokers' own lines land in the test's output file, for reading after a failure.
        for (BrokerProcess broker : brokers) {
            System.out.println("---- broker " + broker.pid());
            broker.output().forEach(System.out::println);
        }
    }

    private BrokerProcess start() throws IOException {
        long started = System.nanoTime();
        BrokerProcess broker = BrokerProcess.startWith(BlockHoundFerryMain.class.getName(), JVM_OPTIONS, dataDir, SETTINGS);
        System.out.printf("broker %d under BlockHound listening after %d ms%n", broker.pid(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        brokers.add(broker);
        return broker;
    }

    private Connection connect(BrokerProcess broker) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        Connection connection = factory.newConnection();
        connections.add(connection);
        return connection;
    }

    private static List<String> violations(BrokerProcess broker) {
        List<String> lines = broker.output();
        List<String> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(BlockHoundFerryMain.MARKER)) {
                StringBuilder report = new StringBuilder(lines.get(i));
                for (int j = i + 1; j < lines.size() && lines.get(j).startsWith("\tat "); j++) {
                    report.append('\n').append(lines.get(j));
                }
                found.add(report.toString());
            }
        }
        return found;
    }

    @Test
    void shouldNeverBlockAnEventLoopOrAQueueThread() throws Exception {
        BrokerProcess broker = start();
        assertThat(broker.output()).as("BlockHound is installed").noneMatch(line -> line.contains("instrumentation have failed"));
        Connection connection = connect(broker);
        Channel channel = connection.createChannel();

        // Topology: durable and transient, with bindings between exchanges, unbinds and deletes.
        channel.exchangeDeclare("orders", "topic", true);
        channel.exchangeDeclare("audit", "fanout", true);
        channel.exchangeDeclare("scratch", "direct", false);
        channel.exchangeDeclare("dead", "fanout", true);
        channel.exchangeBind("audit", "orders", "#");
        channel.exchangeUnbind("audit", "orders", "#");
        channel.exchangeBind("audit", "orders", "order.#");
        channel.queueDeclare("work", true, false, false, null);
        channel.queueDeclare("audit-log", true, false, false, null);
        channel.queueDeclare("dead-letters", true, false, false, null);
        channel.queueDeclare("retry", true, false, false, Map.of("x-dead-letter-exchange", "dead", "x-message-ttl", 100));
        channel.queueDeclare("transient", false, false, false, null);
        String exclusive = channel.queueDeclare().getQueue();
        channel.queueDeclare("expires", true, false, false, Map.of("x-expires", 300));
        channel.queueDeclare("auto", true, false, true, null);
        channel.queueBind("work", "orders", "order.created");
        channel.queueBind("audit-log", "audit", "");
        channel.queueBind("dead-letters", "dead", "");
        channel.queueBind("transient", "orders", "#");
        channel.queueBind(exclusive, "scratch", "k");
        channel.queueUnbind(exclusive, "scratch", "k");
        channel.queueDeclare("doomed", true, false, false, null);
        channel.queueBind("doomed", "orders", "#");
        channel.queueDelete("doomed");
        channel.exchangeDeclare("doomed-exchange", "direct", true);
        channel.exchangeDelete("doomed-exchange");
        channel.queueDeclarePassive("work");
        channel.exchangeDeclarePassive("orders");
        // A pipelined declare no-wait and bind on one channel.
        channel.queueDeclareNoWait("pipelined", true, false, false, null);
        channel.queueBind("pipelined", "orders", "order.#");

        // Concurrent durable declares and binds from several connections.
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> declares = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                Connection other = connect(broker);
                int client = c;
                declares.add(clients.submit(() -> {
                    Channel own = other.createChannel();
                    for (int i = 0; i < 10; i++) {
                        String name = "concurrent-" + client + "-" + i;
                        own.queueDeclare(name, true, false, false, null);
                        own.queueBind(name, "orders", "order." + i);
                    }
                    return null;
                }));
            }
            for (Future<?> declare : declares) {
                declare.get(60, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }

        // Publishes with confirms, enough to page and roll segments; transient messages too.
        channel.confirmSelect();
        for (int i = 0; i < 1500; i++) {
            channel.basicPublish("orders", "order.created", MessageProperties.PERSISTENT_BASIC, KIB);
            if (i % 5 == 0) {
                channel.basicPublish("orders", "order.created", MessageProperties.BASIC, KIB);
            }
        }
        channel.waitForConfirmsOrDie(60_000);
        for (int i = 0; i < 20; i++) {
            channel.basicPublish("", "retry", MessageProperties.PERSISTENT_TEXT_PLAIN, "expires".getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);

        // Transactions: one committed, one rolled back.
        Channel tx = connection.createChannel();
        tx.txSelect();
        for (int i = 0; i < 30; i++) {
            tx.basicPublish("", "audit-log", MessageProperties.PERSISTENT_TEXT_PLAIN, ("tx" + i).getBytes(StandardCharsets.UTF_8));
        }
        tx.txCommit();
        tx.basicPublish("", "audit-log", MessageProperties.PERSISTENT_TEXT_PLAIN, KIB);
        tx.txRollback();

        // basic.get with acks, rejects and a nack to the dead-letter queue.
        Channel getter = connection.createChannel();
        for (int i = 0; i < 10; i++) {
            long tag = getter.basicGet("audit-log", false).getEnvelope().getDeliveryTag();
            if (i % 3 == 0) {
                getter.basicReject(tag, true);
            } else {
                getter.basicAck(tag, false);
            }
        }
        getter.basicQos(20);

        // A consumer draining the paged queue with acks, and one on the auto-delete queue.
        Channel consuming = connect(broker).createChannel();
        consuming.basicQos(100);
        ConcurrentLinkedQueue<Long> received = new ConcurrentLinkedQueue<>();
        CountDownLatch drained = new CountDownLatch(1200);
        consuming.basicConsume("work", false, new DefaultConsumer(consuming) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                    throws IOException {
                received.add(envelope.getDeliveryTag());
                getChannel().basicAck(envelope.getDeliveryTag(), false);
                drained.countDown();
            }
        });
        assertThat(drained.await(60, TimeUnit.SECONDS)).isTrue();
        String autoTag = consuming.basicConsume("auto", true, new DefaultConsumer(consuming));
        consuming.basicCancel(autoTag);
        Connection probe = connect(broker);
        await().atMost(Duration.ofSeconds(10)).until(() -> !exists(probe, "auto"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !exists(probe, "expires"));
        await().atMost(Duration.ofSeconds(10)).until(() -> messageCount(probe, "dead-letters") == 20);
        channel.queuePurge("transient");

        // The management API: listings that ask connections on their event loops, gets and
        // purges that ask queue owners, declares, publishes and a connection closed by the API.
        for (String path : List.of("overview", "queues?page=1&page_size=10&sort=messages", "exchanges", "bindings",
                "connections", "channels", "consumers", "nodes", "vhosts", "users", "permissions", "aliveness-test/%2F",
                "queues/%2F/work", "health/checks/alarms", "definitions", "definitions/%2F")) {
            assertThat(api(broker, "GET", path, null)).as(path).isEqualTo(200);
        }
        assertThat(api(broker, "POST", "queues/%2F/audit-log/get",
                "{\"count\":5,\"ackmode\":\"ack_requeue_true\",\"encoding\":\"auto\"}")).isEqualTo(200);
        assertThat(api(broker, "PUT", "queues/%2F/by-http", "{\"durable\":true}")).isEqualTo(201);
        assertThat(api(broker, "POST", "exchanges/%2F/amq.default/publish", "{\"properties\":{\"delivery_mode\":2},"
                + "\"routing_key\":\"by-http\",\"payload\":\"x\",\"payload_encoding\":\"string\"}")).isEqualTo(200);
        assertThat(api(broker, "DELETE", "queues/%2F/by-http/contents", null)).isEqualTo(204);
        // A definitions import: access changes, then declares and bindings, each step after a future.
        assertThat(api(broker, "POST", "definitions", "{\"vhosts\":[{\"name\":\"imported\"}],"
                + "\"permissions\":[{\"user\":\"guest\",\"vhost\":\"imported\",\"configure\":\".*\","
                + "\"write\":\".*\",\"read\":\".*\"}],"
                + "\"exchanges\":[{\"name\":\"in\",\"vhost\":\"imported\",\"type\":\"topic\",\"durable\":true}],"
                + "\"queues\":[{\"name\":\"q\",\"vhost\":\"imported\",\"durable\":true}],"
                + "\"bindings\":[{\"source\":\"in\",\"vhost\":\"imported\",\"destination\":\"q\","
                + "\"destination_type\":\"queue\",\"routing_key\":\"#\"}]}")).isEqualTo(204);
        assertThat(api(broker, "DELETE", "queues/%2F/by-http", null)).isEqualTo(204);
        for (String metrics : List.of("/metrics", "/metrics/per-object")) {
            HttpResponse<String> scraped = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + broker.prometheusPort() + metrics)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(scraped.statusCode()).as(metrics).isEqualTo(200);
        }
        List<String> before = connectionNames(broker);
        Connection closedByApi = connect(broker);
        List<String> opened = await().atMost(Duration.ofSeconds(10)).until(() -> connectionNames(broker),
                names -> names.size() > before.size());
        opened.removeAll(before);
        assertThat(api(broker, "DELETE", "connections/" + URLEncoder.encode(opened.get(0), StandardCharsets.UTF_8)
                .replace("+", "%20"), null)).isEqualTo(204);
        await().atMost(Duration.ofSeconds(10)).until(() -> !closedByApi.isOpen());
        connection.close();

        // A clean restart: recovery with paged messages, then more of the same.
        assertThat(broker.terminate()).isZero();
        BrokerProcess restarted = start();
        Channel after = connect(restarted).createChannel();
        after.queueDeclarePassive("work");
        after.confirmSelect();
        for (int i = 0; i < 200; i++) {
            after.basicPublish("orders", "order.created", MessageProperties.PERSISTENT_BASIC, KIB);
        }
        after.waitForConfirmsOrDie(30_000);
        while (after.basicGet("work", true) != null) {
            // Drain with basic.get, auto-ack.
        }
        after.queueDelete("pipelined");
        after.exchangeDelete("audit");
        assertThat(restarted.terminate()).isZero();

        List<String> found = new ArrayList<>(violations(broker));
        found.addAll(violations(restarted));
        assertThat(found).as("blocking calls on event loops or queue threads").isEmpty();
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** One management API request as guest; the status code. */
    private static int api(BrokerProcess broker, String method, String path, String body) throws Exception {
        return apiCall(broker, method, path, body).statusCode();
    }

    private static HttpResponse<String> apiCall(BrokerProcess broker, String method, String path, String body)
            throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broker.httpPort() + "/api/" + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(30))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> connectionNames(BrokerProcess broker) throws Exception {
        List<String> names = new ArrayList<>();
        new ObjectMapper().readTree(apiCall(broker, "GET", "connections?columns=name", null).body())
                .forEach(connection -> names.add(connection.path("name").asText()));
        return names;
    }

    /** A passive declare on a channel of its own (a 404 closes the channel, not the connection). */
    private static boolean exists(Connection probe, String queue) throws Exception {
        Channel channel = probe.createChannel();
        try {
            channel.queueDeclarePassive(queue);
            channel.close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static long messageCount(Connection probe, String queue) throws Exception {
        Channel channel = probe.createChannel();
        long count = channel.queueDeclarePassive(queue).getMessageCount();
        channel.close();
        return count;
    }
}
