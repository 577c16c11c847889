package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.Set;
import org.apache.kafka.clients.admin.DeleteConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;

/** Kafka's AdminClient against Ferry: topics created, listed, described and deleted; the cluster as it describes it. */
class KafkaAdminTest extends KafkaTestBase {

    @Test
    void shouldCreateListAndDeleteTopics() throws Exception {
        String topic = unique("admin");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1)
                    .configs(Map.of("retention.ms", "3600000")))).all().get(30, TimeUnit.SECONDS);

            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic);
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic);
            assertThat(description.partitions()).hasSize(4);
            assertThat(description.partitions()).allSatisfy(partition -> {
                assertThat(partition.leader().port()).isEqualTo(bootstrapPort());
                assertThat(partition.replicas()).hasSize(1);
            });
            assertThat(description.topicId()).isNotEqualTo(Uuid.ZERO_UUID);

            ExecutionException exists = catchThrowableOfType(ExecutionException.class, () -> admin.createTopics(
                    List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS));
            assertThat(exists.getCause()).isInstanceOf(TopicExistsException.class);
            ExecutionException replicated = catchThrowableOfType(ExecutionException.class, () -> admin.createTopics(
                    List.of(new NewTopic(unique("replicated"), 1, (short) 3))).all().get(30, TimeUnit.SECONDS));
            assertThat(replicated.getCause()).isInstanceOf(InvalidReplicationFactorException.class);
            ExecutionException badConfig = catchThrowableOfType(ExecutionException.class, () -> admin.createTopics(
                    List.of(new NewTopic(unique("bad-config"), 1, (short) 1).configs(Map.of("no.such.config", "1"))))
                    .all().get(30, TimeUnit.SECONDS));
            assertThat(badConfig.getCause()).isInstanceOf(InvalidConfigurationException.class);

            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);

            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(topic);
            ExecutionException gone = catchThrowableOfType(ExecutionException.class,
                    () -> admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS));
            assertThat(gone.getCause()).isInstanceOf(UnknownTopicOrPartitionException.class);
        }
    }

    @Test
    void shouldDeleteAGroupsOffsetsOnlyOfPartitionsThatExist() throws Exception {
        String topic = unique("offsets-kept");
        String group = unique("offsets-group");
        TopicPartition kept = new TopicPartition(topic, 0);
        TopicPartition beyond = new TopicPartition(topic, 5);
        TopicPartition missing = new TopicPartition(unique("no-such-topic"), 0);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            admin.alterConsumerGroupOffsets(group, Map.of(kept, new OffsetAndMetadata(9))).all().get(30, TimeUnit.SECONDS);

            DeleteConsumerGroupOffsetsResult deleted = admin.deleteConsumerGroupOffsets(group, Set.of(beyond, missing));

            // As Kafka 4.3.1: a partition that does not exist is refused, whether or not the group had an offset there.
            for (TopicPartition partition : List.of(beyond, missing)) {
                ExecutionException refused = catchThrowableOfType(ExecutionException.class,
                        () -> deleted.partitionResult(partition).get(30, TimeUnit.SECONDS));
                assertThat(refused.getCause()).as(partition.toString()).isInstanceOf(UnknownTopicOrPartitionException.class);
            }
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS))
                    .containsOnlyKeys(kept);
        }
    }

    @Test
    void shouldDescribeTheClusterAsOneNodeThatIsAlsoTheController() throws Exception {
        try (Admin admin = admin()) {
            DescribeClusterResult cluster = admin.describeCluster();
            Collection<Node> nodes = cluster.nodes().get(30, TimeUnit.SECONDS);
            Node controller = cluster.controller().get(30, TimeUnit.SECONDS);
            String clusterId = cluster.clusterId().get(30, TimeUnit.SECONDS);

            assertThat(nodes).hasSize(1);
            Node node = nodes.iterator().next();
            assertThat(node.host()).isEqualTo("127.0.0.1");
            assertThat(node.port()).isEqualTo(bootstrapPort());
            assertThat(controller.id()).isEqualTo(node.id());
            assertThat(clusterId).hasSize(22);
        }
    }
}
