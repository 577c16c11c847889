package dev.ferry.kafka;

import dev.ferry.front.ListenAddresses;
import dev.ferry.front.TcpListener;
import dev.ferry.front.tls.FileRegionCopier;
import dev.ferry.kafka.connection.KafkaConnectionHandler;
import dev.ferry.kafka.wire.RequestFrameDecoder;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka listener: a {@link TcpListener} on each configured address whose accepted sockets get
 * a {@link RequestFrameDecoder} and a {@link KafkaConnectionHandler}. The SSL listener
 * ({@link KafkaConfig#tls}) puts TLS in front of them, and copies fetched segment slices into
 * buffers (TLS encrypts in user space, so sendfile is out); a broker with both runs two servers on
 * one {@link LocalNode}, each setting its listener's advertised port.
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
        SecurityProtocol protocol = config.securityProtocol();
        String name = listenerName();
        listener = new TcpListener(name, config.ioThreads(), channel -> {
            if (config.tls() != null) {
                config.tls().addTo(channel.pipeline(), name);
                channel.pipeline().addLast("file-regions", new FileRegionCopier());
            }
            channel.pipeline().addLast("frames", new RequestFrameDecoder(config.requestMaxBytes()));
            channel.pipeline().addLast("requests", new KafkaConnectionHandler(config.handlers(),
                    config.maxRequestsInFlight(), protocol, config.authentication()));
        });
        // Set before any bind: a client may connect the moment the first listener is bound.
        if (config.port() != 0) {
            config.node().advertisedPort(protocol, config.port());
        }
        int port = listener.bind(config.addresses(), config.port(), bound -> config.node().advertisedPort(protocol, bound));
        // "Kafka listening on" and "Kafka SSL listening on" are read by scripts and tests.
        LOG.info("{} listening on {} ({}, {}), advertised as {}:{}, node {} of cluster {}", name,
                boundAddresses().stream().map(ListenAddresses::format).collect(Collectors.joining(", ")),
                listener.transport(), securityProtocolName(), config.node().advertisedHost(), port, config.node().nodeId(),
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
        LOG.info("{} listener stopped", listenerName());
    }

    /** Kafka's name for how this listener's clients connect: PLAINTEXT, SASL_PLAINTEXT, SSL or SASL_SSL. */
    private String securityProtocolName() {
        boolean sasl = config.authentication().saslRequired();
        if (config.tls() == null) {
            return sasl ? "SASL_PLAINTEXT" : "PLAINTEXT";
        }
        return sasl ? "SASL_SSL" : "SSL";
    }

    private String listenerName() {
        return config.tls() == null ? "Kafka" : "Kafka SSL";
    }

    @Override
    public void close() {
        stop();
    }
}
