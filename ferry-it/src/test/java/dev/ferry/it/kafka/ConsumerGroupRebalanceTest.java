package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.embedded.Ferry;
import dev.ferry.it.support.BrokerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kafka-clients consumers sharing a 6-partition topic in one group while records are produced:
 * members leave and join mid-stream, the partitions move (with the eager range assignor and with
 * the cooperative sticky one, which the broker only relays), and every record produced is
 * processed; committed offsets survive a broker SIGKILL and consumers resume from them. The
 * rebalance tests share one broker embedded in the test's JVM (each has its own topic and group);
 * the SIGKILL test starts a broker process of its own, the one it kills.
 */
class ConsumerGroupRebalanceTest {
    private static final int PARTITIONS = 6;

    /** The broker of the tests that need no process to kill: in the test's JVM, one for the class. */
    private static Ferry embedded;
    @TempDir
    Path dataRoot;
    /** The broker process of the test that kills it; null in the others. */
    private BrokerProcess broker;
    private String bootstrap;
    private final List<PollingGroupConsumer> consumers = new ArrayList<>();

    @BeforeAll
    static void startEmbedded() {
        embedded = Ferry.builder().settings(settings -> settings.groupInitialRebalanceDelayMs = 200).start();
    }

    @AfterAll
    static void stopEmbedded() {
        if (embedded != null) {
            embedded.close();
            embedded = null;
        }
    }

    @AfterEach
    void stop() {
        consumers.forEach(PollingGroupConsumer::close);
        if (broker != null) {
            broker.terminate();
        }
    }

    private void startBrokerProcess() throws Exception {
        broker = BrokerProcess.start(dataRoot.resolve("data"), "--kafka-port", "0",
                "--group-initial-rebalance-delay-ms", "200");
        bootstrap = "127.0.0.1:" + broker.kafkaPort();
    }

    private String bootstrap() {
        return bootstrap;
    }

    private Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(properties);
    }

    private KafkaProducer<String, String> producer() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(properties);
    }

    /**
     * One consumer on its own thread: polls, processes (records the value), commits after each
     * poll. A commit meeting a rebalance is left, as kafka-clients documents it, to the next poll
     * that finishes the rebalance: what was not committed is committed later or read again.
     */
    private PollingGroupConsumer groupConsumer(String groupId, String topic, String assignor,
                                               Collection<String> allProcessed) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "c-" + UUID.randomUUID().toString().substring(0, 6));
        properties.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        properties.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        return PollingGroupConsumer.subscribedTo(topic, properties, allProcessed, RebalanceInProgressException.class);
    }

    private static void produce(KafkaProducer<String, String> producer, String topic, int from, int to)
            throws Exception {
        List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
        for (int i = from; i < to; i++) {
            sends.add(producer.send(new ProducerRecord<>(topic, "key-" + i, String.valueOf(i))));
        }
        for (java.util.concurrent.Future<?> send : sends) {
            send.get(30, TimeUnit.SECONDS);
        }
    }

    private static Set<String> values(int from, int to) {
        Set<String> values = new HashSet<>();
        for (int i = from; i < to; i++) {
            values.add(String.valueOf(i));
        }
        return values;
    }

    private void awaitAssignmentsCover(List<PollingGroupConsumer> members) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<TopicPartition> all = new ArrayList<>();
            for (PollingGroupConsumer member : members) {
                assertThat(member.failure).isNull();
                assertThat(member.assignment).as("each member's share").hasSize(PARTITIONS / members.size());
                all.addAll(member.assignment);
            }
            assertThat(new HashSet<>(all)).hasSize(PARTITIONS);
        });
    }

    @ParameterizedTest
    @ValueSource(classes = {RangeAssignor.class, CooperativeStickyAssignor.class})
    void shouldProcessEveryRecordWhileMembersLeaveAndJoin(Class<?> assignor) throws Exception {
        bootstrap = embedded.kafkaBootstrapServers();
        String topic = "orders-" + UUID.randomUUID().toString().substring(0, 6);
        String group = "processors-" + UUID.randomUUID().toString().substring(0, 6);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Set<String> processed = ConcurrentHashMap.newKeySet();
        try (KafkaProducer<String, String> producer = producer()) {
            PollingGroupConsumer first = groupConsumer(group, topic, assignor.getName(), processed);
            PollingGroupConsumer second = groupConsumer(group, topic, assignor.getName(), processed);
            PollingGroupConsumer third = groupConsumer(group, topic, assignor.getName(), processed);
            consumers.addAll(List.of(first, second, third));
            awaitAssignmentsCover(List.of(first, second, third));

            produce(producer, topic, 0, 1000);
            await().atMost(Duration.ofSeconds(60)).until(() -> processed.size() >= 300);

            // One member leaves mid-stream: its partitions go to the other two.
            second.close();
            produce(producer, topic, 1000, 2000);
            awaitAssignmentsCover(List.of(first, third));
            assertThat(second.processed).isNotEmpty();

            // A new one joins mid-stream: it takes its share.
            PollingGroupConsumer fourth = groupConsumer(group, topic, assignor.getName(), processed);
            consumers.add(fourth);
            produce(producer, topic, 2000, 3000);
            awaitAssignmentsCover(List.of(first, third, fourth));
            produce(producer, topic, 3000, 4000);

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(processed).containsAll(values(0, 4000)));
            assertThat(fourth.processed).isNotEmpty();
        }
        // Every partition's committed offset reaches its end: 4000 records in all.
        try (Admin admin = admin()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(4000);
            });
        }
    }

    @Test
    void shouldResumeFromCommittedOffsetsAfterABrokerKill() throws Exception {
        startBrokerProcess();
        String topic = "ledger-" + UUID.randomUUID().toString().substring(0, 6);
        String group = "auditors";
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = producer()) {
            produce(producer, topic, 0, 600);
        }
        Set<String> processed = ConcurrentHashMap.newKeySet();
        PollingGroupConsumer before = groupConsumer(group, topic, RangeAssignor.class.getName(), processed);
        consumers.add(before);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(processed).containsAll(values(0, 600)));
        // The last commitSync returned: its offsets are durable. Kill the broker under the live member.
        before.close();
        broker.kill();
        startBrokerProcess();
        try (KafkaProducer<String, String> producer = producer()) {
            produce(producer, topic, 600, 700);
        }
        Set<String> afterRestart = ConcurrentHashMap.newKeySet();
        PollingGroupConsumer after = groupConsumer(group, topic, RangeAssignor.class.getName(), afterRestart);
        consumers.add(after);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(afterRestart).containsAll(values(600, 700)));
        // Nothing committed before the kill is read again: the consumer started from the committed offsets.
        assertThat(afterRestart).doesNotContainAnyElementsOf(values(0, 600));
        assertThat(afterRestart).hasSize(100);
    }
}
