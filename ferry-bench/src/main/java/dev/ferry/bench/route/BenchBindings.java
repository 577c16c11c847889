package dev.ferry.bench.route;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;
import dev.ferry.route.Binding;
import dev.ferry.route.Destination;
import dev.ferry.route.Exchange;
import dev.ferry.route.ExchangeSettings;
import dev.ferry.route.ExchangeType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The exchanges and routing keys of the routing benchmarks.
 *
 * <p>The topic exchange has {@value #TOPIC_BINDINGS} bindings, each to its own queue, in four
 * shapes a multi-tenant event bus typically has:
 * <ul>
 *   <li>5,000 {@code t<tenant>.svc<service>.*}: tenants 0-499, services 0-9 (a service's queue per tenant);</li>
 *   <li>3,000 {@code t<tenant>.svc<service>.created}: tenants 0-299 (handlers of one event);</li>
 *   <li>1,990 {@code region<r>.*.orders.#}: regions 0-198, 10 queues per pattern (regional order pipelines);</li>
 *   <li>10 {@code #.failed}: error collectors, which make every key explore a leading {@code #}.</li>
 * </ul>
 * Routing keys come in three kinds, {@value #KEYS_PER_KIND} distinct keys each, used in turn so
 * the trie is not walked along one hot path only:
 * <ul>
 *   <li>{@code none}: {@code t<500..>.svc<s>.created}, an unbound tenant: 0 destinations;</li>
 *   <li>{@code one}: {@code t<300..499>.svc<s>.shipped}: only the tenant-service wildcard, 1 destination;</li>
 *   <li>{@code several}: {@code region<r>.t<t>.orders.failed}: 10 regional queues and 10 error collectors, 20.</li>
 * </ul>
 */
final class BenchBindings {
    static final int TOPIC_BINDINGS = 10_000;
    static final int KEYS_PER_KIND = 1024;
    static final String EXCHANGE = "events";

    private BenchBindings() {
    }

    static Exchange topicExchange() {
        Exchange exchange = Exchange.create(settings(EXCHANGE, ExchangeType.TOPIC));
        int queue = 0;
        for (int tenant = 0; tenant < 500; tenant++) {
            for (int service = 0; service < 10; service++) {
                bind(exchange, queue++, "t" + tenant + ".svc" + service + ".*");
            }
        }
        for (int tenant = 0; tenant < 300; tenant++) {
            for (int service = 0; service < 10; service++) {
                bind(exchange, queue++, "t" + tenant + ".svc" + service + ".created");
            }
        }
        for (int region = 0; region < 199; region++) {
            for (int copy = 0; copy < 10; copy++) {
                bind(exchange, queue++, "region" + region + ".*.orders.#");
            }
        }
        for (int copy = 0; copy < 10; copy++) {
            bind(exchange, queue++, "#.failed");
        }
        if (exchange.bindings().size() != TOPIC_BINDINGS) {
            throw new IllegalStateException("expected " + TOPIC_BINDINGS + " bindings, got " + exchange.bindings().size());
        }
        return exchange;
    }

    /** The routing keys of one kind and how many destinations each must reach. */
    static List<Message> topicKeys(String kind) {
        List<Message> messages = new ArrayList<>(KEYS_PER_KIND);
        for (int i = 0; i < KEYS_PER_KIND; i++) {
            String key = switch (kind) {
                case "none" -> "t" + (500 + i) + ".svc" + (i % 10) + ".created";
                case "one" -> "t" + (300 + i % 200) + ".svc" + (i / 200 % 10) + ".shipped";
                case "several" -> "region" + (i % 199) + ".t" + i + ".orders.failed";
                default -> throw new IllegalArgumentException(kind);
            };
            messages.add(message(key));
        }
        return messages;
    }

    static int expectedMatches(String kind) {
        return switch (kind) {
            case "none" -> 0;
            case "one" -> 1;
            case "several" -> 20;
            default -> throw new IllegalArgumentException(kind);
        };
    }

    static Exchange directExchange(int bindings) {
        Exchange exchange = Exchange.create(settings("direct", ExchangeType.DIRECT));
        for (int i = 0; i < bindings; i++) {
            exchange.addBinding(new Binding("direct", Destination.queue("q" + i), "key-" + i));
        }
        return exchange;
    }

    static Exchange fanoutExchange(int bindings) {
        Exchange exchange = Exchange.create(settings("fanout", ExchangeType.FANOUT));
        for (int i = 0; i < bindings; i++) {
            exchange.addBinding(new Binding("fanout", Destination.queue("q" + i), ""));
        }
        return exchange;
    }

    static Message message(String routingKey) {
        return new Message(EXCHANGE, routingKey, MessageProperties.EMPTY, new byte[12]);
    }

    private static void bind(Exchange exchange, int queue, String pattern) {
        exchange.addBinding(new Binding(exchange.name(), Destination.queue("q" + queue), pattern));
    }

    private static ExchangeSettings settings(String name, ExchangeType type) {
        return new ExchangeSettings(name, type, true, false, false, Map.of());
    }
}
