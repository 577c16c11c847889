package dev.ferry.route;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import dev.ferry.message.Message;
import dev.ferry.message.MessageProperties;

/** Small builders shared by the routing tests. */
final class RoutingFixtures {
    private RoutingFixtures() {
    }

    static Exchange exchange(String name, ExchangeType type) {
        return exchange(name, type, Map.of());
    }

    static Exchange exchange(String name, ExchangeType type, Map<String, Object> arguments) {
        return Exchange.create(new ExchangeSettings(name, type, false, false, false, arguments));
    }

    static Message message(String routingKey) {
        return new Message("x", routingKey, MessageProperties.EMPTY, new byte[0]);
    }

    static Message messageWithHeaders(Map<String, Object> headers) {
        return new Message("x", "", MessageProperties.EMPTY.withHeaders(headers), new byte[0]);
    }

    static Set<Destination> routeOnce(Exchange exchange, Message message) {
        Set<Destination> destinations = new LinkedHashSet<>();
        exchange.route(message, destinations::add);
        return destinations;
    }

    static Set<String> queueNames(Exchange exchange, Message message) {
        Set<String> names = new LinkedHashSet<>();
        exchange.route(message, d -> names.add(d.name()));
        return names;
    }

    static void bindQueue(Exchange exchange, String key, String queue) {
        exchange.addBinding(new Binding(exchange.name(), Destination.queue(queue), key));
    }
}
