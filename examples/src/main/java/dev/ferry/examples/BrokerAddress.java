package dev.ferry.examples;

import com.rabbitmq.client.ConnectionFactory;
import java.util.Map;

/**
 * Where an example finds the broker: host and port from the command line if given, otherwise from
 * {@code FERRY_HOST} / {@code FERRY_PORT}, otherwise 127.0.0.1:5672. The same example therefore runs
 * unchanged against Ferry or against RabbitMQ.
 */
public record BrokerAddress(String host, int port) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 5672;

    public BrokerAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be in 1..65535, was " + port);
        }
    }

    /** Reads {@code [host [port]]} from {@code args}, falling back to the environment, then to the defaults. */
    public static BrokerAddress fromArgsOrEnvironment(String[] args, Map<String, String> environment) {
        String host = args.length > 0 ? args[0] : environment.getOrDefault("FERRY_HOST", DEFAULT_HOST);
        String portText = args.length > 1 ? args[1] : environment.get("FERRY_PORT");
        int port = DEFAULT_PORT;
        if (portText != null && !portText.isBlank()) {
            try {
                port = Integer.parseInt(portText.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("port is not a number: '" + portText + "'", e);
            }
        }
        return new BrokerAddress(host, port);
    }

    /**
     * A factory for guest/guest on vhost "/". Automatic recovery is off: an example that loses its
     * connection must fail visibly rather than quietly reconnect and hide a broker bug.
     */
    public ConnectionFactory connectionFactory() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host);
        factory.setPort(port);
        factory.setUsername("guest");
        factory.setPassword("guest");
        factory.setVirtualHost("/");
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
        factory.setConnectionTimeout(10_000);
        factory.setHandshakeTimeout(10_000);
        factory.setRequestedHeartbeat(30);
        return factory;
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
