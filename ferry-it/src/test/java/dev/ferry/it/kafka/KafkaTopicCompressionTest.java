package dev.ferry.it.kafka;

import static dev.ferry.it.kafka.KafkaProduceConsumeTest.bytes;
import static dev.ferry.it.kafka.KafkaProduceConsumeTest.producer;
import static dev.ferry.it.kafka.KafkaProduceConsumeTest.readAll;
import static dev.ferry.it.kafka.KafkaProduceConsumeTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ferry.it.support.RawKafkaClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;

/**
 * A topic's {@code compression.type} through Kafka's own clients: set with CreateTopics or
 * IncrementalAlterConfigs, reported by DescribeConfigs, and applied to what producers send
 * (whatever their own compression) so that a plain Fetch finds every batch in the topic's codec,
 * while consumers read the records back unchanged. Kafka does the same (librdkafka's 0081_admin
 * sets these values).
 */
class KafkaTopicCompressionTest extends KafkaTestBase {
    private static final long BASE_TIMESTAMP = 1_700_000_000_000L;
    private static final short FETCH_VERSION = 12; // the last by topic name

    @Test
    void shouldStoreWhatProducersSendInTheTopicsCodecAndReadItBackUnchanged() throws Exception {
        String topic = unique("lz4-topic");
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("compression.type", "lz4"))))
                    .all().get(30, TimeUnit.SECONDS);
            ConfigEntry compression = KafkaTopicAdminTest.describe(admin, resource).get("compression.type");
            assertThat(compression.value()).isEqualTo("lz4");
            assertThat(compression.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        }
        send(topic, "none", 0, 50);
        send(topic, "gzip", 50, 50);

        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 1, 100);

        assertThat(records).hasSize(100);
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<byte[], byte[]> record = records.get(i);
            assertThat(record.offset()).isEqualTo(i);
            assertThat(text(record.key())).isEqualTo("key-" + i);
            assertThat(text(record.value())).isEqualTo("value-" + i);
            assertThat(record.timestamp()).isEqualTo(BASE_TIMESTAMP + i);
            assertThat(text(record.headers().lastHeader("index").value())).isEqualTo(Integer.toString(i));
            assertThat(record.headers().lastHeader("empty").value()).isEmpty();
        }
        List<RecordBatch> stored = storedBatches(topic);
        assertThat(stored).isNotEmpty().allSatisfy(batch -> {
            assertThat(batch.compressionType()).isEqualTo(CompressionType.LZ4);
            assertThat(batch.hasProducerId()).isTrue(); // the idempotent producer's fields stayed
            batch.ensureValid();
        });
        assertThat(stored.get(stored.size() - 1).lastOffset()).isEqualTo(99);
    }

    @Test
    void shouldApplyACodecSetLaterAndDecompressForUncompressed() throws Exception {
        String topic = unique("altered");
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            assertThat(KafkaTopicAdminTest.describe(admin, resource).get("compression.type").value()).isEqualTo("producer");
            send(topic, "snappy", 0, 10);

            KafkaTopicAdminTest.alter(admin, resource, new AlterConfigOp(new ConfigEntry("compression.type", "zstd"),
                    AlterConfigOp.OpType.SET));
            send(topic, "none", 10, 10);
            KafkaTopicAdminTest.alter(admin, resource, new AlterConfigOp(new ConfigEntry("compression.type", "uncompressed"),
                    AlterConfigOp.OpType.SET));
            send(topic, "gzip", 20, 10);
        }

        assertThat(readAll(topic, 1, 30)).extracting(record -> text(record.value()))
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 30).mapToObj(i -> "value-" + i).toList());
        List<RecordBatch> stored = storedBatches(topic);
        assertThat(stored).filteredOn(batch -> batch.lastOffset() < 10).extracting(RecordBatch::compressionType)
                .isNotEmpty().containsOnly(CompressionType.SNAPPY);
        assertThat(stored).filteredOn(batch -> batch.baseOffset() >= 10 && batch.lastOffset() < 20)
                .extracting(RecordBatch::compressionType).isNotEmpty().containsOnly(CompressionType.ZSTD);
        assertThat(stored).filteredOn(batch -> batch.baseOffset() >= 20).extracting(RecordBatch::compressionType)
                .isNotEmpty().containsOnly(CompressionType.NONE);
    }

    @Test
    void shouldRefuseACodecKafkaDoesNotKnowWithInvalidConfig() throws Exception {
        String topic = unique("brotli");
        try (Admin admin = admin()) {
            ExecutionException created = catchThrowableOfType(ExecutionException.class, () -> admin.createTopics(List.of(
                    new NewTopic(topic, 1, (short) 1).configs(Map.of("compression.type", "brotli"))))
                    .all().get(30, TimeUnit.SECONDS));
            assertThat(created.getCause()).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("Invalid value brotli for configuration compression.type: String must be one of: "
                            + "uncompressed, zstd, lz4, snappy, gzip, producer");
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(topic);

            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            ExecutionException altered = catchThrowableOfType(ExecutionException.class, () -> KafkaTopicAdminTest.alter(
                    admin, resource, new AlterConfigOp(new ConfigEntry("compression.type", "brotli"),
                            AlterConfigOp.OpType.SET)));
            assertThat(altered.getCause()).isInstanceOf(InvalidConfigurationException.class);
            ExecutionException level = catchThrowableOfType(ExecutionException.class, () -> KafkaTopicAdminTest.alter(
                    admin, resource, new AlterConfigOp(new ConfigEntry("compression.lz4.level", "18"),
                            AlterConfigOp.OpType.SET)));
            assertThat(level.getCause()).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("Invalid value 18 for configuration compression.lz4.level: Value must be no more than 17");
            assertThat(KafkaTopicAdminTest.describe(admin, resource).get("compression.type").value()).isEqualTo("producer");
        }
    }

    /** {@code count} records, numbered from {@code first}, through an idempotent producer of {@code compression}. */
    private static void send(String topic, String compression, int first, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression))) {
            List<Future<?>> sends = new ArrayList<>();
            for (int i = first; i < first + count; i++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("index", bytes(Integer.toString(i)));
                headers.add("empty", new byte[0]);
                sends.add(producer.send(new ProducerRecord<>(topic, 0, BASE_TIMESTAMP + i, bytes("key-" + i),
                        bytes("value-" + i), headers)));
            }
            for (Future<?> send : sends) {
                send.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Partition 0's batches as the broker hands them out: one Fetch from offset 0, read as raw batches. */
    private static List<RecordBatch> storedBatches(String topic) throws IOException {
        String bootstrap = bootstrap();
        String host = bootstrap.substring(0, bootstrap.lastIndexOf(':'));
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
                .setMaxBytes(1 << 20).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1)
                .setTopics(List.of(new FetchTopic().setTopic(topic).setPartitions(List.of(new FetchPartition()
                        .setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(-1)
                        .setLogStartOffset(-1).setLastFetchedEpoch(-1)))))
                .setForgottenTopicsData(new ArrayList<>()).setRackId("");
        try (RawKafkaClient raw = new RawKafkaClient(host, bootstrapPort())) {
            raw.writeFrame(RawKafkaClient.encode(ApiKeys.FETCH, FETCH_VERSION, 1, request));
            ByteBufferAccessor reader = new ByteBufferAccessor(raw.readFrame());
            new ResponseHeaderData(reader, ApiKeys.FETCH.responseHeaderVersion(FETCH_VERSION));
            FetchResponseData response = new FetchResponseData(reader, FETCH_VERSION);
            FetchResponseData.PartitionData partition = response.responses().get(0).partitions().get(0);
            assertThat(partition.errorCode()).isEqualTo(Errors.NONE.code());
            ByteBuffer bytes = ((MemoryRecords) partition.records()).buffer();
            List<RecordBatch> batches = new ArrayList<>();
            MemoryRecords.readableRecords(bytes).batches().forEach(batches::add);
            return batches;
        }
    }
}
