package dev.ferry.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Any bytes survive decode then encode; validity agrees with the JDK's strict UTF-8 decoder. */
class LosslessUtf8Properties {

    @Property(tries = 5000, seed = "20261121")
    void shouldGiveBackTheSameBytes(@ForAll @Size(max = 64) byte[] bytes) {
        assertThat(LosslessUtf8.encode(LosslessUtf8.decode(bytes))).isEqualTo(bytes);
    }

    @Property(tries = 5000, seed = "20261122")
    void shouldJudgeValidityAsAStrictDecoderDoes(@ForAll @Size(max = 16) byte[] bytes) {
        boolean strictlyValid;
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            strictlyValid = true;
        } catch (CharacterCodingException e) {
            strictlyValid = false;
        }

        assertThat(LosslessUtf8.isValid(bytes, 0, bytes.length)).isEqualTo(strictlyValid);
        if (strictlyValid) {
            assertThat(LosslessUtf8.decode(bytes)).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
            assertThat(LosslessUtf8.hasEscapes(LosslessUtf8.decode(bytes))).isFalse();
        }
    }

    @Property(tries = 2000, seed = "20261123")
    void shouldEncodeOrdinaryTextAsUtf8(@ForAll String text) {
        if (!LosslessUtf8.hasEscapes(text)) {
            assertThat(LosslessUtf8.encode(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldKeepNamesApartThatAStrictDecoderWouldBothReplace() {
        String first = LosslessUtf8.decode(new byte[] {'q', (byte) 0xFF});
        String second = LosslessUtf8.decode(new byte[] {'q', (byte) 0xFE});

        assertThat(first).isNotEqualTo(second);
        assertThat(new String(new byte[] {'q', (byte) 0xFF}, StandardCharsets.UTF_8))
                .isEqualTo(new String(new byte[] {'q', (byte) 0xFE}, StandardCharsets.UTF_8));
    }

    @Test
    void shouldEscapeEncodedSurrogatesAndOverlongFormsByteByByte() {
        byte[] surrogate = {(byte) 0xED, (byte) 0xB2, (byte) 0x80};
        byte[] overlongSlash = {(byte) 0xC0, (byte) 0xAF};

        assertThat(LosslessUtf8.decode(surrogate)).isEqualTo("\uDCED\uDCB2\uDC80");
        assertThat(LosslessUtf8.decode(overlongSlash)).isEqualTo("\uDCC0\uDCAF");
        assertThat(LosslessUtf8.encode("\uDCED\uDCB2\uDC80")).isEqualTo(surrogate);
    }
}
