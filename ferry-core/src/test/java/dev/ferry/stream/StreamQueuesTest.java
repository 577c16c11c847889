package dev.ferry.stream;

import static dev.ferry.stream.StreamTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

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

    private static void assertRefused(Runnable call, String text) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(BrokerException.class, refusal -> {
            assertThat(refusal.errorCode()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
            assertThat(refusal.getMessage()).isEqualTo(text);
        });
    }
}
