package dev.ferry.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogSafeTest {

    @Test
    void shouldLeavePlainTextAlone() {
        assertThat(LogSafe.text("orders.eu-west/1 ünïcødé 😀")).isEqualTo("orders.eu-west/1 ünïcødé 😀");
    }

    @Test
    void shouldEscapeEveryCharacterThatCouldEndOrForgeALine() {
        String forged = "eve\n2026-01-01 INFO connection opened: user 'admin'\r\u0000\u001b[31m\u0085\u2028\u202e";

        String safe = LogSafe.text(forged);

        assertThat(safe).isEqualTo("eve\\n2026-01-01 INFO connection opened: user 'admin'\\r\\u0000\\u001b[31m"
                + "\\u0085\\u2028\\u202e");
        assertThat(safe.chars()).allMatch(c -> c >= 0x20 && c < 0x7F);
    }

    @Test
    void shouldDoubleABackslashSoThatAnEscapeAlwaysMeansTheCharacter() {
        assertThat(LogSafe.text("a\\nb")).isEqualTo("a\\\\nb");
    }

    @Test
    void shouldShowBytesThatWereNotUtf8AsHex() {
        assertThat(LogSafe.text(LosslessUtf8.decode(new byte[] {'q', (byte) 0xFF}))).isEqualTo("q\\xff");
    }

    @Test
    void shouldCutLongText() {
        String safe = LogSafe.text("x".repeat(5000));

        assertThat(safe).startsWith("x".repeat(LogSafe.MAX_CHARS)).endsWith("...(4700 more chars)");
    }

    @Test
    void shouldPrintNullAsNull() {
        assertThat(LogSafe.text(null)).isEqualTo("null");
    }
}
