package dev.ferry.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;

import dev.ferry.message.Message;
import dev.ferry.message.MessageBody;
import dev.ferry.message.MessageProperties;
import dev.ferry.text.LosslessUtf8;

/**
 * A persistent AMQP message as one record of its queue's log (Kafka RecordBatch v2 record):
 *
 * <pre>
 * timestamp        arrival time at the queue (epoch ms)
 * key              routing key, UTF-8 (or the publisher's bytes, see LosslessUtf8)
 * value            body, as published
 * header "ferry"   envelope, Ferry's own encoding (big-endian, strings and tables as in {@link FieldCodec}):
 *
 *   byte    format version = 2
 *   byte    flags: bit 0 set = a transient message paged out of memory, dropped on recovery;
 *                  bit 1 set = extra routing keys follow the last property
 *   long    the message's sequence in its queue when it was written (orders it against messages
 *           in memory; meaningful only until the broker restarts, when offsets give the order)
 *   string  exchange it was published to
 *   long    expires at (epoch ms), Long.MAX_VALUE when it never expires
 *   string  content-type          (null = -1 length: not set)
 *   string  content-encoding
 *   table   headers               (null table = -1 count)
 *   byte    delivery-mode         (0 = not set)
 *   short   priority              (-1 = not set)
 *   string  correlation-id
 *   string  reply-to
 *   string  expiration
 *   string  message-id
 *   byte+   timestamp: 0 = not set, 1 followed by a long (seconds)
 *   string  type
 *   string  user-id
 *   string  app-id
 *   string  cluster-id
 *   (flag bit 1 only)
 *   int     number of extra routing keys (sender-selected CC / BCC keys), then each as a string
 * </pre>
 *
 * Version 1 (no flags, no sequence: every record persistent) is still read. Flag bit 1 came later
 * within version 2: a Ferry that predates it ignores the flag and the bytes after cluster-id, so it
 * reads the message without its extra keys. A record whose
 * envelope has another version is refused on recovery (never guessed at). A Kafka
 * consumer reading a queue log sees the routing key and the body as they were published.
 *
 * <p>Thread safety: stateless.
 */
final class MessageRecordCodec {
    static final String ENVELOPE_HEADER = "ferry";
    static final int FORMAT_VERSION = 2;
    private static final int FLAG_TRANSIENT = 1;
    private static final int FLAG_EXTRA_ROUTING_KEYS = 2;
    /** {@link Decoded#sequence()} of a version 1 record, which did not store one. */
    static final long NO_SEQUENCE = -1;

    private MessageRecordCodec() {
    }

    /** The message and what it needs to come back (its expiry, order, durability), decoded from one log record. */
    record Decoded(Message message, long expiresAt, long arrivedAt, long sequence, boolean transientCopy) {
    }

    /** What recovery needs without decoding the message. */
    record Summary(long expiresAt, boolean transientCopy) {
    }

    /**
     * @param transientCopy a transient message written only to free memory: recovery drops it
     * @param sequence      its sequence in the queue
     */
    static SimpleRecord encode(Message message, long expiresAt, long arrivedAt, long sequence, boolean transientCopy) {
        // Room for the fixed fields and a few short properties, so the common envelope never regrows.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(160);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            MessageProperties p = message.properties();
            out.writeByte(FORMAT_VERSION);
            List<String> extraKeys = message.extraRoutingKeysOrNull();
            out.writeByte((transientCopy ? FLAG_TRANSIENT : 0) | (extraKeys != null ? FLAG_EXTRA_ROUTING_KEYS : 0));
            out.writeLong(sequence);
            FieldCodec.writeString(out, message.exchange());
            out.writeLong(expiresAt);
            FieldCodec.writeString(out, p.contentType());
            FieldCodec.writeString(out, p.contentEncoding());
            FieldCodec.writeTable(out, p.headers());
            out.writeByte(p.deliveryMode());
            out.writeShort(p.priority());
            FieldCodec.writeString(out, p.correlationId());
            FieldCodec.writeString(out, p.replyTo());
            FieldCodec.writeString(out, p.expiration());
            FieldCodec.writeString(out, p.messageId());
            if (p.timestamp() == null) {
                out.writeByte(0);
            } else {
                out.writeByte(1);
                out.writeLong(p.timestamp());
            }
            FieldCodec.writeString(out, p.type());
            FieldCodec.writeString(out, p.userId());
            FieldCodec.writeString(out, p.appId());
            FieldCodec.writeString(out, p.clusterId());
            if (extraKeys != null) {
                out.writeInt(extraKeys.size());
                for (String key : extraKeys) {
                    FieldCodec.writeString(out, key);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Header[] headers = {new RecordHeader(ENVELOPE_HEADER, bytes.toByteArray())};
        // The body as it is held: a large one off the heap is copied once, into the batch being written.
        return new SimpleRecord(arrivedAt, ByteBuffer.wrap(LosslessUtf8.encode(message.routingKey())),
                message.messageBody().buffer(), headers);
    }

    /** @throws IOException if the envelope is missing, of an unknown version, or malformed */
    static Decoded decode(Record record) throws IOException {
        DataInputStream in = openEnvelope(record);
        int version = in.readUnsignedByte();
        checkVersion(record, version);
        boolean transientCopy = false;
        boolean hasExtraKeys = false;
        long sequence = NO_SEQUENCE;
        if (version >= 2) {
            int flags = in.readUnsignedByte();
            transientCopy = (flags & FLAG_TRANSIENT) != 0;
            hasExtraKeys = (flags & FLAG_EXTRA_ROUTING_KEYS) != 0;
            sequence = in.readLong();
        }
        String exchange = FieldCodec.readString(in);
        long expiresAt = in.readLong();
        String contentType = FieldCodec.readString(in);
        String contentEncoding = FieldCodec.readString(in);
        java.util.Map<String, Object> headers = FieldCodec.readTable(in);
        int deliveryMode = in.readUnsignedByte();
        int priority = in.readShort();
        String correlationId = FieldCodec.readString(in);
        String replyTo = FieldCodec.readString(in);
        String expiration = FieldCodec.readString(in);
        String messageId = FieldCodec.readString(in);
        Long timestamp = in.readUnsignedByte() == 0 ? null : in.readLong();
        String type = FieldCodec.readString(in);
        String userId = FieldCodec.readString(in);
        String appId = FieldCodec.readString(in);
        String clusterId = FieldCodec.readString(in);
        List<String> extraKeys = null;
        if (hasExtraKeys) {
            int count = in.readInt();
            if (count < 0 || count > in.available()) {
                throw new IOException("record " + record.offset() + " claims " + count + " extra routing keys");
            }
            extraKeys = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String key = FieldCodec.readString(in);
                if (key == null) {
                    throw new IOException("record " + record.offset() + " has a null extra routing key");
                }
                extraKeys.add(key);
            }
        }
        MessageProperties properties = new MessageProperties(contentType, contentEncoding, headers, deliveryMode,
                priority, correlationId, replyTo, expiration, messageId, timestamp, type, userId, appId, clusterId);
        String routingKey = record.hasKey() ? LosslessUtf8.decode(toArray(record.key())) : "";
        MessageBody body = MessageBody.copyOf(record.value()); // off the heap when large
        return new Decoded(new Message(exchange == null ? "" : exchange, routingKey, properties, body, extraKeys), expiresAt,
                record.timestamp(), sequence, transientCopy);
    }

    /** Reads only the envelope's first fields: recovery of a long queue need not decode its messages. */
    static Summary summarize(Record record) throws IOException {
        DataInputStream in = openEnvelope(record);
        int version = in.readUnsignedByte();
        checkVersion(record, version);
        boolean transientCopy = false;
        if (version >= 2) {
            transientCopy = (in.readUnsignedByte() & FLAG_TRANSIENT) != 0;
            in.readLong();
        }
        FieldCodec.readString(in);
        return new Summary(in.readLong(), transientCopy);
    }

    /**
     * The message's priority property (-1 when not set), read from the envelope without decoding
     * the rest: what a priority queue needs to know whose page a record belongs to.
     */
    static int priority(Record record) throws IOException {
        DataInputStream in = openEnvelope(record);
        int version = in.readUnsignedByte();
        checkVersion(record, version);
        if (version >= 2) {
            in.readUnsignedByte();
            in.readLong();
        }
        FieldCodec.readString(in); // exchange
        in.readLong(); // expires at
        FieldCodec.readString(in); // content-type
        FieldCodec.readString(in); // content-encoding
        FieldCodec.readTable(in); // headers
        in.readUnsignedByte(); // delivery-mode
        return in.readShort();
    }

    private static DataInputStream openEnvelope(Record record) throws IOException {
        for (Header header : record.headers()) {
            if (ENVELOPE_HEADER.equals(header.key())) {
                return new DataInputStream(new ByteArrayInputStream(header.value()));
            }
        }
        throw new IOException("record " + record.offset() + " has no '" + ENVELOPE_HEADER + "' header");
    }

    private static void checkVersion(Record record, int version) throws IOException {
        if (version < 1 || version > FORMAT_VERSION) {
            throw new IOException("record " + record.offset() + " has envelope version " + version
                    + "; this Ferry reads versions 1 to " + FORMAT_VERSION);
        }
    }

    /** Only a record's key, which {@code decode} reads only when the record has one. */
    private static byte[] toArray(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
