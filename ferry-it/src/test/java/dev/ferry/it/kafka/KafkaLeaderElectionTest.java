package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leader election and partition reassignment on one node, where every partition's only replica is
 * the node and always its leader: Kafka's Admin (electLeaders, listPartitionReassignments,
 * alterPartitionReassignments) and Kafka 4.3.1's own {@code kafka-leader-election} and {@code
 * kafka-reassign-partitions} (kafka-tools from Maven Central, one JVM per run) get what a
 * single-node Kafka 4.3.1 answers: no election needed, no reassignment in progress, a move to the
 * node accepted and done, anything else refused in Kafka's words, and {@code --verify} clearing
 * throttles the node never had. The texts were taken from Kafka 4.3.1 (KRaft, one node); with
 * {@code -Dferry.it.kafka=HOST:PORT} the class runs against such a Kafka and passes there too.
 */
class KafkaLeaderElectionTest extends KafkaTestBase {
    private static String toolsClasspath;
    private static int nodeId;

    @TempDir
    Path files;

    @BeforeAll
    static void resolveTools() throws Exception {
        toolsClasspath = KafkaToolsTest.resolveToolsClasspath();
        try (Admin admin = admin()) {
            nodeId = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id();
        }
    }

    @Test
    void shouldFindNoElectionNeededForPartitionsThatExistAndNameTheOnesThatDoNot() throws Exception {
        String topic = createUniqueTopic("elect", 2);
        String missing = unique("no-such-topic");
        TopicPartition first = new TopicPartition(topic, 0);
        TopicPartition second = new TopicPartition(topic, 1);
        TopicPartition beyond = new TopicPartition(topic, 5);
        TopicPartition ofMissing = new TopicPartition(missing, 0);
        try (Admin admin = admin()) {
            for (ElectionType type : ElectionType.values()) {
                Map<TopicPartition, Optional<Throwable>> results = admin.electLeaders(type,
                        Set.of(first, second, beyond, ofMissing)).partitions().get(30, TimeUnit.SECONDS);

                assertThat(results).as("%s", type).containsOnlyKeys(first, second, beyond, ofMissing);
                assertThat(results.get(first)).containsInstanceOf(ElectionNotNeededException.class);
                assertThat(results.get(second)).containsInstanceOf(ElectionNotNeededException.class);
                assertThat(results.get(beyond).orElseThrow()).isInstanceOf(UnknownTopicOrPartitionException.class)
                        .hasMessage("No such partition as " + topic + "-5");
                assertThat(results.get(ofMissing).orElseThrow()).isInstanceOf(UnknownTopicOrPartitionException.class)
                        .hasMessage("No such topic as " + missing);

                // Every partition: Kafka leaves out the ones that needed no election, which here is all of them.
                assertThat(admin.electLeaders(type, null).partitions().get(30, TimeUnit.SECONDS)).as("%s", type)
                        .isEmpty();
            }
        }
    }

    @Test
    void shouldListNoReassignmentAndTakeAMoveToThisNodeAsDone() throws Exception {
        String topic = createUniqueTopic("reassign", 2);
        TopicPartition first = new TopicPartition(topic, 0);
        TopicPartition second = new TopicPartition(topic, 1);
        TopicPartition ofMissing = new TopicPartition(unique("no-such-topic"), 0);
        try (Admin admin = admin()) {
            assertThat(admin.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS)).isEmpty();
            assertThat(admin.listPartitionReassignments(Set.of(first, ofMissing)).reassignments()
                    .get(30, TimeUnit.SECONDS)).isEmpty();

            Map<TopicPartition, Optional<NewPartitionReassignment>> moves = new HashMap<>();
            moves.put(first, Optional.of(new NewPartitionReassignment(List.of(nodeId))));
            moves.put(second, Optional.empty());
            moves.put(ofMissing, Optional.of(new NewPartitionReassignment(List.of(nodeId))));
            Map<TopicPartition, KafkaFuture<Void>> results = admin.alterPartitionReassignments(moves).values();

            results.get(first).get(30, TimeUnit.SECONDS);
            assertThat(failure(results.get(second))).isInstanceOf(NoReassignmentInProgressException.class);
            assertThat(failure(results.get(ofMissing))).isInstanceOf(UnknownTopicOrPartitionException.class)
                    .hasMessage("Unable to find a topic named " + ofMissing.topic() + ".");

            Map<TopicPartition, PartitionReassignment> after = admin.listPartitionReassignments().reassignments()
                    .get(30, TimeUnit.SECONDS);
            assertThat(after).isEmpty();
            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions().get(0).replicas()).extracting(node -> node.id()).containsExactly(nodeId);
        }
    }

    @Test
    void shouldRefuseReplicaListsOtherThanThisNodeInKafkasWords() throws Exception {
        String topic = createUniqueTopic("refused", 1);
        TopicPartition partition = new TopicPartition(topic, 0);
        int other = nodeId + 7;
        try (Admin admin = admin()) {
            assertThat(refusal(admin, partition, List.of(other)))
                    .hasMessage("The manual partition assignment includes broker " + other
                            + ", but no such broker is registered.");
            assertThat(refusal(admin, partition, List.of(nodeId, other)))
                    .hasMessage("The manual partition assignment includes broker " + other
                            + ", but no such broker is registered.");
            assertThat(refusal(admin, partition, List.of(nodeId, nodeId)))
                    .hasMessage("The manual partition assignment includes the broker " + nodeId + " more than once.");
            Throwable beyond = failure(admin.alterPartitionReassignments(Map.of(new TopicPartition(topic, 3),
                    Optional.of(new NewPartitionReassignment(List.of(nodeId)))))
                    .values().get(new TopicPartition(topic, 3)));
            assertThat(beyond).isInstanceOf(UnknownTopicOrPartitionException.class)
                    .hasMessage("Unable to find partition " + topic + ":3.");
        }
    }

    @Test
    void shouldRunKafkaLeaderElectionAsAgainstKafka() throws Exception {
        String topic = createUniqueTopic("tool-elect", 1);
        String missing = unique("no-such-topic");

        ToolRun unclean = election("--election-type", "unclean", "--topic", topic, "--partition", "0");
        assertThat(unclean.out()).isEqualTo("Valid replica already elected for partitions " + topic + "-0\n");
        assertThat(unclean.exitCode()).isZero();

        ToolRun all = election("--election-type", "preferred", "--all-topic-partitions");
        assertThat(all.out()).isEmpty();
        assertThat(all.exitCode()).isZero();

        ToolRun unknown = election("--election-type", "preferred", "--topic", missing, "--partition", "0");
        assertThat(unknown.out()).startsWith("Error completing leader election (PREFERRED) for partition: " + missing
                + "-0: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: No such topic as " + missing
                + "\n1 replica(s) could not be elected\n");
        assertThat(unknown.exitCode()).isEqualTo(1);
    }

    @Test
    void shouldRunKafkaReassignPartitionsAsAgainstKafka() throws Exception {
        String topic = createUniqueTopic("tool-reassign", 1);
        Path toThisNode = json("self.json", topic, nodeId);
        Path toAnother = json("other.json", topic, nodeId + 7);

        assertThat(reassign("--list")).isEqualTo(new ToolRun(0, "No partition reassignments found.\n"));

        ToolRun executed = reassign("--execute", "--reassignment-json-file", toThisNode.toString());
        assertThat(executed.out()).startsWith("Current partition replica assignment\n\n{\"version\":1,\"partitions\":"
                + "[{\"topic\":\"" + topic + "\",\"partition\":0,\"replicas\":[" + nodeId + "],\"log_dirs\":[\"");
        assertThat(executed.out()).endsWith("\n\nSave this to use as the --reassignment-json-file option during rollback\n"
                + "Successfully started partition reassignment for " + topic + "-0\n");
        assertThat(executed.exitCode()).isZero();

        assertThat(reassign("--list")).isEqualTo(new ToolRun(0, "No partition reassignments found.\n"));

        // --verify and --cancel end by deleting the broker's throttles, which Ferry never has.
        assertThat(reassign("--verify", "--reassignment-json-file", toThisNode.toString())).isEqualTo(new ToolRun(0,
                "Status of partition reassignment:\nReassignment of partition " + topic + "-0 is completed.\n\n"
                        + "Clearing broker-level throttles on broker " + nodeId + "\n"
                        + "Clearing topic-level throttles on topic " + topic + "\n"));
        assertThat(reassign("--cancel", "--reassignment-json-file", toThisNode.toString())).isEqualTo(new ToolRun(0,
                "None of the specified partition reassignments are active.\n"
                        + "None of the specified partition moves are active."
                        + "Clearing broker-level throttles on broker " + nodeId + "\n"
                        + "Clearing topic-level throttles on topic " + topic + "\n"));

        ToolRun unknownBroker = reassign("--execute", "--reassignment-json-file", toAnother.toString());
        assertThat(unknownBroker.out()).startsWith("Error: Unknown broker id " + (nodeId + 7) + "\n");
        assertThat(unknownBroker.exitCode()).isEqualTo(1);
    }

    private static Throwable refusal(Admin admin, TopicPartition partition, List<Integer> replicas) {
        Throwable refused = failure(admin.alterPartitionReassignments(Map.of(partition,
                Optional.of(new NewPartitionReassignment(replicas)))).values().get(partition));
        assertThat(refused).as("%s", replicas).isInstanceOf(InvalidReplicaAssignmentException.class);
        return refused;
    }

    private static Throwable failure(KafkaFuture<?> future) {
        ExecutionException failed = catchThrowableOfType(ExecutionException.class,
                () -> future.get(30, TimeUnit.SECONDS));
        assertThat(failed).as("the request failed").isNotNull();
        return failed.getCause();
    }

    private Path json(String name, String topic, int replica) throws Exception {
        Path file = files.resolve(name);
        Files.writeString(file, "{\"version\":1,\"partitions\":[{\"topic\":\"" + topic + "\",\"partition\":0,"
                + "\"replicas\":[" + replica + "]}]}");
        return file;
    }

    private record ToolRun(int exitCode, String out) {
    }

    private static ToolRun election(String... arguments) throws Exception {
        return tool("org.apache.kafka.tools.LeaderElectionCommand", arguments);
    }

    private static ToolRun reassign(String... arguments) throws Exception {
        return tool("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", arguments);
    }

    /** One of Kafka's tools in a JVM of its own (they end with {@code System.exit}), against the broker. */
    private static ToolRun tool(String mainClass, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", toolsClasspath, mainClass, "--bootstrap-server",
                bootstrap()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("%s finished", mainClass).isTrue();
        // kafka-tools comes without an SLF4J binding; its notice is not the tool's output.
        String own = out.lines().filter(line -> !line.startsWith("SLF4J")).reduce("", (all, line) -> all + line + "\n");
        return new ToolRun(process.exitValue(), own);
    }
}
