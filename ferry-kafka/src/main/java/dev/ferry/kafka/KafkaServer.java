package dev.ferry.kafka;

import dev.ferry.front.ListenAddresses;
import dev.ferry.front.TcpListener;
import dev.ferry.kafka.connection.KafkaConnectionHandler;
import dev.ferry.kafka.wire.RequestFrameDecoder;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka listener: a {@link TcpListener} on each configured address whose accepted sockets get
 * a {@link RequestFrameDecoder} and a {@link KafkaConnectionHandler}.
 *
 * <pre>
 * KafkaServer server = new KafkaServer(new KafkaConfig().addresses(addresses).port(0).node(node).handlers(handlers));
 * int port = server.start();
 * ...
 * server.stop();
 * </pre>
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaServer.class);

    private final KafkaConfig config;
    private TcpListener listener;

    public KafkaServer(KafkaConfig config) {
        this.config = config.conclude();
    }

    /** Binds every usable address and starts accepting; returns the bound port (useful with port 0). */
    public synchronized int start() throws InterruptedException {
        if (listener != null && listener.isListening()) {
            throw new IllegalStateException("already started");
        }
        listener = new TcpListener("Kafka", config.ioThreads(), channel -> {
            channel.pipeline().addLast("frames", new RequestFrameDecoder(config.requestMaxBytes()));
            channel.pipeline().addLast("requests", new KafkaConnectionHandler(config.handlers(), config.maxRequestsInFlight(),
                    config.authentication()));
        });
        // Set before any bind: a client may connect the moment the first listener is bound.
        if (config.port() != 0) {
            config.node().advertisedPort(config.port());
        }
        int port = listener.bind(config.addresses(), config.port(), bound -> config.node().advertisedPort(bound));
        LOG.info("Kafka listening on {} ({}, {}), advertised as {}:{}, node {} of cluster {}",
                boundAddresses().stream().map(ListenAddresses::format).collect(Collectors.joining(", ")),
                listener.transport(), config.authentication().securityProtocol(), config.node().advertisedHost(), port, config.node().nodeId(),
                config.node().clusterId());
        return port;
    }

    /** Where the listener accepts connections, in the order the addresses were given. */
    public synchronized List<InetSocketAddress> boundAddresses() {
        return listener == null ? List.of() : listener.boundAddresses();
    }

    /** Stops accepting and closes every connection; Kafka clients reconnect to another broker, or retry. */
    public synchronized void stop() {
        if (listener == null || !listener.isListening()) {
            return;
        }
        listener.shutdown();
        LOG.info("Kafka listener stopped");
    }

    @Override
    public void close() {
        stop();
    }
}
