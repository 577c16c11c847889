package dev.ferry.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * The settings the broker process starts with, checked once by {@link #conclude()} so that a wrong
 * value stops the start with a message naming it, instead of failing later in the middle of work.
 */
public final class BrokerSettings {
    public Path dataDir = Path.of("data");
    public int amqpPort = 5672;
    public String bind = "127.0.0.1";

    private InetAddress bindAddress;

    /** Checks every value and resolves derived ones; throws {@link ConfigException} naming the first bad one. */
    public BrokerSettings conclude() {
        if (amqpPort < 0 || amqpPort > 65535) {
            throw new ConfigException("amqp-port must be between 0 and 65535 (0 picks a free port), got " + amqpPort);
        }
        try {
            bindAddress = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new ConfigException("bind address '" + bind + "' cannot be resolved");
        }
        dataDir = dataDir.toAbsolutePath().normalize();
        return this;
    }

    public InetAddress bindAddress() {
        if (bindAddress == null) {
            throw new IllegalStateException("conclude() has not been called");
        }
        return bindAddress;
    }
}
