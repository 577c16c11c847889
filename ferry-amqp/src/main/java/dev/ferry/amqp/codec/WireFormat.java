package dev.ferry.amqp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * AMQP's string encodings on a {@link ByteBuf}: short strings (one length octet, at most 255 bytes
 * of UTF-8) and long strings (a 32-bit length). Readers check the declared length against what the
 * buffer holds, so a lying length becomes a SYNTAX_ERROR instead of a read past the frame.
 *
 * <p>Writers encode UTF-8 straight into the buffer, with no intermediate byte array.
 */
public final class WireFormat {
    public static final int SHORT_STRING_MAX_BYTES = 255;

    private static final byte[] NO_BYTES = new byte[0];

    private WireFormat() {
    }

    public static String readShortString(ByteBuf in) {
        int length = in.readUnsignedByte();
        checkReadable(in, length, "short string");
        String value = in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
        in.skipBytes(length);
        return value;
    }

    public static void skipShortString(ByteBuf in) {
        int length = in.readUnsignedByte();
        checkReadable(in, length, "short string");
        in.skipBytes(length);
    }

    /** Writes {@code value} (null is written as empty); more than 255 bytes is a caller bug. */
    public static void writeShortString(ByteBuf out, String value) {
        if (value == null || value.isEmpty()) {
            out.writeByte(0);
            return;
        }
        int length = ByteBufUtil.utf8Bytes(value);
        if (length > SHORT_STRING_MAX_BYTES) {
            throw new IllegalArgumentException("short string of " + length + " bytes exceeds 255: "
                    + value.substring(0, Math.min(value.length(), 40)) + "...");
        }
        out.writeByte(length);
        ByteBufUtil.writeUtf8(out, value);
    }

    public static String readLongString(ByteBuf in) {
        int length = readLongLength(in, "long string");
        String value = in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
        in.skipBytes(length);
        return value;
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

    public static void writeLongString(ByteBuf out, String value) {
        if (value == null || value.isEmpty()) {
            out.writeInt(0);
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
