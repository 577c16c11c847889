package dev.ferry.front.registry;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * One open client connection as operators see it (the management API's /api/connections): who,
 * from where, on which virtual host, and a way to close it. A protocol front implements it and
 * registers each connection, once its handshake is done, in {@link ClientConnections}.
 *
 * <p>Every method may be called from any thread. The fixed facts are plain getters; what lives on
 * the connection's own event loop (its channels and consumers) is asked for with
 * {@link #channels()} and answered there, so a caller never reads another thread's state and never
 * blocks an event loop.
 */
public interface ClientConnection {
    /** Unique among this process's connections. */
    long id();

    /** RabbitMQ's connection name: {@code "peer:port -> local:port"}. */
    String name();

    /** The protocol and version, as RabbitMQ reports it: {@code "AMQP 0-9-1"}. */
    String protocol();

    SocketAddress peerAddress();

    SocketAddress localAddress();

    String user();

    String virtualHost();

    /** What the client told about itself (product, version, capabilities, connection_name, ...). */
    Map<String, Object> clientProperties();

    /** When the handshake finished, in milliseconds since the epoch. */
    long connectedAtMillis();

    int frameMax();

    int channelMax();

    int heartbeatSeconds();

    /** Publishing is held back by a resource alarm. */
    boolean isBlocked();

    /** The open channels with their consumers, read on the connection's own thread. */
    CompletionStage<List<ChannelSnapshot>> channels();

    /**
     * Closes the connection from the server side with the protocol's "forced" close (AMQP:
     * connection.close 320 CONNECTION_FORCED) carrying {@code reason}.
     */
    void closeForced(String reason);
}
