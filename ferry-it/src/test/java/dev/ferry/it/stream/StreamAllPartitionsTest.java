package dev.ferry.it.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import dev.ferry.embedded.Ferry;
import dev.ferry.it.support.AmqpTestBase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

/**
 * An AMQP consumer of a partitioned topic that names no partition reads every partition (Ferry's
 * own behaviour: RabbitMQ 3.10 has no partitioned streams over AMQP). A kafka-clients producer
 * writes keyed records; RabbitMQ's Java client and pika read them all, each once, in order within
 * its partition, with {@code x-stream-partition} and {@code x-stream-offset} in every delivery's
 * headers; prefetch bounds what is unacknowledged across the partitions, and a deep backlog in one
 * partition does not hold back the others; cancel and a new consumer from {@code next}; partitions
 * added while consuming are read from their start. One broker for the class, embedded in the test's
 * JVM; tests keep apart by topic names of their own, each on its own AMQP connection.
 */
class StreamAllPartitionsTest extends StreamInteropTestBase {
    private static final long BASE_MS = 1_700_000_000_000L;

    @Test
    void shouldDeliverEveryRecordOfEveryPartitionOnceInPartitionOrder() throws Exception {
        String topic = createTopic("accounts", 3);
        Map<String, RecordMetadata> written = produceKeyed(topic, 0, 90);
        assertThat(written.values().stream().map(RecordMetadata::partition).collect(Collectors.toSet()))
                .as("the keys spread over every partition").hasSize(3);

        List<Delivered> received = consume(connection.createChannel(), topic, 10, Map.of("x-stream-offset", "first"),
                new AtomicBoolean(true));

        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() >= 90);
        // Nothing beyond the 90 records comes afterwards either (no record twice).
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> received.size() == 90);
        assertThat(received).extracting(Delivered::body).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(written.keySet());
        for (Delivered delivered : received) {
            RecordMetadata metadata = written.get(delivered.body());
            int index = Integer.parseInt(delivered.body().substring("value-".length()));
            Map<String, Object> headers = delivered.properties().getHeaders();
            assertThat(headers.get("x-stream-partition")).isEqualTo(metadata.partition());
            assertThat(headers.get("x-stream-offset")).isEqualTo(metadata.offset());
            // The documented mapping: key = routing key, exchange "", Kafka headers as headers, timestamp in seconds.
            assertThat(delivered.exchange()).isEmpty();
            assertThat(delivered.routingKey()).isEqualTo(key(index));
            assertThat(headers.get("trace").toString()).isEqualTo("t-" + index);
            assertThat(delivered.properties().getTimestamp()).isEqualTo(new Date(BASE_MS + index * 1000L));
        }
        assertInPartitionOrder(received);
    }

    @Test
    void shouldBoundUnackedDeliveriesAcrossPartitionsAndGiveEveryPartitionItsTurn() throws Exception {
        String topic = createTopic("backlog", 3);
        try (KafkaProducer<String, String> producer = producer()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, 0, "deep", "deep-" + i)));
            }
            for (int i = 0; i < 6; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, 1, "one", "one-" + i)));
                sent.add(producer.send(new ProducerRecord<>(topic, 2, "two", "two-" + i)));
            }
            for (Future<RecordMetadata> future : sent) {
                future.get(30, TimeUnit.SECONDS);
            }
        }
        Channel channel = connection.createChannel();
        AtomicBoolean acking = new AtomicBoolean(false);

        List<Delivered> received = consume(channel, topic, 5, Map.of("x-stream-offset", "first"), acking);

        // Prefetch 5 is the bound for the consumer as a whole, not per partition.
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 5);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> received.size() == 5);
        acking.set(true);
        channel.basicAck(0, true);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 212);
        assertThat(received).extracting(Delivered::body).doesNotHaveDuplicates().hasSize(212);
        assertInPartitionOrder(received);
        // Partitions 1 and 2 take turns with the deep one: their 12 records come within the first
        // deliveries (one turn each per credit freed), not after partition 0's 200.
        int lastOfTheShallow = 0;
        for (int i = 0; i < received.size(); i++) {
            if (!received.get(i).body().startsWith("deep-")) {
                lastOfTheShallow = i;
            }
        }
        assertThat(lastOfTheShallow).isLessThan(60);
    }

    @Test
    void shouldRefuseAPlainOffsetForEveryPartitionAndResumeEachPartitionFromItsHeadersOrATable() throws Exception {
        String topic = createTopic("resume", 3);
        produceKeyed(topic, 0, 30);
        Channel refused = connection.createChannel();
        refused.basicQos(10);

        assertThatThrownBy(() -> refused.basicConsume(topic, false, Map.of("x-stream-offset", 5),
                new DefaultConsumer(refused))).satisfies(thrown -> {
                    assertThat(AmqpTestBase.replyCode(thrown)).isEqualTo(406);
                    assertThat(AmqpTestBase.replyText(thrown)).isEqualTo("PRECONDITION_FAILED - x-stream-offset 5 is an"
                            + " offset in one partition, and queue '" + topic + "' in vhost '/' has 3 partitions: name"
                            + " one with x-stream-partition, or start every partition at first, last, next, a"
                            + " timestamp or an interval");
                });

        List<Delivered> firstRun = consume(connection.createChannel(), topic, 10, Map.of("x-stream-offset", "first"),
                new AtomicBoolean(true));
        await().atMost(Duration.ofSeconds(20)).until(() -> firstRun.size() >= 30);
        Map<Integer, Long> lastOffsets = new TreeMap<>();
        for (Delivered delivered : firstRun) {
            lastOffsets.merge(partition(delivered), offset(delivered), Math::max);
        }
        Map<String, RecordMetadata> later = produceKeyed(topic, 30, 15);

        // One consumer per partition resumes after the last offset its headers named.
        List<Delivered> resumed = new ArrayList<>();
        for (Map.Entry<Integer, Long> last : lastOffsets.entrySet()) {
            List<Delivered> ofPartition = consume(connection.createChannel(), topic, 10, Map.of(
                    "x-stream-partition", last.getKey(), "x-stream-offset", last.getValue() + 1), new AtomicBoolean(true));
            await().atMost(Duration.ofSeconds(20)).until(() -> ofPartition.size() >= later.values().stream()
                    .filter(metadata -> metadata.partition() == last.getKey()).count());
            resumed.addAll(ofPartition);
        }
        assertThat(resumed).extracting(Delivered::body).containsExactlyInAnyOrderElementsOf(later.keySet());

        // Or one consumer resumes them all: a table of offsets by partition (Ferry's own form).
        Map<String, Object> resumeAt = new HashMap<>();
        lastOffsets.forEach((partition, offset) -> resumeAt.put(Integer.toString(partition), offset + 1));
        List<Delivered> resumedAtOnce = consume(connection.createChannel(), topic, 10,
                Map.of("x-stream-offset", resumeAt), new AtomicBoolean(true));
        await().atMost(Duration.ofSeconds(20)).until(() -> resumedAtOnce.size() >= later.size());
        assertThat(resumedAtOnce).extracting(Delivered::body).containsExactlyInAnyOrderElementsOf(later.keySet());
        Channel wrongTable = connection.createChannel();
        wrongTable.basicQos(10);
        assertThatThrownBy(() -> wrongTable.basicConsume(topic, false, Map.of("x-stream-offset", Map.of("3", 0)),
                new DefaultConsumer(wrongTable))).satisfies(thrown -> {
                    assertThat(AmqpTestBase.replyCode(thrown)).isEqualTo(406);
                    assertThat(AmqpTestBase.replyText(thrown)).isEqualTo("PRECONDITION_FAILED - x-stream-offset names"
                            + " partition '3', which queue '" + topic + "' in vhost '/' does not have (0 to 2)");
                });
    }

    @Test
    void shouldStartAgainFromNextAfterCancelAndReadPartitionsAddedWhileConsuming() throws Exception {
        String topic = createTopic("growing", 2);
        Channel channel = connection.createChannel();
        List<Delivered> before = consume(channel, "before", topic, 10, Map.of("x-stream-offset", "next"),
                new AtomicBoolean(true));
        Map<String, RecordMetadata> beforeCancel = produceKeyed(topic, 0, 10);
        await().atMost(Duration.ofSeconds(20)).until(() -> before.size() >= 10);
        channel.basicCancel("before");
        produceKeyed(topic, 10, 4); // while nobody consumes: a consumer from next never sees these

        List<Delivered> after = consume(channel, topic, 10, Map.of("x-stream-offset", "next"), new AtomicBoolean(true));
        Map<String, RecordMetadata> afterReconsume = produceKeyed(topic, 14, 6);
        await().atMost(Duration.ofSeconds(20)).until(() -> after.size() >= 6);
        assertThat(after).extracting(Delivered::body).containsExactlyInAnyOrderElementsOf(afterReconsume.keySet());
        assertThat(before).extracting(Delivered::body).containsExactlyInAnyOrderElementsOf(beforeCancel.keySet());

        try (Admin admin = Admin.create(kafka(Map.of()))) {
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(4))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>(topic, 2, "new", "in-two")).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(topic, 3, "new", "in-three")).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(topic, 0, "old", "in-zero")).get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> after.size() >= 9);
        assertThat(after).extracting(Delivered::body).doesNotHaveDuplicates().hasSize(9);
        Map<String, Delivered> byBody = after.stream().collect(Collectors.toMap(Delivered::body, d -> d));
        assertThat(partition(byBody.get("in-two"))).isEqualTo(2);
        assertThat(offset(byBody.get("in-two"))).isZero();
        assertThat(partition(byBody.get("in-three"))).isEqualTo(3);
        assertThat(partition(byBody.get("in-zero"))).isZero();
        assertThat(before).hasSize(10);
    }

    @Test
    void shouldLetPikaReadEveryPartitionOfAKeyedTopic() throws Exception {
        String topic = createTopic("pika", 3);
        Map<String, RecordMetadata> written = produceKeyed(topic, 0, 40);

        List<String> output = runPython("stream_partitions_consumer.py",
                Integer.toString(broker.amqpPort()), topic, "40");

        assertThat(output).last().isEqualTo("done");
        List<String> lines = output.subList(0, output.size() - 1);
        assertThat(lines).hasSize(40);
        Map<Integer, Long> lastOffset = new HashMap<>();
        for (String line : lines) {
            String[] fields = line.split(" ");
            int index = Integer.parseInt(fields[3].substring("value-".length()));
            RecordMetadata metadata = written.get(fields[3]);
            assertThat(metadata).as(line).isNotNull();
            assertThat(Integer.parseInt(fields[0])).as(line).isEqualTo(metadata.partition());
            assertThat(Long.parseLong(fields[1])).as(line).isEqualTo(metadata.offset());
            assertThat(fields[2]).isEqualTo(key(index));
            assertThat(fields[4]).isEqualTo("t-" + index);
            Long previous = lastOffset.put(metadata.partition(), metadata.offset());
            assertThat(previous == null ? -1 : previous).as("order within partition %d", metadata.partition())
                    .isLessThan(metadata.offset());
        }
        assertThat(lines.stream().map(line -> line.split(" ")[3]).collect(Collectors.toSet()))
                .isEqualTo(written.keySet());
    }

    private static void assertInPartitionOrder(List<Delivered> received) {
        Map<Integer, Long> lastOffset = new HashMap<>();
        for (Delivered delivered : received) {
            Long previous = lastOffset.put(partition(delivered), offset(delivered));
            assertThat(previous == null ? -1 : previous).as("order within partition %d", partition(delivered))
                    .isLessThan(offset(delivered));
        }
    }

    private static int partition(Delivered delivered) {
        return (Integer) delivered.properties().getHeaders().get("x-stream-partition");
    }

    private static long offset(Delivered delivered) {
        return (Long) delivered.properties().getHeaders().get("x-stream-offset");
    }

    private static String key(int index) {
        return "account-" + index % 12;
    }

    private String createTopic(String prefix, int partitions) throws Exception {
        String topic = unique(prefix);
        try (Admin admin = Admin.create(kafka(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return topic;
    }

    /** Writes records {@code from} to {@code from + count - 1} keyed by account; returns where each value went. */
    private Map<String, RecordMetadata> produceKeyed(String topic, int from, int count) throws Exception {
        Map<String, RecordMetadata> written = new HashMap<>();
        try (KafkaProducer<String, String> producer = producer()) {
            Map<String, Future<RecordMetadata>> sent = new HashMap<>();
            for (int i = from; i < from + count; i++) {
                sent.put("value-" + i, producer.send(new ProducerRecord<>(topic, null, BASE_MS + i * 1000L, key(i),
                        "value-" + i, List.of(new RecordHeader("trace", ("t-" + i).getBytes(StandardCharsets.UTF_8))))));
            }
            for (Map.Entry<String, Future<RecordMetadata>> entry : sent.entrySet()) {
                written.put(entry.getKey(), entry.getValue().get(30, TimeUnit.SECONDS));
            }
        }
        return written;
    }
}
