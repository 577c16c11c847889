package dev.ferry.amqp.codec;

import dev.ferry.text.LosslessUtf8;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * AMQP's string encodings on a {@link ByteBuf}: short strings (one length octet, at most 255 bytes
 * of UTF-8) and long strings (a 32-bit length). Readers check the declared length against what the
 * buffer holds, so a lying length becomes a SYNTAX_ERROR instead of a read past the frame.
 *
 * <p>Two readings of the bytes, as RabbitMQ has them: a short string that is a method argument (a
 * queue, exchange or vhost name, a routing key, a consumer tag, a reply text) must be valid UTF-8,
 * or the connection closes with 501 "Malformed UTF-8 in shortstr", so two different byte strings
 * can never become one name. Field table keys and values, content properties and long strings are
 * kept as the client sent them, whatever the bytes ({@link LosslessUtf8}), and written back the
 * same.
 *
 * <p>Writers encode UTF-8 straight into the buffer, with no intermediate byte array.
 */
public final class WireFormat {
    public static final int SHORT_STRING_MAX_BYTES = 255;

    private static final byte[] NO_BYTES = new byte[0];

    private WireFormat() {
    }

    /** A method argument's short string; 501 FRAME_ERROR unless it is valid UTF-8. */
    public static String readShortString(ByteBuf in) {
        int length = in.readUnsignedByte();
        checkReadable(in, length, "short string");
        int start = in.readerIndex();
        String value;
        if (isAscii(in, start, length)) {
            value = in.toString(start, length, StandardCharsets.US_ASCII);
        } else {
            byte[] bytes = new byte[length];
            in.getBytes(start, bytes);
            if (!LosslessUtf8.isValid(bytes, 0, length)) {
                throw ProtocolException.frameError("Malformed UTF-8 in shortstr");
            }
            value = new String(bytes, StandardCharsets.UTF_8);
        }
        in.skipBytes(length);
        return value;
    }

    /** A short string kept byte for byte (a table key, a content property), valid UTF-8 or not. */
    public static String readShortText(ByteBuf in) {
        int length = in.readUnsignedByte();
        checkReadable(in, length, "short string");
        return readText(in, length);
    }

    public static void skipShortString(ByteBuf in) {
        int length = in.readUnsignedByte();
        checkReadable(in, length, "short string");
        in.skipBytes(length);
    }

    /**
     * Writes {@code value} (null is written as empty), giving back the bytes of text read with
     * {@link #readShortText}; more than 255 bytes is a caller bug.
     */
    public static void writeShortString(ByteBuf out, String value) {
        if (value == null || value.isEmpty()) {
            out.writeByte(0);
            return;
        }
        if (LosslessUtf8.hasEscapes(value)) {
            byte[] bytes = LosslessUtf8.encode(value);
            checkShort(bytes.length, value);
            out.writeByte(bytes.length);
            out.writeBytes(bytes);
            return;
        }
        int length = ByteBufUtil.utf8Bytes(value);
        checkShort(length, value);
        out.writeByte(length);
        ByteBufUtil.writeUtf8(out, value);
    }

    private static void checkShort(int length, String value) {
        if (length > SHORT_STRING_MAX_BYTES) {
            throw new IllegalArgumentException("short string of " + length + " bytes exceeds 255: "
                    + value.substring(0, Math.min(value.length(), 40)) + "...");
        }
    }

    /** A long string kept byte for byte, valid UTF-8 or not. */
    public static String readLongString(ByteBuf in) {
        int length = readLongLength(in, "long string");
        return readText(in, length);
    }

    private static String readText(ByteBuf in, int length) {
        int start = in.readerIndex();
        String value;
        if (isAscii(in, start, length)) {
            value = in.toString(start, length, StandardCharsets.US_ASCII);
        } else {
            byte[] bytes = new byte[length];
            in.getBytes(start, bytes);
            value = LosslessUtf8.decode(bytes);
        }
        in.skipBytes(length);
        return value;
    }

    private static boolean isAscii(ByteBuf in, int start, int length) {
        for (int i = start; i < start + length; i++) {
            if (in.getByte(i) < 0) {
                return false;
            }
        }
        return true;
    }

    public static byte[] readLongBytes(ByteBuf in) {
        int length = readLongLength(in, "long string");
        if (length == 0) {
            return NO_BYTES;
        }
        byte[] value = new byte[length];
        in.readBytes(value);
        return value;
    }

    public static void skipLongString(ByteBuf in) {
        in.skipBytes(readLongLength(in, "long string"));
    }

    /** Writes {@code value}, giving back the bytes of text read with {@link #readLongString}. */
    public static void writeLongString(ByteBuf out, String value) {
        if (value == null || value.isEmpty()) {
            out.writeInt(0);
            return;
        }
        if (LosslessUtf8.hasEscapes(value)) {
            writeLongBytes(out, LosslessUtf8.encode(value));
            return;
        }
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        int written = ByteBufUtil.writeUtf8(out, value);
        out.setInt(lengthIndex, written);
    }

    public static void writeLongBytes(ByteBuf out, byte[] value) {
        if (value == null) {
            out.writeInt(0);
            return;
        }
        out.writeInt(value.length);
        out.writeBytes(value);
    }

    /** Reads a 32-bit length and checks that many bytes follow; negative means above 2 GiB, also a lie. */
    static int readLongLength(ByteBuf in, String what) {
        int length = in.readInt();
        if (length < 0) {
            throw ProtocolException.syntaxError(what + " length " + Integer.toUnsignedString(length)
                    + " exceeds the frame");
        }
        checkReadable(in, length, what);
        return length;
    }

    static void checkReadable(ByteBuf in, int length, String what) {
        if (length > in.readableBytes()) {
            throw ProtocolException.syntaxError(what + " length " + length + " exceeds the "
                    + in.readableBytes() + " bytes left in the frame");
        }
    }
}
