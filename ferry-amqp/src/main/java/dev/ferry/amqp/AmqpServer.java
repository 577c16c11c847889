package dev.ferry.amqp;

import dev.ferry.amqp.codec.AmqpFrames;
import dev.ferry.amqp.codec.FrameDecoder;
import dev.ferry.amqp.connection.AmqpConnectionHandler;
import dev.ferry.error.ErrorCode;
import dev.ferry.front.ListenAddresses;
import dev.ferry.front.TcpListener;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AMQP 0-9-1 listener: a {@link TcpListener} on each configured address whose accepted sockets
 * get a {@link FrameDecoder} and an {@link AmqpConnectionHandler}; for AMQPS ({@link AmqpConfig#tls})
 * a TLS handler comes first. A broker with both runs two servers sharing one configuration.
 *
 * <pre>
 * AmqpServer server = new AmqpServer(new AmqpConfig().host("127.0.0.1").port(0));
 * int port = server.start();
 * ...
 * server.stop();
 * </pre>
 */
public final class AmqpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AmqpServer.class);

    private final AmqpConfig config;
    private TcpListener listener;

    public AmqpServer(AmqpConfig config) {
        this.config = config.conclude();
    }

    /**
     * Binds every usable address and starts accepting; returns the bound port (useful with port 0).
     * A bind that fails stops the start with an {@link IllegalStateException} naming the address.
     */
    public synchronized int start() throws InterruptedException {
        if (listener != null && listener.isListening()) {
            throw new IllegalStateException("already started");
        }
        listener = new TcpListener(config.tls() == null ? "AMQP" : "AMQPS", config.ioThreads(), channel -> {
            if (config.tls() != null) {
                config.tls().addTo(channel.pipeline(), "AMQPS");
            }
            FrameDecoder decoder = new FrameDecoder(AmqpFrames.HANDSHAKE_FRAME_MAX);
            channel.pipeline().addLast("frames", decoder);
            channel.pipeline().addLast("connection", new AmqpConnectionHandler(config, decoder));
        });
        int port = listener.bind(config.addresses(), config.port(), bound -> { });
        config.resourceAlarm().addListener(this::onResourceAlarm);
        // "AMQPS listening on 127.0.0.1:5671, ..." is read by scripts and tests like the other ports' lines.
        LOG.info("{} listening on {} ({})", config.listenerName(), boundAddresses().stream().map(ListenAddresses::format)
                .collect(Collectors.joining(", ")), listener.transport());
        return port;
    }

    /** Where the listener accepts connections, in the order the addresses were given. */
    public synchronized List<InetSocketAddress> boundAddresses() {
        return listener == null ? List.of() : listener.boundAddresses();
    }

    /**
     * Stops accepting, tells every client with connection.close 320 CONNECTION_FORCED (as RabbitMQ
     * does on shutdown), waits up to the close timeout for their close-ok, then drops what is left
     * and releases the event loops.
     */
    public synchronized void stop() {
        if (listener == null || !listener.isListening()) {
            return;
        }
        listener.closeListeners();
        ChannelGroup connections = listener.connections();
        for (Channel connection : connections) {
            AmqpConnectionHandler handler = connection.pipeline().get(AmqpConnectionHandler.class);
            if (handler != null) {
                handler.close(ErrorCode.CONNECTION_FORCED, "broker forced connection closure with reason 'shutdown'");
            }
        }
        connections.newCloseFuture().awaitUninterruptibly(config.closeTimeoutMs());
        listener.shutdown();
        LOG.info("{} listener stopped", config.listenerName());
    }

    @Override
    public void close() {
        stop();
    }

    /** Blocks every open connection's publishers while {@code reason} is set; unblocks when it is null. */
    private void onResourceAlarm(String reason) {
        TcpListener current = listener;
        if (current == null) {
            return;
        }
        ChannelGroup open = current.connections();
        if (reason != null) {
            LOG.warn("publishers blocked: {}", reason);
        } else {
            LOG.info("publishers unblocked: resource alarms cleared");
        }
        for (Channel connection : open) {
            AmqpConnectionHandler handler = connection.pipeline().get(AmqpConnectionHandler.class);
            if (handler != null) {
                if (reason != null) {
                    handler.block(reason);
                } else {
                    handler.unblock();
                }
            }
        }
    }
}
