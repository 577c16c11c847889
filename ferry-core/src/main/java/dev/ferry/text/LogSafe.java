package dev.ferry.text;

/**
 * Makes text a client supplied (user names, virtual host, queue and exchange names, consumer tags,
 * routing keys, client properties, reply texts) safe to put in a log line: control characters,
 * line and paragraph separators, bidirectional overrides and bytes that were not UTF-8 (see
 * {@link LosslessUtf8}) are written as escapes (backslash n, r and t, backslash u and four
 * hex digits, backslash x and two for a byte), so a name can never end a line or forge the next one;
 * and it is cut to {@value #MAX_CHARS} characters, so a long one cannot flood the log. A
 * backslash is doubled, so an escape in the output always means the client sent that character.
 *
 * <p>Call it on the value, at the log call: {@code LOG.warn("login failed for user '{}'",
 * LogSafe.text(user))}. Stateless and thread-safe.
 */
public final class LogSafe {
    /** Longer client text is cut; 300 covers any AMQP short string (255 bytes) with room for quoting. */
    public static final int MAX_CHARS = 300;

    private LogSafe() {
    }

    /** {@code value} escaped and capped; {@code "null"} for null; an object by its {@code toString()}. */
    public static String text(Object value) {
        if (value == null) {
            return "null";
        }
        String text = value.toString();
        if (isPlain(text)) {
            return text;
        }
        StringBuilder safe = new StringBuilder(Math.min(text.length(), MAX_CHARS) + 16);
        int shown = Math.min(text.length(), MAX_CHARS);
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                safe.append(c).append(text.charAt(++i));
            } else if (c >= '\uDC80' && c <= '\uDCFF') {
                safe.append(String.format("\\x%02x", c & 0xFF)); // a byte that was not UTF-8
            } else if (c == '\n') {
                safe.append("\\n");
            } else if (c == '\r') {
                safe.append("\\r");
            } else if (c == '\t') {
                safe.append("\\t");
            } else if (c == '\\') {
                safe.append("\\\\");
            } else if (needsEscape(c) || Character.isSurrogate(c)) {
                safe.append(String.format("\\u%04x", (int) c));
            } else {
                safe.append(c);
            }
        }
        if (text.length() > shown) {
            safe.append("...(").append(text.length() - shown).append(" more chars)");
        }
        return safe.toString();
    }

    private static boolean isPlain(String text) {
        if (text.length() > MAX_CHARS) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' || needsEscape(c) || Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** C0 and C1 controls, DEL, line and paragraph separators, bidirectional marks, embeddings and isolates. */
    private static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029'
                || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || c == '\u061C'
                || c == '\u200E' || c == '\u200F';
    }
}
