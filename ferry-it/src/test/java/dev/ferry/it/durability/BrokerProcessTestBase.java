package dev.ferry.it.durability;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import dev.ferry.it.support.BrokerProcess;

/**
 * For tests that start, kill and restart their own broker processes on one data directory: every
 * broker and client connection a test opens is closed after it, whatever happened.
 */
abstract class BrokerProcessTestBase {
    @TempDir
    Path dataDir;
    final List<BrokerProcess> brokers = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        for (Connection connection : connections) {
            try {
                connection.abort(1000);
            } catch (RuntimeException ignored) {
                // The broker may be gone already.
            }
        }
        brokers.forEach(BrokerProcess::close);
    }

    BrokerProcess start(String... args) throws IOException {
        BrokerProcess broker = BrokerProcess.start(dataDir, args);
        brokers.add(broker);
        return broker;
    }

    /** A channel on a new connection (without automatic recovery) to {@code broker}. */
    Channel channel(BrokerProcess broker) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setPort(broker.amqpPort());
        factory.setAutomaticRecoveryEnabled(false);
        Connection connection = factory.newConnection();
        connections.add(connection);
        return connection.createChannel();
    }
}
