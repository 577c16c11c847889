package dev.ferry.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class FieldTableCodecTest {

    @Test
    void shouldRoundTripEveryWritableType() {
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("t", true);
        table.put("b", (byte) -7);
        table.put("s", (short) -300);
        table.put("I", -70_000);
        table.put("l", Long.MIN_VALUE);
        table.put("f", 1.5f);
        table.put("d", -2.25d);
        table.put("D", new BigDecimal("-123.4567"));
        table.put("S", "grüße");
        table.put("x", new byte[] {1, 2, 3});
        table.put("A", List.of(1, "a", List.of(true)));
        table.put("V", null);
        table.put("T", new Date(1_700_000_000_000L));
        table.put("F", Map.of("inner", 5L));

        assertThat(roundTrip(table)).usingRecursiveComparison().isEqualTo(table);
    }

    @Test
    void shouldWriteRabbitMqTagsForJavaTypes() {
        assertThat(tagOf((short) 1)).isEqualTo('s');
        assertThat(tagOf(1L)).isEqualTo('l');
        assertThat(tagOf(new byte[0])).isEqualTo('x');
        assertThat(tagOf((byte) 1)).isEqualTo('b');
        assertThat(tagOf(1)).isEqualTo('I');
        assertThat(tagOf(new Date())).isEqualTo('T');
    }

    @Test
    void shouldReadUnsignedTagsIntoWiderJavaTypes() {
        ByteBuf entries = Unpooled.buffer();
        entry(entries, "B").writeByte('B').writeByte(200);
        entry(entries, "u").writeByte('u').writeShort(60_000);
        entry(entries, "i").writeByte('i').writeInt(0xFFFF_FFFE);

        Map<String, Object> table = FieldTableCodec.readTable(withLength(entries));

        assertThat(table).containsEntry("B", (short) 200).containsEntry("u", 60_000)
                .containsEntry("i", 4_294_967_294L);
    }

    @Test
    void shouldRefuseTableLongerThanItsBuffer() {
        ByteBuf buffer = Unpooled.buffer().writeInt(100).writeBytes(new byte[10]);

        assertThatThrownBy(() -> FieldTableCodec.readTable(buffer))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("field table length 100");
    }

    @Test
    void shouldRefuseUnknownTag() {
        ByteBuf entries = Unpooled.buffer();
        entry(entries, "k").writeByte('Z').writeInt(0);

        assertThatThrownBy(() -> FieldTableCodec.readTable(withLength(entries)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("unknown field table type 'Z'");
    }

    @Test
    void shouldRefuseNestingBeyondTheLimit() {
        ByteBuf inner = Unpooled.buffer().writeInt(0);
        for (int depth = 0; depth < FieldTableCodec.MAX_DEPTH + 2; depth++) {
            ByteBuf entries = Unpooled.buffer();
            entry(entries, "n").writeByte('F').writeBytes(inner);
            inner = withLength(entries);
        }
        ByteBuf nested = inner;

        assertThatThrownBy(() -> FieldTableCodec.readTable(nested))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("nested deeper");
    }

    @Property(tries = 300, seed = "42")
    void shouldRoundTripArbitraryTables(@ForAll("tables") Map<String, Object> table) {
        assertThat(roundTrip(table)).usingRecursiveComparison().isEqualTo(table);
    }

    @Provide
    Arbitrary<Map<String, Object>> tables() {
        Arbitrary<Object> scalars = Arbitraries.oneOf(
                Arbitraries.of(true, false).map(v -> (Object) v),
                Arbitraries.bytes().map(v -> (Object) v),
                Arbitraries.shorts().map(v -> (Object) v),
                Arbitraries.integers().map(v -> (Object) v),
                Arbitraries.longs().map(v -> (Object) v),
                Arbitraries.floats().map(v -> (Object) v),
                Arbitraries.doubles().map(v -> (Object) v),
                Arbitraries.integers().flatMap(unscaled -> Arbitraries.integers().between(0, 20)
                        .map(scale -> (Object) BigDecimal.valueOf(unscaled, scale))),
                Arbitraries.strings().ofMaxLength(40).map(v -> (Object) v),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(20).map(v -> (Object) v),
                Arbitraries.longs().between(0, 4_000_000_000L).map(seconds -> (Object) new Date(seconds * 1000)),
                Arbitraries.just(null));
        Arbitrary<Object> lists = scalars.list().ofMaxSize(4).map(v -> (Object) new ArrayList<>(v));
        Arbitrary<Object> values = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, scalars), net.jqwik.api.Tuple.of(1, lists),
                net.jqwik.api.Tuple.of(1, Arbitraries.maps(keys(), scalars).ofMaxSize(3).map(m -> (Object) m)));
        return Arbitraries.maps(keys(), values).ofMaxSize(8).map(LinkedHashMap::new);
    }

    @Test
    void shouldGiveBackKeysAndStringsThatAreNotUtf8ByteForByte() {
        ByteBuf entries = Unpooled.buffer();
        entries.writeByte(2).writeByte('k').writeByte(0xFF).writeByte('S').writeInt(4).writeByte(0xFE).writeByte(0)
                .writeByte(0xC3).writeByte(0x28);
        entries.writeByte(2).writeByte('k').writeByte(0xFE).writeByte('S').writeInt(1).writeByte(0x80);
        ByteBuf wire = withLength(entries);
        byte[] sent = new byte[wire.readableBytes()];
        wire.getBytes(wire.readerIndex(), sent);

        Map<String, Object> table = FieldTableCodec.readTable(wire);
        ByteBuf written = Unpooled.buffer();
        FieldTableCodec.writeTable(written, table);

        assertThat(table).hasSize(2);
        byte[] echoed = new byte[written.readableBytes()];
        written.readBytes(echoed);
        assertThat(echoed).isEqualTo(sent);
    }

    @Test
    void shouldRefuseATimestampWhoseMillisecondsWouldWrapToAnotherDate() {
        ByteBuf entries = Unpooled.buffer();
        entry(entries, "T").writeByte('T').writeLong(Long.MAX_VALUE / 1000 + 1);

        assertThatThrownBy(() -> FieldTableCodec.readTable(withLength(entries)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("out of range");
    }

    private static Arbitrary<String> keys() {
        return Arbitraries.strings().ofMinLength(1).ofMaxLength(30);
    }

    private static Map<String, Object> roundTrip(Map<String, Object> table) {
        ByteBuf buffer = Unpooled.buffer();
        FieldTableCodec.writeTable(buffer, table);
        Map<String, Object> read = FieldTableCodec.readTable(buffer);
        assertThat(buffer.isReadable()).isFalse();
        return read;
    }

    private static char tagOf(Object value) {
        ByteBuf buffer = Unpooled.buffer();
        FieldTableCodec.writeValue(buffer, value);
        return (char) buffer.getByte(0);
    }

    private static ByteBuf entry(ByteBuf entries, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        return entries.writeByte(bytes.length).writeBytes(bytes);
    }

    private static ByteBuf withLength(ByteBuf entries) {
        return Unpooled.buffer().writeInt(entries.readableBytes()).writeBytes(entries);
    }

    @SuppressWarnings("unused")
    private static List<Object> listOf(Object... values) {
        return Arrays.asList(values);
    }
}
