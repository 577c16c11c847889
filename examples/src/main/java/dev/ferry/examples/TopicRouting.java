package dev.ferry.examples;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.ConnectionFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Log messages routed by "facility.severity" patterns through a topic exchange. {@code *} stands
 * for exactly one word, {@code #} for zero or more. The expected deliveries below are the
 * specification, written out by hand rather than computed, including the corners: {@code kern.#}
 * matches plain {@code kern}; {@code *.critical} does not match {@code kern.disk.critical} nor
 * {@code critical}; {@code #} matches the empty routing key; a queue whose two patterns both match
 * a message gets it once.
 */
public final class TopicRouting implements Example {
    static final List<String> ROUTING_KEYS = List.of(
            "kern.critical", "kern.info", "cron.critical", "kern", "kern.disk.critical",
            "app.disk", "disk", "", "kern.critical.extra", "critical");

    public static void main(String[] args) {
        ExampleLauncher.launch(new TopicRouting(), args);
    }

    @Override
    public String name() {
        return "topic-routing";
    }

    @Override
    public ExampleResult run(ConnectionFactory factory, Duration timeout) throws Exception {
        ExampleResult.Builder result = new ExampleResult.Builder(name());
        Map<String, List<String>> bindings = new LinkedHashMap<>();
        Map<String, List<String>> expected = new LinkedHashMap<>();
        bindings.put("critical", List.of("*.critical"));
        expected.put("critical", List.of("kern.critical", "cron.critical"));
        bindings.put("kernel", List.of("kern.#"));
        expected.put("kernel", List.of("kern.critical", "kern.info", "kern", "kern.disk.critical", "kern.critical.extra"));
        bindings.put("everything", List.of("#"));
        expected.put("everything", ROUTING_KEYS);
        bindings.put("kernel-or-critical", List.of("kern.*", "*.critical"));
        expected.put("kernel-or-critical", List.of("kern.critical", "kern.info", "cron.critical"));
        bindings.put("disk-anywhere", List.of("#.disk.#"));
        expected.put("disk-anywhere", List.of("kern.disk.critical", "app.disk", "disk"));

        String exchange = Names.unique("logs-topic");
        try {
            Map<String, List<String>> received = RoutingScenario.route(
                    factory, timeout, BuiltinExchangeType.TOPIC, exchange, bindings, ROUTING_KEYS);
            result.check(received != null, "every subscriber saw the end of the stream");
            if (received != null) {
                for (String subscriber : bindings.keySet()) {
                    result.checkEquals(expected.get(subscriber), received.get(subscriber),
                            subscriber + " " + bindings.get(subscriber) + " got exactly its matches, in order");
                }
            }
        } finally {
            Cleanup.delete(factory, List.of(), List.of(exchange));
        }
        return result.build();
    }
}
