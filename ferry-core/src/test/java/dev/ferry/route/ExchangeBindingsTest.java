package dev.ferry.route;

import static dev.ferry.route.RoutingFixtures.bindQueue;
import static dev.ferry.route.RoutingFixtures.exchange;
import static dev.ferry.route.RoutingFixtures.message;
import static dev.ferry.route.RoutingFixtures.messageWithHeaders;
import static dev.ferry.route.RoutingFixtures.queueNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Adding and removing bindings on every exchange type, and what routing sees afterwards. */
class ExchangeBindingsTest {

    @Test
    void shouldRefuseABindingThatBelongsToAnotherExchange() {
        Exchange direct = exchange("d", ExchangeType.DIRECT);

        assertThatThrownBy(() -> direct.addBinding(new Binding("other", Destination.queue("q"), "k")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong to exchange d");
        assertThat(direct.hasBindings()).isFalse();
    }

    @Test
    void shouldReportWhetherARemovedBindingExisted() {
        Exchange direct = exchange("d", ExchangeType.DIRECT);
        Binding binding = new Binding("d", Destination.queue("q"), "k");

        assertThat(direct.removeBinding(binding)).isFalse();
        direct.addBinding(binding);
        assertThat(direct.bindings()).containsExactly(binding);
        assertThat(direct.hasBindings()).as("what exchange.delete if-unused asks").isTrue();
        assertThat(direct.removeBinding(binding)).isTrue();
        assertThat(direct.removeBinding(binding)).isFalse();
        assertThat(direct.bindings()).isEmpty();
        assertThat(direct.hasBindings()).as("what auto-delete asks").isFalse();
    }

    @Test
    void directShouldForgetAKeyOnlyWhenItsLastBindingGoes() {
        DirectExchange direct = (DirectExchange) exchange("d", ExchangeType.DIRECT);
        bindQueue(direct, "k", "a");
        bindQueue(direct, "k", "b");
        bindQueue(direct, "other", "c");

        direct.removeBinding(new Binding("d", Destination.queue("a"), "k"));
        assertThat(direct.keyCount()).isEqualTo(2);
        assertThat(queueNames(direct, message("k"))).containsExactly("b");

        direct.removeBinding(new Binding("d", Destination.queue("b"), "k"));
        assertThat(direct.keyCount()).as("an emptied key is not kept").isEqualTo(1);
        assertThat(queueNames(direct, message("k"))).isEmpty();
        assertThat(queueNames(direct, message("other"))).containsExactly("c");
    }

    @Test
    void headersShouldStopRoutingThroughAnUnboundBindingOnly() {
        Exchange headers = exchange("h", ExchangeType.HEADERS);
        Binding pdf = new Binding("h", Destination.queue("pdf"), "", Map.of("format", "pdf"));
        Binding any = new Binding("h", Destination.queue("any"), "", Map.of("x-match", "any", "format", "pdf", "type", "r"));
        headers.addBinding(pdf);
        headers.addBinding(any);

        assertThat(headers.removeBinding(pdf)).isTrue();

        assertThat(queueNames(headers, messageWithHeaders(Map.of("format", "pdf")))).containsExactly("any");
        assertThat(headers.bindings()).containsExactly(any);
    }

    @Test
    void fanoutShouldStopRoutingToAnUnboundQueue() {
        Exchange fanout = exchange("f", ExchangeType.FANOUT);
        bindQueue(fanout, "", "kept");
        bindQueue(fanout, "", "gone");

        fanout.removeBinding(new Binding("f", Destination.queue("gone"), ""));

        assertThat(queueNames(fanout, message("any"))).containsExactly("kept");
    }

    @Test
    void shouldDescribeItselfWithItsWireType() {
        Exchange topic = Exchange.create(new ExchangeSettings("t", ExchangeType.TOPIC, true, false, true, Map.of()));

        assertThat(topic.type()).isEqualTo(ExchangeType.TOPIC);
        assertThat(topic.isInternal()).isTrue();
        assertThat(exchange("public", ExchangeType.TOPIC).isInternal()).as("clients may publish to it").isFalse();
        assertThat(topic.settings().durable()).isTrue();
        assertThat(topic).hasToString("exchange 't' (topic)");
        assertThat(Destination.queue("q")).hasToString("queue 'q'");
        assertThat(Destination.exchange("x")).hasToString("exchange 'x'");
    }

    @Test
    void shouldKnowEveryWireTypeByName() {
        for (ExchangeType type : ExchangeType.values()) {
            assertThat(ExchangeType.fromWireName(type.wireName())).contains(type);
        }
        assertThat(ExchangeType.fromWireName("x-consistent-hash")).isEmpty();
        assertThat(ExchangeType.fromWireName("Direct")).isEmpty();
    }
}
