package dev.ferry.amqp.codec;

import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;
import java.util.Map;

/**
 * Reads and writes a content header payload: class id (u16), weight (u16, always 0), body size
 * (u64), property flags, then each present property in flag order.
 *
 * <p>Flags are 16-bit words; bit 15 of the first word is the first property (content-type) and bit
 * 0 of each word says another flags word follows. Basic has 14 properties, so one word always
 * suffices when writing; when reading, any continuation words are consumed and, carrying no
 * property Ferry knows, ignored.
 */
public final class ContentHeaderCodec {
    private static final int CONTENT_TYPE = 1 << 15;
    private static final int CONTENT_ENCODING = 1 << 14;
    private static final int HEADERS = 1 << 13;
    private static final int DELIVERY_MODE = 1 << 12;
    private static final int PRIORITY = 1 << 11;
    private static final int CORRELATION_ID = 1 << 10;
    private static final int REPLY_TO = 1 << 9;
    private static final int EXPIRATION = 1 << 8;
    private static final int MESSAGE_ID = 1 << 7;
    private static final int TIMESTAMP = 1 << 6;
    private static final int TYPE = 1 << 5;
    private static final int USER_ID = 1 << 4;
    private static final int APP_ID = 1 << 3;
    private static final int CLUSTER_ID = 1 << 2;
    private static final int CONTINUATION = 1;

    private ContentHeaderCodec() {
    }

    public static ContentHeader read(ByteBuf in) {
        int classId = in.readUnsignedShort();
        in.skipBytes(2); // weight: unused by 0-9-1
        long bodySize = in.readLong();
        if (bodySize < 0) {
            throw ProtocolException.frameError("content body size " + Long.toUnsignedString(bodySize) + " is not valid");
        }
        int flags = in.readUnsignedShort();
        int continuation = flags;
        while ((continuation & CONTINUATION) != 0) {
            continuation = in.readUnsignedShort();
        }
        return new ContentHeader(classId, bodySize, readProperties(flags, in));
    }

    private static MessageProperties readProperties(int flags, ByteBuf in) {
        if ((flags & ~CONTINUATION) == 0) {
            return MessageProperties.EMPTY;
        }
        String contentType = (flags & CONTENT_TYPE) != 0 ? WireFormat.readShortText(in) : null;
        String contentEncoding = (flags & CONTENT_ENCODING) != 0 ? WireFormat.readShortText(in) : null;
        Map<String, Object> headers = (flags & HEADERS) != 0 ? FieldTableCodec.readTable(in) : null;
        int deliveryMode = (flags & DELIVERY_MODE) != 0 ? in.readUnsignedByte() : 0;
        int priority = (flags & PRIORITY) != 0 ? in.readUnsignedByte() : -1;
        String correlationId = (flags & CORRELATION_ID) != 0 ? WireFormat.readShortText(in) : null;
        String replyTo = (flags & REPLY_TO) != 0 ? WireFormat.readShortText(in) : null;
        String expiration = (flags & EXPIRATION) != 0 ? WireFormat.readShortText(in) : null;
        String messageId = (flags & MESSAGE_ID) != 0 ? WireFormat.readShortText(in) : null;
        Long timestamp = (flags & TIMESTAMP) != 0 ? in.readLong() : null;
        String type = (flags & TYPE) != 0 ? WireFormat.readShortText(in) : null;
        String userId = (flags & USER_ID) != 0 ? WireFormat.readShortText(in) : null;
        String appId = (flags & APP_ID) != 0 ? WireFormat.readShortText(in) : null;
        String clusterId = (flags & CLUSTER_ID) != 0 ? WireFormat.readShortText(in) : null;
        return new MessageProperties(contentType, contentEncoding, headers, deliveryMode, priority, correlationId,
                replyTo, expiration, messageId, timestamp, type, userId, appId, clusterId);
    }

    public static void write(ByteBuf out, int classId, long bodySize, MessageProperties properties) {
        out.writeShort(classId);
        out.writeShort(0);
        out.writeLong(bodySize);
        MessageProperties p = properties == null ? MessageProperties.EMPTY : properties;
        out.writeShort(flagsOf(p));
        writeIfSet(out, p.contentType());
        writeIfSet(out, p.contentEncoding());
        if (p.headers() != null) {
            FieldTableCodec.writeTable(out, p.headers());
        }
        if (p.deliveryMode() != 0) {
            out.writeByte(p.deliveryMode());
        }
        if (p.priority() >= 0) {
            out.writeByte(p.priority());
        }
        writeIfSet(out, p.correlationId());
        writeIfSet(out, p.replyTo());
        writeIfSet(out, p.expiration());
        writeIfSet(out, p.messageId());
        if (p.timestamp() != null) {
            out.writeLong(p.timestamp());
        }
        writeIfSet(out, p.type());
        writeIfSet(out, p.userId());
        writeIfSet(out, p.appId());
        writeIfSet(out, p.clusterId());
    }

    /** The property flags word for {@code p}; package-visible for tests. */
    static int flagsOf(MessageProperties p) {
        int flags = 0;
        flags |= p.contentType() != null ? CONTENT_TYPE : 0;
        flags |= p.contentEncoding() != null ? CONTENT_ENCODING : 0;
        flags |= p.headers() != null ? HEADERS : 0;
        flags |= p.deliveryMode() != 0 ? DELIVERY_MODE : 0;
        flags |= p.priority() >= 0 ? PRIORITY : 0;
        flags |= p.correlationId() != null ? CORRELATION_ID : 0;
        flags |= p.replyTo() != null ? REPLY_TO : 0;
        flags |= p.expiration() != null ? EXPIRATION : 0;
        flags |= p.messageId() != null ? MESSAGE_ID : 0;
        flags |= p.timestamp() != null ? TIMESTAMP : 0;
        flags |= p.type() != null ? TYPE : 0;
        flags |= p.userId() != null ? USER_ID : 0;
        flags |= p.appId() != null ? APP_ID : 0;
        flags |= p.clusterId() != null ? CLUSTER_ID : 0;
        return flags;
    }

    private static void writeIfSet(ByteBuf out, String value) {
        if (value != null) {
            WireFormat.writeShortString(out, value);
        }
    }
}
