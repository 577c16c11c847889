package dev.ferry.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Values as RabbitMQ's error texts print the Erlang terms it decoded them to (io_lib's ~p). */
class ErlangTermsTest {
    @Test
    void printsTextAsABinaryWithQuotesAndBackslashesEscaped() {
        assertThat(ErlangTerms.format("ha-all")).isEqualTo("<<\"ha-all\">>");
        assertThat(ErlangTerms.format("a\"b\\c")).isEqualTo("<<\"a\\\"b\\\\c\">>");
        assertThat(ErlangTerms.format("")).isEqualTo("<<>>");
    }

    @Test
    void printsBytesAsTextWhenPrintableAndAsNumbersOtherwise() {
        assertThat(ErlangTerms.format("next".getBytes())).isEqualTo("<<\"next\">>");
        assertThat(ErlangTerms.format(new byte[] {' ', '~'})).isEqualTo("<<\" ~\">>");
        assertThat(ErlangTerms.format(new byte[] {0, 7, (byte) 200})).isEqualTo("<<0,7,200>>");
        assertThat(ErlangTerms.format(new byte[] {'a', 0x7f})).isEqualTo("<<97,127>>");
        assertThat(ErlangTerms.format(new byte[] {'a', 0x1f})).isEqualTo("<<97,31>>");
        assertThat(ErlangTerms.format(new byte[0])).isEqualTo("<<>>");
    }

    @Test
    void printsListsMapsInKeyOrderAndOtherValuesAsThemselves() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("z", 1);
        map.put("a", List.of("x", 2));
        assertThat(ErlangTerms.format(map)).isEqualTo("#{<<\"a\">> => [<<\"x\">>,2],<<\"z\">> => 1}");
        assertThat(ErlangTerms.format(null)).isEqualTo("null");
        assertThat(ErlangTerms.format(true)).isEqualTo("true");
        assertThat(ErlangTerms.keyValueList(Map.of("b", "v", "a", 3))).isEqualTo("[{<<\"a\">>,3},{<<\"b\">>,<<\"v\">>}]");
    }
}
