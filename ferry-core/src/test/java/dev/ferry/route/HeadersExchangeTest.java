package dev.ferry.route;

import static dev.ferry.route.RoutingFixtures.exchange;
import static dev.ferry.route.RoutingFixtures.messageWithHeaders;
import static dev.ferry.route.RoutingFixtures.queueNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;

class HeadersExchangeTest {
    private Exchange headers;

    @BeforeEach
    void setUp() {
        headers = exchange("h", ExchangeType.HEADERS);
    }

    private void bind(String queue, Map<String, Object> arguments) {
        headers.validateBindingArguments(arguments);
        headers.addBinding(new Binding("h", Destination.queue(queue), "", arguments));
    }

    @Test
    void allShouldRequireEveryNonXEntryAndIgnoreXEntries() {
        bind("q", Map.of("x-match", "all", "format", "pdf", "type", "report", "x-tag", "t"));

        assertThat(queueNames(headers, messageWithHeaders(Map.of("format", "pdf", "type", "report")))).containsExactly("q");
        assertThat(queueNames(headers, messageWithHeaders(Map.of("format", "pdf")))).isEmpty();
        assertThat(queueNames(headers, messageWithHeaders(Map.of("format", "pdf", "type", "log")))).isEmpty();
    }

    @Test
    void allShouldBeTheDefaultWhenXMatchIsAbsent() {
        bind("q", Map.of("format", "pdf", "type", "report"));

        assertThat(queueNames(headers, messageWithHeaders(Map.of("format", "pdf")))).isEmpty();
        assertThat(queueNames(headers, messageWithHeaders(Map.of("format", "pdf", "type", "report", "extra", 1))))
                .containsExactly("q");
    }

    @Test
    void anyShouldRequireOneNonXEntry() {
        bind("q", Map.of("x-match", "any", "format", "pdf", "type", "report", "x-tag", "t"));

        assertThat(queueNames(headers, messageWithHeaders(Map.of("type", "report")))).containsExactly("q");
        assertThat(queueNames(headers, messageWithHeaders(Map.of("x-tag", "t")))).isEmpty();
        assertThat(queueNames(headers, messageWithHeaders(Map.of("type", "log")))).isEmpty();
    }

    @Test
    void allWithXShouldAlsoRequireXEntries() {
        bind("q", Map.of("x-match", "all-with-x", "format", "pdf", "x-tag", "t"));

        assertThat(queueNames(headers, messageWithHeaders(Map.of("format", "pdf")))).isEmpty();
        assertThat(queueNames(headers, messageWithHeaders(Map.of("format", "pdf", "x-tag", "t")))).containsExactly("q");
    }

    @Test
    void anyWithXShouldMatchOnAnXEntryAlone() {
        bind("q", Map.of("x-match", "any-with-x", "format", "pdf", "x-tag", "t"));

        assertThat(queueNames(headers, messageWithHeaders(Map.of("x-tag", "t")))).containsExactly("q");
        assertThat(queueNames(headers, messageWithHeaders(Map.of("x-tag", "u")))).isEmpty();
    }

    @Test
    void allWithNoEntriesShouldMatchEverythingAndAnyNothing() {
        bind("all", Map.of("x-match", "all"));
        bind("any", Map.of("x-match", "any"));

        assertThat(queueNames(headers, messageWithHeaders(null))).containsExactly("all");
    }

    @Test
    void voidValueShouldMatchOnPresenceOfTheHeader() {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("trace", null);
        bind("q", arguments);

        assertThat(queueNames(headers, messageWithHeaders(Map.of("trace", "yes")))).containsExactly("q");
        assertThat(queueNames(headers, messageWithHeaders(Map.of("other", "yes")))).isEmpty();
    }

    @Test
    void integersOfDifferentWidthsShouldMatchByValue() {
        bind("q", Map.of("level", 3));

        assertThat(queueNames(headers, messageWithHeaders(Map.of("level", 3L)))).containsExactly("q");
        assertThat(queueNames(headers, messageWithHeaders(Map.of("level", (byte) 3)))).containsExactly("q");
        assertThat(queueNames(headers, messageWithHeaders(Map.of("level", "3")))).isEmpty();
    }

    @Test
    void shouldRefuseAnUnknownXMatchValue() {
        assertThatThrownBy(() -> headers.validateBindingArguments(Map.of("x-match", "most")))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("x-match")
                .extracting(e -> ((BrokerException) e).errorCode()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
    }

    @Test
    void shouldWordAnXMatchRefusalAsRabbitMq310Does() {
        // Texts as rabbitmq-server 3.10 answered the same bindings made with pika.
        assertThatThrownBy(() -> headers.validateBindingArguments(Map.of("x-match", "ALL"))).hasMessage(
                "PRECONDITION_FAILED - Invalid x-match field value <<\"ALL\">>; expected all, any, all-with-x, or any-with-x");
        assertThatThrownBy(() -> headers.validateBindingArguments(Map.of("x-match", ""))).hasMessage(
                "PRECONDITION_FAILED - Invalid x-match field value <<>>; expected all, any, all-with-x, or any-with-x");
        assertThatThrownBy(() -> headers.validateBindingArguments(Map.of("x-match", 5))).hasMessage(
                "PRECONDITION_FAILED - Invalid x-match field type signedint (value 5); expected longstr");
        assertThatThrownBy(() -> headers.validateBindingArguments(Map.of("x-match", true))).hasMessage(
                "PRECONDITION_FAILED - Invalid x-match field type bool (value true); expected longstr");
        assertThatThrownBy(() -> headers.validateBindingArguments(Map.of("x-match", "all".getBytes()))).hasMessage(
                "PRECONDITION_FAILED - Invalid x-match field type binary (value <<\"all\">>); expected longstr");
    }

    @Test
    void allWithNothingButXEntriesShouldMatchEveryMessageAndAnyNone() {
        bind("all", Map.of("x-match", "all", "x-note", "ignored"));
        bind("any", Map.of("x-match", "any", "x-note", "ignored"));

        assertThat(queueNames(headers, messageWithHeaders(Map.of("format", "pdf")))).containsExactly("all");
        assertThat(queueNames(headers, messageWithHeaders(Map.of()))).containsExactly("all");
    }

    @Test
    void shouldNameEveryModeAsItIsSpelledOnTheWire() {
        for (HeadersMatch mode : HeadersMatch.values()) {
            assertThat(HeadersMatch.of(Map.of("x-match", mode.wireName()))).contains(mode);
        }
        assertThat(HeadersMatch.of(Map.of())).contains(HeadersMatch.ALL);
        assertThat(HeadersMatch.of(Map.of("x-match", "some"))).isEmpty();
    }

    @Test
    void aBindingWithoutArgumentsShouldKeepNoneAndAVoidShouldMatchOnPresence() {
        assertThat(new Binding("h", Destination.queue("q"), "", null).arguments()).isEmpty();
        Map<String, Object> presence = new HashMap<>();
        presence.put("format", null);
        Binding binding = new Binding("h", Destination.queue("q"), "", presence);

        assertThat(binding.arguments()).containsExactly(Map.entry("format", Binding.VoidValue.INSTANCE));
        assertThat(new Binding("h", Destination.queue("q"), "", Map.of("a", 1)).arguments()).containsExactly(Map.entry("a", 1));
    }
}
