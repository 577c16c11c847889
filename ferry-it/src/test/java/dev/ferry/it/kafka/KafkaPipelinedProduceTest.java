package dev.ferry.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.it.support.RawKafkaClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Several Produce requests in flight on one connection, written in one go over a raw socket as a
 * producer with {@code max.in.flight.requests.per.connection > 1} does: each is answered in request
 * order (acks=0 not at all) while their fsyncs overlap, an error in one leaves the ones after it
 * alone, and idempotent sequences are checked across requests still waiting for their fsync.
 */
class KafkaPipelinedProduceTest extends KafkaTestBase {
    private static final short PRODUCE_VERSION = 9;

    @Test
    void shouldAnswerPipelinedProducesInRequestOrderWithMixedAcksAndAnErrorInTheMiddle() throws Exception {
        String topic = createTopic("pipelined", 3);
        MemoryRecords corrupt = records("c", 2);
        // The CRC covers the bytes from the attributes on; a flipped value byte breaks it.
        corrupt.buffer().put(corrupt.buffer().limit() - 2, (byte) 'X');
        List<ByteBuffer> requests = List.of(
                produce(1, (short) 1, topic, Map.of(0, records("a", 3))),
                produce(2, (short) 0, topic, Map.of(1, records("b", 2))),
                produce(3, (short) -1, topic, Map.of(2, records("d", 4), 0, records("e", 1))),
                produce(4, (short) 1, topic, Map.of(7, records("x", 1))),
                produce(5, (short) -1, topic, Map.of(1, corrupt)),
                produce(6, (short) 1, topic, Map.of(1, records("f", 2))));

        List<ProduceResponseData> answers = sendTogether(requests, List.of(1, 3, 4, 5, 6));

        assertThat(partition(answers.get(0), 0).errorCode()).isZero();
        assertThat(partition(answers.get(0), 0).baseOffset()).isZero();
        assertThat(partition(answers.get(1), 2).baseOffset()).isZero();
        assertThat(partition(answers.get(1), 0).baseOffset()).isEqualTo(3);
        assertThat(partition(answers.get(2), 7).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(partition(answers.get(3), 1).errorCode()).isEqualTo(Errors.CORRUPT_MESSAGE.code());
        // After the acks=0 request's two records; the refused batch took no offsets.
        assertThat(partition(answers.get(4), 1).errorCode()).isZero();
        assertThat(partition(answers.get(4), 1).baseOffset()).isEqualTo(2);
        assertThat(values(topic, 1, 4)).containsExactly("b0", "b1", "f0", "f1");
    }

    @Test
    void shouldCheckIdempotentSequencesAcrossRequestsStillInFlight() throws Exception {
        String topic = createTopic("idempotent-pipelined", 1);
        InitProducerIdResponseData producer = initProducerId();
        long id = producer.producerId();
        short epoch = producer.producerEpoch();
        List<ByteBuffer> inOrder = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            inOrder.add(produce(10 + i, (short) -1, topic, Map.of(0, idempotent(id, epoch, i * 5, "s" + i, 5))));
        }

        List<ProduceResponseData> first = sendTogether(inOrder, List.of(10, 11, 12, 13, 14));

        for (int i = 0; i < 5; i++) {
            assertThat(partition(first.get(i), 0).errorCode()).isZero();
            assertThat(partition(first.get(i), 0).baseOffset()).isEqualTo(i * 5L);
        }

        List<ProduceResponseData> second = sendTogether(List.of(
                // A retry of sequence 10: answered with the original offsets, not stored again.
                produce(20, (short) -1, topic, Map.of(0, idempotent(id, epoch, 10, "s2", 5))),
                // A gap: sequence 30 while 25 is next.
                produce(21, (short) -1, topic, Map.of(0, idempotent(id, epoch, 30, "gap", 5))),
                produce(22, (short) -1, topic, Map.of(0, idempotent(id, epoch, 25, "s5", 5)))),
                List.of(20, 21, 22));

        assertThat(partition(second.get(0), 0).errorCode()).isZero();
        assertThat(partition(second.get(0), 0).baseOffset()).isEqualTo(10);
        assertThat(partition(second.get(1), 0).errorCode()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
        assertThat(partition(second.get(2), 0).errorCode()).isZero();
        assertThat(partition(second.get(2), 0).baseOffset()).isEqualTo(25);
        List<String> stored = values(topic, 0, 30);
        assertThat(stored).hasSize(30).doesNotContain("gap0");
        assertThat(stored.subList(25, 30)).containsExactly("s50", "s51", "s52", "s53", "s54");
    }

    /** Writes every request in one socket write, then reads one answer per expected correlation id, in order. */
    private static List<ProduceResponseData> sendTogether(List<ByteBuffer> requests, List<Integer> expectedCorrelationIds)
            throws Exception {
        int bytes = requests.stream().mapToInt(request -> 4 + request.remaining()).sum();
        ByteBuffer all = ByteBuffer.allocate(bytes);
        for (ByteBuffer request : requests) {
            all.putInt(request.remaining()).put(request);
        }
        List<ProduceResponseData> answers = new ArrayList<>();
        try (RawKafkaClient raw = raw()) {
            raw.writeRaw(all.array());
            for (int expected : expectedCorrelationIds) {
                ByteBufferAccessor reader = new ByteBufferAccessor(raw.readFrame());
                ResponseHeaderData header = new ResponseHeaderData(reader,
                        ApiKeys.PRODUCE.responseHeaderVersion(PRODUCE_VERSION));
                assertThat(header.correlationId()).as("answers in request order").isEqualTo(expected);
                answers.add(new ProduceResponseData(reader, PRODUCE_VERSION));
            }
        }
        return answers;
    }

    private static ByteBuffer produce(int correlationId, short acks, String topic, Map<Integer, MemoryRecords> batches) {
        TopicProduceData topicData = new TopicProduceData().setName(topic);
        batches.forEach((index, records) -> topicData.partitionData()
                .add(new PartitionProduceData().setIndex(index).setRecords(records)));
        ProduceRequestData body = new ProduceRequestData().setAcks(acks).setTimeoutMs(30_000);
        body.topicData().add(topicData);
        return RawKafkaClient.encode(ApiKeys.PRODUCE, PRODUCE_VERSION, correlationId, body);
    }

    private static InitProducerIdResponseData initProducerId() throws Exception {
        short version = 4;
        try (RawKafkaClient raw = raw()) {
            raw.writeFrame(RawKafkaClient.encode(ApiKeys.INIT_PRODUCER_ID, version, 1,
                    new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000)));
            ByteBufferAccessor reader = new ByteBufferAccessor(raw.readFrame());
            new ResponseHeaderData(reader, ApiKeys.INIT_PRODUCER_ID.responseHeaderVersion(version));
            InitProducerIdResponseData response = new InitProducerIdResponseData(reader, version);
            assertThat(response.errorCode()).isZero();
            return response;
        }
    }

    private static PartitionProduceResponse partition(ProduceResponseData response, int index) {
        return response.responses().iterator().next().partitionResponses().stream()
                .filter(partition -> partition.index() == index).findFirst().orElseThrow();
    }

    private static MemoryRecords records(String prefix, int count) {
        return MemoryRecords.withRecords(Compression.NONE, simple(prefix, count));
    }

    private static MemoryRecords idempotent(long producerId, short epoch, int sequence, String prefix, int count) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, sequence, simple(prefix, count));
    }

    private static SimpleRecord[] simple(String prefix, int count) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), (prefix + i).getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    private static String createTopic(String prefix, int partitions) throws Exception {
        String topic = unique(prefix);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // Kafka takes a moment after CreateTopics before its partitions take produces (NOT_LEADER_OR_FOLLOWER
            // until then); this raw client does not retry, so it waits until every partition answers ListOffsets.
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> ends = new java.util.HashMap<>();
            for (int partition = 0; partition < partitions; partition++) {
                ends.put(new TopicPartition(topic, partition), org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> admin.listOffsets(ends).all().get(5, TimeUnit.SECONDS).size() == partitions);
        }
        return topic;
    }

    /** The values stored in one partition, read back by a real consumer from the start. */
    private static List<String> values(String topic, int partition, int expected) {
        List<String> values = new ArrayList<>();
        Map<String, Object> config = Map.of(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(clientProperties(config))) {
            TopicPartition assigned = new TopicPartition(topic, partition);
            consumer.assign(List.of(assigned));
            consumer.seekToBeginning(List.of(assigned));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
            }
            // Nothing beyond what was expected: the log end is where the answers said it is.
            assertThat(consumer.endOffsets(List.of(assigned)).get(assigned)).isEqualTo(expected);
        }
        return values;
    }

    private static RawKafkaClient raw() throws IOException {
        String[] hostPort = bootstrap().split(":");
        return new RawKafkaClient(hostPort[0], Integer.parseInt(hostPort[1]));
    }
}
