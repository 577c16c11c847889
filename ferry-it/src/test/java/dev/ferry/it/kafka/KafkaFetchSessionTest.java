package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.embedded.Ferry;
import dev.ferry.it.support.RawKafkaClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData.ForgottenTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fetch sessions (KIP-227). On the wire: Fetch v17 requests written with kafka-clients' message
 * classes over a plain socket, the answers read back field by field: unknown session ids, wrong
 * epochs, a request version that names topics otherwise than its session, forgetting and adding
 * partitions, what an incremental answer leaves out, closing with epoch -1, a session outliving its
 * connection, and a full cache. Through clients: a kafka-clients consumer gets every record once
 * over incremental fetches (counted at {@code /metrics}), and kcat (librdkafka, which has no
 * fetch sessions) keeps consuming.
 *
 * <p>The same assertions pass against Kafka 4.3.1 (the metrics are Ferry's and left out there):
 * start it with {@code max.incremental.fetch.session.cache.slots=16} (Kafka splits the slots among
 * 8 shards, which new sessions take in turn: 2 each) and run with {@code -Dferry.it.kafka=HOST:PORT}.
 */
class KafkaFetchSessionTest {
    private static final short VERSION = 17;
    private static final int SLOTS = 4;
    /** More than either broker holds (Kafka: 16 slots in 8 shards, filled in turn). */
    private static final int MAX_SESSIONS_TRIED = 40;
    private static Ferry broker;
    private static String host;
    private static int port;
    private static Admin admin;
    private static KafkaProducer<String, String> producer;
    private static int correlationId;
    /** Sessions a test opened, closed after it so that each test finds the cache as empty as it left it. */
    private final List<Integer> opened = new ArrayList<>();

    @BeforeAll
    static void startBroker() {
        String bootstrap = System.getProperty("ferry.it.kafka");
        if (bootstrap == null || bootstrap.isBlank()) {
            broker = Ferry.builder().settings(settings -> settings.maxIncrementalFetchSessionCacheSlots = SLOTS).start();
            bootstrap = broker.kafkaBootstrapServers();
        }
        host = bootstrap.substring(0, bootstrap.lastIndexOf(':'));
        port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        admin = Admin.create(KafkaTestBase.clientProperties(bootstrap, Map.of()));
        producer = new KafkaProducer<>(KafkaTestBase.clientProperties(bootstrap, Map.of(
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 0)));
    }

    @AfterAll
    static void stopBroker() {
        if (producer != null) {
            producer.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @AfterEach
    void closeSessions() throws IOException {
        try (RawKafkaClient raw = raw()) {
            for (int sessionId : opened) {
                fetch(raw, request(sessionId, -1));
            }
        }
    }

    @Test
    void shouldAnswerAnIncrementalFetchWithOnlyThePartitionsThatChanged() throws Exception {
        Uuid topic = topicWithRecords(3, 2);
        try (RawKafkaClient raw = raw()) {
            FetchResponseData full = fetch(raw, request(0, 0).setTopics(List.of(fetchTopic(topic, 0, 0, 1, 0, 2, 0))));
            int session = opened(full);
            assertThat(session).isNotZero();
            assertThat(partitions(full)).containsOnlyKeys(0, 1, 2);
            assertThat(partitions(full).values()).allSatisfy(partition -> {
                assertThat(partition.highWatermark()).isEqualTo(2);
                assertThat(partition.records().sizeInBytes()).isPositive();
            });

            // The client read everything: it moves each fetch offset on; nothing is new, so nothing comes back.
            FetchResponseData caughtUp = fetch(raw, request(session, 1)
                    .setTopics(List.of(fetchTopic(topic, 0, 2, 1, 2, 2, 2))));
            assertThat(caughtUp.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(caughtUp.sessionId()).isEqualTo(session);
            assertThat(partitions(caughtUp)).isEmpty();

            send(topic, 1, "new");
            FetchResponseData onlyNew = fetch(raw, request(session, 2));
            assertThat(onlyNew.sessionId()).isEqualTo(session);
            assertThat(partitions(onlyNew)).containsOnlyKeys(1);
            assertThat(partitions(onlyNew).get(1).highWatermark()).isEqualTo(3);
            assertThat(partitions(onlyNew).get(1).records().sizeInBytes()).isPositive();

            // Epoch -1 closes the session: a sessionless full fetch, and the id is gone.
            FetchResponseData closing = fetch(raw, request(session, -1).setTopics(List.of(fetchTopic(topic, 0, 0))));
            assertThat(closing.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(closing.sessionId()).isZero();
            assertThat(partitions(closing)).containsOnlyKeys(0);
            FetchResponseData afterClose = fetch(raw, request(session, 3));
            assertThat(afterClose.errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
        }
    }

    @Test
    void shouldKeepASessionWhenItsConnectionCloses() throws Exception {
        Uuid topic = topicWithRecords(1, 1);
        int session;
        try (RawKafkaClient raw = raw()) {
            session = opened(fetch(raw, request(0, 0).setTopics(List.of(fetchTopic(topic, 0, 1)))));
        }
        send(topic, 0, "after");
        try (RawKafkaClient again = raw()) {
            FetchResponseData next = fetch(again, request(session, 1));
            assertThat(next.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(next.sessionId()).isEqualTo(session);
            assertThat(partitions(next)).containsOnlyKeys(0);
            assertThat(partitions(next).get(0).records().sizeInBytes()).isPositive();
        }
    }

    @Test
    void shouldRefuseAnUnknownSessionId() throws Exception {
        Uuid topic = topicWithRecords(1, 1);
        try (RawKafkaClient raw = raw()) {
            FetchResponseData answer = fetch(raw, request(123_456_789, 1).setTopics(List.of(fetchTopic(topic, 0, 0))));
            assertThat(answer.errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
            assertThat(answer.sessionId()).isZero();
            assertThat(answer.responses()).isEmpty();
        }
    }

    @Test
    void shouldRefuseAWrongEpochAndKeepTheSession() throws Exception {
        Uuid topic = topicWithRecords(1, 1);
        try (RawKafkaClient raw = raw()) {
            int session = opened(fetch(raw, request(0, 0).setTopics(List.of(fetchTopic(topic, 0, 0)))));
            FetchResponseData ahead = fetch(raw, request(session, 5));
            assertThat(ahead.errorCode()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
            assertThat(ahead.sessionId()).isZero();
            assertThat(ahead.responses()).isEmpty();

            FetchResponseData next = fetch(raw, request(session, 1));
            assertThat(next.errorCode()).isEqualTo(Errors.NONE.code());
            // Epoch 1 again: already used.
            FetchResponseData replayed = fetch(raw, request(session, 1));
            assertThat(replayed.errorCode()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
            assertThat(fetch(raw, request(session, 2)).errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    @Test
    void shouldRefuseAnIncrementalFetchThatNamesTopicsOtherwiseThanItsSession() throws Exception {
        Uuid topic = topicWithRecords(1, 1);
        try (RawKafkaClient raw = raw()) {
            int session = opened(fetch(raw, request(0, 0).setTopics(List.of(fetchTopic(topic, 0, 0)))));
            // v12 names topics, the session (opened at v17) knows them by id.
            FetchResponseData byName = fetch(raw, request(session, 1), (short) 12);
            assertThat(byName.errorCode()).isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR.code());
            assertThat(byName.responses()).isEmpty();
            assertThat(fetch(raw, request(session, 1)).errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    @Test
    void shouldStopAnsweringForAForgottenPartition() throws Exception {
        Uuid topic = topicWithRecords(2, 1);
        try (RawKafkaClient raw = raw()) {
            int session = opened(fetch(raw, request(0, 0).setTopics(List.of(fetchTopic(topic, 0, 1, 1, 1)))));
            FetchResponseData forgetting = fetch(raw, request(session, 1).setForgottenTopicsData(List.of(
                    new ForgottenTopic().setTopicId(topic).setPartitions(List.of(1)))));
            assertThat(forgetting.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(partitions(forgetting)).isEmpty();

            send(topic, 0, "zero");
            send(topic, 1, "one");
            FetchResponseData after = fetch(raw, request(session, 2));
            assertThat(partitions(after)).containsOnlyKeys(0);
            assertThat(partitions(after).get(0).highWatermark()).isEqualTo(2);
        }
    }

    @Test
    void shouldAnswerForAnAddedPartitionEvenWithNothingNew() throws Exception {
        Uuid topic = topicWithRecords(2, 1);
        try (RawKafkaClient raw = raw()) {
            int session = opened(fetch(raw, request(0, 0).setTopics(List.of(fetchTopic(topic, 0, 1)))));
            // Partition 1 joins at its end: no records, but the client has never been told its offsets.
            FetchResponseData adding = fetch(raw, request(session, 1).setTopics(List.of(fetchTopic(topic, 1, 1))));
            assertThat(partitions(adding)).containsOnlyKeys(1);
            assertThat(partitions(adding).get(1).highWatermark()).isEqualTo(1);
            assertThat(partitions(adding).get(1).records().sizeInBytes()).isZero();

            assertThat(partitions(fetch(raw, request(session, 2)))).isEmpty();
            send(topic, 1, "one");
            assertThat(partitions(fetch(raw, request(session, 3)))).containsOnlyKeys(1);
        }
    }

    @Test
    void shouldServeFullFetchesWithoutASessionWhenTheCacheIsFull() throws Exception {
        // Kafka's cache holds 1,000 and evicts idle or smaller sessions for new ones; this is Ferry's cache of SLOTS.
        org.junit.jupiter.api.Assumptions.assumeTrue(broker != null, "Ferry's own: a fetch session cache of " + SLOTS);
        Uuid topic = topicWithRecords(1, 1);
        try (RawKafkaClient raw = raw()) {
            FetchResponseData refused = null;
            for (int attempt = 0; attempt < MAX_SESSIONS_TRIED && refused == null; attempt++) {
                FetchResponseData full = fetch(raw, request(0, 0).setTopics(List.of(fetchTopic(topic, 0, 0))));
                if (full.sessionId() == 0) {
                    refused = full;
                } else {
                    opened(full);
                }
            }
            assertThat(refused).as("a full fetch once every slot is taken").isNotNull();
            // No slot: no session, but the data all the same; and young sessions are not evicted for it.
            assertThat(refused.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(partitions(refused).get(0).records().sizeInBytes()).isPositive();
            int first = opened.get(0);
            assertThat(fetch(raw, request(first, 1)).errorCode()).isEqualTo(Errors.NONE.code());

            // Closed sessions free their slots for the next full fetch.
            closeSessions();
            opened.clear();
            assertThat(opened(fetch(raw, request(0, 0).setTopics(List.of(fetchTopic(topic, 0, 0)))))).isNotZero();
        }
    }

    @Test
    void shouldDeliverEveryRecordOnceToAConsumerOnIncrementalFetches() throws Exception {
        Uuid topic = topicWithRecords(3, 100);
        long incrementalBefore = broker == null ? 0 : metric("ferry_kafka_fetch_incremental_total");
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(KafkaTestBase.clientProperties(bootstrap(),
                Map.of(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100)))) {
            List<TopicPartition> partitions = List.of(0, 1, 2).stream()
                    .map(partition -> new TopicPartition(TOPIC_NAMES.get(topic), partition)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            pollUntil(consumer, seen, 300);
            // Partition 2 alone gets more while the consumer is in its session: only it has news.
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(TOPIC_NAMES.get(topic), 2, null, "late" + i));
            }
            producer.flush();
            pollUntil(consumer, seen, 350);
            if (broker != null) {
                assertThat(metric("ferry_kafka_fetch_sessions")).as("the consumer's session").isPositive();
            }
        }
        assertThat(seen).doesNotHaveDuplicates().hasSize(350);
        if (broker != null) {
            assertThat(metric("ferry_kafka_fetch_incremental_total") - incrementalBefore)
                    .as("incremental fetches served").isGreaterThanOrEqualTo(2);
            // Closing, the consumer closes its session (epoch -1).
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> metric("ferry_kafka_fetch_sessions") == 0);
        }
    }

    @Test
    void shouldKeepServingLibrdkafkaWhichFetchesWithoutSessions() throws Exception {
        Uuid topic = topicWithRecords(3, 20);
        long incrementalBefore = broker == null ? 0 : metric("ferry_kafka_fetch_incremental_total");
        // librdkafka 2.0 does not implement KIP-227: every fetch is a full one at epoch -1.
        Process kcat = new ProcessBuilder("kcat", "-b", bootstrap(), "-m", "15", "-C", "-t", TOPIC_NAMES.get(topic),
                "-o", "beginning", "-e", "-f", "%p/%o/%s\n").redirectErrorStream(true).start();
        kcat.getOutputStream().close();
        String output = new String(kcat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(kcat.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as(output).isTrue();
        assertThat(kcat.exitValue()).as(output).isZero();
        List<String> records = output.lines().filter(line -> line.matches("\\d/\\d+/r\\d+")).toList();
        assertThat(records).as(output).doesNotHaveDuplicates().hasSize(60);
        if (broker != null) {
            assertThat(metric("ferry_kafka_fetch_sessions")).isZero();
            assertThat(metric("ferry_kafka_fetch_incremental_total")).isEqualTo(incrementalBefore);
        }
    }

    private static void pollUntil(KafkaConsumer<String, String> consumer, List<String> seen, int count) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                seen.add(record.partition() + "/" + record.offset() + "/" + record.value());
            }
            return seen.size() >= count;
        });
    }

    /** A value from the broker's Prometheus endpoint. */
    private static long metric(String name) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + broker.prometheusPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body().lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> (long) Double.parseDouble(line.substring(name.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError(name + " not in /metrics"));
    }

    private static String bootstrap() {
        return host + ":" + port;
    }

    // ---- helpers ----

    private int opened(FetchResponseData full) {
        assertThat(full.errorCode()).isEqualTo(Errors.NONE.code());
        if (full.sessionId() != 0) {
            opened.add(full.sessionId());
        }
        return full.sessionId();
    }

    /** A topic of {@code partitions} partitions with {@code records} records in each; its id. */
    private static Uuid topicWithRecords(int partitions, int records) throws Exception {
        String name = KafkaTestBase.unique("fetch-session");
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        Uuid id = admin.describeTopics(List.of(name)).allTopicNames().get().get(name).topicId();
        TOPIC_NAMES.put(id, name);
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        for (int partition = 0; partition < partitions; partition++) {
            for (int i = 0; i < records; i++) {
                sent.add(producer.send(new ProducerRecord<>(name, partition, null, "r" + i)));
            }
        }
        for (java.util.concurrent.Future<?> future : sent) {
            future.get();
        }
        return id;
    }

    private static final Map<Uuid, String> TOPIC_NAMES = new java.util.concurrent.ConcurrentHashMap<>();

    private static void send(Uuid topic, int partition, String value) throws Exception {
        producer.send(new ProducerRecord<>(TOPIC_NAMES.get(topic), partition, null, value)).get();
    }

    /** A fetch of session {@code sessionId} at {@code epoch} that waits for nothing and names no partition yet. */
    private static FetchRequestData request(int sessionId, int epoch) {
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setIsolationLevel((byte) 0).setSessionId(sessionId).setSessionEpoch(epoch)
                .setTopics(new ArrayList<>()).setForgottenTopicsData(new ArrayList<>()).setRackId("");
    }

    /** Pairs of partition and fetch offset. */
    private static FetchTopic fetchTopic(Uuid topic, long... partitionAndOffset) {
        FetchTopic fetchTopic = new FetchTopic().setTopicId(topic);
        for (int i = 0; i < partitionAndOffset.length; i += 2) {
            fetchTopic.partitions().add(new FetchPartition().setPartition((int) partitionAndOffset[i])
                    .setFetchOffset(partitionAndOffset[i + 1]).setPartitionMaxBytes(1 << 20)
                    .setCurrentLeaderEpoch(-1).setLogStartOffset(-1).setLastFetchedEpoch(-1));
        }
        return fetchTopic;
    }

    private static Map<Integer, PartitionData> partitions(FetchResponseData answer) {
        Map<Integer, PartitionData> partitions = new TreeMap<>();
        for (FetchableTopicResponse topic : answer.responses()) {
            for (PartitionData partition : topic.partitions()) {
                assertThat(partitions.put(partition.partitionIndex(), partition)).as("partition answered twice").isNull();
            }
        }
        return partitions;
    }

    private static FetchResponseData fetch(RawKafkaClient raw, FetchRequestData request) throws IOException {
        return fetch(raw, request, VERSION);
    }

    private static FetchResponseData fetch(RawKafkaClient raw, FetchRequestData request, short version)
            throws IOException {
        int correlation = ++correlationId;
        raw.writeFrame(RawKafkaClient.encode(ApiKeys.FETCH, version, correlation, request));
        ByteBuffer frame = raw.readFrame();
        ByteBufferAccessor reader = new ByteBufferAccessor(frame);
        ResponseHeaderData header = new ResponseHeaderData(reader, ApiKeys.FETCH.responseHeaderVersion(version));
        assertThat(header.correlationId()).isEqualTo(correlation);
        return new FetchResponseData(reader, version);
    }

    private static RawKafkaClient raw() throws IOException {
        return new RawKafkaClient(host, port);
    }
}
