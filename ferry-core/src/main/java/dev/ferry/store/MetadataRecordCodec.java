package dev.ferry.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;

import dev.ferry.broker.MetadataRecord;
import dev.ferry.route.Binding;
import dev.ferry.route.Destination;
import dev.ferry.route.ExchangeSettings;
import dev.ferry.route.ExchangeType;

/**
 * One {@link MetadataRecord} as the value of one record of the metadata log (no key, no headers;
 * strings and tables as in {@link FieldCodec}, big-endian). Each record travels in a RecordBatch of
 * its own ({@link #encodeBatch}), so the batch's CRC32C is the record's checksum: damage costs
 * that one record, never its neighbours.
 *
 * <pre>
 * byte    format version = 1
 * byte    kind: 1 exchange declared, 2 exchange deleted, 3 queue declared, 4 queue deleted,
 *               5 binding added, 6 binding removed
 * string  virtual host
 * kind 1: string name, string type, byte durable, byte auto-delete, byte internal, table arguments
 * kind 2: string name
 * kind 3: string name, byte auto-delete, table arguments       (durable, not exclusive: implied)
 * kind 4: string name
 * kind 5, 6: string source, byte destination kind (0 queue, 1 exchange), string destination,
 *            string routing key, table arguments
 * </pre>
 */
final class MetadataRecordCodec {
    static final int FORMAT_VERSION = 1;
    private static final int EXCHANGE_DECLARED = 1;
    private static final int EXCHANGE_DELETED = 2;
    private static final int QUEUE_DECLARED = 3;
    private static final int QUEUE_DELETED = 4;
    private static final int BINDING_ADDED = 5;
    private static final int BINDING_REMOVED = 6;

    private MetadataRecordCodec() {
    }

    static SimpleRecord encode(MetadataRecord record) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT_VERSION);
            if (record instanceof MetadataRecord.ExchangeDeclared declared) {
                ExchangeSettings settings = declared.settings();
                header(out, EXCHANGE_DECLARED, record);
                FieldCodec.writeString(out, settings.name());
                FieldCodec.writeString(out, settings.type().wireName());
                out.writeBoolean(settings.durable());
                out.writeBoolean(settings.autoDelete());
                out.writeBoolean(settings.internal());
                FieldCodec.writeTable(out, settings.arguments());
            } else if (record instanceof MetadataRecord.ExchangeDeleted deleted) {
                header(out, EXCHANGE_DELETED, record);
                FieldCodec.writeString(out, deleted.name());
            } else if (record instanceof MetadataRecord.QueueDeclared declared) {
                header(out, QUEUE_DECLARED, record);
                FieldCodec.writeString(out, declared.name());
                out.writeBoolean(declared.autoDelete());
                FieldCodec.writeTable(out, declared.arguments());
            } else if (record instanceof MetadataRecord.QueueDeleted deleted) {
                header(out, QUEUE_DELETED, record);
                FieldCodec.writeString(out, deleted.name());
            } else if (record instanceof MetadataRecord.BindingAdded added) {
                header(out, BINDING_ADDED, record);
                writeBinding(out, added.binding());
            } else if (record instanceof MetadataRecord.BindingRemoved removed) {
                header(out, BINDING_REMOVED, record);
                writeBinding(out, removed.binding());
            } else {
                throw new IllegalArgumentException("unknown metadata record " + record);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SimpleRecord(System.currentTimeMillis(), (byte[]) null, bytes.toByteArray());
    }

    /**
     * The record as a RecordBatch v2 holding only it (uncompressed, base offset 0: the log assigns
     * the real one when the batch is appended with {@code Log.appendBatch}).
     */
    static ByteBuffer encodeBatch(MetadataRecord record) {
        return MemoryRecords.withRecords(Compression.NONE, encode(record)).buffer();
    }

    private static void header(DataOutputStream out, int kind, MetadataRecord record) throws IOException {
        out.writeByte(kind);
        FieldCodec.writeString(out, record.virtualHost());
    }

    private static void writeBinding(DataOutputStream out, Binding binding) throws IOException {
        FieldCodec.writeString(out, binding.source());
        out.writeByte(binding.destination().isQueue() ? 0 : 1);
        FieldCodec.writeString(out, binding.destination().name());
        FieldCodec.writeString(out, binding.routingKey());
        FieldCodec.writeTable(out, binding.arguments());
    }

    /**
     * @throws IOException if the record is not a metadata record this version knows (an unknown
     *                     version or kind, a field that does not decode or bytes left over)
     */
    static MetadataRecord decode(Record record) throws IOException {
        ByteBuffer value = record.value();
        if (value == null) {
            throw new IOException("metadata record " + record.offset() + " has no value");
        }
        byte[] bytes = new byte[value.remaining()];
        value.get(bytes);
        return decode(bytes);
    }

    static MetadataRecord decode(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        MetadataRecord record;
        try {
            record = decodeFields(in);
        } catch (RuntimeException e) {
            // A field the constructors refuse (a null name, say): as undecodable as a bad tag.
            throw new IOException("metadata record fields do not decode: " + e.getMessage(), e);
        }
        if (in.available() > 0) {
            throw new IOException("metadata record has " + in.available() + " bytes after its last field");
        }
        return record;
    }

    private static MetadataRecord decodeFields(DataInputStream in) throws IOException {
        int version = in.readUnsignedByte();
        if (version != FORMAT_VERSION) {
            throw new IOException("metadata record version " + version + "; this Ferry reads " + FORMAT_VERSION);
        }
        int kind = in.readUnsignedByte();
        String virtualHost = FieldCodec.readString(in);
        switch (kind) {
            case EXCHANGE_DECLARED: {
                String name = FieldCodec.readString(in);
                String typeName = FieldCodec.readString(in);
                ExchangeType type = ExchangeType.fromWireName(typeName)
                        .orElseThrow(() -> new IOException("unknown exchange type " + typeName));
                boolean durable = in.readBoolean();
                boolean autoDelete = in.readBoolean();
                boolean internal = in.readBoolean();
                Map<String, Object> arguments = FieldCodec.readTable(in);
                return new MetadataRecord.ExchangeDeclared(virtualHost,
                        new ExchangeSettings(name, type, durable, autoDelete, internal, arguments));
            }
            case EXCHANGE_DELETED:
                return new MetadataRecord.ExchangeDeleted(virtualHost, FieldCodec.readString(in));
            case QUEUE_DECLARED: {
                String name = FieldCodec.readString(in);
                boolean autoDelete = in.readBoolean();
                return new MetadataRecord.QueueDeclared(virtualHost, name, autoDelete, FieldCodec.readTable(in));
            }
            case QUEUE_DELETED:
                return new MetadataRecord.QueueDeleted(virtualHost, FieldCodec.readString(in));
            case BINDING_ADDED:
                return new MetadataRecord.BindingAdded(virtualHost, readBinding(in));
            case BINDING_REMOVED:
                return new MetadataRecord.BindingRemoved(virtualHost, readBinding(in));
            default:
                throw new IOException("unknown metadata record kind " + kind);
        }
    }

    private static Binding readBinding(DataInputStream in) throws IOException {
        String source = FieldCodec.readString(in);
        boolean toQueue = in.readUnsignedByte() == 0;
        String destination = FieldCodec.readString(in);
        String routingKey = FieldCodec.readString(in);
        Map<String, Object> arguments = FieldCodec.readTable(in);
        return new Binding(source, toQueue ? Destination.queue(destination) : Destination.exchange(destination),
                routingKey, arguments);
    }
}
