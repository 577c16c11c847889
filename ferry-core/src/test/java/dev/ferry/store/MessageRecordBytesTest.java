package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.text.LosslessUtf8;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
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
}
