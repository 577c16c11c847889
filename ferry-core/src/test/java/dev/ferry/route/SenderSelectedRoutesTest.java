package dev.ferry.route;

import static dev.ferry.route.RoutingFixtures.bindQueue;
import static dev.ferry.route.RoutingFixtures.exchange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ferry.error.BrokerException;
import dev.ferry.error.ErrorCode;
import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

/** CC and BCC headers read into extra routing keys, and direct, topic and default exchanges routing by them. */
class SenderSelectedRoutesTest {

    private static Message published(String routingKey, Map<String, Object> headers) {
        return new Message("x", routingKey, MessageProperties.EMPTY.withHeaders(headers), new byte[0]);
    }

    @Test
    void shouldLeaveAMessageWithoutCcOrBccAsItIs() {
        Message noHeaders = new Message("x", "k", MessageProperties.EMPTY, new byte[0]);
        Message otherHeaders = published("k", Map.of("cc", List.of("b")));

        assertThat(SenderSelectedRoutes.resolve(noHeaders)).isSameAs(noHeaders);
        assertThat(SenderSelectedRoutes.resolve(otherHeaders)).isSameAs(otherHeaders);
        assertThat(noHeaders.extraRoutingKeysOrNull()).isNull();
    }

    @Test
    void shouldTakeCcThenBccKeysAndRemoveOnlyBcc() {
        Message resolved = SenderSelectedRoutes.resolve(published("k", Map.of("CC", List.of("c1", "c2"),
                "BCC", List.of("b1"), "other", "kept")));

        assertThat(resolved.extraRoutingKeysOrNull()).containsExactly("c1", "c2", "b1");
        assertThat(resolved.properties().headers()).containsOnlyKeys("CC", "other");
        assertThat(resolved.routingKey()).isEqualTo("k");
    }

    @Test
    void shouldSkipEntriesThatAreNotStringsButKeepAnEmptyOne() {
        Message resolved = SenderSelectedRoutes.resolve(published("k",
                Map.of("CC", Arrays.asList("", 5, new byte[] {'d'}, null, List.of("x"), "b"))));

        assertThat(resolved.extraRoutingKeysOrNull()).containsExactly("", "b");
    }

    @Test
    void shouldRefuseAHeaderThatIsNotAnArrayWithRabbitMqsText() {
        Map<String, Object> voidCc = new HashMap<>();
        voidCc.put("CC", null);

        assertThatThrownBy(() -> SenderSelectedRoutes.resolve(published("k", Map.of("CC", "b"))))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
                    assertThat(e.getMessage()).isEqualTo(
                            "PRECONDITION_FAILED - invalid message: {unacceptable_type_in_header,\"CC\",longstr}");
                });
        assertThatThrownBy(() -> SenderSelectedRoutes.resolve(published("k", Map.of("BCC", 7L))))
                .hasMessage("PRECONDITION_FAILED - invalid message: {unacceptable_type_in_header,\"BCC\",long}");
        assertThatThrownBy(() -> SenderSelectedRoutes.resolve(published("k", voidCc)))
                .hasMessage("PRECONDITION_FAILED - invalid message: {unacceptable_type_in_header,\"CC\",void}");
    }

    @Test
    void shouldNameEveryFieldTypeInTheRefusalAsRabbitMqDoes() {
        Map<Object, String> names = new LinkedHashMap<>();
        names.put(5, "signedint");
        names.put((short) 5, "short");
        names.put((byte) 5, "byte");
        names.put(true, "bool");
        names.put(1.5f, "float");
        names.put(1.5d, "double");
        names.put(new BigDecimal("1.5"), "decimal");
        names.put(new Date(0), "timestamp");
        names.put(new byte[] {'b'}, "binary");
        names.put(Map.of("k", "v"), "table");

        names.forEach((value, name) -> assertThatThrownBy(
                () -> SenderSelectedRoutes.resolve(published("k", Map.of("BCC", value))))
                        .isInstanceOf(BrokerException.class)
                        .hasMessage("PRECONDITION_FAILED - invalid message: {unacceptable_type_in_header,\"BCC\"," + name + "}"));
    }

    @Test
    void shouldListOnlyTheStringEntriesOfCcForXDeath() {
        assertThat(SenderSelectedRoutes.ccKeys(null)).isEmpty();
        assertThat(SenderSelectedRoutes.ccKeys(Map.of("CC", "not-an-array"))).isEmpty();
        assertThat(SenderSelectedRoutes.ccKeys(Map.of("BCC", List.of("b")))).as("BCC is never recorded").isEmpty();
        assertThat(SenderSelectedRoutes.ccKeys(Map.of("CC", Arrays.asList("c1", 5, new byte[] {'x'}, "", "c2"))))
                .containsExactly("c1", "", "c2");
    }

    @Test
    void shouldRouteByEveryKeyOnDirectTopicAndDefaultExchanges() {
        Exchange direct = exchange("d", ExchangeType.DIRECT);
        bindQueue(direct, "k", "by-key");
        bindQueue(direct, "c", "by-cc");
        bindQueue(direct, "b", "by-bcc");
        Exchange topic = exchange("t", ExchangeType.TOPIC);
        bindQueue(topic, "c.#", "by-pattern");
        Message message = SenderSelectedRoutes.resolve(published("k", Map.of("CC", List.of("c"), "BCC", List.of("b"))));

        assertThat(RoutingFixtures.queueNames(direct, message)).containsExactly("by-key", "by-cc", "by-bcc");
        assertThat(RoutingFixtures.queueNames(topic, message)).containsExactly("by-pattern");
        assertThat(RoutingFixtures.queueNames(new DefaultExchange(), message)).containsExactly("k", "c", "b");
    }

    @Test
    void shouldReachAQueueOnceHoweverManyKeysMatchItThroughExchangeBindings() {
        Map<String, Exchange> exchanges = new HashMap<>();
        Exchange entry = exchange("entry", ExchangeType.DIRECT);
        Exchange next = exchange("next", ExchangeType.TOPIC);
        exchanges.put("entry", entry);
        exchanges.put("next", next);
        entry.addBinding(new Binding("entry", Destination.exchange("next"), "b"));
        bindQueue(entry, "k", "q");
        bindQueue(entry, "c", "q");
        bindQueue(next, "#", "q");
        bindQueue(next, "k", "only-downstream");
        Message message = SenderSelectedRoutes.resolve(published("k", Map.of("CC", List.of("c", "k"),
                "BCC", List.of("b"))));

        assertThat(new Router(exchanges::get).route(entry, message)).containsExactly("q", "only-downstream");
    }
}
