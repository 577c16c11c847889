package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.text.LosslessUtf8;

/** Topics as AMQP stream queues, on a real registry: declarations, retention arguments, appends. */
class StreamQueuesTest {
    @TempDir
    Path data;
    private TopicRegistry registry;
    private StreamQueues streams;

    @BeforeEach
    void open() {
        registry = TopicRegistry.open(data, null, dev.ferry.log.FileHandleCache.processDefault(), 2);
        streams = new StreamQueues(registry, "/", "x-partition-key", () -> 1_000_000L);
    }

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void shouldDeclareAOnePartitionTopicWithTheRetentionArgumentsAsConfigs() {
        Topic topic = await(streams.declare("events", true, false, false, Map.of("x-queue-type", "stream",
                "x-max-age", "7D", "x-max-length-bytes", 5_000_000L, "x-stream-max-segment-size-bytes", 1_048_576)));

        assertThat(topic.partitionCount()).isEqualTo(1);
        assertThat(topic.config().retentionMs()).isEqualTo(7L * 24 * 3600 * 1000);
        assertThat(topic.config().retentionBytes()).isEqualTo(5_000_000L);
        assertThat(topic.config().segmentBytes()).isEqualTo(1_048_576);
        assertThat(streams.exists("events")).isTrue();
        // A declaration of an existing topic is its view: the same topic, whatever it says.
        assertThat(await(streams.declare("events", true, false, false, Map.of()))).isSameAs(topic);
    }

    @Test
    void shouldRefuseWhatRabbitMqRefusesWithItsTexts() {
        assertRefused(() -> streams.declare("s", true, false, true, Map.of()),
                "PRECONDITION_FAILED - invalid property 'auto-delete' for queue 's' in vhost '/'");
        assertRefused(() -> streams.declare("s", false, false, false, Map.of()),
                "PRECONDITION_FAILED - invalid property 'non-durable' for queue 's' in vhost '/'");
        assertRefused(() -> streams.declare("s", true, false, false, Map.of("x-max-age", 7)),
                "PRECONDITION_FAILED - invalid arg 'x-max-age' for queue 's' in vhost '/': {unacceptable_type,signedint}");
        assertRefused(() -> streams.declare("s", true, false, false, Map.of("x-max-age", "0D")),
                "PRECONDITION_FAILED - invalid arg 'x-max-age' for queue 's' in vhost '/': invalid_max_age");
        assertRefused(() -> streams.declare("s", true, false, false, Map.of("x-max-length-bytes", "a")),
                "PRECONDITION_FAILED - invalid arg 'x-max-length-bytes' for queue 's' in vhost '/': "
                        + "\"expected integer, got longstr\"");
        assertRefused(() -> streams.declare("s", true, false, false, Map.of("x-message-ttl", 5)),
                "PRECONDITION_FAILED - invalid arg 'x-message-ttl' for queue 's' in vhost '/' of queue type "
                        + "rabbit_stream_queue");
        assertThat(registry.topic("s")).isEmpty();
    }

    @Test
    void shouldAppendToThePartitionTheKeyHeaderPicksAndKeepTheRoutingKey() {
        Topic topic = await(registry.create("orders", 5, Map.of()));
        Message message = new Message("shop", "order.created", new MessageProperties(null, null,
                Map.of("x-partition-key", "customer-17"), 0, -1, null, null, null, null, null, null, null, null, null),
                "body".getBytes(StandardCharsets.UTF_8));

        await(streams.append(topic, message));

        byte[] key = "customer-17".getBytes(StandardCharsets.UTF_8);
        Partition expected = topic.partition(Utils.toPositive(Utils.murmur2(key)) % 5);
        assertThat(expected.highWatermark()).isEqualTo(1);
        Record record = expected.read(0, 4096).readRecords().get(0);
        assertThat(Utils.toArray(record.key())).isEqualTo(key);
        assertThat(record.timestamp()).isEqualTo(1_000_000L);
        Message back = AmqpRecordMapping.toMessage(record);
        assertThat(back.routingKey()).isEqualTo("order.created");
        assertThat(back.exchange()).isEqualTo("shop");
        assertThat(topic.partitions().stream().mapToLong(Partition::highWatermark).sum()).isEqualTo(1);
    }

    @Test
    void shouldNotSeeInternalTopicsNorAppendToMissingOnes() {
        assertThat(streams.appendIfExists("missing", new Message("", "k", MessageProperties.EMPTY, new byte[0])))
                .isNull();
        assertThat(streams.stream("missing")).isEmpty();
    }

    @Test
    void shouldAskForAStreamOnlyWithTheStreamQueueType() {
        assertThat(StreamQueues.asksForStream(null)).isFalse();
        assertThat(StreamQueues.asksForStream(Map.of())).isFalse();
        assertThat(StreamQueues.asksForStream(Map.of("x-queue-type", "classic"))).isFalse();
        assertThat(StreamQueues.asksForStream(Map.of("x-queue-type", "quorum"))).isFalse();
        assertThat(StreamQueues.asksForStream(Map.of("x-max-age", "stream"))).isFalse();
        assertThat(StreamQueues.asksForStream(Map.of("x-queue-type", "stream"))).isTrue();
    }

    @Test
    void shouldCheckTheQueuePropertiesInRabbitMqsOrder() {
        // Texts and order as RabbitMQ 3.10 answers them (checked with pika): the name first, then
        // auto-delete, exclusive, non-durable, whichever of them a declaration breaks.
        assertRefused(() -> streams.declare("", true, false, false, Map.of()),
                "PRECONDITION_FAILED - Cannot declare a server-named queue for type rabbit_stream_queue");
        assertRefused(() -> streams.declare("s", false, true, true, Map.of()),
                "PRECONDITION_FAILED - invalid property 'auto-delete' for queue 's' in vhost '/'");
        assertRefused(() -> streams.declare("s", false, true, false, Map.of()),
                "PRECONDITION_FAILED - invalid property 'exclusive-owner' for queue 's' in vhost '/'");
        assertRefused(() -> streams.declare("s", true, true, false, Map.of()),
                "PRECONDITION_FAILED - invalid property 'exclusive-owner' for queue 's' in vhost '/'");
        assertThat(registry.topic("s")).isEmpty();
    }

    @Test
    void shouldRefuseANegativeSizeAndTakeZero() {
        assertRefused(() -> streams.declare("s", true, false, false, Map.of("x-stream-max-segment-size-bytes", -5)),
                "PRECONDITION_FAILED - invalid arg 'x-stream-max-segment-size-bytes' for queue 's' in vhost '/': "
                        + "{value_negative,-5}");
        assertRefused(() -> streams.declare("s", true, false, false, Map.of("x-max-length-bytes", true)),
                "PRECONDITION_FAILED - invalid arg 'x-max-length-bytes' for queue 's' in vhost '/': "
                        + "\"expected integer, got bool\"");

        Topic topic = await(streams.declare("s", true, false, false, Map.of("x-max-length-bytes", 0)));

        assertThat(topic.config().retentionBytes()).isZero();
    }

    @Test
    void shouldDeclareWithNoArgumentsAsATopicThatKeepsEverythingAsRabbitMqDoes() {
        Topic topic = await(streams.declare("plain", true, false, false, null));

        assertThat(topic.partitionCount()).isEqualTo(1);
        // No x-max-age: no age limit (RabbitMQ's default), not a Kafka topic's seven days; the rest Kafka's defaults.
        assertThat(topic.config()).isEqualTo(TopicConfig.of(Map.of(TopicConfig.RETENTION_MS, "-1")));
        assertThat(topic.config().retentionBytes()).isEqualTo(-1);
        assertThat(streams.exists("plain")).isTrue();
    }

    @Test
    void shouldTakeFerrysCleanupPolicyArgumentOnlyAsTextKafkaKnows() {
        assertRefused(() -> streams.declare("s", true, false, false, Map.of("x-ferry-cleanup-policy", 1)),
                "PRECONDITION_FAILED - invalid arg 'x-ferry-cleanup-policy' for queue 's' in vhost '/': "
                        + "{unacceptable_type,signedint}");
        assertRefused(() -> streams.declare("s", true, false, false, Map.of("x-ferry-cleanup-policy", "shred")),
                "PRECONDITION_FAILED - invalid arg 'x-ferry-cleanup-policy' for queue 's' in vhost '/': "
                        + "invalid_cleanup_policy");

        Topic topic = await(streams.declare("s", true, false, false, Map.of("x-ferry-cleanup-policy", "compact")));

        assertThat(topic.config().cleanupCompacts()).isTrue();
        assertThat(topic.config().cleanupDeletes()).isFalse();
    }

    @Test
    void shouldTakeTheKeyFromTheHeaderWhateverItsTypeOrElseFromTheRoutingKey() {
        assertThat(streams.keyOf(withHeaders(Map.of("x-partition-key", "customer-17")))).isEqualTo(utf8("customer-17"));
        assertThat(streams.keyOf(withHeaders(Map.of("x-partition-key", new byte[] {1, 2, 3}))))
                .isEqualTo(new byte[] {1, 2, 3});
        assertThat(streams.keyOf(withHeaders(Map.of("x-partition-key", 42)))).isEqualTo(utf8("42"));
        // A header text decoded from bytes that are not UTF-8 gives back those very bytes.
        byte[] notUtf8 = {(byte) 0xff, 'a', (byte) 0xc3};
        assertThat(streams.keyOf(withHeaders(Map.of("x-partition-key", LosslessUtf8.decode(notUtf8)))))
                .isEqualTo(notUtf8);
        assertThat(streams.keyOf(withHeaders(Map.of("other", "x")))).isEqualTo(utf8("order.created"));
        assertThat(streams.keyOf(new Message("shop", "order.created", MessageProperties.EMPTY, new byte[0])))
                .isEqualTo(utf8("order.created"));
        // No key header configured (null or empty): the routing key, whatever the headers say.
        for (String none : new String[] {null, ""}) {
            StreamQueues routingKeyOnly = new StreamQueues(registry, "/", none, () -> 1_000_000L);
            assertThat(routingKeyOnly.keyOf(withHeaders(Map.of("x-partition-key", "customer-17")))).as(none)
                    .isEqualTo(utf8("order.created"));
        }
    }

    @Test
    void shouldKeepInternalTopicsOutOfTheVirtualHost() {
        await(registry.create("__consumer_offsets", 1, Map.of()));
        Message message = new Message("", "k", MessageProperties.EMPTY, new byte[0]);

        assertThat(streams.exists("__consumer_offsets")).isFalse();
        assertThat(streams.stream("__consumer_offsets")).isEmpty();
        assertThat(streams.appendIfExists("__consumer_offsets", message)).isNull();
        assertThat(registry.topic("__consumer_offsets").orElseThrow().partition(0).logEndOffset()).isZero();
    }

    @Test
    void shouldAppendThroughTheNameAndDeleteTheTopicWithItsRecords() {
        await(streams.declare("events", true, false, false, Map.of()));

        Object appended = await(streams.appendIfExists("events",
                new Message("", "k", MessageProperties.EMPTY, utf8("one"))));

        assertThat(appended).isInstanceOfSatisfying(AppendResult.class, result -> assertThat(result.baseOffset()).isZero());
        assertThat(registry.topic("events").orElseThrow().partition(0).highWatermark()).isEqualTo(1);
        await(streams.delete("events"));
        assertThat(streams.exists("events")).isFalse();
        assertThat(registry.topic("events")).isEmpty();
    }

    @Test
    void shouldWakeAWaiterWhenAStreamGainsPartitions() {
        Topic topic = await(streams.declare("growing", true, false, false, Map.of()));
        AtomicInteger woken = new AtomicInteger();
        AtomicInteger withdrawn = new AtomicInteger();
        streams.whenPartitionCountAbove(topic, 1, woken::incrementAndGet);
        assertThat(streams.whenPartitionCountAbove(topic, 1, withdrawn::incrementAndGet).cancel()).isTrue();

        await(registry.createPartitions("growing", 3));

        // Both waits end in the same pass over the topic's waiters: once one has run, the other would have.
        Awaitility.await().untilAtomic(woken, Matchers.equalTo(1));
        assertThat(withdrawn).hasValue(0);
    }

    @Test
    void shouldNameItsVirtualHostInTheTexts() {
        StreamQueues elsewhere = new StreamQueues(registry, "analytics", null, () -> 0L);

        assertThat(elsewhere.virtualHost()).isEqualTo("analytics");
        assertThat(elsewhere.describe("clicks")).isEqualTo("queue 'clicks' in vhost 'analytics'");
    }

    private static Message withHeaders(Map<String, Object> headers) {
        return new Message("shop", "order.created", MessageProperties.EMPTY.withHeaders(headers), new byte[0]);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertRefused(Runnable call, String text) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(BrokerException.class, refusal -> {
            assertThat(refusal.errorCode()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
            assertThat(refusal.getMessage()).isEqualTo(text);
        });
    }
}
