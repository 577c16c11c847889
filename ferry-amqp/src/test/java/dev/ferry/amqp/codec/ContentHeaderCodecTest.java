package dev.ferry.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.message.MessageProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContentHeaderCodecTest {
    private static final MessageProperties ALL_SET = new MessageProperties("application/json", "gzip",
            Map.of("k", "v"), 2, 5, "corr", "reply", "60000", "msg-1", 1_700_000_000L, "order", "guest", "app",
            "cluster");

    @Test
    void shouldRoundTripAllFourteenProperties() {
        ByteBuf buffer = Unpooled.buffer();
        ContentHeaderCodec.write(buffer, 60, 1234, ALL_SET);

        ContentHeader header = ContentHeaderCodec.read(buffer);

        assertThat(header).isEqualTo(new ContentHeader(60, 1234, ALL_SET));
        assertThat(buffer.isReadable()).isFalse();
    }

    @Test
    void shouldSetOneFlagPerPresentPropertyFromBitFifteenDown() {
        assertThat(ContentHeaderCodec.flagsOf(ALL_SET)).isEqualTo(0b1111_1111_1111_1100);
        assertThat(ContentHeaderCodec.flagsOf(MessageProperties.EMPTY)).isZero();
        MessageProperties persistentOnly = new MessageProperties(null, null, null, 2, -1, null, null, null, null,
                null, null, null, null, null);
        assertThat(ContentHeaderCodec.flagsOf(persistentOnly)).isEqualTo(1 << 12);
    }

    @Test
    void shouldKeepUnsetPropertiesUnset() {
        ByteBuf buffer = Unpooled.buffer();
        ContentHeaderCodec.write(buffer, 60, 0, MessageProperties.EMPTY);

        assertThat(ContentHeaderCodec.read(buffer).properties()).isEqualTo(MessageProperties.EMPTY);
    }

    @Test
    void shouldSkipContinuationFlagWords() {
        ByteBuf buffer = Unpooled.buffer().writeShort(60).writeShort(0).writeLong(3)
                .writeShort((1 << 15) | 1) // content-type present, another flags word follows
                .writeShort(0)             // the continuation word: nothing Ferry knows
                .writeByte(4).writeBytes("text".getBytes());

        ContentHeader header = ContentHeaderCodec.read(buffer);

        assertThat(header.properties().contentType()).isEqualTo("text");
        assertThat(header.bodySize()).isEqualTo(3);
    }
}
