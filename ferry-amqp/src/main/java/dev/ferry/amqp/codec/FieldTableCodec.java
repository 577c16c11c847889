package dev.ferry.amqp.codec;

import io.netty.buffer.ByteBuf;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Field tables and field arrays with the type tags RabbitMQ and its clients actually use (which
 * differ from the original 0-9-1 table: {@code s} is a signed short, {@code l} a signed long long,
 * {@code x} a byte array).
 *
 * <pre>
 * tag  wire                          Java type read      Java type written
 * t    octet, 0 = false               Boolean             Boolean
 * b    signed octet                   Byte                Byte
 * B    unsigned octet                 Short (widened)     -
 * s    signed 16                      Short               Short
 * u    unsigned 16                    Integer (widened)   -
 * I    signed 32                      Integer             Integer
 * i    unsigned 32                    Long (widened)      -
 * l    signed 64                      Long                Long
 * f    IEEE float                     Float               Float
 * d    IEEE double                    Double              Double
 * D    scale octet + signed 32        BigDecimal          BigDecimal
 * S    long string (any bytes)        String              String
 * x    long string (raw bytes)        byte[]              byte[]
 * A    32-bit length + values         List                List
 * V    nothing                        null                null
 * T    unsigned 64, seconds           Date                Date
 * F    32-bit length + table          Map                 Map
 * </pre>
 *
 * Keys and {@code S} values keep the client's bytes even when they are not UTF-8 (RabbitMQ stores
 * them as bytes and hands them back unchanged): see {@link WireFormat#readShortText}.
 *
 * <p>The unsigned tags have no Java type of their own, so they are read into the next wider signed
 * type and written back with that type's tag; the value is preserved, the tag is not.
 *
 * <p>Reads are bounded: a table or array whose length exceeds its enclosing buffer, an unknown tag
 * or nesting deeper than {@link #MAX_DEPTH} is a SYNTAX_ERROR, never a crash of the event loop.
 */
public final class FieldTableCodec {
    /** Deeper nesting than any real client sends; the limit keeps a hostile frame from overflowing the stack. */
    public static final int MAX_DEPTH = 64;

    private FieldTableCodec() {
    }

    /** Reads a table; an empty table is returned as an immutable empty map to avoid allocating one. */
    public static Map<String, Object> readTable(ByteBuf in) {
        return readTable(in, 0);
    }

    public static void writeTable(ByteBuf out, Map<String, ?> table) {
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        if (table != null) {
            for (Map.Entry<String, ?> entry : table.entrySet()) {
                WireFormat.writeShortString(out, entry.getKey());
                writeValue(out, entry.getValue());
            }
        }
        out.setInt(lengthIndex, out.writerIndex() - lengthIndex - 4);
    }

    public static List<Object> readArray(ByteBuf in) {
        return readArray(in, 0);
    }

    public static void writeArray(ByteBuf out, List<?> values) {
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        for (Object value : values) {
            writeValue(out, value);
        }
        out.setInt(lengthIndex, out.writerIndex() - lengthIndex - 4);
    }

    private static Map<String, Object> readTable(ByteBuf in, int depth) {
        int length = WireFormat.readLongLength(in, "field table");
        if (length == 0) {
            return Collections.emptyMap();
        }
        checkDepth(depth);
        ByteBuf entries = in.readSlice(length);
        Map<String, Object> table = new LinkedHashMap<>();
        while (entries.isReadable()) {
            String name = WireFormat.readShortText(entries);
            table.put(name, readValue(entries, depth));
        }
        return table;
    }

    private static List<Object> readArray(ByteBuf in, int depth) {
        int length = WireFormat.readLongLength(in, "field array");
        if (length == 0) {
            return Collections.emptyList();
        }
        checkDepth(depth);
        ByteBuf values = in.readSlice(length);
        List<Object> list = new ArrayList<>();
        while (values.isReadable()) {
            list.add(readValue(values, depth));
        }
        return list;
    }

    private static void checkDepth(int depth) {
        if (depth >= MAX_DEPTH) {
            throw ProtocolException.syntaxError("field table nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private static Object readValue(ByteBuf in, int depth) {
        byte tag = in.readByte();
        return switch (tag) {
            case 't' -> in.readByte() != 0;
            case 'b' -> in.readByte();
            case 'B' -> in.readUnsignedByte();
            case 's' -> in.readShort();
            case 'u' -> in.readUnsignedShort();
            case 'I' -> in.readInt();
            case 'i' -> in.readUnsignedInt();
            case 'l' -> in.readLong();
            case 'f' -> in.readFloat();
            case 'd' -> in.readDouble();
            case 'D' -> readDecimal(in);
            case 'S' -> WireFormat.readLongString(in);
            case 'x' -> WireFormat.readLongBytes(in);
            case 'A' -> readArray(in, depth + 1);
            case 'V' -> null;
            case 'T' -> readTimestamp(in);
            case 'F' -> readTable(in, depth + 1);
            default -> throw ProtocolException.syntaxError("unknown field table type '" + printable(tag) + "'");
        };
    }

    /**
     * Seconds since the epoch, as a {@link Date} (milliseconds): a count of seconds whose
     * milliseconds do not fit in a long (past the year 292 million) would wrap to another date, so
     * it is refused instead.
     */
    private static Date readTimestamp(ByteBuf in) {
        long seconds = in.readLong();
        if (seconds > Long.MAX_VALUE / 1000 || seconds < Long.MIN_VALUE / 1000) {
            throw ProtocolException.syntaxError("field table timestamp " + Long.toUnsignedString(seconds)
                    + " s is out of range");
        }
        return new Date(seconds * 1000L);
    }

    private static BigDecimal readDecimal(ByteBuf in) {
        int scale = in.readUnsignedByte();
        int unscaled = in.readInt();
        return new BigDecimal(BigInteger.valueOf(unscaled), scale);
    }

    /** Writes a tag and value; a Java type with no AMQP counterpart is a caller bug. */
    static void writeValue(ByteBuf out, Object value) {
        if (value == null) {
            out.writeByte('V');
        } else if (value instanceof String s) {
            out.writeByte('S');
            WireFormat.writeLongString(out, s);
        } else if (value instanceof Integer i) {
            out.writeByte('I');
            out.writeInt(i);
        } else if (value instanceof Long l) {
            out.writeByte('l');
            out.writeLong(l);
        } else if (value instanceof Boolean b) {
            out.writeByte('t');
            out.writeByte(b ? 1 : 0);
        } else if (value instanceof Map<?, ?> map) {
            out.writeByte('F');
            writeTable(out, castTable(map));
        } else if (value instanceof List<?> list) {
            out.writeByte('A');
            writeArray(out, list);
        } else if (value instanceof byte[] bytes) {
            out.writeByte('x');
            WireFormat.writeLongBytes(out, bytes);
        } else if (value instanceof Byte b) {
            out.writeByte('b');
            out.writeByte(b);
        } else if (value instanceof Short s) {
            out.writeByte('s');
            out.writeShort(s);
        } else if (value instanceof Float f) {
            out.writeByte('f');
            out.writeFloat(f);
        } else if (value instanceof Double d) {
            out.writeByte('d');
            out.writeDouble(d);
        } else if (value instanceof BigDecimal decimal) {
            writeDecimal(out, decimal);
        } else if (value instanceof Date date) {
            out.writeByte('T');
            out.writeLong(date.getTime() / 1000L);
        } else if (value instanceof Object[] array) {
            out.writeByte('A');
            writeArray(out, Arrays.asList(array));
        } else {
            throw new IllegalArgumentException("no AMQP field type for " + value.getClass().getName());
        }
    }

    private static void writeDecimal(ByteBuf out, BigDecimal decimal) {
        int scale = decimal.scale();
        if (scale < 0 || scale > 255) {
            throw new IllegalArgumentException("decimal scale " + scale + " is outside 0..255");
        }
        out.writeByte('D');
        out.writeByte(scale);
        // intValueExact fails on an unscaled value wider than 32 bits, which AMQP cannot carry.
        out.writeInt(decimal.unscaledValue().intValueExact());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> castTable(Map<?, ?> map) {
        return (Map<String, ?>) map;
    }

    private static String printable(byte tag) {
        return tag >= 0x20 && tag < 0x7f ? String.valueOf((char) tag) : String.format("0x%02x", tag & 0xff);
    }
}
