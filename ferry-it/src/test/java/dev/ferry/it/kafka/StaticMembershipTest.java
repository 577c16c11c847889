package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Static membership (KIP-345, {@code group.instance.id}) with kafka-clients: a consumer process
 * that restarts under the same instance id gets its partitions back at once, and the other member
 * goes on without a rebalance; AdminClient shows the instance ids. Passes against Kafka 4.3.1 with
 * {@code -Dferry.it.kafka=HOST:PORT}.
 */
class StaticMembershipTest extends KafkaTestBase {

    private static KafkaConsumer<byte[], byte[]> consumer(String group, String instanceId) {
        Properties properties = clientProperties(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId,
                ConsumerConfig.CLIENT_ID_CONFIG, "static-" + instanceId,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 45_000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500));
        return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Counts revocations and assignments; a rebalance of the eager assignor revokes everything first. */
    private static final class Rebalances implements ConsumerRebalanceListener {
        final AtomicInteger revoked = new AtomicInteger();
        final AtomicInteger assigned = new AtomicInteger();

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                revoked.incrementAndGet();
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assigned.incrementAndGet();
        }
    }

    @Test
    void shouldGiveARestartedStaticMemberItsPartitionsWithoutARebalance() throws Exception {
        String topic = unique("static");
        String group = unique("static-group");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Rebalances stayingRebalances = new Rebalances();
        try (KafkaConsumer<byte[], byte[]> staying = consumer(group, "staying")) {
            staying.subscribe(List.of(topic), stayingRebalances);
            Set<TopicPartition> restartedBefore;
            try (KafkaConsumer<byte[], byte[]> restarting = consumer(group, "restarting")) {
                restarting.subscribe(List.of(topic));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    staying.poll(Duration.ofMillis(100));
                    restarting.poll(Duration.ofMillis(100));
                    return staying.assignment().size() == 2 && restarting.assignment().size() == 2;
                });
                restartedBefore = new HashSet<>(restarting.assignment());
            }
            int generation = staying.groupMetadata().generationId();
            int revocations = stayingRebalances.revoked.get();

            try (KafkaConsumer<byte[], byte[]> restarted = consumer(group, "restarting")) {
                restarted.subscribe(List.of(topic));
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    staying.poll(Duration.ofMillis(100));
                    restarted.poll(Duration.ofMillis(100));
                    return !restarted.assignment().isEmpty();
                });

                assertThat(restarted.assignment()).isEqualTo(restartedBefore);
                assertThat(restarted.groupMetadata().generationId()).isEqualTo(generation);
                for (int i = 0; i < 5; i++) {
                    staying.poll(Duration.ofMillis(100));
                }
                assertThat(staying.groupMetadata().generationId()).as("no new generation").isEqualTo(generation);
                assertThat(stayingRebalances.revoked.get()).as("nothing revoked").isEqualTo(revocations);
                assertThat(staying.assignment()).hasSize(2);

                try (Admin admin = admin()) {
                    ConsumerGroupDescription described = admin.describeConsumerGroups(List.of(group))
                            .describedGroups().get(group).get(30, TimeUnit.SECONDS);
                    assertThat(described.members()).extracting(member -> member.groupInstanceId().orElse(null))
                            .containsExactlyInAnyOrder("staying", "restarting");
                    assertThat(described.members()).extracting(MemberDescription::clientId)
                            .containsExactlyInAnyOrder("static-staying", "static-restarting");
                }
            }
        }
    }
}
