package dev.ferry.http;

import java.util.Locale;
import java.util.Map;

/**
 * The protocol names the protocol-listener health check accepts, as RabbitMQ 3.10 reads them: any
 * case, and the version-numbered or "s"-suffixed spellings clients use for the name the listener
 * is registered under ({@code amqp091} and {@code amqp1.0} are {@code amqp}, whose port serves
 * both; {@code amqps} is {@code amqp/ssl}; {@code management} is {@code http}). Any other name is
 * taken as it is written, lower-cased, so Ferry's own {@code kafka} and {@code kafka/ssl} work too.
 */
final class ListenerProtocols {
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("amqp091", "amqp"), Map.entry("amqp0.9.1", "amqp"), Map.entry("amqp0-9-1", "amqp"),
            Map.entry("amqp0_9_1", "amqp"), Map.entry("amqp10", "amqp"), Map.entry("amqp1.0", "amqp"),
            Map.entry("amqp1-0", "amqp"), Map.entry("amqp1_0", "amqp"), Map.entry("amqps", "amqp/ssl"),
            Map.entry("mqtt31", "mqtt"), Map.entry("mqtt3.1", "mqtt"), Map.entry("mqtt311", "mqtt"),
            Map.entry("mqtt3.1.1", "mqtt"), Map.entry("mqtts", "mqtt/ssl"),
            Map.entry("stomp10", "stomp"), Map.entry("stomp1.0", "stomp"), Map.entry("stomp11", "stomp"),
            Map.entry("stomp1.1", "stomp"), Map.entry("stomp12", "stomp"), Map.entry("stomp1.2", "stomp"),
            Map.entry("stomps", "stomp/ssl"),
            Map.entry("web-mqtt", "http/web-mqtt"), Map.entry("web-mqtt/ssl", "https/web-mqtt"),
            Map.entry("web-stomp", "http/web-stomp"), Map.entry("web-stomp/ssl", "https/web-stomp"),
            Map.entry("management", "http"));

    private ListenerProtocols() {
    }

    /** The registered listener name {@code requested} stands for. */
    static String canonical(String requested) {
        String lower = requested.toLowerCase(Locale.ROOT);
        return ALIASES.getOrDefault(lower, lower);
    }
}
