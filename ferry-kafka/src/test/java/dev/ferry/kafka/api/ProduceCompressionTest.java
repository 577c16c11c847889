package dev.ferry.kafka.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.kafka.security.KafkaAcls;
import dev.ferry.stream.Partition;
import dev.ferry.stream.Topic;
import dev.ferry.stream.TopicRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Produce to a topic whose {@code compression.type} names a codec: the batch is stored in that
 * codec (Kafka's LogValidator does the same), with its producer fields, flags and records as sent;
 * read back from the partition's log itself, not through Fetch.
 */
class ProduceCompressionTest {
    private static final long PRODUCER_ID = 4_000;
    private static final short PRODUCER_EPOCH = 7;
    private static final long BASE_TIMESTAMP = 1_700_000_000_000L;

    @TempDir
    Path dataDir;
    private TopicRegistry topics;
    private final ScheduledExecutorService eventLoop = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void openTopics() {
        topics = TopicRegistry.open(dataDir);
    }

    @AfterEach
    void close() {
        eventLoop.shutdownNow();
        topics.close();
    }

    @Test
    void shouldStoreAnUncompressedBatchInTheTopicsCodecWithEverythingItCarried() throws Exception {
        topics.create("gz", 1, Map.of("compression.type", "gzip")).get(30, TimeUnit.SECONDS);
        MemoryRecords sent = batch(Compression.NONE, TimestampType.CREATE_TIME, PRODUCER_ID, 0, false, 5);

        PartitionProduceResponse first = produce("gz", sent);
        // The same batch again, as a producer retries: the original's offsets, nothing stored twice.
        PartitionProduceResponse retried = produce("gz", batch(Compression.NONE, TimestampType.CREATE_TIME,
                PRODUCER_ID, 0, false, 5));
        // The next sequence, sent in another codec: taken in order, stored as gzip too.
        PartitionProduceResponse next = produce("gz", batch(Compression.lz4().build(), TimestampType.CREATE_TIME,
                PRODUCER_ID, 5, false, 3));

        assertThat(first.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(first.baseOffset()).isZero();
        assertThat(retried.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(retried.baseOffset()).isZero();
        assertThat(next.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(next.baseOffset()).isEqualTo(5);
        List<MutableRecordBatch> stored = storedBatches("gz");
        assertThat(stored).hasSize(2);
        MutableRecordBatch batch = stored.get(0);
        assertThat(batch.compressionType()).isEqualTo(CompressionType.GZIP);
        assertThat(batch.magic()).isEqualTo(RecordBatch.MAGIC_VALUE_V2);
        assertThat(batch.producerId()).isEqualTo(PRODUCER_ID);
        assertThat(batch.producerEpoch()).isEqualTo(PRODUCER_EPOCH);
        assertThat(batch.baseSequence()).isZero();
        assertThat(batch.isTransactional()).isFalse();
        assertThat(batch.isControlBatch()).isFalse();
        assertThat(batch.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(batch.maxTimestamp()).isEqualTo(BASE_TIMESTAMP + 4);
        assertThat(batch.baseOffset()).isZero();
        assertThat(batch.lastOffset()).isEqualTo(4);
        batch.ensureValid(); // the CRC of what was written
        assertSameRecords(batch, sent.batches().iterator().next(), 0);
        MutableRecordBatch second = stored.get(1);
        assertThat(second.compressionType()).isEqualTo(CompressionType.GZIP);
        assertThat(second.baseSequence()).isEqualTo(5);
        assertThat(second.baseOffset()).isEqualTo(5);
        second.ensureValid();
    }

    @Test
    void shouldDecompressForUncompressedAndKeepTheTransactionalFlagAndTimestampType() throws Exception {
        topics.create("plain", 1, Map.of("compression.type", "uncompressed")).get(30, TimeUnit.SECONDS);
        MemoryRecords sent = batch(Compression.zstd().build(), TimestampType.CREATE_TIME, PRODUCER_ID, 0, true, 4);

        assertThat(produce("plain", sent).errorCode()).isEqualTo(Errors.NONE.code());

        MutableRecordBatch stored = storedBatches("plain").get(0);
        assertThat(stored.compressionType()).isEqualTo(CompressionType.NONE);
        assertThat(stored.isTransactional()).isTrue();
        assertThat(stored.producerId()).isEqualTo(PRODUCER_ID);
        assertThat(stored.producerEpoch()).isEqualTo(PRODUCER_EPOCH);
        assertThat(stored.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        stored.ensureValid();
        assertSameRecords(stored, sent.batches().iterator().next(), 0);
    }

    @Test
    void shouldRefuseABatchThatInflatesPastTheLimitWhileItIsRebuilt() throws Exception {
        topics.create("inflated", 1, Map.of("compression.type", "uncompressed", "max.message.bytes", "1048576"))
                .get(30, TimeUnit.SECONDS);
        // 64 records of 1 MiB of zeros: gzip sends them in some 70 KiB, uncompressed they would be 64 MiB.
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1 << 20), RecordBatch.MAGIC_VALUE_V2,
                Compression.gzip().build(), TimestampType.CREATE_TIME, 0);
        for (int i = 0; i < 64; i++) {
            builder.appendWithOffset(i, BASE_TIMESTAMP, null, new byte[1 << 20]);
        }
        MemoryRecords bomb = builder.build();
        assertThat(bomb.sizeInBytes()).isLessThan(1 << 20);

        PartitionProduceResponse answer = produce("inflated", bomb);
        assertThat(answer.errorCode()).isEqualTo(Errors.MESSAGE_TOO_LARGE.code());
        // Refused while being rebuilt (at about 1 MiB), not after the 64 MiB batch was built and measured.
        assertThat(answer.errorMessage()).contains("rebuilt in the topic's compression.type");
        assertThat(storedBatches("inflated")).isEmpty();
    }

    @Test
    void shouldStoreABatchAlreadyInTheTopicsCodecAsSent() throws Exception {
        topics.create("lz", 1, Map.of("compression.type", "lz4", "compression.lz4.level", "1")).get(30, TimeUnit.SECONDS);
        // Another level of the same codec: not rebuilt (Kafka compares codecs only), so its CRC is the one sent.
        MemoryRecords sent = batch(Compression.lz4().level(17).build(), TimestampType.CREATE_TIME,
                RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_SEQUENCE, false, 3);
        long sentCrc = sent.batches().iterator().next().checksum();

        assertThat(produce("lz", sent).errorCode()).isEqualTo(Errors.NONE.code());

        MutableRecordBatch stored = storedBatches("lz").get(0);
        assertThat(stored.compressionType()).isEqualTo(CompressionType.LZ4);
        assertThat(stored.checksum()).isEqualTo(sentCrc);
    }

    @Test
    void shouldRecompressAfterTheConfigChangesAndRefuseACorruptBatchBeforeRebuildingIt() throws Exception {
        topics.create("later", 1, Map.of()).get(30, TimeUnit.SECONDS);
        assertThat(produce("later", batch(Compression.NONE, TimestampType.CREATE_TIME, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_SEQUENCE, false, 2)).errorCode()).isEqualTo(Errors.NONE.code());
        topics.alterConfigs("later", Map.of("compression.type", "snappy")).get(30, TimeUnit.SECONDS);
        MemoryRecords corrupt = batch(Compression.NONE, TimestampType.CREATE_TIME, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_SEQUENCE, false, 2);
        ByteBuffer bytes = corrupt.buffer();
        bytes.put(bytes.limit() - 1, (byte) (bytes.get(bytes.limit() - 1) ^ 1)); // a flipped bit in the last record

        assertThat(produce("later", corrupt).errorCode()).isEqualTo(Errors.CORRUPT_MESSAGE.code());
        assertThat(produce("later", batch(Compression.NONE, TimestampType.CREATE_TIME, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_SEQUENCE, false, 2)).errorCode()).isEqualTo(Errors.NONE.code());

        List<MutableRecordBatch> stored = storedBatches("later");
        assertThat(stored).extracting(MutableRecordBatch::compressionType)
                .containsExactly(CompressionType.NONE, CompressionType.SNAPPY);
        assertThat(stored.get(1).baseOffset()).isEqualTo(2);
    }

    @Test
    void shouldStampLogAppendTimeOnTheRebuiltBatch() throws Exception {
        topics.create("stamped", 1, Map.of("compression.type", "zstd", "message.timestamp.type", "LogAppendTime"))
                .get(30, TimeUnit.SECONDS);
        long before = System.currentTimeMillis();

        assertThat(produce("stamped", batch(Compression.NONE, TimestampType.CREATE_TIME, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_SEQUENCE, false, 3)).errorCode()).isEqualTo(Errors.NONE.code());

        MutableRecordBatch stored = storedBatches("stamped").get(0);
        assertThat(stored.compressionType()).isEqualTo(CompressionType.ZSTD);
        assertThat(stored.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(stored.maxTimestamp()).isGreaterThanOrEqualTo(before - 1000);
        stored.ensureValid();
    }

    private static void assertSameRecords(RecordBatch stored, RecordBatch sent, long firstOffset) {
        List<Record> storedRecords = new ArrayList<>();
        stored.forEach(storedRecords::add);
        List<Record> sentRecords = new ArrayList<>();
        sent.forEach(sentRecords::add);
        assertThat(storedRecords).hasSameSizeAs(sentRecords);
        for (int i = 0; i < sentRecords.size(); i++) {
            Record s = storedRecords.get(i);
            Record expected = sentRecords.get(i);
            assertThat(s.offset()).isEqualTo(firstOffset + i);
            assertThat(s.timestamp()).isEqualTo(expected.timestamp());
            assertThat(s.key()).isEqualTo(expected.key());
            assertThat(s.value()).isEqualTo(expected.value());
            assertThat(s.headers()).containsExactly(expected.headers());
        }
    }

    /** {@code count} records with keys, values (one null), headers and rising timestamps. */
    private static MemoryRecords batch(Compression compression, TimestampType type, long producerId, int baseSequence,
            boolean transactional, int count) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(4096), RecordBatch.MAGIC_VALUE_V2,
                compression, type, 0, RecordBatch.NO_TIMESTAMP, producerId,
                producerId == RecordBatch.NO_PRODUCER_ID ? RecordBatch.NO_PRODUCER_EPOCH : PRODUCER_EPOCH, baseSequence,
                transactional, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = 0; i < count; i++) {
            Header[] headers = {new RecordHeader("index", bytes(Integer.toString(i))), new RecordHeader("empty", new byte[0])};
            builder.appendWithOffset(i, BASE_TIMESTAMP + i, bytes("key-" + i), i == 1 ? null : bytes("value-" + i), headers);
        }
        return builder.build();
    }

    private PartitionProduceResponse produce(String topic, MemoryRecords records) throws Exception {
        // A transactional batch names its transaction, which a coordinator that holds every partition confirms.
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000)
                .setTransactionalId(records.firstBatch().isTransactional() ? "txn" : null)
                .setTopicData(new TopicProduceDataCollection(List.of(new TopicProduceData().setName(topic)
                        .setPartitionData(List.of(new PartitionProduceData().setIndex(0).setRecords(records)))).iterator()));
        ProduceHandler handler = new ProduceHandler(topics, KafkaAcls.ALLOW_ALL,
                (transactionalId, producerId, epoch, partition) -> CompletableFuture.completedFuture(null));
        // Version 12: by name (13 goes by topic id).
        RequestContext context = new RequestContext((short) 12, 1, "test", "test", System.currentTimeMillis(), eventLoop);
        ProduceResponseData response = (ProduceResponseData) handler.handle(context, request).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        return response.responses().iterator().next().partitionResponses().get(0);
    }

    private List<MutableRecordBatch> storedBatches(String topicName) {
        Topic topic = topics.topic(topicName).orElseThrow();
        Partition partition = topic.partition(0);
        ByteBuffer bytes = partition.read(0, 1 << 20).readBytes();
        List<MutableRecordBatch> batches = new ArrayList<>();
        MemoryRecords.readableRecords(bytes).batches().forEach(batches::add);
        return batches;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
