package dev.ferry.text;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a value the way RabbitMQ's error texts print the Erlang term it decoded it to
 * ({@code ~p}): a string is a binary {@code <<"x">>}, bytes a binary too ({@code <<"x">>} when
 * printable, else {@code <<1,2,3>>}), a JSON object a map. Only for error texts, so that a script
 * matching RabbitMQ's messages matches ours.
 */
public final class ErlangTerms {
    private ErlangTerms() {
    }

    public static String format(Object value) {
        StringBuilder text = new StringBuilder();
        append(text, value);
        return text.toString();
    }

    /** RabbitMQ's list of unrecognised keys: {@code [{<<"k">>,V},...]} in key order. */
    public static String keyValueList(Map<String, Object> entries) {
        StringBuilder text = new StringBuilder("[");
        Iterator<Map.Entry<String, Object>> it = new TreeMap<>(entries).entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Object> entry = it.next();
            text.append('{');
            append(text, entry.getKey());
            text.append(',');
            append(text, entry.getValue());
            text.append('}');
            if (it.hasNext()) {
                text.append(',');
            }
        }
        return text.append(']').toString();
    }

    private static void append(StringBuilder text, Object value) {
        if (value == null) {
            text.append("null");
        } else if (value instanceof String s && s.isEmpty()) {
            text.append("<<>>");
        } else if (value instanceof String s) {
            text.append("<<\"").append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append("\">>");
        } else if (value instanceof byte[] bytes) {
            appendBinary(text, bytes);
        } else if (value instanceof List<?> list) {
            text.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    text.append(',');
                }
                append(text, list.get(i));
            }
            text.append(']');
        } else if (value instanceof Map<?, ?> map) {
            text.append("#{");
            boolean first = true;
            for (Map.Entry<?, ?> entry : new TreeMap<>(map).entrySet()) {
                if (!first) {
                    text.append(',');
                }
                first = false;
                append(text, entry.getKey());
                text.append(" => ");
                append(text, entry.getValue());
            }
            text.append('}');
        } else {
            text.append(value);
        }
    }

    /** Bytes of printable ASCII as a quoted binary, any others as Erlang prints them: their values. */
    private static void appendBinary(StringBuilder text, byte[] bytes) {
        boolean printable = true;
        for (byte b : bytes) {
            printable &= b >= 0x20 && b < 0x7f;
        }
        if (printable) {
            append(text, new String(bytes, StandardCharsets.US_ASCII));
            return;
        }
        text.append("<<");
        for (int i = 0; i < bytes.length; i++) {
            text.append(i > 0 ? "," : "").append(bytes[i] & 0xff);
        }
        text.append(">>");
    }
}
