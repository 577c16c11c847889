package dev.ferry.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The AMQP <-> Kafka record mapping of stream queues, both ways: any AMQP message comes back
 * identical through a stored RecordBatch, and a Kafka record's key, headers and timestamp become
 * the routing key, headers and timestamp property an AMQP consumer sees.
 */
class AmqpRecordMappingTest {

    /** Through the bytes a partition stores, as a consumer would read them back. */
    private static Record stored(SimpleRecord record) {
        ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE, record).buffer();
        return MemoryRecords.readableRecords(batch).records().iterator().next();
    }

    private static Message roundTrip(Message message) {
        byte[] key = message.routingKey().getBytes(StandardCharsets.UTF_8);
        return AmqpRecordMapping.toMessage(stored(AmqpRecordMapping.toRecord(message, key, 1_234_567L)));
    }

    @Property(tries = 300)
    void shouldGiveBackAnyAmqpMessageUnchanged(@ForAll("messages") Message message) {
        Message back = roundTrip(message);
        assertThat(back.exchange()).isEqualTo(message.exchange());
        assertThat(back.routingKey()).isEqualTo(message.routingKey());
        assertThat(back.body()).isEqualTo(message.body());
        assertThat(back.properties()).usingRecursiveComparison().isEqualTo(message.properties());
    }

    @Test
    void shouldWriteTheRoutingKeyAsKeyTextHeadersAsTextAndTheTimestampInMilliseconds() {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("region", "eu");
        headers.put("attempt", 3);
        MessageProperties properties = new MessageProperties("application/json", null, headers, 2, -1, null, null,
                null, "id-1", 1_700_000_000L, null, null, null, null);
        SimpleRecord record = AmqpRecordMapping.toRecord(new Message("events", "order.created", properties,
                "{}".getBytes(StandardCharsets.UTF_8)), "order.created".getBytes(StandardCharsets.UTF_8), 99L);

        assertThat(new String(Utils.toArray(record.key()), StandardCharsets.UTF_8)).isEqualTo("order.created");
        assertThat(record.timestamp()).isEqualTo(1_700_000_000_000L);
        Map<String, String> text = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            text.put(header.key(), new String(header.value(), StandardCharsets.ISO_8859_1));
        }
        assertThat(text).containsEntry("amqp.exchange", "events").containsEntry("amqp.content-type", "application/json")
                .containsEntry("amqp.delivery-mode", "2").containsEntry("amqp.message-id", "id-1")
                .containsEntry("amqp.timestamp", "1700000000").containsEntry("region", "eu")
                .containsEntry("amqp.headers", "").doesNotContainKey("amqp.routing-key").doesNotContainKey("attempt");
        assertThat(text.get("amqp.header.attempt").getBytes(StandardCharsets.ISO_8859_1))
                .containsExactly('I', 0, 0, 0, 3);
    }

    @Test
    void shouldKeepTheRoutingKeyInAHeaderWhenAnotherKeyWasChosen() {
        Message message = new Message("", "rk", MessageProperties.EMPTY, new byte[] {1});
        Message back = AmqpRecordMapping.toMessage(stored(AmqpRecordMapping.toRecord(message,
                "customer-7".getBytes(StandardCharsets.UTF_8), 5L)));
        assertThat(back.routingKey()).isEqualTo("rk");
    }

    @Test
    void shouldShowAKafkaRecordAsAnAmqpMessage() {
        SimpleRecord record = new SimpleRecord(1_700_000_123_456L, "user-1".getBytes(StandardCharsets.UTF_8),
                "v".getBytes(StandardCharsets.UTF_8), new Header[] {
                    new RecordHeader("page", "/home".getBytes(StandardCharsets.UTF_8)),
                    new RecordHeader("raw", new byte[] {(byte) 0xff, 0}),
                    new RecordHeader("empty", null),
                    new RecordHeader("amqp.priority", "high".getBytes(StandardCharsets.UTF_8)),
                    new RecordHeader("amqp.correlation-id", "c-1".getBytes(StandardCharsets.UTF_8))});

        Message message = AmqpRecordMapping.toMessage(stored(record));

        assertThat(message.exchange()).isEmpty();
        assertThat(message.routingKey()).isEqualTo("user-1");
        assertThat(message.properties().timestamp()).isEqualTo(1_700_000_123L);
        assertThat(message.properties().correlationId()).isEqualTo("c-1");
        assertThat(message.properties().priority()).isEqualTo(-1);
        assertThat(message.properties().headers()).containsEntry("page", "/home").containsEntry("empty", null)
                .containsEntry("amqp.priority", "high");
        assertThat((byte[]) message.properties().headers().get("raw")).containsExactly(0xff, 0);
    }

    @Test
    void shouldShowAKeylessRecordWithNoHeadersAsAnEmptyRoutingKeyAndNoTable() {
        Message message = AmqpRecordMapping.toMessage(stored(new SimpleRecord(5_000L, (byte[]) null, (byte[]) null)));
        assertThat(message.routingKey()).isEmpty();
        assertThat(message.body()).isEmpty();
        assertThat(message.properties().headers()).isNull();
        assertThat(message.properties().timestamp()).isEqualTo(5L);
    }

    @Test
    void shouldPickThePartitionAsKafkasDefaultPartitionerDoes() {
        byte[] key = "customer-42".getBytes(StandardCharsets.UTF_8);
        assertThat(AmqpRecordMapping.partitionFor(key, 7)).isEqualTo(Utils.toPositive(Utils.murmur2(key)) % 7);
        assertThat(AmqpRecordMapping.partitionFor(key, 1)).isZero();
    }

    @Test
    void shouldReadMaxAgeAsRabbitMqDoes() {
        assertThat(StreamQueues.maxAgeMs("7D")).contains(7L * 24 * 3600 * 1000);
        assertThat(StreamQueues.maxAgeMs("1h")).contains(3_600_000L);
        assertThat(StreamQueues.maxAgeMs("2M")).contains(60L * 24 * 3600 * 1000);
        assertThat(StreamQueues.maxAgeMs("1Y")).contains(365L * 24 * 3600 * 1000);
        assertThat(StreamQueues.maxAgeMs("10s")).contains(10_000L);
        assertThat(StreamQueues.maxAgeMs("5m")).contains(300_000L);
        // Checked against RabbitMQ 3.10: leading zeros accepted, any size accepted (kept for ever here).
        assertThat(StreamQueues.maxAgeMs("0007s")).contains(7_000L);
        assertThat(StreamQueues.maxAgeMs("106751991167D")).contains(106_751_991_167L * 24 * 3600 * 1000);
        assertThat(StreamQueues.maxAgeMs("106751991168D")).contains(Long.MAX_VALUE);
        assertThat(StreamQueues.maxAgeMs("9223372036854775807s")).contains(Long.MAX_VALUE);
        assertThat(StreamQueues.maxAgeMs("99999999999999999999999999999D")).contains(Long.MAX_VALUE);
        for (String refused : List.of("0s", "00s", "1d", "1H", "10", "", "D", "+5s", " 5s", "5s ", "1Ys", "-1h",
                "1.5h")) {
            assertThat(StreamQueues.maxAgeMs(refused)).as(refused).isEqualTo(Optional.empty());
        }
    }

    @Provide
    Arbitrary<Message> messages() {
        // Text as the AMQP front decodes it: characters, and stray continuation bytes as LosslessUtf8's escapes
        // (escapes that spell valid UTF-8 together are never produced by decoding, so they are left out).
        Arbitrary<String> text = Arbitraries.strings().withCharRange('a', 'z').withChars(".-é€")
                .withCharRange('\uDC80', '\uDCBF').ofMaxLength(12);
        Arbitrary<String> name = Arbitraries.strings().withCharRange('a', 'z').withChars(".-é€").ofMaxLength(12);
        Arbitrary<String> optionalText = text.injectNull(0.3);
        Arbitrary<Object> value = Arbitraries.oneOf(text.map(s -> (Object) s),
                Arbitraries.integers().map(i -> (Object) i), Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(5).map(b -> (Object) b),
                Arbitraries.longs().between(0, 4_000_000_000_000L).map(ms -> (Object) new Date(ms / 1000 * 1000)),
                Arbitraries.bigIntegers().between(java.math.BigInteger.valueOf(-99999), java.math.BigInteger.valueOf(99999))
                        .map(i -> (Object) new BigDecimal(i, 2)),
                Arbitraries.just(null), text.list().ofMaxSize(3).map(l -> (Object) new ArrayList<Object>(l)));
        Arbitrary<Map<String, Object>> headers = Combinators.combine(
                Arbitraries.oneOf(name, Arbitraries.of("amqp.exchange", "amqp.header.x", "amqp.headers")).list().ofMaxSize(5),
                value.list().ofSize(5)).as((names, values) -> {
                    Map<String, Object> table = new LinkedHashMap<>();
                    for (int i = 0; i < names.size(); i++) {
                        table.put(names.get(i), values.get(i));
                    }
                    return table;
                }).injectNull(0.3);
        Arbitrary<MessageProperties> properties = Combinators.combine(optionalText, optionalText, headers,
                Arbitraries.of(0, 1, 2), Arbitraries.integers().between(-1, 255), optionalText, optionalText,
                Arbitraries.longs().between(0, 4_000_000_000L).injectNull(0.5)).as(
                        (contentType, correlationId, table, mode, priority, messageId, userId, timestamp) ->
                                new MessageProperties(contentType, correlationId == null ? null : "gzip", table, mode,
                                        priority, correlationId, userId, messageId, messageId, timestamp, contentType,
                                        userId, correlationId, messageId));
        return Combinators.combine(text, text, properties, Arbitraries.bytes().array(byte[].class).ofMaxSize(20))
                .as(Message::new);
    }
}
