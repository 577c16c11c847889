package dev.ferry.route;

import static dev.ferry.route.RoutingFixtures.bindQueue;
import static dev.ferry.route.RoutingFixtures.exchange;
import static dev.ferry.route.RoutingFixtures.message;
import static dev.ferry.route.RoutingFixtures.queueNames;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class ExchangeTypesTest {

    @Test
    void directShouldRouteOnlyToQueuesBoundWithTheExactKey() {
        Exchange direct = exchange("d", ExchangeType.DIRECT);
        bindQueue(direct, "red", "q1");
        bindQueue(direct, "red", "q2");
        bindQueue(direct, "blue", "q3");

        assertThat(queueNames(direct, message("red"))).containsExactly("q1", "q2");
        assertThat(queueNames(direct, message("blue"))).containsExactly("q3");
        assertThat(queueNames(direct, message("green"))).isEmpty();
        assertThat(queueNames(direct, message("Red"))).isEmpty();
    }

    @Test
    void fanoutShouldRouteToEveryBoundQueueWhateverTheKey() {
        Exchange fanout = exchange("f", ExchangeType.FANOUT);
        bindQueue(fanout, "ignored", "q1");
        bindQueue(fanout, "", "q2");

        assertThat(queueNames(fanout, message("anything"))).containsExactlyInAnyOrder("q1", "q2");
    }

    @Test
    void shouldKeepRoutingWhileAnotherBindingWithOtherArgumentsRemains() {
        Exchange direct = exchange("d", ExchangeType.DIRECT);
        Binding plain = new Binding("d", Destination.queue("q"), "k");
        Binding withArguments = new Binding("d", Destination.queue("q"), "k", Map.of("a", 1));
        assertThat(direct.addBinding(plain)).isTrue();
        assertThat(direct.addBinding(withArguments)).isTrue();
        assertThat(direct.addBinding(plain)).as("identical binding is not added twice").isFalse();

        direct.removeBinding(plain);

        assertThat(queueNames(direct, message("k"))).containsExactly("q");
        direct.removeBinding(withArguments);
        assertThat(queueNames(direct, message("k"))).isEmpty();
        assertThat(direct.hasBindings()).isFalse();
    }

    @Test
    void topicShouldMatchStarAsOneWordAndHashAsAnyNumber() {
        Exchange topic = exchange("t", ExchangeType.TOPIC);
        bindQueue(topic, "*.error", "errors");
        bindQueue(topic, "order.#", "orders");
        bindQueue(topic, "a.#.b", "ab");

        assertThat(queueNames(topic, message("db.error"))).containsExactly("errors");
        assertThat(queueNames(topic, message("db.disk.error"))).isEmpty();
        assertThat(queueNames(topic, message("order"))).containsExactly("orders");
        assertThat(queueNames(topic, message("order.created.eu"))).containsExactly("orders");
        assertThat(queueNames(topic, message("a.b"))).containsExactly("ab");
        assertThat(queueNames(topic, message("a.x.b"))).containsExactly("ab");
        assertThat(queueNames(topic, message("a.x.y.b"))).containsExactly("ab");
        assertThat(queueNames(topic, message("a.x.y"))).isEmpty();
    }

    @Test
    void topicHashAloneShouldMatchEveryKeyIncludingTheEmptyOne() {
        Exchange topic = exchange("t", ExchangeType.TOPIC);
        bindQueue(topic, "#", "all");

        assertThat(queueNames(topic, message(""))).containsExactly("all");
        assertThat(queueNames(topic, message("a"))).containsExactly("all");
        assertThat(queueNames(topic, message("a..b."))).containsExactly("all");
    }

    @Test
    void topicDoubleHashShouldMeanTheSameAsOneHash() {
        Exchange topic = exchange("t", ExchangeType.TOPIC);
        bindQueue(topic, "#.#", "q");

        assertThat(queueNames(topic, message(""))).containsExactly("q");
        assertThat(queueNames(topic, message("a.b.c"))).containsExactly("q");
        topic.removeBinding(new Binding("t", Destination.queue("q"), "#.#"));
        assertThat(queueNames(topic, message("a"))).isEmpty();
    }

    @Test
    void topicStarShouldMatchOneEmptyWordButNotTheEmptyKey() {
        Exchange topic = exchange("t", ExchangeType.TOPIC);
        bindQueue(topic, "*", "one");
        bindQueue(topic, "a.*", "a-one");
        bindQueue(topic, "", "empty");

        assertThat(queueNames(topic, message(""))).containsExactly("empty");
        assertThat(queueNames(topic, message("x"))).containsExactly("one");
        assertThat(queueNames(topic, message("a."))).containsExactly("a-one");
        assertThat(queueNames(topic, message("."))).isEmpty();
        assertThat(queueNames(topic, message("a"))).containsExactly("one");
    }

    @Test
    void topicShouldReportAQueueMatchedByTwoPatternsOnlyOnceAfterDeduplication() {
        Exchange topic = exchange("t", ExchangeType.TOPIC);
        bindQueue(topic, "a.*", "q");
        bindQueue(topic, "#", "q");

        assertThat(queueNames(topic, message("a.b"))).containsExactly("q");
    }

    @Test
    void topicShouldScaleToManyBindings() {
        Exchange topic = exchange("t", ExchangeType.TOPIC);
        for (int i = 0; i < 20_000; i++) {
            bindQueue(topic, "tenant" + i + ".*.created", "q" + i);
        }
        bindQueue(topic, "#.created", "audit");

        assertThat(queueNames(topic, message("tenant12345.order.created")))
                .containsExactlyInAnyOrder("q12345", "audit");
        for (int i = 0; i < 20_000; i++) {
            topic.removeBinding(new Binding("t", Destination.queue("q" + i), "tenant" + i + ".*.created"));
        }
        assertThat(queueNames(topic, message("tenant12345.order.created"))).containsExactly("audit");
    }
}
