package dev.ferry.amqp.connection;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server-properties table of connection.start. Clients read the capabilities table to decide
 * which RabbitMQ extensions they may use, so each one listed here must really be honoured by the
 * broker once the channel semantics are plugged in.
 */
final class ServerProperties {
    private ServerProperties() {
    }

    static Map<String, Object> of(String productVersion, String clusterName) {
        Map<String, Object> capabilities = new LinkedHashMap<>();
        capabilities.put("publisher_confirms", true);
        capabilities.put("exchange_exchange_bindings", true);
        capabilities.put("basic.nack", true);
        capabilities.put("consumer_cancel_notify", true);
        capabilities.put("connection.blocked", true);
        capabilities.put("consumer_priorities", true);
        capabilities.put("authentication_failure_close", true);
        capabilities.put("per_consumer_qos", true);
        capabilities.put("direct_reply_to", true);

        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("product", "Ferry");
        properties.put("version", productVersion);
        properties.put("platform", "Java");
        properties.put("copyright", "The Ferry authors");
        properties.put("information", "Ferry message broker, AMQP 0-9-1 front");
        properties.put("capabilities", capabilities);
        properties.put("cluster_name", clusterName);
        return properties;
    }
}
