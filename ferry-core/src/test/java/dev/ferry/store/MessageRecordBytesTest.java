package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.text.LosslessUtf8;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/**
 * Text a publisher sent that is not UTF-8 (kept by the AMQP codec as {@link LosslessUtf8} escapes)
 * survives a trip through a queue's log: a paged-out or recovered message gives back the same
 * bytes as one that stayed in memory.
 */
class MessageRecordBytesTest {

    @Test
    void shouldKeepRoutingKeyHeadersAndPropertiesThatAreNotUtf8() throws Exception {
        String routingKey = LosslessUtf8.decode(new byte[] {'r', 'k', (byte) 0xC3, 0x28});
        String key = LosslessUtf8.decode(new byte[] {'k', (byte) 0xFF});
        String value = LosslessUtf8.decode(new byte[] {(byte) 0xFF, 0, (byte) 0xFE});
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put(key, value);
        String contentType = LosslessUtf8.decode(new byte[] {'t', (byte) 0x80});
        MessageProperties properties = new MessageProperties(contentType, null, headers, 2, -1, null, null, null,
                null, null, null, null, null, null);
        Message message = new Message("amq.direct", routingKey, properties, new byte[] {1, 2});

        Record record = MemoryRecords.withRecords(Compression.NONE,
                MessageRecordCodec.encode(message, 0, 1, 7, false)).records().iterator().next();
        Message decoded = MessageRecordCodec.decode(record).message();

        assertThat(LosslessUtf8.encode(decoded.routingKey())).isEqualTo(new byte[] {'r', 'k', (byte) 0xC3, 0x28});
        assertThat(decoded.properties().headers()).containsExactly(Map.entry(key, value));
        assertThat(LosslessUtf8.encode((String) decoded.properties().headers().get(key)))
                .isEqualTo(new byte[] {(byte) 0xFF, 0, (byte) 0xFE});
        assertThat(LosslessUtf8.encode(decoded.properties().contentType())).isEqualTo(new byte[] {'t', (byte) 0x80});
    }

    @Test
    void shouldKeepSenderSelectedRoutingKeysThatAreInNoHeader() throws Exception {
        Message message = new Message("amq.direct", "key", MessageProperties.EMPTY, new byte[] {3},
                List.of("cc-key", "", "bcc-key"));

        Record record = MemoryRecords.withRecords(Compression.NONE,
                MessageRecordCodec.encode(message, 0, 1, 7, false)).records().iterator().next();
        MessageRecordCodec.Decoded decoded = MessageRecordCodec.decode(record);

        assertThat(decoded.message().extraRoutingKeysOrNull()).containsExactly("cc-key", "", "bcc-key");
        assertThat(decoded.message().routingKey()).isEqualTo("key");
        assertThat(decoded.sequence()).isEqualTo(7);
        assertThat(decoded.transientCopy()).isFalse();
    }

    @Test
    void shouldReadARecordWithoutExtraKeysAsBefore() throws Exception {
        Message message = new Message("amq.direct", "key", MessageProperties.EMPTY, new byte[] {3});

        Record record = MemoryRecords.withRecords(Compression.NONE,
                MessageRecordCodec.encode(message, 0, 1, 7, true)).records().iterator().next();
        MessageRecordCodec.Decoded decoded = MessageRecordCodec.decode(record);

        assertThat(decoded.message().extraRoutingKeysOrNull()).isNull();
        assertThat(decoded.transientCopy()).isTrue();
    }

    /** The envelope of {@code message} as written, for a test to damage. */
    private static byte[] envelope(Message message) {
        SimpleRecord record = MessageRecordCodec.encode(message, 5, 1, 7, false);
        return record.headers()[0].value().clone();
    }

    private static Record record(byte[] key, byte[] value, byte[] envelope) {
        Header[] headers = {new RecordHeader(MessageRecordCodec.ENVELOPE_HEADER, envelope)};
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(1, key, value, headers)).records()
                .iterator().next();
    }

    @Test
    void shouldRefuseEnvelopeVersionsItDoesNotKnowWhicheverPartIsRead() throws Exception {
        byte[] envelope = envelope(new Message("ex", "rk", MessageProperties.EMPTY, new byte[] {1}));
        for (int version : new int[] {0, MessageRecordCodec.FORMAT_VERSION + 1}) {
            byte[] damaged = envelope.clone();
            damaged[0] = (byte) version;
            Record record = record(new byte[] {'k'}, new byte[] {1}, damaged);
            assertThatThrownBy(() -> MessageRecordCodec.decode(record)).isInstanceOf(IOException.class)
                    .hasMessageContaining("envelope version " + version);
            assertThatThrownBy(() -> MessageRecordCodec.summarize(record)).isInstanceOf(IOException.class)
                    .hasMessageContaining("envelope version " + version);
            assertThatThrownBy(() -> MessageRecordCodec.priority(record)).isInstanceOf(IOException.class)
                    .hasMessageContaining("envelope version " + version);
        }
        Record withoutEnvelope = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(1, null, new byte[1]))
                .records().iterator().next();
        assertThatThrownBy(() -> MessageRecordCodec.decode(withoutEnvelope)).hasMessageContaining("no 'ferry' header");
    }

    @Test
    void shouldReadARecordWithoutKeyValueOrExchangeAsEmpty() throws Exception {
        byte[] envelope = envelope(new Message("", "rk", MessageProperties.EMPTY, new byte[] {1}));
        // Version 2: version, flags, sequence (8 bytes), then the exchange's length: -1 is a null exchange.
        ByteBuffer.wrap(envelope).putInt(10, -1);
        MessageRecordCodec.Decoded decoded = MessageRecordCodec.decode(record(null, null, envelope));
        assertThat(decoded.message().exchange()).isEmpty();
        assertThat(decoded.message().routingKey()).isEmpty();
        assertThat(decoded.message().body()).isEmpty();
        assertThat(decoded.expiresAt()).isEqualTo(5);
        assertThat(MessageRecordCodec.summarize(record(null, null, envelope)).expiresAt()).isEqualTo(5);
    }

    @Test
    void shouldRefuseExtraRoutingKeysThatDoNotDecode() throws Exception {
        byte[] envelope = envelope(new Message("ex", "rk", MessageProperties.EMPTY, new byte[] {1}, List.of("a")));
        // The envelope ends with the key count (4 bytes), then "a" (length 4 bytes, then 1 byte).
        int count = envelope.length - 9;
        for (int claimed : new int[] {-1, 6}) {
            byte[] damaged = envelope.clone();
            ByteBuffer.wrap(damaged).putInt(count, claimed);
            assertThatThrownBy(() -> MessageRecordCodec.decode(record(null, new byte[1], damaged)))
                    .isInstanceOf(IOException.class).hasMessageContaining("claims " + claimed + " extra routing keys");
        }
        byte[] allLeft = envelope.clone();
        ByteBuffer.wrap(allLeft).putInt(count, 5); // as many as bytes left: not refused up front, but not there
        assertThatThrownBy(() -> MessageRecordCodec.decode(record(null, new byte[1], allLeft)))
                .isInstanceOf(EOFException.class);
        byte[] none = envelope.clone();
        ByteBuffer.wrap(none).putInt(count, 0);
        assertThat(MessageRecordCodec.decode(record(null, new byte[1], none)).message().extraRoutingKeysOrNull())
                .as("no extra keys is a message without them").isNull();
        byte[] nullKey = envelope.clone();
        ByteBuffer.wrap(nullKey).putInt(count + 4, -1);
        assertThatThrownBy(() -> MessageRecordCodec.decode(record(null, new byte[1], nullKey)))
                .isInstanceOf(IOException.class).hasMessageContaining("null extra routing key");
        assertThat(Arrays.copyOfRange(envelope, count, envelope.length)).containsExactly(0, 0, 0, 1, 0, 0, 0, 1, 'a');
    }

    @Test
    void shouldReadAVersionOneEnvelopeWhichHasNoFlagsNorSequence() throws Exception {
        MessageProperties properties = new MessageProperties(null, null, null, 2, 7, null, null, null, null, null,
                null, null, null, null);
        byte[] v2 = envelope(new Message("ex", "rk", properties, new byte[] {1}));
        // Version 1 is version 2 without the flags byte and the sequence that follow the version.
        byte[] v1 = new byte[v2.length - 9];
        v1[0] = 1;
        System.arraycopy(v2, 10, v1, 1, v2.length - 10);
        Record record = record(new byte[] {'r', 'k'}, new byte[] {1}, v1);

        MessageRecordCodec.Decoded decoded = MessageRecordCodec.decode(record);
        assertThat(decoded.message().exchange()).isEqualTo("ex");
        assertThat(decoded.message().properties().priority()).isEqualTo(7);
        assertThat(decoded.sequence()).isEqualTo(MessageRecordCodec.NO_SEQUENCE);
        assertThat(decoded.transientCopy()).isFalse();
        assertThat(MessageRecordCodec.summarize(record).expiresAt()).isEqualTo(5);
        assertThat(MessageRecordCodec.priority(record)).isEqualTo(7);
        assertThat(MessageRecordCodec.priority(record(null, new byte[1], v2))).isEqualTo(7);
        assertThat(MessageRecordCodec.priority(record(null, new byte[1],
                envelope(new Message("ex", "rk", MessageProperties.EMPTY, new byte[1]))))).as("not set").isEqualTo(-1);
    }
}
