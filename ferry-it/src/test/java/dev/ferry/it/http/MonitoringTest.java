package dev.ferry.it.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.AMQP;
import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring side of the management API against one started broker (statistics sampled every
 * 500 ms instead of RabbitMQ's 5 s, so rates show up quickly): message_stats and their rates for
 * what a RabbitMQ Java client does, in the JSON shapes RabbitMQ 3.10 gives; the same counters in
 * Prometheus under rabbitmq_prometheus's names; streams and consumer groups a Kafka client made;
 * a real Prometheus (Debian's, installed by .ci/run) scraping the broker; and the Grafana dashboard
 * in docs/ naming only metrics the broker exposes.
 */
class MonitoringTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DASHBOARD = Path.of(System.getProperty("basedir", "."), "..", "docs", "grafana",
            "ferry-overview.json").normalize();

    @TempDir
    static Path temp;

    private static BrokerProcess broker;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void startBroker() throws IOException {
        broker = BrokerProcess.start(Files.createDirectories(temp.resolve("data")), "--collect-statistics-interval", "500",
                "--group-initial-rebalance-delay-ms", "0");
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.httpPort() > 0 && broker.prometheusPort() > 0);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private JsonNode api(String path) throws Exception {
        HttpResponse<String> response = request("GET", path, "guest", null);
        assertThat(response.statusCode()).as("GET /api/%s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> request(String method, String path, String user, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broker.httpPort() + "/api/" + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (user + ":" + user).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Streams and groups follow the queues' tag rules: a management user without access to their vhost sees none. */
    private void assertOnlyUsersWhoSeeTheStreamVirtualHostSeeStreamsAndGroups(String topic) throws Exception {
        assertThat(request("PUT", "users/mon-management", "guest",
                "{\"password\":\"mon-management\",\"tags\":\"management\"}").statusCode()).isIn(201, 204);
        assertThat(request("PUT", "users/mon-monitoring", "guest",
                "{\"password\":\"mon-monitoring\",\"tags\":\"monitoring\"}").statusCode()).isIn(201, 204);
        HttpResponse<String> streams = request("GET", "streams", "mon-management", null);
        assertThat(streams.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(streams.body())).isEmpty();
        assertThat(JSON.readTree(request("GET", "groups", "mon-management", null).body())).isEmpty();
        assertThat(request("GET", "streams/%2F/" + topic, "mon-management", null).statusCode()).isEqualTo(401);
        assertThat(request("GET", "groups/mon-group", "mon-management", null).statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(request("GET", "streams", "mon-monitoring", null).body()).findValuesAsText("name"))
                .contains(topic);
        assertThat(JSON.readTree(request("GET", "groups", "mon-monitoring", null).body()).findValuesAsText("name"))
                .contains("mon-group");
    }

    private String scrape(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broker.prometheusPort() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double value(String metrics, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }

    private static Connection connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(broker.amqpPort());
        return factory.newConnection("monitoring-test");
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8);
    }

    /** The message_stats fields RabbitMQ 3.10.8 returned for the same kinds of object (rabbitmq_management, rates_mode basic). */
    private static final Set<String> RABBITMQ_QUEUE_STATS = Set.of("ack", "deliver", "deliver_get", "deliver_no_ack", "get",
            "get_empty", "get_no_ack", "publish", "redeliver");
    private static final Set<String> RABBITMQ_CHANNEL_STATS = Set.of("ack", "confirm", "deliver", "deliver_get",
            "deliver_no_ack", "drop_unroutable", "get", "get_empty", "get_no_ack", "publish", "redeliver",
            "return_unroutable");

    private static Set<String> counters(JsonNode stats) {
        Set<String> names = new TreeSet<>();
        stats.fieldNames().forEachRemaining(name -> {
            if (!name.endsWith("_details")) {
                names.add(name);
                assertThat(stats.path(name + "_details").path("rate").isNumber()).as(name + "_details.rate").isTrue();
            }
        });
        return names;
    }

    @Test
    void shouldCountAndRateWhatAnAmqpClientDoesAsRabbitMqReportsIt() throws Exception {
        try (Connection connection = connect()) {
            Channel channel = connection.createChannel();
            channel.exchangeDeclare("mon.x", "direct");
            channel.queueDeclare("mon.q", true, false, false, null);
            channel.queueBind("mon.q", "mon.x", "k");
            channel.confirmSelect();
            channel.addReturnListener(returned -> { });
            for (int i = 0; i < 200; i++) {
                channel.basicPublish("mon.x", "k", true, null, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            for (int i = 0; i < 5; i++) {
                channel.basicPublish("mon.x", "nowhere", true, null, new byte[] {1});
            }
            channel.waitForConfirmsOrDie(10_000);
            for (int i = 0; i < 20; i++) {
                channel.basicAck(channel.basicGet("mon.q", false).getEnvelope().getDeliveryTag(), false);
            }
            for (int i = 0; i < 10; i++) {
                channel.basicGet("mon.q", true);
            }
            channel.basicNack(channel.basicGet("mon.q", false).getEnvelope().getDeliveryTag(), false, true);
            CountDownLatch consumed = new CountDownLatch(50);
            Channel consuming = connection.createChannel();
            consuming.basicQos(10);
            consuming.basicConsume("mon.q", false, new DefaultConsumer(consuming) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                        throws IOException {
                    if (consumed.getCount() > 0) {
                        getChannel().basicAck(envelope.getDeliveryTag(), false);
                        consumed.countDown();
                    }
                }
            });
            assertThat(consumed.await(20, TimeUnit.SECONDS)).isTrue();

            JsonNode publisherChannel = await().atMost(Duration.ofSeconds(10)).until(() -> {
                for (JsonNode one : api("channels")) {
                    if (one.path("number").asInt() == channel.getChannelNumber()
                            && one.path("message_stats").path("publish").asLong() == 205) {
                        return one;
                    }
                }
                return null;
            }, found -> found != null);
            JsonNode channelStats = publisherChannel.path("message_stats");
            assertThat(counters(channelStats)).isEqualTo(RABBITMQ_CHANNEL_STATS);
            assertThat(channelStats.path("confirm").asLong()).isEqualTo(205);
            assertThat(channelStats.path("return_unroutable").asLong()).isEqualTo(5);
            assertThat(channelStats.path("get").asLong()).isEqualTo(21);
            assertThat(channelStats.path("get_no_ack").asLong()).isEqualTo(10);
            assertThat(channelStats.path("ack").asLong()).isEqualTo(20);
            assertThat(channelStats.path("redeliver").asLong()).isZero();

            JsonNode queue = api("queues/%2F/mon.q");
            JsonNode queueStats = queue.path("message_stats");
            // dead_lettered (Ferry's own) shows once something was dead-lettered; nothing was here.
            assertThat(counters(queueStats)).isEqualTo(RABBITMQ_QUEUE_STATS);
            assertThat(queueStats.path("get").asLong()).isEqualTo(21);
            assertThat(queueStats.path("get_no_ack").asLong()).isEqualTo(10);
            assertThat(queueStats.path("publish").asLong()).isEqualTo(200);
            assertThat(queueStats.path("deliver").asLong()).isGreaterThanOrEqualTo(50);
            assertThat(queueStats.path("redeliver").asLong()).isEqualTo(1);
            assertThat(queueStats.path("deliver_get").asLong()).isEqualTo(queueStats.path("deliver").asLong()
                    + queueStats.path("deliver_no_ack").asLong() + queueStats.path("get").asLong()
                    + queueStats.path("get_no_ack").asLong());

            JsonNode exchangeStats = api("exchanges/%2F/mon.x").path("message_stats");
            assertThat(counters(exchangeStats)).containsExactly("publish_in", "publish_out");
            assertThat(exchangeStats.path("publish_in").asLong()).isEqualTo(205);
            assertThat(exchangeStats.path("publish_out").asLong()).isEqualTo(200);

            JsonNode hostStats = api("vhosts/%2F").path("message_stats");
            assertThat(counters(hostStats)).containsAll(RABBITMQ_CHANNEL_STATS);
            assertThat(hostStats.path("publish").asLong()).isGreaterThanOrEqualTo(205);
            JsonNode overview = api("overview");
            assertThat(overview.path("rates_mode").asText()).isEqualTo("basic");
            assertThat(overview.path("message_stats").path("confirm").asLong()).isGreaterThanOrEqualTo(205);

            // Rates: a publisher that keeps going shows on every object it passes through.
            Thread publisher = new Thread(() -> {
                try {
                    Channel steady = connection.createChannel();
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                    while (System.nanoTime() < until) {
                        steady.basicPublish("mon.x", "k", null, new byte[] {2});
                        Thread.sleep(2);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            publisher.start();
            await().atMost(Duration.ofSeconds(4)).until(() ->
                    api("queues/%2F/mon.q").path("message_stats").path("publish_details").path("rate").asDouble() > 0
                            && api("exchanges/%2F/mon.x").path("message_stats").path("publish_in_details").path("rate")
                            .asDouble() > 0
                            && api("vhosts/%2F").path("message_stats").path("publish_details").path("rate").asDouble() > 0
                            && api("overview").path("message_stats").path("publish_details").path("rate").asDouble() > 0);
            publisher.join();

            String metrics = scrape("/metrics");
            assertThat(value(metrics, "rabbitmq_global_messages_received_total{protocol=\"amqp091\"}"))
                    .isGreaterThanOrEqualTo(205);
            assertThat(value(metrics, "rabbitmq_global_messages_confirmed_total{protocol=\"amqp091\"}"))
                    .isGreaterThanOrEqualTo(205);
            assertThat(value(metrics, "rabbitmq_global_messages_unroutable_returned_total{protocol=\"amqp091\"}"))
                    .isEqualTo(5);
            assertThat(value(metrics, "rabbitmq_global_messages_delivered_get_auto_ack_total{protocol=\"amqp091\"}"))
                    .isEqualTo(10);
            assertThat(value(metrics, "rabbitmq_global_messages_acknowledged_total{protocol=\"amqp091\"}"))
                    .isGreaterThanOrEqualTo(70);
            assertThat(value(scrape("/metrics/per-object"),
                    "rabbitmq_queue_messages_published_total{queue=\"mon.q\",vhost=\"/\"}")).isGreaterThanOrEqualTo(200);
            channel.queueDelete("mon.q");
        }
    }

    private Properties kafka() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.kafkaPort());
        return properties;
    }

    /** A topic of two partitions with 10 records, and group "mon-group" that committed 3 of partition 0's. */
    private void produceAndCommit(String topic) throws Exception {
        try (Admin admin = Admin.create(kafka())) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Properties producerProperties = kafka();
        producerProperties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producerProperties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties)) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, i % 2, null, new byte[100])).get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void shouldListStreamPartitionsAndAGroupsMembersAndLag() throws Exception {
        String topic = "mon-stream";
        produceAndCommit(topic);
        JsonNode stream = api("streams/%2F/" + topic);
        assertThat(stream.path("partition_count").asInt()).isEqualTo(2);
        assertThat(stream.path("messages").asLong()).isEqualTo(10);
        assertThat(stream.path("size_bytes").asLong()).isPositive();
        assertThat(stream.path("config").path("retention.ms").asText()).isEqualTo("604800000");
        for (JsonNode partition : stream.path("partitions")) {
            assertThat(partition.path("high_watermark").asLong()).isEqualTo(5);
            assertThat(partition.path("log_start_offset").asLong()).isZero();
            assertThat(partition.path("segments").asInt()).isPositive();
        }
        JsonNode listed = api("streams?page=1&page_size=10&columns=name,messages");
        assertThat(listed.path("items").findValuesAsText("name")).contains(topic);

        Properties consumerProperties = kafka();
        consumerProperties.put(ConsumerConfig.GROUP_ID_CONFIG, "mon-group");
        consumerProperties.put(ConsumerConfig.CLIENT_ID_CONFIG, "mon-client");
        consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProperties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProperties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumerProperties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.assignment().size() < 2 && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> ignored = consumer.poll(Duration.ofMillis(200));
            }
            assertThat(consumer.assignment()).hasSize(2);
            consumer.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(3)));
            JsonNode group = await().atMost(Duration.ofSeconds(20)).until(() -> api("groups/mon-group"),
                    found -> found.path("state").asText().equals("Stable"));
            assertThat(group.path("protocol_type").asText()).isEqualTo("consumer");
            assertThat(group.path("members")).hasSize(1);
            JsonNode member = group.path("members").get(0);
            assertThat(member.path("client_id").asText()).isEqualTo("mon-client");
            assertThat(member.path("client_host").asText()).contains("127.0.0.1");
            assertThat(member.path("assignment").findValuesAsText("topic")).containsExactly(topic, topic);
            List<String> lags = new ArrayList<>();
            for (JsonNode partition : group.path("partitions")) {
                lags.add(partition.path("partition").asInt() + ":" + partition.path("committed_offset").asText()
                        + ":" + partition.path("high_watermark").asLong() + ":" + partition.path("lag").asText());
            }
            assertThat(lags).containsExactly("0:3:5:2", "1:null:5:null");
            assertThat(group.path("lag").asLong()).isEqualTo(2);
            assertThat(api("groups").findValuesAsText("name")).contains("mon-group");

            assertThat(value(scrape("/metrics"), "ferry_consumer_group_lag{group=\"mon-group\"}")).isEqualTo(2);
            assertThat(value(scrape("/metrics/per-object"),
                    "ferry_stream_partition_high_watermark{partition=\"1\",stream=\"" + topic + "\"}")).isEqualTo(5);
            assertDashboardNamesOnlyLiveMetrics();
            assertOnlyUsersWhoSeeTheStreamVirtualHostSeeStreamsAndGroups(topic);
        }
    }

    @Test
    void shouldShowAGroupOfKafkasConsumerProtocolWithItsAssignorMembersAndLag() throws Exception {
        String topic = "mon-kip848-stream";
        produceAndCommit(topic);
        Properties consumerProperties = kafka();
        consumerProperties.put(ConsumerConfig.GROUP_ID_CONFIG, "mon-kip848");
        consumerProperties.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        consumerProperties.put(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, "range");
        consumerProperties.put(ConsumerConfig.CLIENT_ID_CONFIG, "mon-kip848-client");
        consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProperties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProperties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumerProperties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.assignment().size() < 2 && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> ignored = consumer.poll(Duration.ofMillis(200));
            }
            assertThat(consumer.assignment()).hasSize(2);
            consumer.commitSync(Map.of(new TopicPartition(topic, 1), new OffsetAndMetadata(4)));
            // DescribeGroups does not know such a group; the API asks the consumer protocol's side.
            JsonNode group = await().atMost(Duration.ofSeconds(20)).until(() -> api("groups/mon-kip848"),
                    found -> found.path("state").asText().equals("Stable"));
            assertThat(group.path("type").asText()).isEqualTo("consumer");
            assertThat(group.path("protocol").asText()).isEqualTo("range");
            JsonNode member = group.path("members").get(0);
            assertThat(member.path("client_id").asText()).isEqualTo("mon-kip848-client");
            assertThat(member.path("assignment").findValuesAsText("partition")).containsExactly("0", "1");
            assertThat(group.path("lag").asLong()).isEqualTo(1);
            assertThat(api("groups").findValuesAsText("name")).contains("mon-kip848");
        }
    }

    /** Every metric the Grafana dashboard's expressions name is in a live scrape, so the dashboard cannot rot. */
    private void assertDashboardNamesOnlyLiveMetrics() throws Exception {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        Set<String> named = new TreeSet<>();
        for (JsonNode expression : dashboard.findValues("expr")) {
            Matcher matcher = Pattern.compile("\\b((?:rabbitmq|ferry)_[a-z_]+)").matcher(expression.asText());
            while (matcher.find()) {
                named.add(matcher.group(1));
            }
        }
        assertThat(named).hasSizeGreaterThan(8);
        Set<String> exposed = new TreeSet<>();
        for (String body : List.of(scrape("/metrics"), scrape("/metrics/per-object"))) {
            Matcher matcher = Pattern.compile("(?m)^([a-z_]+)[{ ]").matcher(body);
            while (matcher.find()) {
                exposed.add(matcher.group(1));
            }
        }
        assertThat(exposed).containsAll(named);
    }

    @Test
    void shouldBeScrapedByARealPrometheus() throws Exception {
        Path prometheusBinary = Path.of("/usr/bin/prometheus");
        assertThat(prometheusBinary).as("Debian's prometheus package (installed by .ci/run)").isExecutable();
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path config = temp.resolve("prometheus.yml");
        Files.writeString(config, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
                + "  - job_name: ferry\n    static_configs:\n      - targets: ['127.0.0.1:" + broker.prometheusPort() + "']\n");
        Process prometheus = new ProcessBuilder(prometheusBinary.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + Files.createDirectories(temp.resolve("tsdb")),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(temp.resolve("prometheus.log").toFile()).start();
        try {
            String base = "http://127.0.0.1:" + port + "/api/v1/";
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
                JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "targets")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                return targets.path("data").path("activeTargets").findValuesAsText("health").contains("up");
            });
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
                JsonNode result = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "query?query="
                        + encode("rabbitmq_identity_info"))).build(), HttpResponse.BodyHandlers.ofString()).body());
                JsonNode first = result.path("data").path("result").path(0);
                return first.path("value").path(1).asText().equals("1")
                        && first.path("metric").path("rabbitmq_node").asText().startsWith("ferry@");
            });
        } finally {
            ProcessHandle.of(prometheus.pid()).ifPresent(ProcessHandle::destroy);
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
    }
}
