package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group of Kafka's consumer protocol (KIP-848) across a SIGKILL of the broker: the coordinator
 * writes the membership (epochs, target and current assignments) to its log on every change, so
 * after the restart the members carry on at their epochs, with their partitions, without a
 * rebalance and without being told their partitions were lost. The broker comes back on the same
 * Kafka port, so the consumers (which keep running) reconnect on their own.
 */
class KafkaConsumerProtocolCrashTest {
    private static final int PARTITIONS = 4;

    @TempDir
    Path dataRoot;
    private BrokerProcess broker;
    private int kafkaPort;
    private final List<PollingGroupConsumer> members = new java.util.ArrayList<>();

    @AfterEach
    void stop() {
        members.forEach(PollingGroupConsumer::close);
        if (broker != null) {
            broker.terminate();
        }
    }

    @Test
    void shouldKeepMembersEpochsAndPartitionsAcrossABrokerKill() throws Exception {
        String topic = "kip848-crash";
        String group = "kip848-crash-group";
        Set<String> processed = startWithTopic(topic);
        members.add(member(group, topic, processed, "consumer"));
        members.add(member(group, topic, processed, "consumer"));

        killAndRestartUnderTheGroup(group, topic, processed);
    }

    /**
     * A group mid-migration (a classic member taken into a consumer group, KIP-848): the classic
     * member's session timeout and protocols are in its record, so after the restart it carries on
     * at its epoch (its generation) with its partitions, without a rebalance.
     */
    @Test
    void shouldKeepAClassicMemberOfAConsumerGroupAcrossABrokerKill() throws Exception {
        String topic = "kip848-mixed-crash";
        String group = "kip848-mixed-crash-group";
        Set<String> processed = startWithTopic(topic);
        members.add(member(group, topic, processed, "consumer"));
        await().atMost(Duration.ofSeconds(60)).until(() -> members.get(0).assignment.size() == PARTITIONS);
        members.add(member(group, topic, processed, "classic"));

        BeforeAndAfter described = killAndRestartUnderTheGroup(group, topic, processed);

        assertThat(described.before().members()).extracting(member -> member.upgraded().orElseThrow())
                .containsExactlyInAnyOrder(true, false);
        assertThat(described.after().members()).extracting(member -> member.upgraded().orElseThrow())
                .containsExactlyInAnyOrder(true, false);
    }

    /** Starts the broker on a port of its own and creates {@code topic}; the set the members fill. */
    private Set<String> startWithTopic(String topic) throws Exception {
        kafkaPort = freePort();
        startBroker();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return ConcurrentHashMap.newKeySet();
    }

    /**
     * Once the two members share the partitions and the group is stable: records before, a SIGKILL
     * and restart, records after. Every record is processed, and the group comes back with the same
     * epochs and assignments, no member failing or told its partitions were lost. Returns the group
     * as described before the kill and after the restart.
     */
    private BeforeAndAfter killAndRestartUnderTheGroup(String group, String topic, Set<String> processed)
            throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> members.stream().allMatch(m -> m.assignment.size() == 2));
        ConsumerGroupDescription before;
        try (Admin admin = admin()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> describe(admin, group).groupState() == GroupState.STABLE);
            before = describe(admin, group);
        }
        produce(topic, 0, 200);
        await().atMost(Duration.ofSeconds(60)).until(() -> processed.size() == 200);

        broker.kill();
        startBroker();

        produce(topic, 200, 400);
        await().atMost(Duration.ofSeconds(90)).until(() -> processed.size() == 400);
        ConsumerGroupDescription after;
        try (Admin admin = admin()) {
            after = describe(admin, group);
        }
        assertThat(after.groupEpoch()).isEqualTo(before.groupEpoch());
        assertThat(epochs(after)).isEqualTo(epochs(before));
        assertThat(assignments(after)).isEqualTo(assignments(before));
        for (PollingGroupConsumer member : members) {
            assertThat(member.failure).isNull();
            assertThat(member.lost.get()).as("partitions reported lost").isZero();
            assertThat(member.assignment).hasSize(2);
        }
        return new BeforeAndAfter(before, after);
    }

    private record BeforeAndAfter(ConsumerGroupDescription before, ConsumerGroupDescription after) {
    }

    private void startBroker() throws IOException {
        // Heartbeats every second instead of Kafka's 5 s: the same rounds, sooner.
        broker = BrokerProcess.start(dataRoot.resolve("data"), "--kafka-port", Integer.toString(kafkaPort),
                "--kafka-config", "group.consumer.min.heartbeat.interval.ms=1000",
                "--kafka-config", "group.consumer.heartbeat.interval.ms=1000");
        assertThat(broker.kafkaPort()).isEqualTo(kafkaPort);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private String bootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    private Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(properties);
    }

    private static ConsumerGroupDescription describe(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
    }

    private static Map<String, Integer> epochs(ConsumerGroupDescription group) {
        Map<String, Integer> epochs = new HashMap<>();
        for (MemberDescription member : group.members()) {
            epochs.put(member.consumerId(), member.memberEpoch().orElse(-1));
        }
        return epochs;
    }

    private static Map<String, Set<TopicPartition>> assignments(ConsumerGroupDescription group) {
        Map<String, Set<TopicPartition>> assignments = new HashMap<>();
        for (MemberDescription member : group.members()) {
            assignments.put(member.consumerId(), member.assignment().topicPartitions());
        }
        return assignments;
    }

    private void produce(String topic, int from, int to) throws Exception {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties)) {
            for (int i = from; i < to; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, "r" + i));
            }
            producer.flush();
        }
    }

    /**
     * A consumer of the given group protocol on a thread of its own, committing what it processed;
     * a commit failing while the broker is down is covered by the next one.
     */
    private PollingGroupConsumer member(String group, String topic, Set<String> processed, String protocol) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        properties.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        if (protocol.equals("classic")) {
            properties.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000); // the broker's interval
        }
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return PollingGroupConsumer.subscribedTo(topic, properties, processed, RetriableException.class);
    }
}
