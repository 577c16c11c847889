package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.BrokerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once across crashes: a read-process-write copier (a {@code read_committed} consumer and a
 * transactional producer committing the consumed offsets with {@code sendOffsetsToTransaction})
 * copies an input topic to an output topic while the broker process is killed with SIGKILL and
 * restarted three times on the same port. Afterwards the output read with {@code read_committed}
 * holds every input record exactly once: transactions cut by a kill are aborted (by the copier's
 * next {@code initTransactions}, which fences its earlier self) or completed after the restart,
 * never half visible.
 */
class KafkaTransactionCrashTest {
    private static final int RECORDS = 2_000;
    private static final int KILLS = 3;

    @TempDir
    Path dataDir;

    @Test
    void shouldCopyEveryRecordExactlyOnceAcrossKillNine() throws Exception {
        int port = freePort();
        String bootstrap = "127.0.0.1:" + port;
        List<TopicPartition> input = List.of(new TopicPartition("in", 0), new TopicPartition("in", 1));
        List<String> sent = new ArrayList<>();
        BrokerProcess broker = start(port);
        AtomicBoolean copying = new AtomicBoolean(true);
        AtomicLong committedTransactions = new AtomicLong();
        Thread copier = new Thread(() -> copyUntilStopped(bootstrap, input, copying, committedTransactions), "copier");
        try {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("in", 2, (short) 1), new NewTopic("out", 2, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties(bootstrap,
                    Map.of(ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < RECORDS; i++) {
                    String value = "record-" + i;
                    producer.send(new ProducerRecord<>("in", i % 2, Integer.toString(i), value));
                    sent.add(value);
                }
                producer.flush();
            }
            copier.start();
            for (int kill = 0; kill < KILLS; kill++) {
                long before = committedTransactions.get();
                // The input is finite: a fast copier may have copied all of it before this kill's turn,
                // and then no three more transactions come. The kill still checks what is committed.
                BrokerProcess current = broker;
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> committedTransactions.get() >= before + 3
                        || copiedAllQuietly(current, input));
                broker.kill();
                broker.close();
                broker = start(port);
            }
            BrokerProcess running = broker;
            Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> copiedAll(running, input));
            copying.set(false);
            copier.join(60_000);

            List<String> copied = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties(bootstrap, Map.of(
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")), new StringDeserializer(),
                    new StringDeserializer())) {
                List<TopicPartition> output = List.of(new TopicPartition("out", 0), new TopicPartition("out", 1));
                consumer.assign(output);
                consumer.seekToBeginning(output);
                Map<TopicPartition, Long> ends = consumer.endOffsets(output, Duration.ofSeconds(30));
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(record -> copied.add(record.value()));
                    return output.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
                });
            }
            assertThat(copied).hasSize(RECORDS).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(broker.terminate()).isZero();
        } finally {
            copying.set(false);
            copier.join(60_000);
            broker.close();
        }
    }

    /**
     * The same with Kafka's own {@code TransactionalMessageCopier} (kafka-tools 4.3.1) as a process
     * of its own: it copies one partition in transactions of 20, committing its offsets with each.
     * The broker is killed twice while it runs; a copier that gives up on the dead broker is started
     * again (same transactional id: it fences what its predecessor left open, then resumes from the
     * committed offset) until one finishes with exit code 0.
     */
    @Test
    void shouldLetKafkasTransactionalMessageCopierCopyExactlyOnceAcrossKillNine() throws Exception {
        int port = freePort();
        String bootstrap = "127.0.0.1:" + port;
        int records = 6_000;
        BrokerProcess broker = start(port);
        String toolsClasspath = KafkaToolsTest.resolveToolsClasspath();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicLong runs = new AtomicLong();
        Thread supervisor = new Thread(() -> {
            while (!finished.get() && runs.get() < 20) {
                runs.incrementAndGet();
                try {
                    Process copier = new ProcessBuilder("java", "-Xmx128m", "-cp", toolsClasspath,
                            "org.apache.kafka.tools.TransactionalMessageCopier", "--broker-list", bootstrap,
                            "--input-topic", "tool-in", "--input-partition", "0", "--output-topic", "tool-out",
                            "--transactional-id", "tool-copier", "--consumer-group", "tool-copier",
                            "--transaction-size", "20", "--use-group-metadata")
                            .redirectErrorStream(true)
                            .redirectOutput(dataDir.getParent().resolve("copier-" + runs.get() + ".log").toFile())
                            .start();
                    if (!copier.waitFor(120, TimeUnit.SECONDS)) {
                        copier.destroyForcibly();
                    } else if (copier.exitValue() == 0) {
                        finished.set(true);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }, "copier-supervisor");
        try {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("tool-in", 1, (short) 1), new NewTopic("tool-out", 1, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            List<String> sent = new ArrayList<>();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties(bootstrap,
                    Map.of(ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < records; i++) {
                    sent.add("tool-record-" + i);
                    producer.send(new ProducerRecord<>("tool-in", 0, Integer.toString(i), sent.get(i)));
                }
                producer.flush();
            }
            supervisor.start();
            TopicPartition in = new TopicPartition("tool-in", 0);
            for (int kill = 0; kill < 2 && !finished.get(); kill++) {
                long before = committed(bootstrap, "tool-copier", in);
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> finished.get() || committed(bootstrap, "tool-copier", in) > before);
                broker.kill();
                broker.close();
                broker = start(port);
            }
            supervisor.join(180_000);
            assertThat(finished).as("a copier run finished with exit code 0 (%d runs)", runs.get()).isTrue();

            List<String> copied = new ArrayList<>();
            TopicPartition out = new TopicPartition("tool-out", 0);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties(bootstrap, Map.of(
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")), new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.assign(List.of(out));
                consumer.seekToBeginning(List.of(out));
                long end = consumer.endOffsets(List.of(out), Duration.ofSeconds(30)).get(out);
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(record -> copied.add(record.value()));
                    return consumer.position(out) >= end;
                });
            }
            assertThat(copied).as("committed output after %d copier runs", runs.get()).containsExactlyElementsOf(sent);
            assertThat(committed(bootstrap, "tool-copier", in)).isEqualTo(records);
        } finally {
            finished.set(true);
            supervisor.join(60_000);
            broker.close();
        }
    }

    /** The group's committed offset of {@code partition}; 0 when none, -1 while the broker cannot answer. */
    private static long committed(String bootstrap, String group, TopicPartition partition) {
        try (Admin admin = Admin.create(properties(bootstrap, Map.of()))) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(5, TimeUnit.SECONDS).get(partition);
            return offset == null ? 0 : offset.offset();
        } catch (Exception e) {
            return -1;
        }
    }

    /** {@link #copiedAll}, false while the broker cannot answer. */
    private static boolean copiedAllQuietly(BrokerProcess broker, List<TopicPartition> input) {
        try {
            return copiedAll(broker, input);
        } catch (Exception notNow) {
            return false;
        }
    }

    /** Whether the copier's committed offsets reached the end of the input. */
    private static boolean copiedAll(BrokerProcess broker, List<TopicPartition> input) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + broker.kafkaPort()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("copier")
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            long committed = input.stream().mapToLong(tp -> offsets.get(tp) == null ? 0 : offsets.get(tp).offset()).sum();
            return committed == RECORDS;
        }
    }

    /**
     * The read-process-write loop, started afresh (new consumer, new producer: the same
     * transactional id, so its first act fences what the last one left open) whenever the broker
     * goes away under it.
     */
    private static void copyUntilStopped(String bootstrap, List<TopicPartition> input, AtomicBoolean copying,
                                         AtomicLong committedTransactions) {
        while (copying.get()) {
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties(bootstrap, Map.of(
                    ConsumerConfig.GROUP_ID_CONFIG, "copier", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100)), new StringDeserializer(), new StringDeserializer());
                 KafkaProducer<String, String> producer = new KafkaProducer<>(properties(bootstrap, Map.of(
                         ProducerConfig.TRANSACTIONAL_ID_CONFIG, "copier-1", ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                         ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                         3_000)), new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                consumer.assign(input);
                while (copying.get()) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                    if (records.isEmpty()) {
                        continue;
                    }
                    producer.beginTransaction();
                    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                    for (ConsumerRecord<String, String> record : records) {
                        producer.send(new ProducerRecord<>("out", record.partition(), record.key(), record.value()));
                        next.put(new TopicPartition(record.topic(), record.partition()),
                                new OffsetAndMetadata(record.offset() + 1));
                    }
                    producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
                    producer.commitTransaction();
                    committedTransactions.incrementAndGet();
                }
            } catch (RuntimeException e) {
                // The broker was killed under the copier (or it was fenced by its own restart): start over
                // from the committed offsets. Closing the clients above does not wait for the dead broker long.
            }
        }
    }

    private static Properties properties(String bootstrap, Map<String, Object> extra) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
        properties.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        properties.putAll(extra);
        return properties;
    }

    private BrokerProcess start(int port) throws IOException {
        return BrokerProcess.start(dataDir, "--kafka-port", Integer.toString(port));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

