package dev.ferry.route;

import static dev.ferry.route.RoutingFixtures.bindQueue;
import static dev.ferry.route.RoutingFixtures.exchange;
import static dev.ferry.route.RoutingFixtures.message;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RouterTest {
    private final Map<String, Exchange> exchanges = new HashMap<>();
    private Router router;

    @BeforeEach
    void setUp() {
        router = new Router(exchanges::get);
    }

    private Exchange add(String name, ExchangeType type) {
        return add(name, type, Map.of());
    }

    private Exchange add(String name, ExchangeType type, Map<String, Object> arguments) {
        Exchange exchange = exchange(name, type, arguments);
        exchanges.put(name, exchange);
        return exchange;
    }

    private static void bindExchange(Exchange source, String key, Exchange destination) {
        source.addBinding(new Binding(source.name(), Destination.exchange(destination.name()), key));
    }

    @Test
    void shouldFollowExchangeToExchangeChains() {
        Exchange entry = add("entry", ExchangeType.FANOUT);
        Exchange middle = add("middle", ExchangeType.TOPIC);
        Exchange last = add("last", ExchangeType.DIRECT);
        bindExchange(entry, "", middle);
        bindExchange(middle, "order.*", last);
        bindQueue(last, "order.created", "created");
        bindQueue(middle, "#", "audit");

        assertThat(router.route(entry, message("order.created"))).containsExactlyInAnyOrder("created", "audit");
        assertThat(router.route(entry, message("order.paid"))).containsExactly("audit");
    }

    @Test
    void shouldStopAtCyclesAndStillDeliverToEachQueueOnce() {
        Exchange a = add("a", ExchangeType.FANOUT);
        Exchange b = add("b", ExchangeType.FANOUT);
        bindExchange(a, "", b);
        bindExchange(b, "", a);
        bindExchange(a, "", a);
        bindQueue(a, "", "q");
        bindQueue(b, "", "q");

        assertThat(router.route(a, message("k"))).containsExactly("q");
    }

    @Test
    void shouldUseTheAlternateExchangeWhenNothingMatches() {
        Exchange main = add("main", ExchangeType.DIRECT, Map.of("alternate-exchange", "ae"));
        Exchange alternate = add("ae", ExchangeType.FANOUT);
        bindQueue(main, "known", "known-q");
        bindQueue(alternate, "", "unrouted");

        assertThat(router.route(main, message("known"))).containsExactly("known-q");
        assertThat(router.route(main, message("other"))).containsExactly("unrouted");
    }

    @Test
    void shouldNotUseTheAlternateExchangeWhenOnlyADownstreamExchangeRoutesNowhere() {
        Exchange main = add("main", ExchangeType.FANOUT, Map.of("alternate-exchange", "ae"));
        Exchange empty = add("empty", ExchangeType.DIRECT);
        Exchange alternate = add("ae", ExchangeType.FANOUT);
        bindExchange(main, "", empty);
        bindQueue(alternate, "", "unrouted");

        assertThat(router.route(main, message("k"))).isEmpty();
    }

    @Test
    void shouldTolerateAlternateExchangeCyclesAndMissingAlternates() {
        add("a", ExchangeType.DIRECT, Map.of("alternate-exchange", "b"));
        add("b", ExchangeType.DIRECT, Map.of("alternate-exchange", "a"));
        Exchange missing = add("m", ExchangeType.DIRECT, Map.of("alternate-exchange", "nowhere"));

        assertThat(router.route(exchanges.get("a"), message("k"))).isEmpty();
        assertThat(router.route(missing, message("k"))).isEmpty();
    }

    @Test
    void shouldReachAQueueOnceWhenSeveralPathsLeadToIt() {
        Exchange entry = add("entry", ExchangeType.FANOUT);
        Exchange left = add("left", ExchangeType.FANOUT);
        Exchange right = add("right", ExchangeType.FANOUT);
        bindExchange(entry, "", left);
        bindExchange(entry, "", right);
        bindQueue(left, "", "q");
        bindQueue(right, "", "q");
        bindQueue(entry, "", "q");

        assertThat(router.route(entry, message("k"))).containsExactly("q");
    }

    @Test
    void defaultExchangeShouldNameTheQueueEqualToTheRoutingKey() {
        assertThat(router.route(new DefaultExchange(), message("orders"))).containsExactly("orders");
    }

    @Test
    void shouldReachEveryOneOfManyDistinctQueuesOnce() {
        Exchange fanout = add("wide", ExchangeType.FANOUT);
        for (String queue : new String[] {"q1", "q2", "q3", "q4", "q2", "q1"}) {
            fanout.addBinding(new Binding("wide", Destination.queue(queue), "", Map.of("copy", queue.hashCode())));
        }
        Exchange topic = add("t", ExchangeType.TOPIC);
        bindQueue(topic, "a.*", "q5");
        bindExchange(fanout, "", topic);

        assertThat(router.route(fanout, message("a.b"))).containsExactly("q1", "q2", "q3", "q4", "q5");
    }

    @Test
    void shouldStillRouteToTheOtherQueueAfterOneOfTwoSameKeyBindingsIsRemoved() {
        Exchange direct = add("d", ExchangeType.DIRECT);
        bindQueue(direct, "k", "first");
        bindQueue(direct, "k", "second");

        assertThat(direct.removeBinding(new Binding("d", Destination.queue("first"), "k"))).isTrue();

        assertThat(router.route(direct, message("k"))).containsExactly("second");
    }

    @Test
    void shouldUseTheAlternateOfTheExchangeThatMatchedNothingDownAChain() {
        Exchange entry = add("entry", ExchangeType.FANOUT);
        Exchange picky = add("picky", ExchangeType.DIRECT, Map.of("alternate-exchange", "ae"));
        Exchange alternate = add("ae", ExchangeType.FANOUT);
        bindExchange(entry, "", picky);
        bindQueue(picky, "known", "known-q");
        bindQueue(alternate, "", "unrouted");

        assertThat(router.route(entry, message("other"))).containsExactly("unrouted");
        assertThat(router.route(entry, message("known"))).containsExactly("known-q");
    }
}
