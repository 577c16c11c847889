package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kafka-clients' producer (acks=all, idempotent) and consumer ({@code assign}, no group) against
 * Ferry: every record comes back with its key, value, headers and timestamp, whatever the
 * compression; offsets by time and the log's ends; a long poll that returns when a record arrives.
 */
class KafkaProduceConsumeTest extends KafkaTestBase {

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "lz4", "zstd", "snappy"})
    void shouldReadBackEveryRecordWithKeyHeadersAndTimestamp(String compression) throws Exception {
        String topic = unique("produce-" + compression);
        createTopic(topic, 3);
        int count = 300;
        long baseTimestamp = 1_700_000_000_000L;
        List<RecordMetadata> acknowledged = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression))) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("index", bytes(Integer.toString(i)));
                headers.add("empty", new byte[0]);
                sends.add(producer.send(new ProducerRecord<>(topic, i % 3, baseTimestamp + i, bytes("key-" + i),
                        bytes("value-" + i), headers)));
            }
            for (Future<RecordMetadata> send : sends) {
                acknowledged.add(send.get(30, TimeUnit.SECONDS));
            }
        }
        assertThat(acknowledged).allSatisfy(metadata -> assertThat(metadata.offset()).isGreaterThanOrEqualTo(0));

        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 3, count);

        assertThat(records).hasSize(count);
        for (ConsumerRecord<byte[], byte[]> record : records) {
            int index = Integer.parseInt(text(record.key()).substring("key-".length()));
            assertThat(text(record.value())).isEqualTo("value-" + index);
            assertThat(record.partition()).isEqualTo(index % 3);
            assertThat(record.timestamp()).isEqualTo(baseTimestamp + index);
            assertThat(text(record.headers().lastHeader("index").value())).isEqualTo(Integer.toString(index));
            assertThat(record.headers().lastHeader("empty").value()).isEmpty();
        }
        // Offsets are dense per partition and match what the producer was told.
        for (int partition = 0; partition < 3; partition++) {
            int p = partition;
            assertThat(records.stream().filter(r -> r.partition() == p).map(ConsumerRecord::offset).toList())
                    .isEqualTo(acknowledged.stream().filter(m -> m.partition() == p).map(RecordMetadata::offset).toList());
        }
    }

    @Test
    void shouldAnswerEarliestLatestAndByTimestampOffsets() throws Exception {
        String topic = unique("offsets");
        createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, 0, 1_000L * (i + 1), null, bytes("v" + i))).get(30, TimeUnit.SECONDS);
            }
        }
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            assertThat(consumer.beginningOffsets(List.of(partition))).containsEntry(partition, 0L);
            assertThat(consumer.endOffsets(List.of(partition))).containsEntry(partition, 10L);
            Map<TopicPartition, OffsetAndTimestamp> byTime = consumer.offsetsForTimes(Map.of(partition, 4_500L));
            assertThat(byTime.get(partition).offset()).isEqualTo(4);
            assertThat(byTime.get(partition).timestamp()).isEqualTo(5_000L);
            assertThat(consumer.offsetsForTimes(Map.of(partition, 99_000L)).get(partition)).isNull();
        }
        try (Admin admin = admin()) {
            var maxTimestamp = admin.listOffsets(Map.of(partition, org.apache.kafka.clients.admin.OffsetSpec.maxTimestamp()))
                    .partitionResult(partition).get(30, TimeUnit.SECONDS);
            assertThat(maxTimestamp.offset()).isEqualTo(9);
            assertThat(maxTimestamp.timestamp()).isEqualTo(10_000L);
        }
    }

    @Test
    void shouldReturnALongPollAsSoonAsARecordArrives() throws Exception {
        String topic = unique("long-poll");
        createTopic(topic, 1);
        TopicPartition partition = new TopicPartition(topic, 0);
        // fetch.max.wait.ms of a minute: a poll answered only by the timer would take that long.
        KafkaConsumer<byte[], byte[]> consumer = consumer(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 60_000,
                ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1));
        // Its next fetch is parked at the broker for that minute: a plain close() would wait for it
        // until request.timeout.ms (15 s here), time that checks nothing.
        try (AutoCloseable closeAtOnce = () -> consumer.close(CloseOptions.timeout(Duration.ZERO));
             KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            assertThat(consumer.poll(Duration.ofMillis(500))).isEmpty();
            CompletableFuture<ConsumerRecords<byte[], byte[]>> polled = CompletableFuture.supplyAsync(
                    () -> consumer.poll(Duration.ofSeconds(50)));
            producer.send(new ProducerRecord<>(topic, 0, null, bytes("wake up"))).get(30, TimeUnit.SECONDS);

            ConsumerRecords<byte[], byte[]> records = polled.get(30, TimeUnit.SECONDS);
            assertThat(records.count()).isEqualTo(1);
            assertThat(text(records.iterator().next().value())).isEqualTo("wake up");
        }
    }

    @Test
    void shouldAutoCreateAnUnknownTopicWithOnePartition() throws Exception {
        String topic = unique("auto");
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            RecordMetadata metadata = producer.send(new ProducerRecord<>(topic, bytes("first"))).get(30, TimeUnit.SECONDS);
            assertThat(metadata.offset()).isZero();
            assertThat(producer.partitionsFor(topic)).hasSize(1);
        }
    }

    @Test
    void shouldNameTheRecordWhoseTimestampIsOutsideTheTopicsWindow() throws Exception {
        String topic = unique("window");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                    .configs(Map.of("message.timestamp.after.max.ms", "60000")))).all().get(30, TimeUnit.SECONDS);
        }
        long now = System.currentTimeMillis();
        long anHourAhead = now + 3_600_000;
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 1_000,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.RETRIES_CONFIG, 0))) {
            for (long timestamp : new long[] {now, anHourAhead, now}) {
                sent.add(producer.send(new ProducerRecord<>(topic, 0, timestamp, null, bytes("at " + timestamp))));
            }
            producer.flush();
        }
        List<Throwable> failures = new ArrayList<>();
        for (Future<RecordMetadata> each : sent) {
            failures.add(catchThrowable(() -> each.get(30, TimeUnit.SECONDS)).getCause());
        }
        // The whole batch is refused; the record at fault is named with Kafka's text, the others with the producer's.
        assertThat(failures.get(1)).isInstanceOf(InvalidTimestampException.class)
                .hasMessageStartingWith("Timestamp " + anHourAhead + " of message with offset 1 is out of range.");
        for (Throwable innocent : List.of(failures.get(0), failures.get(2))) {
            assertThat(innocent).isExactlyInstanceOf(KafkaException.class).hasMessageContaining("part of a batch");
        }
    }

    @Test
    void shouldRefuseRecordsForKafkasInternalTopics() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.RETRIES_CONFIG, 0))) {
            Throwable refused = catchThrowable(() -> producer.send(new ProducerRecord<>("__consumer_offsets", 0, null,
                    bytes("not an offset"))).get(30, TimeUnit.SECONDS)).getCause();
            assertThat(refused).isInstanceOf(InvalidTopicException.class);
        }
    }

    static void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    static KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
        Properties properties = clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        properties.putAll(extra);
        return new KafkaProducer<>(properties);
    }

    static KafkaConsumer<byte[], byte[]> consumer() {
        return consumer(Map.of());
    }

    static KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> extra) {
        Properties properties = clientProperties(Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        properties.putAll(extra);
        return new KafkaConsumer<>(properties);
    }

    /** Reads every partition of {@code topic} from the beginning until {@code expected} records have come. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int partitions, int expected) {
        List<TopicPartition> assigned = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            assigned.add(new TopicPartition(topic, i));
        }
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
