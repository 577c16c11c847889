package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.embedded.Ferry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka's own command-line tools from Maven Central ({@code kafka-tools}, Kafka's version), run
 * against Ferry with the arguments an operator gives them: {@code TopicCommand}, {@code
 * ConsumerGroupCommand} (describe with lag, members and state, reset and delete offsets, delete
 * groups) and {@code GetOffsetShell}. What they print is checked against what kafka-clients sees,
 * and their texts are Kafka 4.3.1's (run with {@code -Dferry.it.kafka=HOST:PORT} to point the class
 * at a real Kafka instead of a started Ferry).
 */
class KafkaToolsTest {
    private static final String KAFKA_VERSION = "4.3.1";
    /**
     * In the test's JVM: nothing here kills it or reads its log. Its log lines may land among what a
     * tool prints; the checks look for a tool's own lines and texts, which those never match.
     */
    private static Ferry broker;
    private static String bootstrap;
    private static URLClassLoader toolsLoader;

    @BeforeAll
    static void start() throws Exception {
        List<URL> jars = new ArrayList<>();
        for (String jar : resolveToolsClasspath().split(java.io.File.pathSeparator)) {
            jars.add(Path.of(jar).toUri().toURL());
        }
        toolsLoader = new URLClassLoader(jars.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        trapExits(toolsLoader);
        String external = System.getProperty("ferry.it.kafka");
        if (external != null && !external.isBlank()) {
            bootstrap = external;
            return;
        }
        broker = Ferry.builder().start();
        bootstrap = broker.kafkaBootstrapServers();
    }

    @AfterAll
    static void stop() throws IOException {
        if (toolsLoader != null) {
            toolsLoader.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** kafka-tools and its dependencies, resolved by the same script the benchmarks use (offline once cached). */
    static String resolveToolsClasspath() throws IOException, InterruptedException {
        Path script = Path.of("..", "ferry-bench", "scripts", "maven-classpath.sh").toAbsolutePath().normalize();
        Process process = new ProcessBuilder("bash", script.toString(), "kafka-tools-" + KAFKA_VERSION,
                "org.apache.kafka:kafka-tools:" + KAFKA_VERSION)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String classpath = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.waitFor(10, TimeUnit.MINUTES)).as("classpath resolved in time").isTrue();
        assertThat(process.exitValue()).as("maven-classpath.sh exit code").isZero();
        return classpath;
    }

    private record ToolRun(int exitCode, String out) {
    }

    /**
     * Thrown through a tool's main by the exit procedure put in place of {@code System.exit}; an
     * Error, so that a tool's {@code catch (Exception e)} around its run (the copier's) does not
     * take a successful exit for a failure.
     */
    private static final class ToolExited extends Error {
        private final int code;

        ToolExited(int code) {
            super(null, null, false, false);
            this.code = code;
        }
    }

    /**
     * Runs one of Kafka's tools against the broker and returns its exit code and what it printed.
     * In this JVM, in a class loader of its own (so Kafka's broker-side jars never meet the test's
     * class path), with Kafka's {@code Exit} pointed at an exception instead of {@code System.exit}:
     * a JVM per run cost two seconds each. Tests of this class run one at a time, so capturing
     * {@code System.out} and {@code System.err} is safe.
     */
    private static ToolRun tool(String mainClass, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("--bootstrap-server", bootstrap));
        command.addAll(List.of(arguments));
        return toolWith(mainClass, command);
    }

    /** As {@link #tool}, with the command line as given (a tool that names the broker otherwise). */
    private static synchronized ToolRun toolWith(String mainClass, List<String> command) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8);
        PrintStream out = System.out;
        PrintStream err = System.err;
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        int exitCode = 0;
        System.setOut(capture);
        System.setErr(capture);
        thread.setContextClassLoader(toolsLoader);
        try {
            toolsLoader.loadClass(mainClass).getMethod("main", String[].class)
                    .invoke(null, (Object) command.toArray(String[]::new));
        } catch (InvocationTargetException e) {
            if (!(e.getCause() instanceof ToolExited exited)) {
                throw e;
            }
            exitCode = exited.code;
        } finally {
            thread.setContextClassLoader(previous);
            System.setOut(out);
            System.setErr(err);
        }
        // The tools come without an SLF4J binding; its notice is not theirs to check.
        String text = printed.toString(StandardCharsets.UTF_8).lines().filter(line -> !line.startsWith("SLF4J:"))
                .reduce("", (all, line) -> all + line + "\n");
        return new ToolRun(exitCode, text);
    }

    /** Kafka's {@code Exit.setExitProcedure} in the tools' loader: exits become {@link ToolExited}. */
    private static void trapExits(ClassLoader loader) throws Exception {
        Class<?> exit = loader.loadClass("org.apache.kafka.common.utils.Exit");
        Class<?> procedure = loader.loadClass("org.apache.kafka.common.utils.Exit$Procedure");
        Object throwing = Proxy.newProxyInstance(loader, new Class<?>[] {procedure}, (proxy, method, args) -> {
            return switch (method.getName()) {
                case "execute" -> throw new ToolExited((Integer) args[0]);
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> "exit procedure of KafkaToolsTest";
            };
        });
        exit.getMethod("setExitProcedure", procedure).invoke(null, throwing);
        exit.getMethod("setHaltProcedure", procedure).invoke(null, throwing);
    }

    private static ToolRun topics(String... arguments) throws Exception {
        return tool("org.apache.kafka.tools.TopicCommand", arguments);
    }

    private static ToolRun groups(String... arguments) throws Exception {
        return tool("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", arguments);
    }

    private static ToolRun offsets(String... arguments) throws Exception {
        return tool("org.apache.kafka.tools.GetOffsetShell", arguments);
    }

    private static Properties clientProperties() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return properties;
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** {@code perPartition} records into each of the topic's first partitions, timestamps as given or now. */
    private static void produce(String topic, int partitions, int perPartition) throws Exception {
        Properties properties = clientProperties();
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties, new StringSerializer(),
                new StringSerializer())) {
            for (int partition = 0; partition < partitions; partition++) {
                for (int i = 0; i < perPartition; i++) {
                    producer.send(new ProducerRecord<>(topic, partition, "k" + i, "v" + i));
                }
            }
            producer.flush();
        }
    }

    /** Rows of a tool's table whose first column is {@code first}, split on runs of spaces. */
    private static List<String[]> rows(String printed, String first) {
        List<String[]> rows = new ArrayList<>();
        for (String line : printed.split("\n")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length > 1 && columns[0].equals(first)) {
                rows.add(columns);
            }
        }
        return rows;
    }

    @Test
    void topicCommandCreatesDescribesAltersAndDeletesTopics() throws Exception {
        String topic = unique("tools-topic");

        ToolRun created = topics("--create", "--topic", topic, "--partitions", "3", "--replication-factor", "1");
        assertThat(created.out()).as(created.out()).contains("Created topic " + topic + ".");
        assertThat(topics("--list").out().lines()).contains(topic);
        assertThat(topics("--describe", "--topic", topic).out()).contains("PartitionCount: 3", "ReplicationFactor: 1");

        topics("--alter", "--topic", topic, "--partitions", "5");
        String described = topics("--describe", "--topic", topic).out();
        assertThat(described).contains("PartitionCount: 5");
        assertThat(rows(described, "Topic:").stream().filter(row -> row.length > 3 && row[2].equals("Partition:")))
                .hasSize(5);

        assertThat(topics("--create", "--topic", topic, "--partitions", "1", "--replication-factor", "1").out())
                .contains("Topic '" + topic + "' already exists.");
        assertThat(topics("--describe", "--topic", topic + "-missing").out())
                .contains("Topic '" + topic + "-missing' does not exist as expected");

        topics("--delete", "--topic", topic);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(topics("--list").out().lines())
                .doesNotContain(topic));
    }

    @Test
    void consumerGroupCommandShowsLagAndResetsAndDeletesOffsets() throws Exception {
        String topic = unique("tools-lag");
        String group = unique("tools-group");
        topics("--create", "--topic", topic, "--partitions", "3", "--replication-factor", "1");
        produce(topic, 3, 10);
        try (Admin admin = Admin.create(clientProperties())) {
            Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
            for (int partition = 0; partition < 3; partition++) {
                committed.put(new TopicPartition(topic, partition), new OffsetAndMetadata(4L + partition));
            }
            admin.alterConsumerGroupOffsets(group, committed).all().get(30, TimeUnit.SECONDS);

            String described = groups("--describe", "--group", group).out();
            List<String[]> lag = rows(described, group);
            assertThat(lag).as(described).hasSize(3);
            for (String[] row : lag) {
                int partition = Integer.parseInt(row[2]);
                assertThat(row[1]).isEqualTo(topic);
                assertThat(row[3]).as("current offset of %d", partition).isEqualTo(String.valueOf(4 + partition));
                assertThat(row[4]).as("log end offset of %d", partition).isEqualTo("10");
                assertThat(row[5]).as("lag of %d", partition).isEqualTo(String.valueOf(6 - partition));
            }
            assertThat(described).contains("Consumer group '" + group + "' has no active members.");
            assertThat(groups("--list").out().lines()).contains(group);
            assertThat(rows(groups("--describe", "--group", group, "--state").out(), group).get(0)).contains("Empty");

            ToolRun reset = groups("--reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute");
            assertThat(rows(reset.out(), group)).as(reset.out()).hasSize(3).allSatisfy(row -> assertThat(row[3]).isEqualTo("0"));
            groups("--reset-offsets", "--group", group, "--topic", topic + ":1", "--shift-by", "2", "--execute");
            ToolRun dryRun = groups("--reset-offsets", "--group", group, "--topic", topic + ":0", "--to-offset", "7",
                    "--dry-run");
            assertThat(rows(dryRun.out(), group).get(0)).contains("7");
            ToolRun deleted = groups("--delete-offsets", "--group", group, "--topic", topic + ":2");
            assertThat(deleted.out()).contains("Request succeeded for deleting offsets from group " + group + ".");

            Map<TopicPartition, OffsetAndMetadata> after = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertThat(after).hasSize(2);
            assertThat(after.get(new TopicPartition(topic, 0)).offset()).as("dry run changes nothing").isZero();
            assertThat(after.get(new TopicPartition(topic, 1)).offset()).isEqualTo(2);

            assertThat(groups("--delete", "--group", group).out())
                    .contains("Deletion of requested consumer groups ('" + group + "') was successful.");
            assertThat(groups("--list").out().lines()).doesNotContain(group);
            assertThat(groups("--describe", "--group", group).out()).contains("Group " + group + " not found.");
        }
    }

    @Test
    void consumerGroupCommandSeesALiveMemberAndRefusesToResetOrDeleteItsGroup() throws Exception {
        String topic = unique("tools-live");
        String group = unique("tools-live-group");
        topics("--create", "--topic", topic, "--partitions", "2", "--replication-factor", "1");
        produce(topic, 2, 3);
        Properties properties = clientProperties();
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "tools-live-client");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            int[] seen = {0};
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                seen[0] += consumer.poll(Duration.ofMillis(200)).count();
                return seen[0] == 6;
            });
            consumer.commitSync();

            String members = groups("--describe", "--group", group, "--members").out();
            List<String[]> memberRows = rows(members, group);
            assertThat(memberRows).as(members).hasSize(1);
            assertThat(memberRows.get(0)).contains("tools-live-client", "2");
            assertThat(rows(groups("--describe", "--group", group, "--state").out(), group).get(0))
                    .contains("Stable", "1");
            assertThat(rows(groups("--describe", "--group", group).out(), group))
                    .allSatisfy(row -> assertThat(row[5]).as("lag").isEqualTo("0"));

            assertThat(groups("--reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute").out())
                    .contains("Assignments can only be reset if the group '" + group
                            + "' is inactive, but the current state is Stable.");
            assertThat(groups("--delete", "--group", group).out()).contains("The group is not empty.");
        }
    }

    @Test
    void getOffsetShellPrintsLatestEarliestAndMaxTimestampOffsets() throws Exception {
        String topic = unique("tools-offsets");
        topics("--create", "--topic", topic, "--partitions", "2", "--replication-factor", "1");
        Properties properties = clientProperties();
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties, new StringSerializer(),
                new StringSerializer())) {
            long base = System.currentTimeMillis() - 60_000;
            long[] timestamps = {base, base + 300, base + 100, base + 300, base + 200};
            for (long timestamp : timestamps) {
                producer.send(new ProducerRecord<>(topic, 0, timestamp, "k", "v"));
            }
            producer.flush();
        }
        try (Admin admin = Admin.create(clientProperties())) {
            admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(1)))
                    .all().get(30, TimeUnit.SECONDS);
        }

        assertThat(lines(offsets("--topic", topic))).containsExactly(topic + ":0:5", topic + ":1:0");
        assertThat(lines(offsets("--topic", topic, "--time", "-2"))).containsExactly(topic + ":0:1", topic + ":1:0");
        // The first record holding the largest timestamp, as Kafka's log answers; none in an empty partition.
        assertThat(lines(offsets("--topic", topic, "--time", "-3"))).containsExactly(topic + ":0:1");
        assertThat(offsets("--topic", topic + "-missing").out())
                .contains("Could not match any topic-partitions with the specified filters");
    }

    @Test
    void transactionsCommandListsAndDescribesAnOpenTransaction() throws Exception {
        String topic = unique("tools-txn");
        String transactionalId = unique("tools-txn-id");
        topics("--create", "--topic", topic, "--partitions", "2", "--replication-factor", "1");
        Properties properties = clientProperties();
        properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties, new StringSerializer(),
                new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 1, "k", "v")).get(30, TimeUnit.SECONDS);

            ToolRun list = tool("org.apache.kafka.tools.TransactionsCommand", "list");
            assertThat(list.exitCode()).isZero();
            assertThat(list.out()).containsPattern("(?m)^" + transactionalId + "\\s+\\d+\\s+\\d+\\s+Ongoing\\s*$");
            ToolRun describe = tool("org.apache.kafka.tools.TransactionsCommand", "describe", "--transactional-id",
                    transactionalId);
            assertThat(describe.exitCode()).isZero();
            assertThat(describe.out()).contains("Ongoing").contains("60000").contains(topic + "-1");
            ToolRun producers = tool("org.apache.kafka.tools.TransactionsCommand", "describe-producers", "--topic",
                    topic, "--partition", "1");
            assertThat(producers.exitCode()).isZero();
            // ProducerId, ProducerEpoch, LatestCoordinatorEpoch, LastSequence 0, LastTimestamp, the open transaction at 0.
            assertThat(producers.out()).containsPattern("(?m)^\\d+\\s+\\d+\\s+-?\\d+\\s+0\\s+\\d+\\s+0\\s*$");
            String nodeId;
            try (Admin admin = Admin.create(clientProperties())) {
                nodeId = admin.describeCluster().controller().get(30, TimeUnit.SECONDS).idString();
            }
            ToolRun hanging = tool("org.apache.kafka.tools.TransactionsCommand", "find-hanging", "--broker-id", nodeId);
            assertThat(hanging.exitCode()).isZero();
            assertThat(hanging.out()).contains("ProducerId").doesNotContain(topic);

            producer.commitTransaction();
            // Kafka may still be writing the markers after the commit returned; Ferry has written them.
            await().atMost(Duration.ofSeconds(30)).until(() -> tool("org.apache.kafka.tools.TransactionsCommand",
                    "describe", "--transactional-id", transactionalId).out().contains("CompleteCommit"));
            assertThat(tool("org.apache.kafka.tools.TransactionsCommand", "describe", "--transactional-id",
                    transactionalId).out()).doesNotContain(topic + "-1");
        }
    }

    @Test
    void transactionalMessageCopierCopiesAPartitionExactlyOnceThroughRandomAborts() throws Exception {
        String input = unique("copier-in");
        String output = unique("copier-out");
        String group = unique("copier-group");
        topics("--create", "--topic", input, "--partitions", "1", "--replication-factor", "1");
        topics("--create", "--topic", output, "--partitions", "1", "--replication-factor", "1");
        int records = 600;
        produce(input, 1, records);

        // Kafka's own read-process-write tool: transactions of 50, offsets sent with each, and
        // some transactions aborted on purpose (the copier then rewinds to its committed offset).
        ToolRun copier = toolWith("org.apache.kafka.tools.TransactionalMessageCopier", List.of(
                "--broker-list", bootstrap, "--input-topic", input, "--input-partition", "0",
                "--output-topic", output, "--transactional-id", unique("copier"), "--consumer-group", group,
                "--transaction-size", "50", "--enable-random-aborts", "--use-group-metadata"));
        assertThat(copier.exitCode()).as(copier.out()).isZero();

        Properties properties = clientProperties();
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> copied = new ArrayList<>();
        TopicPartition partition = new TopicPartition(output, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> copied.add(record.value()));
                return consumer.position(partition) >= end;
            });
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            expected.add("v" + i);
        }
        assertThat(copied).as("committed output").containsExactlyElementsOf(expected);
        try (Admin admin = Admin.create(clientProperties())) {
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .get(new TopicPartition(input, 0)).offset()).isEqualTo(records);
        }
    }

    private static List<String> lines(ToolRun run) {
        Pattern offsetLine = Pattern.compile("^\\S+:\\d+:-?\\d*$");
        List<String> lines = new ArrayList<>();
        for (String line : run.out().split("\n")) {
            Matcher matcher = offsetLine.matcher(line.trim());
            if (matcher.matches()) {
                lines.add(line.trim());
            }
        }
        return lines;
    }
}
