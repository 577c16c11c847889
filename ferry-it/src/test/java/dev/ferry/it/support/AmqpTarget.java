package dev.ferry.it.support;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeoutException;

/**
 * The broker the end-to-end tests talk to: by default one Ferry process started on first use and
 * shared by every test class in this JVM (starting one per class would dominate the suite's time);
 * with {@code -Dferry.it.amqp=amqp://guest:guest@127.0.0.1:5682} an already running broker
 * instead, which is how the suite's expectations are checked against real RabbitMQ
 * ({@code ferry-bench/rabbitmq-node.sh} starts one). Tests use unique names so they do not see
 * each other's queues.
 */
public final class AmqpTarget {
    private static final String EXTERNAL_PROPERTY = "ferry.it.amqp";
    private static AmqpTarget shared;

    private final String host;
    private final int port;
    private final BrokerProcess ferry;

    private AmqpTarget(String host, int port, BrokerProcess ferry) {
        this.host = host;
        this.port = port;
        this.ferry = ferry;
    }

    public static synchronized AmqpTarget shared() {
        if (shared == null) {
            shared = startTarget();
        }
        return shared;
    }

    private static AmqpTarget startTarget() {
        String external = System.getProperty(EXTERNAL_PROPERTY);
        if (external != null && !external.isBlank()) {
            java.net.URI uri = java.net.URI.create(external);
            return new AmqpTarget(uri.getHost(), uri.getPort(), null);
        }
        try {
            Path dataDir = Files.createTempDirectory("ferry-it-shared");
            BrokerProcess broker = BrokerProcess.start(dataDir);
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "stop-shared-broker"));
            return new AmqpTarget("127.0.0.1", broker.amqpPort(), broker);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the shared Ferry broker", e);
        }
    }

    /** True when the tests run against Ferry (so Ferry-only behaviour may be checked). */
    public boolean isFerry() {
        return ferry != null;
    }

    /**
     * For assertions where Ferry deliberately does better than RabbitMQ (answering an unknown method
     * with 540 instead of dropping the socket, for example): they hold against Ferry, which is what
     * CI runs, and are skipped only when the suite is pointed at RabbitMQ to check the others.
     */
    public void assumeFerryBehaviour(String why) {
        org.junit.jupiter.api.Assumptions.assumeTrue(isFerry(), "RabbitMQ differs on purpose: " + why);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** A factory for guest on the target, with automatic recovery off so failures stay visible. */
    public ConnectionFactory connectionFactory() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host);
        factory.setPort(port);
        factory.setUsername("guest");
        factory.setPassword("guest");
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
        factory.setConnectionTimeout(10_000);
        factory.setRequestedHeartbeat(30);
        return factory;
    }

    public Connection connect() {
        try {
            return connectionFactory().newConnection();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The Ferry process, for tests that check its log or liveness; fails on an external target. */
    public BrokerProcess ferry() {
        if (ferry == null) {
            throw new IllegalStateException("the tests run against an external broker");
        }
        return ferry;
    }
}
