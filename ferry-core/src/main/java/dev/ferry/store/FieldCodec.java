package dev.ferry.store;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ferry.route.Binding;
import dev.ferry.text.LosslessUtf8;

/**
 * Ferry's compact binary encoding of AMQP field values (header tables, declaration arguments), as
 * stored in queue records and metadata records. Every value is one type tag byte and its payload;
 * decoding gives back the same Java type that was encoded (see
 * {@link dev.ferry.message.MessageProperties} for the set).
 *
 * <pre>
 * tag  Java type            payload
 * 'V'  null (void)          -
 * 't'  Boolean              1 byte (0 or 1)
 * 'b'  Byte                 1 byte
 * 's'  Short                2 bytes
 * 'I'  Integer              4 bytes
 * 'l'  Long                 8 bytes
 * 'f'  Float                4 bytes (IEEE 754)
 * 'd'  Double               8 bytes (IEEE 754)
 * 'D'  BigDecimal           scale (4) + length (4) + unscaled two's complement bytes
 * 'T'  Date                 8 bytes: milliseconds since the epoch
 * 'x'  byte[]               length (4) + bytes
 * 'S'  String               string (below)
 * 'F'  Map (table)          table (below)
 * 'A'  List (array)         count (4) + values
 *
 * string = length (4, bytes) + UTF-8 bytes (or the client's bytes, see LosslessUtf8); null is length -1
 * table  = count (4) + count × (key string, value); null table = count -1
 * </pre>
 *
 * <p>All integers are big-endian. Thread safety: stateless.
 */
public final class FieldCodec {
    private FieldCodec() {
    }

    static void writeString(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        // Header text keeps a client's bytes even when they are not UTF-8 (see LosslessUtf8).
        byte[] bytes = LosslessUtf8.encode(value);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < -1) {
            throw new IOException("negative string length " + length);
        }
        return length == -1 ? null : LosslessUtf8.decode(in.readNBytes(checkLength(in, length)));
    }

    static void writeTable(DataOutputStream out, Map<String, Object> table) throws IOException {
        if (table == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(table.size());
        for (Map.Entry<String, Object> entry : table.entrySet()) {
            writeString(out, entry.getKey());
            writeValue(out, entry.getValue());
        }
    }

    static Map<String, Object> readTable(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count == -1) {
            return null;
        }
        checkLength(in, count);
        Map<String, Object> table = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String key = readString(in);
            table.put(key, readValue(in));
        }
        return table;
    }

    public static void writeValue(DataOutputStream out, Object value) throws IOException {
        if (value == null || value == Binding.VoidValue.INSTANCE) {
            out.writeByte('V');
        } else if (value instanceof Boolean b) {
            out.writeByte('t');
            out.writeBoolean(b);
        } else if (value instanceof Byte b) {
            out.writeByte('b');
            out.writeByte(b);
        } else if (value instanceof Short s) {
            out.writeByte('s');
            out.writeShort(s);
        } else if (value instanceof Integer i) {
            out.writeByte('I');
            out.writeInt(i);
        } else if (value instanceof Long l) {
            out.writeByte('l');
            out.writeLong(l);
        } else if (value instanceof Float f) {
            out.writeByte('f');
            out.writeFloat(f);
        } else if (value instanceof Double d) {
            out.writeByte('d');
            out.writeDouble(d);
        } else if (value instanceof BigDecimal decimal) {
            out.writeByte('D');
            out.writeInt(decimal.scale());
            byte[] unscaled = decimal.unscaledValue().toByteArray();
            out.writeInt(unscaled.length);
            out.write(unscaled);
        } else if (value instanceof Date date) {
            out.writeByte('T');
            out.writeLong(date.getTime());
        } else if (value instanceof byte[] bytes) {
            out.writeByte('x');
            out.writeInt(bytes.length);
            out.write(bytes);
        } else if (value instanceof String string) {
            out.writeByte('S');
            writeString(out, string);
        } else if (value instanceof Map<?, ?> map) {
            out.writeByte('F');
            @SuppressWarnings("unchecked")
            Map<String, Object> table = (Map<String, Object>) map;
            writeTable(out, table);
        } else if (value instanceof List<?> list) {
            out.writeByte('A');
            out.writeInt(list.size());
            for (Object element : list) {
                writeValue(out, element);
            }
        } else {
            throw new IllegalArgumentException("no field encoding for " + value.getClass().getName());
        }
    }

    public static Object readValue(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        switch (tag) {
            case 'V':
                return null;
            case 't':
                return in.readBoolean();
            case 'b':
                return in.readByte();
            case 's':
                return in.readShort();
            case 'I':
                return in.readInt();
            case 'l':
                return in.readLong();
            case 'f':
                return in.readFloat();
            case 'd':
                return in.readDouble();
            case 'D': {
                int scale = in.readInt();
                byte[] unscaled = in.readNBytes(checkLength(in, in.readInt()));
                return new BigDecimal(new BigInteger(unscaled), scale);
            }
            case 'T':
                return new Date(in.readLong());
            case 'x':
                return in.readNBytes(checkLength(in, in.readInt()));
            case 'S':
                return readString(in);
            case 'F':
                return readTable(in);
            case 'A': {
                int count = checkLength(in, in.readInt());
                List<Object> list = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    list.add(readValue(in));
                }
                return list;
            }
            default:
                throw new IOException("unknown field tag " + tag);
        }
    }

    /** A length read from the data must fit in what is left (so garbage cannot make us allocate gigabytes). */
    private static int checkLength(DataInputStream in, int length) throws IOException {
        if (length < 0 || length > in.available()) {
            throw new IOException("length " + length + " exceeds the " + in.available() + " bytes left");
        }
        return length;
    }
}
