package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

import dev.ferry.broker.MetadataRecord;
import dev.ferry.route.Binding;
import dev.ferry.route.Destination;
import dev.ferry.route.ExchangeSettings;
import dev.ferry.route.ExchangeType;

/**
 * The bytes of a metadata record and of the field values it carries, each kind and value type
 * written and read back, and the damaged inputs a reader must refuse rather than misread.
 */
class MetadataRecordCodecTest {

    @Test
    void everyRecordKindReadsBackAsWritten() throws IOException {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("x-message-ttl", 60_000);
        arguments.put("alternate-exchange", "ae");
        List<MetadataRecord> records = List.of(
                new MetadataRecord.ExchangeDeclared("/", new ExchangeSettings("orders", ExchangeType.TOPIC, true,
                        false, true, arguments)),
                new MetadataRecord.ExchangeDeclared("v", new ExchangeSettings("e", ExchangeType.HEADERS, false,
                        true, false, Map.of())),
                new MetadataRecord.ExchangeDeleted("/", "orders"),
                new MetadataRecord.QueueDeclared("/", "q", true, arguments),
                new MetadataRecord.QueueDeclared("other", "q2", false, Map.of()),
                new MetadataRecord.QueueDeleted("/", "q"),
                new MetadataRecord.BindingAdded("/", new Binding("orders", Destination.queue("q"), "a.*", arguments)),
                new MetadataRecord.BindingAdded("/", new Binding("orders", Destination.exchange("audit"), "#")),
                new MetadataRecord.BindingRemoved("/", new Binding("orders", Destination.exchange("audit"), "#")));
        for (MetadataRecord record : records) {
            assertThat(MetadataRecordCodec.decode(MetadataRecordCodec.encode(record).value().array()))
                    .as("%s", record).isEqualTo(record);
            Record inBatch = MemoryRecords.readableRecords(MetadataRecordCodec.encodeBatch(record)).records()
                    .iterator().next();
            assertThat(MetadataRecordCodec.decode(inBatch)).isEqualTo(record);
        }
    }

    @Test
    void refusesAnotherVersionAnUnknownKindAndTrailingBytes() throws IOException {
        byte[] bytes = MetadataRecordCodec.encode(new MetadataRecord.QueueDeleted("/", "q")).value().array();
        byte[] otherVersion = bytes.clone();
        otherVersion[0] = MetadataRecordCodec.FORMAT_VERSION + 1;
        assertThatThrownBy(() -> MetadataRecordCodec.decode(otherVersion)).isInstanceOf(IOException.class)
                .hasMessageContaining("version 2");
        byte[] unknownKind = bytes.clone();
        unknownKind[1] = 7;
        assertThatThrownBy(() -> MetadataRecordCodec.decode(unknownKind)).isInstanceOf(IOException.class)
                .hasMessageContaining("kind 7");
        byte[] trailing = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> MetadataRecordCodec.decode(trailing)).isInstanceOf(IOException.class)
                .hasMessageContaining("1 bytes after");
    }

    @Test
    void refusesFieldsTheRecordsCannotHoldAndUnknownExchangeTypes() throws IOException {
        ByteArrayOutputStream nullName = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(nullName)) {
            out.writeByte(MetadataRecordCodec.FORMAT_VERSION);
            out.writeByte(4); // queue deleted
            FieldCodec.writeString(out, "/");
            FieldCodec.writeString(out, null);
        }
        assertThatThrownBy(() -> MetadataRecordCodec.decode(nullName.toByteArray())).isInstanceOf(IOException.class)
                .hasMessageContaining("do not decode");

        ByteArrayOutputStream badType = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(badType)) {
            out.writeByte(MetadataRecordCodec.FORMAT_VERSION);
            out.writeByte(1); // exchange declared
            FieldCodec.writeString(out, "/");
            FieldCodec.writeString(out, "e");
            FieldCodec.writeString(out, "x-delayed");
        }
        assertThatThrownBy(() -> MetadataRecordCodec.decode(badType.toByteArray())).isInstanceOf(IOException.class)
                .hasMessageContaining("x-delayed");
    }

    @Test
    void aRecordWithoutAValueIsRefused() {
        ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(1L, (byte[]) null, (byte[]) null)).buffer();
        Record record = MemoryRecords.readableRecords(batch).records().iterator().next();
        assertThatThrownBy(() -> MetadataRecordCodec.decode(record)).isInstanceOf(IOException.class)
                .hasMessageContaining("no value");
    }

    @Test
    void everyFieldValueTypeReadsBackAsWritten() throws IOException {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("inner", 1);
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("void", null);
        table.put("bool", true);
        table.put("false", false);
        table.put("byte", (byte) -5);
        table.put("short", (short) 300);
        table.put("int", 70_000);
        table.put("long", 1L << 40);
        table.put("float", 1.5f);
        table.put("double", -2.25);
        table.put("decimal", new BigDecimal("-123.4500"));
        table.put("time", new Date(1_700_000_000_000L));
        table.put("bytes", new byte[] {1, 2, 3});
        table.put("string", "s");
        table.put("empty string", "");
        table.put("table", nested);
        table.put("array", List.of(1, "two", List.of()));
        table.put(null, "a null key");

        Map<String, Object> read = readTable(write(out -> FieldCodec.writeTable(out, table)));
        assertThat(read).hasSize(table.size());
        assertThat(read.keySet()).containsExactlyElementsOf(table.keySet());
        for (Map.Entry<String, Object> entry : table.entrySet()) {
            if (entry.getValue() instanceof byte[] bytes) {
                assertThat((byte[]) read.get(entry.getKey())).isEqualTo(bytes);
            } else {
                assertThat(read.get(entry.getKey())).as(entry.getKey()).isEqualTo(entry.getValue());
            }
        }
        assertThat(read.get("byte")).isInstanceOf(Byte.class);
        assertThat(read.get("short")).isInstanceOf(Short.class);
        assertThat(read.get("float")).isInstanceOf(Float.class);
        assertThat(read.get("decimal").toString()).isEqualTo("-123.4500");

        assertThat(readTable(write(out -> FieldCodec.writeTable(out, null)))).isNull();
        assertThat(readTable(write(out -> FieldCodec.writeTable(out, Map.of())))).isEmpty();
        assertThat(FieldCodec.readString(in(write(out -> FieldCodec.writeString(out, null))))).isNull();
        assertThat(FieldCodec.readValue(in(write(out -> FieldCodec.writeValue(out, Binding.VoidValue.INSTANCE)))))
                .isNull();
    }

    @Test
    void refusesValuesItHasNoEncodingFor() {
        assertThatThrownBy(() -> write(out -> FieldCodec.writeValue(out, new Object())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesLengthsBeyondTheBytesLeftAndUnknownTags() throws IOException {
        assertThatThrownBy(() -> FieldCodec.readString(in(write(out -> out.writeInt(-2)))))
                .isInstanceOf(IOException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> FieldCodec.readString(in(write(out -> {
            out.writeInt(3);
            out.write(new byte[2]);
        })))).isInstanceOf(IOException.class).hasMessageContaining("length 3");
        // Exactly the bytes left is fine.
        assertThat(FieldCodec.readString(in(write(out -> {
            out.writeInt(2);
            out.write(new byte[] {'o', 'k'});
        })))).isEqualTo("ok");
        assertThatThrownBy(() -> readTable(write(out -> out.writeInt(5))))
                .isInstanceOf(IOException.class).hasMessageContaining("length 5");
        assertThatThrownBy(() -> readTable(write(out -> out.writeInt(-2))))
                .isInstanceOf(IOException.class).hasMessageContaining("length -2");
        for (char tag : new char[] {'x', 'A', 'D'}) {
            assertThatThrownBy(() -> FieldCodec.readValue(in(write(out -> {
                out.writeByte(tag);
                if (tag == 'D') {
                    out.writeInt(2); // scale
                }
                out.writeInt(100);
            })))).as("tag %s", tag).isInstanceOf(IOException.class).hasMessageContaining("length 100");
        }
        assertThatThrownBy(() -> FieldCodec.readValue(in(write(out -> out.writeByte('Z')))))
                .isInstanceOf(IOException.class).hasMessageContaining("tag 90");
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer writer) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        }
        return bytes.toByteArray();
    }

    private static DataInputStream in(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }

    private static Map<String, Object> readTable(byte[] bytes) throws IOException {
        return FieldCodec.readTable(in(bytes));
    }
}
