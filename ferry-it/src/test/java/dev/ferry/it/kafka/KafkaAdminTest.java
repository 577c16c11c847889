package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;

/** Kafka's AdminClient against Ferry: the cluster as it describes it. */
class KafkaAdminTest extends KafkaTestBase {

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
            assertThat(node.port()).isEqualTo(broker.kafkaPort());
            assertThat(controller.id()).isEqualTo(node.id());
            assertThat(clusterId).hasSize(22);
        }
    }
}
