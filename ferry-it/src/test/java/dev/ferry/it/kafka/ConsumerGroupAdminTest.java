package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.embedded.Ferry;
import dev.ferry.it.support.BrokerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumer groups and their offsets through kafka-clients' consumer and AdminClient: membership as
 * consumers come and go (a broker embedded in the test's JVM), offsets committed, read, deleted, and
 * kept across a broker SIGKILL (a broker process, the one the test kills).
 */
class ConsumerGroupAdminTest {
    @TempDir
    Path dataRoot;
    /** The broker process of the test that kills it; null in the other. */
    private BrokerProcess broker;
    /** The broker of the test that needs no process to kill, in the test's JVM; null in the other. */
    private Ferry embedded;
    private String bootstrap;
    private final List<PollingGroupConsumer> consumers = new ArrayList<>();

    @AfterEach
    void stop() {
        consumers.forEach(PollingGroupConsumer::close);
        if (broker != null) {
            broker.terminate();
        }
        if (embedded != null) {
            embedded.close();
        }
    }

    private void startBrokerProcess() throws Exception {
        broker = BrokerProcess.start(dataRoot.resolve("data"), "--kafka-port", "0",
                "--group-initial-rebalance-delay-ms", "0");
        bootstrap = "127.0.0.1:" + broker.kafkaPort();
    }

    private Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(properties);
    }

    /** A member of {@code groupId} polling on a thread of its own until closed (it reads nothing, so commits nothing). */
    private PollingGroupConsumer member(String groupId, String topic) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "it-" + UUID.randomUUID().toString().substring(0, 6));
        properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        properties.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
        PollingGroupConsumer member = PollingGroupConsumer.subscribedTo(topic, properties, new ArrayList<>());
        consumers.add(member);
        return member;
    }

    private static ConsumerGroupDescription describe(Admin admin, String groupId) throws Exception {
        return admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId).get(30, TimeUnit.SECONDS);
    }

    @Test
    void shouldShowConsumersJoiningAndLeavingOneGroup() throws Exception {
        embedded = Ferry.builder().settings(settings -> settings.groupInitialRebalanceDelayMs = 0).start();
        bootstrap = embedded.kafkaBootstrapServers();
        String group = "members-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = admin()) {
            PollingGroupConsumer first = member(group, "no-such-topic");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                ConsumerGroupDescription description = describe(admin, group);
                assertThat(description.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(description.members()).hasSize(1);
            });
            PollingGroupConsumer second = member(group, "no-such-topic");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                ConsumerGroupDescription description = describe(admin, group);
                assertThat(description.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(description.members()).hasSize(2);
                assertThat(description.partitionAssignor()).isEqualTo("range");
                assertThat(description.members()).allSatisfy(member -> assertThat(member.host()).isEqualTo("/127.0.0.1"));
            });
            assertThat(admin.listGroups().all().get(30, TimeUnit.SECONDS)).extracting(GroupListing::groupId)
                    .contains(group);

            assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(GroupNotEmptyException.class);

            first.close();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                ConsumerGroupDescription description = describe(admin, group);
                assertThat(description.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(description.members()).hasSize(1);
            });
            second.close();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                    assertThat(describe(admin, group).groupState()).isEqualTo(GroupState.EMPTY));

            admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(GroupIdNotFoundException.class);
        }
    }

    @Test
    void shouldKeepCommittedOffsetsAcrossABrokerKill() throws Exception {
        startBrokerProcess();
        String group = "offsets-" + UUID.randomUUID().toString().substring(0, 8);
        TopicPartition p0 = new TopicPartition("orders", 0);
        TopicPartition p1 = new TopicPartition("orders", 1);
        TopicPartition other = new TopicPartition("payments", 0);
        try (Admin admin = admin()) {
            // Offsets only for partitions that exist: Kafka refuses others with UNKNOWN_TOPIC_OR_PARTITION.
            admin.createTopics(List.of(new NewTopic("orders", 2, (short) 1), new NewTopic("payments", 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            admin.alterConsumerGroupOffsets(group, Map.of(p0, new OffsetAndMetadata(42, "after order 41"),
                    p1, new OffsetAndMetadata(7), other, new OffsetAndMetadata(3))).all().get(30, TimeUnit.SECONDS);
            admin.deleteConsumerGroupOffsets(group, Set.of(other)).all().get(30, TimeUnit.SECONDS);
        }
        broker.kill();
        startBrokerProcess();
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertThat(offsets).containsOnlyKeys(p0, p1);
            assertThat(offsets.get(p0).offset()).isEqualTo(42);
            assertThat(offsets.get(p0).metadata()).isEqualTo("after order 41");
            assertThat(offsets.get(p1).offset()).isEqualTo(7);
            assertThat(describe(admin, group).groupState()).isEqualTo(GroupState.EMPTY);
        }
    }
}
