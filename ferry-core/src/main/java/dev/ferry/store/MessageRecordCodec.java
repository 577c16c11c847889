package dev.ferry.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

/**
 * A persistent AMQP message as one record of its queue's log (Kafka RecordBatch v2 record):
 *
 * <pre>
 * timestamp        arrival time at the queue (epoch ms)
 * key              routing key, UTF-8
 * value            body, as published
 * header "ferry"   envelope, Ferry's own encoding (big-endian, strings and tables as in {@link FieldCodec}):
 *
 *   byte    format version = 1
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
 * </pre>
 *
 * A record whose envelope has another version is refused on recovery (never guessed at). A Kafka
 * consumer reading a queue log sees the routing key and the body as they were published.
 *
 * <p>Thread safety: stateless.
 */
final class MessageRecordCodec {
    static final String ENVELOPE_HEADER = "ferry";
    static final int FORMAT_VERSION = 1;

    private MessageRecordCodec() {
    }

    /** The message and what it needs to come back (its expiry), decoded from one log record. */
    record Decoded(Message message, long expiresAt, long arrivedAt) {
    }

    static SimpleRecord encode(Message message, long expiresAt, long arrivedAt) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            MessageProperties p = message.properties();
            out.writeByte(FORMAT_VERSION);
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Header[] headers = {new RecordHeader(ENVELOPE_HEADER, bytes.toByteArray())};
        return new SimpleRecord(arrivedAt, message.routingKey().getBytes(StandardCharsets.UTF_8), message.body(),
                headers);
    }

    /** @throws IOException if the envelope is missing, of an unknown version, or malformed */
    static Decoded decode(Record record) throws IOException {
        byte[] envelope = null;
        for (Header header : record.headers()) {
            if (ENVELOPE_HEADER.equals(header.key())) {
                envelope = header.value();
            }
        }
        if (envelope == null) {
            throw new IOException("record " + record.offset() + " has no '" + ENVELOPE_HEADER + "' header");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(envelope));
        int version = in.readUnsignedByte();
        if (version != FORMAT_VERSION) {
            throw new IOException("record " + record.offset() + " has envelope version " + version
                    + "; this Ferry reads version " + FORMAT_VERSION);
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
        MessageProperties properties = new MessageProperties(contentType, contentEncoding, headers, deliveryMode,
                priority, correlationId, replyTo, expiration, messageId, timestamp, type, userId, appId, clusterId);
        String routingKey = record.hasKey() ? StandardCharsets.UTF_8.decode(record.key()).toString() : "";
        byte[] body = toArray(record.value());
        return new Decoded(new Message(exchange == null ? "" : exchange, routingKey, properties, body), expiresAt,
                record.timestamp());
    }

    private static byte[] toArray(ByteBuffer buffer) {
        if (buffer == null) {
            return new byte[0];
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
