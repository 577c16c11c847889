package dev.ferry.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ArgumentsTest {

    @Test
    void copyWithoutVoidsShouldDropNullValuesAndKeepTheRest() {
        Map<String, Object> withVoid = new HashMap<>();
        withVoid.put("kept", 1);
        withVoid.put("void", null);

        assertThat(Arguments.copyWithoutVoids(withVoid)).containsExactly(Map.entry("kept", 1));
        assertThat(Arguments.copyWithoutVoids(Map.of("a", "b"))).containsExactly(Map.entry("a", "b"));
        assertThat(Arguments.copyWithoutVoids(null)).isEmpty();
        assertThat(Arguments.copyWithoutVoids(Map.of())).isEmpty();
    }

    @Test
    void hasVoidValueShouldLookAtEveryValue() {
        Map<String, Object> lastIsVoid = new HashMap<>();
        lastIsVoid.put("a", 1);
        lastIsVoid.put("b", null);

        assertThat(Arguments.hasVoidValue(lastIsVoid)).isTrue();
        assertThat(Arguments.hasVoidValue(Map.of("a", 1, "b", 2))).isFalse();
        assertThat(Arguments.hasVoidValue(Map.of())).isFalse();
    }

    @Test
    void shouldNameEveryFieldTypeAsRabbitMqDoesInErrorTexts() {
        assertThat(Arguments.amqpTypeName(null)).isEqualTo("void");
        assertThat(Arguments.amqpTypeName("s")).isEqualTo("longstr");
        assertThat(Arguments.amqpTypeName(1)).isEqualTo("signedint");
        assertThat(Arguments.amqpTypeName(1L)).isEqualTo("long");
        assertThat(Arguments.amqpTypeName((short) 1)).isEqualTo("short");
        assertThat(Arguments.amqpTypeName((byte) 1)).isEqualTo("byte");
        assertThat(Arguments.amqpTypeName(true)).isEqualTo("bool");
        assertThat(Arguments.amqpTypeName(1.5f)).isEqualTo("float");
        assertThat(Arguments.amqpTypeName(1.5d)).isEqualTo("double");
        assertThat(Arguments.amqpTypeName(BigDecimal.ONE)).isEqualTo("decimal");
        assertThat(Arguments.amqpTypeName(new Date(0))).isEqualTo("timestamp");
        assertThat(Arguments.amqpTypeName(Map.of())).isEqualTo("table");
        assertThat(Arguments.amqpTypeName(List.of())).isEqualTo("array");
        assertThat(Arguments.amqpTypeName(new byte[0])).isEqualTo("binary");
        assertThat(Arguments.amqpTypeName(new StringBuilder())).isEqualTo("StringBuilder");
    }

    @Test
    void integersOfAnyWidthShouldCompareByValue() {
        assertThat(Arguments.sameValue((short) 1000, 1000L)).isTrue();
        assertThat(Arguments.sameValue((byte) 7, 7)).isTrue();
        assertThat(Arguments.sameValue(1000, 1001L)).isFalse();
        // Beyond 2^53 a double cannot tell these apart; integers must never be compared as doubles.
        assertThat(Arguments.sameValue(9_007_199_254_740_993L, 9_007_199_254_740_992L)).isFalse();
        assertThat(Arguments.isIntegral((byte) 1)).isTrue();
        assertThat(Arguments.isIntegral((short) 1)).isTrue();
        assertThat(Arguments.isIntegral(1)).isTrue();
        assertThat(Arguments.isIntegral(1L)).isTrue();
        assertThat(Arguments.isIntegral(1.0)).isFalse();
    }

    @Test
    void aRedeclarationShouldBeEquivalentOnlyWithinOneKindOfNumber() {
        // As RabbitMQ 3.10 answered the same redeclarations: widths of integers are one kind.
        assertThat(Arguments.equivalent(10, 10L)).isTrue();
        assertThat(Arguments.equivalent((short) 10, (byte) 10)).isTrue();
        assertThat(Arguments.equivalent(10, 11L)).isFalse();
        assertThat(Arguments.equivalent(10, 10.0d)).isFalse();
        assertThat(Arguments.equivalent(10.0d, 10)).isFalse();
        assertThat(Arguments.equivalent(10, 10.0f)).isFalse();
        assertThat(Arguments.equivalent(10.0f, 10.0d)).isFalse();
        assertThat(Arguments.equivalent(2.5d, 2.5d)).isTrue();
        assertThat(Arguments.equivalent(new java.math.BigDecimal("1.0"), new java.math.BigDecimal("1.0"))).isTrue();
        assertThat(Arguments.equivalent(new java.math.BigDecimal("1"), 1)).isFalse();
        assertThat(Arguments.equivalent("x", "x")).isTrue();
        assertThat(Arguments.equivalent("x", "y")).isFalse();
        assertThat(Arguments.equivalent(new byte[] {1}, new byte[] {1})).isTrue();
        assertThat(Arguments.equivalent(null, 10.0d)).isFalse();
        assertThat(Arguments.equivalent(10.0d, null)).isFalse();
        assertThat(Arguments.equivalent(null, null)).isTrue();
    }

    @Test
    void floatingPointAndIntegersShouldCompareAsNumbersButDecimalsOnlyAsDecimals() {
        assertThat(Arguments.sameValue(2.0f, 2.0d)).isTrue();
        assertThat(Arguments.sameValue(2, 2.0d)).isTrue();
        assertThat(Arguments.sameValue(2.5d, 2)).isFalse();
        assertThat(Arguments.sameValue(new BigDecimal("2"), 2)).isFalse();
        assertThat(Arguments.sameValue(2, new BigDecimal("2"))).isFalse();
        assertThat(Arguments.sameValue(new BigDecimal("2.0"), new BigDecimal("2.0"))).isTrue();
    }

    @Test
    void byteArraysShouldCompareByContentAndNullOnlyWithItself() {
        assertThat(Arguments.sameValue(new byte[] {1, 2}, new byte[] {1, 2})).isTrue();
        assertThat(Arguments.sameValue(new byte[] {1, 2}, new byte[] {1, 3})).isFalse();
        assertThat(Arguments.sameValue(null, null)).isTrue();
        assertThat(Arguments.sameValue(null, 1)).isFalse();
        assertThat(Arguments.sameValue(1, null)).isFalse();
        assertThat(Arguments.sameValue("a", "a")).isTrue();
        assertThat(Arguments.sameValue("a", "b")).isFalse();
        assertThat(Arguments.sameValue("1", 1)).isFalse();
    }
}
