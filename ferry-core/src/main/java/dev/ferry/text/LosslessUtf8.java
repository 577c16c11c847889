package dev.ferry.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * UTF-8 for text whose bytes must survive even when they are not UTF-8: AMQP header tables and
 * content properties, which RabbitMQ keeps as bytes and hands back unchanged. Decoding turns valid
 * UTF-8 into the usual characters and every byte that is not part of a valid sequence into a lone
 * low surrogate {@code U+DC80..U+DCFF} carrying that byte; encoding turns such a surrogate back
 * into its byte. So {@code encode(decode(bytes))} equals {@code bytes} for any bytes, and two
 * different byte strings never decode to the same String. Strict UTF-8 (RFC 3629) never decodes to
 * a lone surrogate, so valid text is unaffected.
 *
 * <p>Validity follows RFC 3629 and the JDK's strict decoder: no overlong forms, no encoded
 * surrogates, nothing above {@code U+10FFFF}. Stateless and thread-safe.
 */
public final class LosslessUtf8 {
    private static final char ESCAPE_BASE = '\uDC00';
    private static final char FIRST_ESCAPE = '\uDC80';
    private static final char LAST_ESCAPE = '\uDCFF';

    private LosslessUtf8() {
    }

    public static String decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /** Decodes {@code length} bytes from {@code offset}; any bytes are accepted. */
    public static String decode(byte[] bytes, int offset, int length) {
        int end = offset + length;
        int invalidAt = firstInvalid(bytes, offset, end);
        if (invalidAt == end) {
            return new String(bytes, offset, length, StandardCharsets.UTF_8);
        }
        StringBuilder text = new StringBuilder(length);
        text.append(new String(bytes, offset, invalidAt - offset, StandardCharsets.UTF_8));
        int at = invalidAt;
        while (at < end) {
            int sequence = validSequenceLength(bytes, at, end);
            if (sequence == 0) {
                text.append((char) (ESCAPE_BASE | (bytes[at] & 0xFF)));
                at++;
            } else {
                text.append(new String(bytes, at, sequence, StandardCharsets.UTF_8));
                at += sequence;
            }
        }
        return text.toString();
    }

    /** Whether these bytes are valid UTF-8 as a strict decoder sees it. */
    public static boolean isValid(byte[] bytes, int offset, int length) {
        return firstInvalid(bytes, offset, offset + length) == offset + length;
    }

    /** Whether {@code text} holds bytes that {@link #decode} escaped (so it needs {@link #encode}). */
    public static boolean hasEscapes(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= FIRST_ESCAPE && c <= LAST_ESCAPE && !(i > 0 && Character.isHighSurrogate(text.charAt(i - 1)))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The bytes {@code text} came from: UTF-8, with each escaped byte written back as itself. Other
     * lone surrogates, which no decoding produces, become '?' as in the JDK's encoder.
     */
    public static byte[] encode(String text) {
        if (!hasEscapes(text)) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        byte[] out = new byte[text.length() * 3];
        int written = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out[written++] = (byte) c;
            } else if (c < 0x800) {
                out[written++] = (byte) (0xC0 | (c >> 6));
                out[written++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                int codePoint = Character.toCodePoint(c, text.charAt(++i));
                out = ensure(out, written, 4);
                out[written++] = (byte) (0xF0 | (codePoint >> 18));
                out[written++] = (byte) (0x80 | ((codePoint >> 12) & 0x3F));
                out[written++] = (byte) (0x80 | ((codePoint >> 6) & 0x3F));
                out[written++] = (byte) (0x80 | (codePoint & 0x3F));
            } else if (c >= FIRST_ESCAPE && c <= LAST_ESCAPE) {
                out[written++] = (byte) (c & 0xFF);
            } else if (Character.isSurrogate(c)) {
                out[written++] = '?';
            } else {
                out[written++] = (byte) (0xE0 | (c >> 12));
                out[written++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[written++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return Arrays.copyOf(out, written);
    }

    private static byte[] ensure(byte[] out, int written, int more) {
        return written + more <= out.length ? out : Arrays.copyOf(out, Math.max(out.length * 2, written + more));
    }

    /** The index of the first byte that does not start a valid sequence, or {@code end}. */
    private static int firstInvalid(byte[] bytes, int offset, int end) {
        int at = offset;
        while (at < end) {
            if (bytes[at] >= 0) {
                at++;
                continue;
            }
            int sequence = validSequenceLength(bytes, at, end);
            if (sequence == 0) {
                return at;
            }
            at += sequence;
        }
        return end;
    }

    /**
     * The length of the valid UTF-8 sequence starting at {@code at}, or 0 if none does (RFC 3629's
     * table of well-formed byte sequences).
     */
    private static int validSequenceLength(byte[] bytes, int at, int end) {
        int first = bytes[at] & 0xFF;
        if (first < 0x80) {
            return 1;
        }
        if (first >= 0xC2 && first <= 0xDF) {
            return continuation(bytes, at + 1, end, 0x80, 0xBF) ? 2 : 0;
        }
        if (first >= 0xE0 && first <= 0xEF) {
            int low = first == 0xE0 ? 0xA0 : 0x80;
            int high = first == 0xED ? 0x9F : 0xBF; // ED A0..BF would be a surrogate
            return continuation(bytes, at + 1, end, low, high) && continuation(bytes, at + 2, end, 0x80, 0xBF) ? 3 : 0;
        }
        if (first >= 0xF0 && first <= 0xF4) {
            int low = first == 0xF0 ? 0x90 : 0x80;
            int high = first == 0xF4 ? 0x8F : 0xBF; // nothing above U+10FFFF
            return continuation(bytes, at + 1, end, low, high) && continuation(bytes, at + 2, end, 0x80, 0xBF)
                    && continuation(bytes, at + 3, end, 0x80, 0xBF) ? 4 : 0;
        }
        return 0;
    }

    private static boolean continuation(byte[] bytes, int at, int end, int low, int high) {
        if (at >= end) {
            return false;
        }
        int value = bytes[at] & 0xFF;
        return value >= low && value <= high;
    }
}
