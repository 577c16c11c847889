package dev.ferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.error.BrokerException;
import org.junit.jupiter.api.Test;

/**
 * The expiration property read as RabbitMQ 3.10 reads it. Every text below is what rabbitmq-server
 * 3.10 answered to the same expiration published with pika, line breaks included.
 */
class MessageTtlTest {
    @Test
    void readsAnOptionalSignAndAsciiDigitsUpToTenYears() {
        assertThat(MessageTtl.parse(null)).isEmpty();
        assertThat(MessageTtl.parse("1000")).hasValue(1000);
        assertThat(MessageTtl.parse("0")).hasValue(0);
        assertThat(MessageTtl.parse("+5")).hasValue(5);
        assertThat(MessageTtl.parse("007")).hasValue(7);
        assertThat(MessageTtl.parse("-0")).hasValue(0);
        assertThat(MessageTtl.parse("315360000000")).hasValue(MessageTtl.MAX_TTL_MS);
    }

    @Test
    void refusesWhatIsNoIntegerAtAll() {
        for (String expiration : new String[] {"abc", "", " 5", "+", "-", "\u0665"}) {
            assertRefused(expiration, "invalid expiration '" + expiration + "': no_integer");
        }
    }

    @Test
    void refusesAnIntegerWithSomethingAfterIt() {
        assertRefused("5.0", "invalid expiration '5.0': {leftover_string,\".0\"}");
        assertRefused("5abc", "invalid expiration '5abc': {leftover_string,\"abc\"}");
        assertRefused("1e3", "invalid expiration '1e3': {leftover_string,\"e3\"}");
        assertRefused("5 ", "invalid expiration '5 ': {leftover_string,\" \"}");
    }

    @Test
    void refusesNegativesAndAgesBeyondTenYearsWrappingLongTermsAsRabbitMqPrintsThem() {
        assertRefused("-1", "invalid expiration '-1': {value_negative,-1}");
        assertRefused("315360000001", "invalid expiration '315360000001': {value_too_large,315360000001}");
        // Up to column 78 on one line; past it the number goes under the tuple's first element.
        assertRefused("-111111111111111111",
                "invalid expiration '-111111111111111111': {value_negative,-111111111111111111}");
        assertRefused("-0111111111111111111", "invalid expiration '-0111111111111111111': {value_negative,\n"
                + " ".repeat(44) + "-111111111111111111}");
        assertRefused("9223372036854775807", "invalid expiration '9223372036854775807': {value_too_large,\n"
                + " ".repeat(43) + "9223372036854775807}");
        assertRefused("99999999999999999999", "invalid expiration '99999999999999999999': {value_too_large,\n"
                + " ".repeat(44) + "99999999999999999999}");
        assertRefused("-9223372036854775808", "invalid expiration '-9223372036854775808': {value_negative,\n"
                + " ".repeat(44) + "-9223372036854775808}");
    }

    private static void assertRefused(String expiration, String reason) {
        assertThatThrownBy(() -> MessageTtl.parse(expiration)).isInstanceOf(BrokerException.class)
                .hasMessage("PRECONDITION_FAILED - " + reason);
    }
}
